// Feeds of the weight views: head similarity, subspace angles and the checkpoint series.
#include <QFileInfo>
#include <QPointer>

#include "analysis/checkpoint_series_analysis.h"
#include "analysis/head_similarity.h"
#include "analysis/subspace_angles.h"
#include "analysis/weight_spectra.h"
#include "angles_view.h"
#include "checkpoint_view.h"
#include "feed_support.h"
#include "heads_view.h"
#include "main_window.h"
#include "view_feeds.h"
#include "weight_spectrum_view.h"

namespace es::app {

namespace {

// Every matrix a SPEC can name: 2-D weights, then each head's QK and OV circuit.
QStringList matrix_sources(const Dump& dump) {
    QStringList out;
    for (const auto& [name, w] : dump.weights())
        if (w.shape.size() == 2 && name.find("lora_") == std::string::npos)
            out << QString::fromStdString(name);
    const std::size_t L = dump.dims().n_layers.value_or(0), H = dump.dims().n_heads.value_or(0);
    if (dump.find_weight("blocks.0.attn.W_Q"))
        for (std::size_t l = 0; l < L; ++l)
            for (std::size_t h = 0; h < H; ++h)
                out << QStringLiteral("blocks.%1.attn.QK[%2]").arg(l).arg(h)
                    << QStringLiteral("blocks.%1.attn.OV[%2]").arg(l).arg(h);
    return out;
}

void feed_heads(MainWindow& window, widgets::HeadsView* view) {
    auto request = guarded(view, [&window](widgets::HeadsView* v) {
        const Document* doc = primary_document(
            window, v, QObject::tr("Open a dump with attention weights to compare its heads."));
        if (!doc) return;
        const Dump& dump = *doc->dump();
        const int L = static_cast<int>(dump.dims().n_layers.value_or(0)),
                  H = static_cast<int>(dump.dims().n_heads.value_or(0));
        v->set_model(L, H, dump.find_attention("pattern") != nullptr);
        const bool patterns = v->metric() == QLatin1String("pattern_corr");
        // A results bundle holds head similarities, not the weights: the bundled results answer
        // (and say what they lack).
        const bool bundled = doc->bundle().has_value();
        if ((!patterns && !bundled && !dump.find_weight("blocks.0.attn.W_Q")) ||
            (patterns && !dump.find_attention("pattern")) || H == 0)
            return show_nothing(
                window, v,
                patterns
                    ? QObject::tr("This dump has no attention patterns.")
                    : QObject::tr("This dump has no attention weights (blocks.L.attn.W_Q ...)."));
        analysis::HeadSimilarityOptions o;
        o.metric = analysis::parse_head_metric(v->metric().toStdString());
        o.rank = static_cast<std::size_t>(v->rank());
        if (!v->all_layers()) o.layer = static_cast<std::size_t>(v->block());
        const QString what = what_of(
            "heads",
            {v->metric(), kv("layer", o.layer ? key_text(*o.layer) : "all"), kv("rank", o.rank)});
        ask(window, v, Ask{doc, {}, what, QObject::tr("head similarity")},
            analysis_of(*doc, o, analysis::head_similarity));
    });
    QObject::connect(&window, &MainWindow::primary_changed, view, request);
    QObject::connect(view, &widgets::HeadsView::options_changed, view, request);
    QObject::connect(view, &widgets::HeadsView::pair_chosen, view, [&window, view](int a, int b) {
        // Connected with the view as context: it runs only while the view exists.
        if (window.documents().empty()) return;
        const Document* doc = window.documents().front();
        auto spec = [view](int flat) { return view->pair_spec(flat).toStdString(); };
        // The view's second request: its state goes to the pair's part of the status line, so
        // that neither "updating" over the matrix nor an error forgetting it comes from here.
        StateLine<widgets::HeadsView> line;
        line.computing = [](widgets::HeadsView& v, const QString&, const QString& doing) {
            v.show_pair_message(QObject::tr("computing %1…").arg(doing));
        };
        line.error = [](widgets::HeadsView& v, const QString& e) {
            v.show_pair_message(QObject::tr("principal angles: %1").arg(e));
        };
        ask(
            window, view,
            Ask{doc,
                {},
                what_of("angles", {key_text(spec(a) + "|" + spec(b))}),
                QObject::tr("principal angles")},
            [dump = doc->dump(), sa = spec(a), sb = spec(b)](Progress& p) {
                return analysis::subspace_angles(*dump, sa, sb, p);
            },
            [](widgets::HeadsView& v, const analysis::SubspaceAnglesResult& res) {
                v.set_angles(res);
            },
            QStringLiteral("heads-angles"), line);
    });
    request();
}

void feed_angles(MainWindow& window, widgets::AnglesView* view) {
    auto sources = guarded(view, [&window](widgets::AnglesView* v) {
        if (window.documents().empty()) {
            v->set_sources({}, 0);
            return;
        }
        const Dump& dump = *window.documents().front()->dump();
        QStringList list = matrix_sources(dump);
        for (const StreamInfo& s : dump.streams())
            for (std::size_t i = 0; i < s.n_states(); ++i)
                list << QStringLiteral("%1[%2]").arg(QString::fromStdString(s.name)).arg(i);
        v->set_sources(list, static_cast<int>(dump.dims().n_heads.value_or(0)));
    });
    auto request = guarded(view, [&window](widgets::AnglesView* v) {
        const Document* doc = primary_document(window, v);
        if (!doc) return;
        const std::string a = v->spec_a().toStdString(), b = v->spec_b().toStdString();
        ask(window, v,
            Ask{doc,
                {},
                what_of("angles", {key_text(a + "|" + b)}),
                QObject::tr("principal angles")},
            [dump = doc->dump(), a, b](Progress& p) {
                return analysis::subspace_angles(*dump, a, b, p);
            });
    });
    QObject::connect(&window, &MainWindow::primary_changed, view, sources);
    QObject::connect(view, &widgets::AnglesView::specs_changed, view, request);
    sources();
}

void feed_weight_spectrum(MainWindow& window, widgets::WeightSpectrumView* view) {
    auto matrices = guarded(view, [&window](widgets::WeightSpectrumView* v) {
        const Document* doc = primary_document(window, v, QObject::tr("Open a dump with weights."));
        QStringList names;
        if (doc && doc->bundle()) {
            // A results bundle: the matrices whose spectra it holds (it keeps only the
            // unembedding of the weights themselves, for the logit lens).
            for (const std::string& key : bundle::read_keys(doc->dump()->path()))
                if (key.rfind("weight_spectrum/", 0) == 0)
                    names << QString::fromStdString(key.substr(16));
        } else if (doc) {
            for (const auto& [name, w] : doc->dump()->weights())
                if (w.shape.size() == 2 && name.find("lora_") == std::string::npos)
                    names << QString::fromStdString(name);
        }
        v->set_matrices(names);
        if (doc && names.isEmpty()) v->show_empty(QObject::tr("This dump has no 2-D weights."));
    });
    auto request = guarded(view, [&window](widgets::WeightSpectrumView* v) {
        if (window.documents().empty() || v->matrix().isEmpty()) return;
        const Document* doc = window.documents().front();
        analysis::WeightSpectraOptions o;
        o.only = {v->matrix().toStdString()};
        ask(window, v,
            Ask{doc,
                {},
                what_of("weight_spectrum", {v->matrix()}),
                QObject::tr("the spectrum of %1").arg(v->matrix()),
                true},
            analysis_of(*doc, o, analysis::weight_spectra),
            [](widgets::WeightSpectrumView& v, const analysis::WeightSpectraResult& r) {
                if (!r.matrices.empty()) v.set_result(r.matrices.front());
            });
    });
    QObject::connect(&window, &MainWindow::primary_changed, view, matrices);
    QObject::connect(view, &widgets::WeightSpectrumView::matrix_changed, view, request);
    matrices();
}

void feed_checkpoints(MainWindow& window, widgets::CheckpointView* view) {
    auto sources = guarded(view, [&window](widgets::CheckpointView* v) {
        if (window.series().empty() || window.documents().empty()) {
            v->set_sources({});
            return show_nothing(
                window, v,
                QObject::tr("Open a folder of checkpoints (File ▸ Open Folder) to follow a matrix "
                            "through training."));
        }
        v->set_sources(matrix_sources(*window.documents().front()->dump()));
    });
    auto request = guarded(view, [&window](widgets::CheckpointView* v) {
        if (window.series().empty() || v->matrix().isEmpty()) return;
        analysis::CheckpointSeriesOptions o;
        o.matrix = v->matrix().toStdString();
        o.top = static_cast<std::size_t>(v->top());
        o.left = v->left_side();
        const std::string folder = window.series_folder().toStdString();
        // A series is not one document: its source and key are the folder's.
        v->show_computing(QStringLiteral("series:") + window.series_folder(),
                          QObject::tr("%1 through the checkpoints of %2")
                              .arg(v->matrix(), QFileInfo(window.series_folder()).fileName()));
        window.jobs()->request_as<analysis::CheckpointSeriesResult>(
            v->view_id(),
            QStringLiteral("series:%1/%2/top=%3/left=%4")
                .arg(window.series_folder(), v->matrix())
                .arg(o.top)
                .arg(o.left),
            [folder, o](Progress& p) { return analysis::checkpoint_series_analysis(folder, o, p); },
            [guard =
                 QPointer<widgets::CheckpointView>(v)](const analysis::CheckpointSeriesResult& r) {
                if (guard) guard->set_result(r);
            },
            [guard = QPointer<widgets::CheckpointView>(v)](const QString& e) {
                if (guard) guard->show_error(e);
            });
    });
    QObject::connect(&window, &MainWindow::primary_changed, view, sources);
    QObject::connect(view, &widgets::CheckpointView::options_changed, view, request);
    sources();
}

}  // namespace

std::vector<ViewRow> weight_view_rows() {
    return {
        view_row("heads", DockPlace::Tabbed, feed_heads),
        view_row("angles", DockPlace::Tabbed, feed_angles),
        view_row("checkpoints", DockPlace::Tabbed, feed_checkpoints),
        view_row("weight_spectrum", DockPlace::Tabbed, feed_weight_spectrum),
    };
}

}  // namespace es::app
