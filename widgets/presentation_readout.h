#pragma once
// Presentation mode's live readout: the state on screen in words and its numbers in type large
// enough for the back of a lecture room ("block 7 output", mean ‖h‖ 24.4, ×1.31 from the
// previous state, cos 0.96 to it). Fed a plain TrajectoryStep; it draws itself to fit its size.
#include <QString>
#include <QVector>
#include <QWidget>
#include <optional>

#include "analysis/trajectory_step.h"

namespace es::widgets {

// What the readout says, as text (tests read it; the panel draws it).
struct ReadoutText {
    QString heading;   // "STATE 8 / 32" (as the layer slider counts)
    QString title;     // "block 7 output"
    QString subtitle;  // the dump's name for the state
    struct Row {
        QString label, value, note;  // "mean ‖h‖", "24.4", "×1.31 from the previous state"
    };
    QVector<Row> rows;
    QString message;  // instead of the numbers: "computing…", "no trajectory for this stream"
};

// The text for a step; without one, `message` says why there are no numbers.
ReadoutText readout_text(const std::optional<analysis::TrajectoryStep>& step,
                         const QString& message);

class ReadoutPanel : public QWidget {
    Q_OBJECT
public:
    explicit ReadoutPanel(QWidget* parent = nullptr);
    void set_text(const ReadoutText& text);
    const ReadoutText& text() const { return text_; }
    QSize sizeHint() const override { return {360, 480}; }
    QSize minimumSizeHint() const override { return {200, 240}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    ReadoutText text_;
};

}  // namespace es::widgets
