// eigenscope-cli report FILE [--out report.pdf]: the multi-page PDF report (app/report). The only
// verb that needs Qt: it draws the app's views off-screen, so it is built with the GUI only.
#include <QApplication>
#include <QFileInfo>
#include <csignal>
#include <iostream>

#include <optional>

#include "args.h"
#include "cache/result_codec.h"
#include "distribute.h"
#include "distributed.h"
#include "report.h"
#include "verb_support.h"
#include "verbs.h"

namespace es::cli {

namespace {
// Ctrl+C cancels the analyses (exit 130 through CancelledError); once the PDF is being written it
// is finished, so the destination is never left half-written.
Progress report_progress;
void on_interrupt(int) {
    report_progress.cancel();
}
// The report's analyses over the ranks, each in the order compute_report runs them.
report::ReportRunners distributed_runners(const std::shared_ptr<Dump>& dump) {
    const std::string file = dump->path();
    report::ReportRunners run;
    run.trajectory = [file] { return distributed_trajectory(file, {}); };
    run.spectrum = [file] {
        analysis::SpectrumOptions o;
        o.top_k = 0;
        return distributed_spectrum(file, o);
    };
    run.cka = [file] { return distributed_cka(file, "", {}); };
    const std::size_t layers = dump->dims().n_layers.value_or(0);
    run.heads =
        [dump, layers](bool weights) -> std::optional<std::vector<analysis::HeadSimilarityResult>> {
        const auto bytes = distributed_items(layers, [&](std::size_t l) {
            analysis::HeadSimilarityOptions o;
            o.layer = l;
            o.metric = weights ? analysis::HeadMetric::QkCosine : analysis::HeadMetric::PatternCorr;
            return cache::encode(analysis::head_similarity(*dump, o, no_progress()));
        });
        if (!bytes) return std::nullopt;
        std::vector<analysis::HeadSimilarityResult> out(bytes->size());
        for (std::size_t i = 0; i < out.size(); ++i)
            if (!cache::decode((*bytes)[i], out[i]))
                throw InternalError("a rank's head similarity could not be decoded");
        return out;
    };
    run.weight_spectra = [file] { return distributed_weight_spectra(file, "", {}); };
    return run;
}

int write(const report::ReportData& data, const QString& out) {
    report_progress.check();
    QString error;
    if (!report::write_report_pdf(data, out, &error)) {
        std::cerr << "error: " << error.toStdString() << "\n";
        return 1;
    }
    std::cerr << "wrote " << out.toStdString() << " (" << report::report_page_count(data)
              << " pages)\n";
    return 0;
}

}  // namespace

int verb_report(const std::vector<std::string>& argv) {
    Args args(argv, {}, {"out"});
    if (args.positionals().size() != 1) throw UsageError("report takes exactly one FILE");
    const std::string file = args.positionals()[0];
    const QString out = QString::fromStdString(
        args.option("out").value_or(QFileInfo(QString::fromStdString(file))
                                        .completeBaseName()
                                        .append(QStringLiteral("-report.pdf"))
                                        .toStdString()));
    if (!out.endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive))
        throw UsageError("--out must name a .pdf file");
    // Under MPI every rank opens the dump and runs the report's analyses with the others
    // (distributed.h); only rank 0 draws and writes.
    const bool root = ranks().root();
    std::shared_ptr<Dump> dump;
    parallel::gather_parts(ranks(), [&] {
        dump = Dump::open(file);
        return std::string();
    });
    // Drawing needs a QApplication but never a display.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    static int qt_argc = 1;
    static char name[] = "eigenscope-cli";
    static char* qt_argv[] = {name, nullptr};
    std::optional<QApplication> app;
    if (root) app.emplace(qt_argc, qt_argv);
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    report::ReportRunners run;
    if (ranks().size() > 1) {
        run = distributed_runners(dump);
        run.summary = root;
    }
    const report::ReportData data = report::compute_report(dump, report_progress, run);
    return root ? write(data, out) : 0;
}

}  // namespace es::cli
