#pragma once
// The 3D view's custom-axes row: up to three token differences typed as "A-B@L" (token
// addresses: flat index or prompt:position, L a state index), or taken from the selection (the
// first two selected tokens at the current layer), or directions (analysis/direction_spec.h:
// "pairs(king:queen)@L", "pc1@L", "W_U[queen]", ...), among them the Directions view's current
// one at the current layer. Empty means the PCA axes.
#include <QList>
#include <QWidget>

class QLineEdit;
class QPushButton;

namespace es::widgets {

class AxesEditor : public QWidget {
    Q_OBJECT
public:
    explicit AxesEditor(QWidget* parent = nullptr);

    QString text() const;
    void set_text(const QString& text);  // no signal
    // The tokens and layer "from selection" uses; the button is enabled with two tokens or more.
    void set_selection(const QList<int>& tokens, int layer);
    // The Directions view's direction ("pairs(king:queen,man:woman)"; empty: none): the
    // "direction" button adds it at the current layer.
    void set_direction(const QString& spec);
    // Marks the text as refused (the view's status line says why) or accepted.
    void set_error(bool error);

signals:
    void edited(const QString& text);  // Return pressed, field cleared, or "from selection"

private:
    QLineEdit* edit_ = nullptr;
    void add_axis(const QString& axis);
    QPushButton* from_selection_ = nullptr;
    QPushButton* from_direction_ = nullptr;
    QString direction_;
    QList<int> tokens_;
    int layer_ = 0;
};

}  // namespace es::widgets
