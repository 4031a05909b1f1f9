#pragma once
// Subspace angles: pick two subspaces (SOURCE:SIDE:RANGE) from menus and see their principal
// angles as bars with the overlap; presets compare the embedding's singular bands with the
// selected head's QK key side.
#include <optional>

#include "analysis/subspace_angles.h"
#include "result_view.h"

class QComboBox;
class QCustomPlot;
class QGridLayout;
class QLabel;
class QSpinBox;

namespace es::widgets {

class AnglesView : public ResultViewOf<analysis::SubspaceAnglesResult> {
    Q_OBJECT
public:
    explicit AnglesView(QWidget* parent = nullptr);

    // The sources the menus offer: weights, head circuits, stream states ("resid[3]").
    void set_sources(const QStringList& sources, int n_heads);
    QString spec_a() const;
    QString spec_b() const;
    void set_specs(const QString& a, const QString& b);
    void apply_preset(int index);  // 0: key side vs top embedding band, 1: vs a middle band

    void set_result(const analysis::SubspaceAnglesResult& result);
    // The plot's heading for a result: the two subspaces, one line each, and their overlap.
    static QStringList heading_of(const analysis::SubspaceAnglesResult& result);
    QCustomPlot* plot() const { return plot_; }
    std::vector<QCustomPlot*> figure_plots(const QString&) override { return {plot_}; }

signals:
    void specs_changed();

protected:
    void on_selection(const Selection& selection) override;
    void rebuild() override;

private:
    struct Picker {
        QComboBox* source;
        QComboBox* side;
        QSpinBox* from;
        QSpinBox* to;
    };
    Picker make_picker(const QString& label, QGridLayout* grid, int row);
    static QString spec_of(const Picker& p);
    void set_spec(Picker& p, const QString& spec);
    Picker a_{}, b_{};
    QComboBox* presets_ = nullptr;
    QCustomPlot* plot_ = nullptr;
    Selection selection_;
    int n_heads_ = 0;
    bool quiet_ = false;
};

}  // namespace es::widgets
