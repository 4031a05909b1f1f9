#include "weight_spectrum_view.h"

#include "util/number_text.h"

#include <qcustomplot.h>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QVBoxLayout>
#include <cmath>

#include "colormaps.h"
#include "plot_style.h"

namespace es::widgets {

namespace {
constexpr double kFloor = 1e-5;  // eigenvalues below are left out, as in the fit
constexpr int kBins = 40;
}  // namespace

WeightSpectrumView::WeightSpectrumView(QWidget* parent)
    : ResultView(QStringLiteral("weight_spectrum"), tr("Weight spectrum"), parent) {
    matrix_ = new QComboBox(this);
    matrix_->setObjectName(QStringLiteral("matrix"));
    matrix_->setMinimumContentsLength(12);
    matrix_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    add_controls({matrix_});
    plot_ = make_plot(QStringLiteral("esdPlot"), {240, 160});
    column()->addWidget(plot_, 1);
    connect(matrix_, &QComboBox::currentIndexChanged, this, [this] {
        if (matrix_->currentIndex() < 0) return;
        wanted_ = matrix_->currentText();
        emit matrix_changed();
    });
    style_plot(plot_, false);
    show_empty(tr("Open a dump with weights."));
    declare_setting(
        {QStringLiteral("matrix"),
         SettingSpec::Type::Text,
         QString(),
         {},
         0,
         0,
         QStringLiteral("the weight matrix shown, e.g. blocks.0.mlp.W_in (the default)")},
        [this] { return QJsonValue(matrix()); },
        [this](const QJsonValue& v) { restore_matrix(v.toString()); });
}

void WeightSpectrumView::restore_matrix(const QString& name) {
    wanted_ = name;
    const int i = matrix_->findText(wanted_);
    if (i >= 0) matrix_->setCurrentIndex(i);
}

void WeightSpectrumView::set_matrices(const QStringList& names) {
    const QString keep = wanted_;
    {
        const QSignalBlocker block(matrix_);
        matrix_->clear();
        matrix_->addItems(names);
        int i = matrix_->findText(keep);
        if (i < 0) i = matrix_->findText(QStringLiteral("blocks.0.mlp.W_in"));
        matrix_->setCurrentIndex(std::max(0, i));
    }
    if (!names.isEmpty()) {
        wanted_ = matrix_->currentText();
        emit matrix_changed();
    }
}

QString WeightSpectrumView::matrix() const {
    return matrix_->currentText();
}

void WeightSpectrumView::clear_result() {
    spectrum_.reset();
    status()->clear();
    rebuild();
}

void WeightSpectrumView::set_result(const analysis::MatrixSpectrum& s) {
    show_result();
    spectrum_ = s;
    status()->setText(tr("%1 × %2, stable rank %3")
                          .arg(s.shape.size() > 0 ? s.shape[0] : 0)
                          .arg(s.shape.size() > 1 ? s.shape[1] : 0)
                          .arg(s.stable_rank, 0, 'f', 1));
    rebuild();
}

void WeightSpectrumView::rebuild() {
    plot_->clearPlottables();
    plot_->clearItems();
    counts_.clear();
    style_plot(plot_, presentation_);
    const PlotStyle st = plot_style(presentation_);
    plot_->xAxis->setLabel(tr("eigenvalue λ of WᵀW"));
    plot_->yAxis->setLabel(tr("density p(λ)"));
    for (QCPAxis* a : {plot_->xAxis, plot_->yAxis}) {
        a->setScaleType(QCPAxis::stLogarithmic);
        a->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    }
    if (!spectrum_) {
        plot_->replot();
        return;
    }
    std::vector<double> eig;
    for (double s : spectrum_->singular_values)
        if (s * s > kFloor) eig.push_back(s * s);
    if (eig.size() < 2) {
        status()->setText(tr("too few eigenvalues above 1e-5 for a density"));
        plot_->replot();
        return;
    }
    const double lo = *std::min_element(eig.begin(), eig.end()),
                 hi = *std::max_element(eig.begin(), eig.end());
    const double l0 = std::log10(lo), l1 = std::log10(hi) + 1e-9, w = (l1 - l0) / kBins;
    counts_.assign(kBins, 0.0);
    for (double x : eig)
        counts_[static_cast<std::size_t>(
            std::min(kBins - 1, static_cast<int>((std::log10(x) - l0) / w)))] += 1;
    // Bars on a log axis: each bin drawn as a rectangle between its edges.
    double ymax = 0, ymin = std::numeric_limits<double>::infinity();
    const QColor fill = colors::categorical(0);
    for (int b = 0; b < kBins; ++b) {
        if (counts_[static_cast<std::size_t>(b)] == 0) continue;
        const double a = std::pow(10.0, l0 + b * w), c = std::pow(10.0, l0 + (b + 1) * w);
        const double density =
            counts_[static_cast<std::size_t>(b)] / (double(eig.size()) * (c - a));
        auto* r = new QCPItemRect(plot_);
        r->setObjectName(QStringLiteral("bin"));
        r->topLeft->setCoords(a, density);
        r->bottomRight->setCoords(c, 1e-300);
        QColor f = fill;
        f.setAlpha(170);
        r->setBrush(f);
        r->setPen(QPen(fill.darker(130), 0.8));
        ymax = std::max(ymax, density);
        ymin = std::min(ymin, density);
    }
    const auto& fit = spectrum_->fit;
    QString text;
    if (fit.ok) {
        // p(λ) = (α-1)/xmin (λ/xmin)^-α on the tail, scaled by the tail's share of all eigenvalues.
        const double share = double(fit.n) / double(eig.size());
        QVector<double> x, y;
        for (int i = 0; i <= 60; ++i) {
            const double lx =
                std::log10(fit.xmin) + i * (std::log10(hi) - std::log10(fit.xmin)) / 60.0;
            x << std::pow(10.0, lx);
            y << share * (fit.alpha - 1) / fit.xmin * std::pow(x.last() / fit.xmin, -fit.alpha);
        }
        QCPGraph* g = plot_->addGraph();
        g->setData(x, y, true);
        g->setName(tr("power-law fit"));
        g->setPen(QPen(colors::categorical(5), st.line_width * 1.4));
        auto* v = new QCPItemStraightLine(plot_);
        v->setObjectName(QStringLiteral("xmin"));
        v->point1->setCoords(fit.xmin, 1e-300);
        v->point2->setCoords(fit.xmin, 1);
        v->setPen(QPen(colors::plot_foreground(), st.line_width * 0.8, Qt::DashLine));
        text = tr("α = %1 ± %2\nλmin = %3, KS = %4, tail n = %5")
                   .arg(fit.alpha, 0, 'f', 2)
                   .arg(fit.sigma, 0, 'f', 2)
                   .arg(fit.xmin, 0, 'g', 3)
                   .arg(fit.ks, 0, 'f', 3)
                   .arg(fit.n);
    } else {
        text = tr("no power-law fit: %1").arg(QString::fromStdString(fit.reason));
    }
    auto* t = new QCPItemText(plot_);
    t->setObjectName(QStringLiteral("alphaLabel"));
    t->position->setType(QCPItemPosition::ptAxisRectRatio);
    t->position->setCoords(0.97, 0.04);
    t->setPositionAlignment(Qt::AlignRight | Qt::AlignTop);
    t->setTextAlignment(Qt::AlignRight);
    t->setText(QString::fromStdString(spectrum_->name) + QStringLiteral("\n") + text);
    t->setColor(colors::plot_foreground());
    QFont f = plot_->font();
    f.setPointSizeF(st.font_pt * 1.05);
    t->setFont(f);
    plot_->xAxis->setRange(lo / 1.5, hi * 1.5);
    plot_->yAxis->setRange(ymin / 3, ymax * 6);
    plot_->replot();
}

std::optional<FigureNumbers> WeightSpectrumView::numbers(const QString&) const {
    if (!spectrum_) return std::nullopt;
    std::string csv = "index,singular_value\n";
    for (std::size_t i = 0; i < spectrum_->singular_values.size(); ++i)
        csv += std::to_string(i) + ',' + util::format_number(spectrum_->singular_values[i]) + '\n';
    return FigureNumbers{analysis::to_json(*spectrum_), csv};
}

}  // namespace es::widgets
