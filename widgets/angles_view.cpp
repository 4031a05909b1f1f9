#include "angles_view.h"

#include <qcustomplot.h>
#include <QComboBox>
#include <QGridLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

#include "colormaps.h"
#include "plot_style.h"

namespace es::widgets {

AnglesView::AnglesView(QWidget* parent)
    : ResultViewOf(QStringLiteral("angles"), tr("Angles"), parent) {
    auto* grid = new QGridLayout;
    a_ = make_picker(tr("A"), grid, 0);
    b_ = make_picker(tr("B"), grid, 1);
    presets_ = new QComboBox(this);
    presets_->setObjectName(QStringLiteral("presets"));
    presets_->addItem(tr("Presets…"));
    presets_->addItem(tr("selected head's QK key side vs the embedding's top band (0-8)"));
    presets_->addItem(tr("selected head's QK key side vs an embedding middle band (32-64)"));
    grid->addWidget(presets_, 2, 0, 1, 5);
    column()->addLayout(grid);
    add_status_line();
    plot_ = make_plot(QStringLiteral("anglesPlot"), {240, 100});
    column()->addWidget(plot_, 1);
    connect(presets_, &QComboBox::activated, this, [this](int i) {
        if (i > 0) apply_preset(i - 1);
        presets_->setCurrentIndex(0);
    });
    style_plot(plot_, false);
    show_empty(tr("Choose two subspaces."));
    // Restored together (a session holds both): the second one names both specs.
    declare_setting(
        {QStringLiteral("a"),
         SettingSpec::Type::Text,
         QString(),
         {},
         0,
         0,
         QStringLiteral("first subspace, SOURCE:SIDE:FROM-TO, e.g. embed.W_E:right:0-8")},
        [this] { return QJsonValue(spec_a()); },
        [this](const QJsonValue& v) { set_specs(v.toString(), spec_b()); });
    declare_setting(
        {QStringLiteral("b"),
         SettingSpec::Type::Text,
         QString(),
         {},
         0,
         0,
         QStringLiteral("second subspace, e.g. blocks.1.attn.QK[0]:right:0-8")},
        [this] { return QJsonValue(spec_b()); },
        [this](const QJsonValue& v) { set_specs(spec_a(), v.toString()); });
}

AnglesView::Picker AnglesView::make_picker(const QString& label, QGridLayout* grid, int row) {
    Picker p;
    p.source = new QComboBox(this);
    p.source->setObjectName(QStringLiteral("source") + label);
    p.source->setMinimumContentsLength(12);
    p.source->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    p.side = new QComboBox(this);
    p.side->addItem(tr("right"), QStringLiteral("right"));
    p.side->addItem(tr("left"), QStringLiteral("left"));
    p.from = new QSpinBox(this);
    p.to = new QSpinBox(this);
    p.from->setRange(0, 100000);
    p.to->setRange(1, 100000);
    p.from->setPrefix(tr("from "));
    p.to->setPrefix(tr("to "));
    p.to->setValue(8);
    grid->addWidget(new QLabel(label, this), row, 0);
    grid->addWidget(p.source, row, 1);
    grid->addWidget(p.side, row, 2);
    grid->addWidget(p.from, row, 3);
    grid->addWidget(p.to, row, 4);
    auto changed = [this] {
        if (!quiet_) emit specs_changed();
    };
    connect(p.source, &QComboBox::currentIndexChanged, this, changed);
    connect(p.side, &QComboBox::currentIndexChanged, this, changed);
    connect(p.from, &QSpinBox::valueChanged, this, changed);
    connect(p.to, &QSpinBox::valueChanged, this, changed);
    return p;
}

QString AnglesView::spec_of(const Picker& p) {
    return QStringLiteral("%1:%2:%3-%4")
        .arg(p.source->currentText(), p.side->currentData().toString())
        .arg(p.from->value())
        .arg(p.to->value());
}

QString AnglesView::spec_a() const {
    return spec_of(a_);
}
QString AnglesView::spec_b() const {
    return spec_of(b_);
}

void AnglesView::set_spec(Picker& p, const QString& spec) {
    const QStringList parts = spec.split(':');
    if (parts.size() != 3) return;
    const int i = p.source->findText(parts[0]);
    if (i >= 0) p.source->setCurrentIndex(i);
    p.side->setCurrentIndex(p.side->findData(parts[1]));
    const QStringList range = parts[2].split('-');
    if (range.size() == 2) {
        p.from->setValue(range[0].toInt());
        p.to->setValue(range[1].toInt());
    }
}

void AnglesView::set_specs(const QString& a, const QString& b) {
    quiet_ = true;
    set_spec(a_, a);
    set_spec(b_, b);
    quiet_ = false;
    emit specs_changed();
}

void AnglesView::apply_preset(int index) {
    const int head = selection_.heads.isEmpty() ? 0 : selection_.heads.first();
    const int l = n_heads_ ? head / n_heads_ : 0, h = n_heads_ ? head % n_heads_ : 0;
    const QString qk = QStringLiteral("blocks.%1.attn.QK[%2]:right:0-8").arg(l).arg(h);
    set_specs(qk, index == 0 ? QStringLiteral("embed.W_E:right:0-8")
                             : QStringLiteral("embed.W_E:right:32-64"));
}

void AnglesView::set_sources(const QStringList& sources, int n_heads) {
    n_heads_ = n_heads;
    const QString a = spec_a(), b = spec_b();
    quiet_ = true;
    for (QComboBox* c : {a_.source, b_.source}) {
        c->clear();
        c->addItems(sources);
    }
    set_spec(a_, a);
    set_spec(b_, b);
    const auto known = [&](const QString& spec) {
        return sources.contains(spec.section(QLatin1Char(':'), 0, 0));
    };
    if (!known(a) || !known(b)) {
        // Nothing chosen yet (or not in this dump): the first preset (a head's QK circuit
        // against the embedding) when the dump has both, else the first two weights that are not
        // biases (a bias has no subspace worth comparing).
        const int qk = a_.source->findText(QStringLiteral("blocks.0.attn.QK[0]"));
        const int embed = a_.source->findText(QStringLiteral("embed.W_E"));
        if (qk >= 0 && embed >= 0) {
            set_spec(a_, QStringLiteral("blocks.0.attn.QK[0]:right:0-8"));
            set_spec(b_, QStringLiteral("embed.W_E:right:0-8"));
        } else {
            QList<int> picks;
            for (int i = 0; i < sources.size() && picks.size() < 2; ++i)
                if (!sources[i].contains(QStringLiteral(".b_"))) picks << i;
            if (!picks.isEmpty()) a_.source->setCurrentIndex(picks[0]);
            if (picks.size() > 1) b_.source->setCurrentIndex(picks[1]);
        }
    }
    quiet_ = false;
    if (!sources.isEmpty()) emit specs_changed();
}

void AnglesView::on_selection(const Selection& selection) {
    selection_ = selection;
}

void AnglesView::set_result(const analysis::SubspaceAnglesResult& r) {
    take_result(r, tr("%1-dim vs %2-dim subspaces of a %3-dim space; overlap (mean cos²) %4")
                       .arg(r.dim_a)
                       .arg(r.dim_b)
                       .arg(r.ambient)
                       .arg(r.overlap, 0, 'f', 4));
}

QStringList AnglesView::heading_of(const analysis::SubspaceAnglesResult& r) {
    // Two lines (a short panel's bars need the height): shortened from their start, the
    // second keeps its overlap.
    return {tr("A = %1").arg(QString::fromStdString(r.a)),
            tr("B = %1 · overlap %2").arg(QString::fromStdString(r.b)).arg(r.overlap, 0, 'f', 3)};
}

void AnglesView::rebuild() {
    plot_->clearPlottables();
    plot_->clearItems();
    style_plot(plot_, presentation_);
    plot_->xAxis->setLabel(tr("principal angle (smallest first)"));
    plot_->yAxis->setLabel(tr("angle (degrees)"));
    if (result_) {
        // Degrees, 0 to 90 whatever the result; without one the base's neutral range stays (a
        // view waiting until shown draws nothing that looks like a result).
        plot_->yAxis->setRange(0, 92);
        angle_bars(plot_, result_->angles_deg, 0.75)->setName(tr("angles"));
    }
    set_plot_heading(plot_, result_ ? heading_of(*result_) : QStringList(), presentation_);
    plot_->replot();
}

}  // namespace es::widgets
