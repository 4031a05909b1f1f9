#include "report.h"

#include <qcustomplot.h>
#include <QFileInfo>
#include <QPageLayout>
#include <QPageSize>
#include <QPdfWriter>
#include <QSaveFile>
#include <algorithm>
#include <cmath>

#include "cka_view.h"
#include "colormaps.h"
#include "export/figure_export.h"
#include "heatmap_plot.h"
#include "plot_style.h"
#include "spectrum_view.h"
#include "trajectory_view.h"
#include "util/error.h"
#include "version.h"

namespace es::report {

namespace {

constexpr int kHeadsPerPage = 4;  // head-similarity heatmaps per page (2 x 2)
constexpr int kRedundantPairs = 5;

template <typename Fn>
void optional_step(ReportData& d, const char* what, Fn fn) {
    // An analysis the dump cannot support (no weights, one layer, ...) leaves a note, not a
    // failed report; cancelling still aborts.
    try {
        fn();
    } catch (const CancelledError&) {
        throw;
    } catch (const std::exception& e) {
        d.notes.push_back(std::string(what) + ": " + e.what());
    }
}

int head_pages(const ReportData& d) {
    return (static_cast<int>(d.heads.size()) + kHeadsPerPage - 1) / kHeadsPerPage;
}

// A view caption ("norm of each token's ...") as a sentence.
QString sentence(QString text) {
    if (!text.isEmpty()) text[0] = text[0].toUpper();
    return text + QLatin1Char('.');
}

QString num(const std::optional<std::size_t>& v) {
    return v ? QString::number(*v) : QStringLiteral("n/a");
}

struct Page {
    QPdfWriter* pdf;
    QCPPainter* painter;
    const ReportData* data;
    int number = 0, total = 0;
    QRectF area;  // inside the margins, CSS px

    // Starts a page with a title and a caption; returns the rect left for the figure.
    QRectF begin(const QString& title, const QString& caption) {
        if (number > 0) pdf->newPage();
        ++number;
        painter->setPen(QColor(20, 20, 20));
        QFont f = painter->font();
        f.setPixelSize(22);
        f.setBold(true);
        painter->setFont(f);
        QRectF used;
        painter->drawText(QRectF(area.left(), area.top(), area.width(), 30),
                          Qt::AlignLeft | Qt::AlignVCenter, title);
        f.setPixelSize(13);
        f.setBold(false);
        painter->setFont(f);
        painter->drawText(QRectF(area.left(), area.top() + 34, area.width(), 60),
                          Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, caption, &used);
        footer();
        const double top = used.bottom() + 12;
        return QRectF(area.left(), top, area.width(), area.bottom() - 24 - top);
    }

    void footer() {
        QFont f = painter->font();
        f.setPixelSize(10);
        painter->setFont(f);
        painter->setPen(QColor(90, 90, 90));
        painter->drawText(
            QRectF(area.left(), area.bottom() - 16, area.width(), 16),
            Qt::AlignLeft | Qt::AlignVCenter,
            QStringLiteral("%1 · sha256 %2 · Eigenscope %3")
                .arg(QString::fromStdString(data->path), QString::fromStdString(data->sha256),
                     QStringLiteral(EIGENSCOPE_VERSION)));
        painter->drawText(QRectF(area.left(), area.bottom() - 16, area.width(), 16),
                          Qt::AlignRight | Qt::AlignVCenter,
                          QStringLiteral("page %1 of %2").arg(number).arg(total));
        painter->setPen(QColor(20, 20, 20));
    }
};

QStringList redundant_pairs(const ReportData& d) {
    struct Pair {
        double value;
        QString text;
    };
    std::vector<Pair> pairs;
    for (const auto& r : d.heads)
        for (std::size_t i = 0; i < r.n(); ++i)
            for (std::size_t j = i + 1; j < r.n(); ++j) {
                const double v = r.matrix[i * r.n() + j];
                if (std::isfinite(v))
                    pairs.push_back({v, QStringLiteral("%1 · %2: %3")
                                            .arg(QString::fromStdString(r.heads[i]),
                                                 QString::fromStdString(r.heads[j]))
                                            .arg(v, 0, 'f', 3)});
            }
    std::sort(pairs.begin(), pairs.end(),
              [](const Pair& a, const Pair& b) { return a.value > b.value; });
    QStringList out;
    for (std::size_t i = 0; i < pairs.size() && i < kRedundantPairs; ++i) out << pairs[i].text;
    return out;
}

void summary_page(Page& page, const ReportData& d) {
    const QRectF r = page.begin(
        QStringLiteral("Summary: %1").arg(QFileInfo(QString::fromStdString(d.path)).fileName()),
        QStringLiteral("What the dump holds and the headline numbers of the pages that follow: "
                       "model dimensions, tokens, how much the residual norm grows from the "
                       "first to the last layer, the effective rank of every layer's "
                       "activations and the most similar (most redundant) attention heads."));
    std::vector<std::pair<QString, QString>> rows = {
        {QStringLiteral("File"), QString::fromStdString(d.path)},
        {QStringLiteral("SHA-256"), QString::fromStdString(d.sha256)},
        {QStringLiteral("Layout"), QString::fromStdString(d.layout)},
        {QStringLiteral("Layers / heads"),
         QStringLiteral("%1 / %2").arg(num(d.dims.n_layers), num(d.dims.n_heads))},
        {QStringLiteral("d_model / d_head / d_mlp"),
         QStringLiteral("%1 / %2 / %3")
             .arg(num(d.dims.d_model), num(d.dims.d_head), num(d.dims.d_mlp))},
        {QStringLiteral("Vocabulary"), num(d.dims.d_vocab)},
        {QStringLiteral("Prompts / tokens"),
         QStringLiteral("%1 / %2").arg(d.prompts).arg(d.tokens)},
        {QStringLiteral("Weight matrices"), QString::number(d.weights)}};
    if (d.trajectory)
        rows.emplace_back(QStringLiteral("Norm growth (last / first layer)"),
                          d.trajectory->growth_ratio
                              ? QStringLiteral("%1×").arg(*d.trajectory->growth_ratio, 0, 'f', 2)
                              : QStringLiteral("n/a"));
    if (d.spectrum) {
        QStringList ranks;
        for (const auto& l : d.spectrum->layers)
            ranks << QStringLiteral("%1: %2").arg(l.layer).arg(l.effective_rank, 0, 'f', 1);
        rows.emplace_back(QStringLiteral("Effective rank by layer"),
                          ranks.join(QStringLiteral(", ")));
    }
    if (!d.heads.empty())
        rows.emplace_back(QStringLiteral("Most redundant head pairs (%1)")
                              .arg(QString::fromStdString(d.heads.front().metric)),
                          redundant_pairs(d).join(QStringLiteral("\n")));
    for (const std::string& n : d.notes)
        rows.emplace_back(QStringLiteral("Left out"), QString::fromStdString(n));

    QCPPainter& p = *page.painter;
    QFont f = p.font();
    f.setPixelSize(14);
    const double key_w = 260, pad = 6;
    double y = r.top();
    for (const auto& [key, value] : rows) {
        f.setBold(true);
        p.setFont(f);
        QRectF kr;
        p.drawText(QRectF(r.left(), y + pad, key_w, 400), Qt::AlignLeft | Qt::TextWordWrap, key,
                   &kr);
        f.setBold(false);
        p.setFont(f);
        QRectF vr;
        p.drawText(QRectF(r.left() + key_w, y + pad, r.width() - key_w, 400),
                   Qt::AlignLeft | Qt::TextWrapAnywhere, value, &vr);
        y = std::max(kr.bottom(), vr.bottom()) + pad;
        p.setPen(QPen(QColor(200, 200, 200), 1));
        p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y));
        p.setPen(QColor(20, 20, 20));
    }
}

void heads_pages(Page& page, const ReportData& d) {
    for (int first = 0; first < static_cast<int>(d.heads.size()); first += kHeadsPerPage) {
        const int last = std::min<int>(first + kHeadsPerPage, static_cast<int>(d.heads.size()));
        const QRectF r = page.begin(
            QStringLiteral("Head similarity, layers %1–%2").arg(first).arg(last - 1),
            QStringLiteral("%1 between every pair of heads of one layer (1: the same circuit up "
                           "to scale, 0: unrelated, negative: opposed). Bright off-diagonal cells "
                           "are redundant heads; the summary lists the strongest pairs.")
                .arg(QString::fromStdString(d.heads.front().metric)));
        for (int i = first; i < last; ++i) {
            const auto& h = d.heads[static_cast<std::size_t>(i)];
            widgets::HeatmapPlot plot;
            widgets::HeatmapData hd;
            hd.rows = hd.cols = static_cast<int>(h.n());
            for (double v : h.matrix)
                hd.values.push_back(std::isfinite(v) ? std::optional<double>(v) : std::nullopt);
            for (const auto& l : h.heads) hd.row_labels << QString::fromStdString(l);
            hd.col_labels = hd.row_labels;
            hd.row_title = hd.col_title = QStringLiteral("head");
            hd.value_title = QString::fromStdString(h.metric);
            hd.map = widgets::colors::Map::Diverging;
            hd.lo = -1.0;
            hd.hi = 1.0;
            plot.set_data(hd);
            const int k = i - first;
            const QRectF cell(r.left() + (k % 2) * r.width() / 2,
                              r.top() + (k / 2) * r.height() / 2, r.width() / 2, r.height() / 2);
            QFont f = page.painter->font();
            f.setPixelSize(14);
            f.setBold(true);
            page.painter->setFont(f);
            page.painter->drawText(QRectF(cell.left(), cell.top(), cell.width(), 20),
                                   Qt::AlignCenter,
                                   QStringLiteral("layer %1").arg(h.layer ? *h.layer : 0));
            widgets::render_plot(plot.plot(), *page.painter, cell.adjusted(6, 22, -6, -6), true,
                                 false);
        }
    }
}

QCustomPlot* alpha_plot(const analysis::WeightSpectraResult& w, QWidget* owner) {
    auto* plot = new QCustomPlot(owner);
    auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
    QSharedPointer<QCPAxisTickerText> ticks(new QCPAxisTickerText);
    int i = 0;
    double top = 0;
    for (const auto& m : w.matrices) {
        if (!m.fit.ok) continue;
        bars->addData(i, m.fit.alpha);
        ticks->addTick(i, QString::fromStdString(m.name));
        top = std::max(top, m.fit.alpha);
        ++i;
    }
    bars->setBrush(widgets::colors::sample(widgets::colors::Map::Viridis, 0.35));
    bars->setPen(Qt::NoPen);
    bars->setWidth(0.8);
    plot->xAxis->setTicker(ticks);
    plot->xAxis->setTickLabelRotation(60);
    plot->xAxis->setRange(-0.6, std::max(i, 1) - 0.4);
    plot->yAxis->setRange(0, std::max(top, 6.5) * 1.05);
    plot->yAxis->setLabel(QStringLiteral("power-law α of the ESD of WᵀW"));
    for (double ref : {2.0, 6.0}) {  // WeightWatcher's "well trained" band
        auto* line = new QCPItemStraightLine(plot);
        line->point1->setCoords(0, ref);
        line->point2->setCoords(1, ref);
        line->setPen(QPen(QColor(200, 60, 60), 1, Qt::DashLine));
    }
    widgets::style_plot(plot, false);
    return plot;
}

}  // namespace

ReportData compute_report(const std::shared_ptr<Dump>& dump, Progress& progress,
                          const ReportRunners& run) {
    ReportData d;
    if (run.summary) {
        d.path = QFileInfo(QString::fromStdString(dump->path())).absoluteFilePath().toStdString();
        d.sha256 = widgets::sha256_of_file(QString::fromStdString(dump->path())).toStdString();
        d.layout = layout_name(dump->layout());
        d.tokens = dump->tokens().size();
        d.prompts = dump->n_prompts();
        for (const auto& t : dump->tokens()) d.token_texts.push_back(t.label());
    }
    d.dims = dump->dims();
    d.weights = dump->weights().size();
    if (!dump->streams().empty()) {
        d.last_is_final_norm = dump->stream().last_is_final_norm;
        optional_step(d, "trajectory", [&] {
            if (run.trajectory) {
                d.trajectory = run.trajectory();
                return;
            }
            analysis::TrajectoryOptions o;
            d.trajectory = analysis::trajectory(*dump, o, progress);
        });
        optional_step(d, "spectrum", [&] {
            if (run.spectrum) {
                d.spectrum = run.spectrum();
                return;
            }
            analysis::SpectrumOptions o;
            o.top_k = 0;
            d.spectrum = analysis::spectrum(*dump, o, progress);
        });
        optional_step(d, "CKA",
                      [&] { d.cka = run.cka ? run.cka() : analysis::cka(*dump, {}, progress); });
    } else {
        d.notes.push_back("activations: the dump holds weights only");
    }
    if (d.dims.n_layers && d.dims.n_heads) {
        // QK cosine from the weights when present, else the attention patterns.
        const bool weights = !dump->weights().empty();
        optional_step(d, "head similarity", [&] {
            if (run.heads) {
                if (auto all = run.heads(weights)) d.heads = std::move(*all);
                return;
            }
            for (std::size_t l = 0; l < *d.dims.n_layers; ++l) {
                analysis::HeadSimilarityOptions o;
                o.layer = l;
                o.metric =
                    weights ? analysis::HeadMetric::QkCosine : analysis::HeadMetric::PatternCorr;
                d.heads.push_back(analysis::head_similarity(*dump, o, progress));
            }
        });
        if (!d.notes.empty() && d.notes.back().rfind("head similarity", 0) == 0) d.heads.clear();
    }
    if (!dump->weights().empty())
        optional_step(d, "weight spectra", [&] {
            d.weight_spectra = run.weight_spectra ? run.weight_spectra()
                                                  : analysis::weight_spectra(*dump, {}, progress);
        });
    return d;
}

int report_page_count(const ReportData& d) {
    return 1 + (d.trajectory ? 1 : 0) + (d.spectrum ? 1 : 0) + head_pages(d) + (d.cka ? 1 : 0) +
           (d.weight_spectra ? 1 : 0);
}

bool write_report_pdf(const ReportData& d, const QString& path, QString* error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error) *error = QStringLiteral("%1: cannot write: %2").arg(path, file.errorString());
        return false;
    }
    {
        QPdfWriter pdf(&file);
        pdf.setResolution(96);  // layout in CSS px, like the figure exports
        pdf.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Landscape,
                                      QMarginsF(12, 12, 12, 12), QPageLayout::Millimeter));
        pdf.setTitle(QStringLiteral("Eigenscope report: %1")
                         .arg(QFileInfo(QString::fromStdString(d.path)).fileName()));
        pdf.setCreator(QStringLiteral("Eigenscope %1; dump=%2; sha256=%3")
                           .arg(QStringLiteral(EIGENSCOPE_VERSION), QString::fromStdString(d.path),
                                QString::fromStdString(d.sha256)));
        QCPPainter painter;
        if (!painter.begin(&pdf)) {
            if (error) *error = QStringLiteral("%1: cannot start the PDF").arg(path);
            file.cancelWriting();
            return false;
        }
        Page page{&pdf,
                  &painter,
                  &d,
                  0,
                  report_page_count(d),
                  QRectF(QPointF(0, 0), QSizeF(pdf.width(), pdf.height()))};
        summary_page(page, d);
        if (d.trajectory) {
            widgets::TrajectoryView view;
            QStringList texts;
            for (const auto& t : d.token_texts) texts << QString::fromStdString(t);
            view.set_token_lines(d.trajectory->token_index.size() <= 600);
            view.set_result(*d.trajectory, texts, d.last_is_final_norm);
            const QRectF r = page.begin(
                QStringLiteral("Trajectory"),
                sentence(view.caption()) + QStringLiteral(" The thick line is the mean over "
                                                          "tokens, the band spans the 10th to "
                                                          "90th percentile, thin lines are "
                                                          "single tokens."));
            widgets::render_figure(&view, QStringLiteral("trajectory"), painter, r, true, false);
        }
        if (d.spectrum) {
            widgets::SpectrumView view;
            view.set_result(*d.spectrum);
            view.set_overlay(true);
            view.spectrogram()->set_marked({});  // no selection in a report
            const QRectF r = page.begin(
                QStringLiteral("Spectra across layers"),
                QStringLiteral("Top: singular values of every layer's centred activations (one "
                               "curve per layer) and their cumulative explained variance. Bottom: "
                               "the spectrogram, layers by component, log colour."));
            widgets::render_figure(&view, QStringLiteral("spectrum"), painter, r, true, false);
        }
        heads_pages(page, d);
        if (d.cka) {
            widgets::CkaView view;
            view.set_result(*d.cka);
            view.heatmap()->set_marked({});  // no selection in a report
            const QRectF r = page.begin(
                QStringLiteral("CKA between layers"),
                sentence(view.caption()) + QStringLiteral(" Blocks of high CKA are stretches of "
                                                          "the network that change the "
                                                          "geometry little."));
            const double side = std::min(r.width(), r.height() * 1.25);
            widgets::render_figure(&view, QStringLiteral("cka"), painter,
                                   QRectF(r.left(), r.top(), side, r.height()), true, false);
        }
        if (d.weight_spectra) {
            QWidget owner;
            QCustomPlot* plot = alpha_plot(*d.weight_spectra, &owner);
            const QRectF r = page.begin(
                QStringLiteral("Weight spectra: power-law alphas"),
                QStringLiteral("The power-law exponent α fitted to the eigenvalue density of WᵀW "
                               "for every weight matrix (WeightWatcher). Between the dashed lines "
                               "(2–6) is typical of well-trained layers; below 2 suggests "
                               "over-fitting, above 6 under-trained. Matrices too small "
                               "for a fit are left out."));
            widgets::render_plot(plot, painter, r, true, false);
        }
        painter.end();
    }
    return widgets::commit_atomically(file, path, error);
}

}  // namespace es::report
