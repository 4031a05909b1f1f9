// eigenscope-cli report FILE [--out report.pdf]: the multi-page PDF report (app/report). The only
// verb that needs Qt: it draws the app's views off-screen, so it is built with the GUI only.
#include <QApplication>
#include <QFileInfo>
#include <csignal>
#include <iostream>

#include "args.h"
#include "report.h"
#include "verbs.h"

namespace es::cli {

namespace {
// Ctrl+C cancels the analyses (exit 130 through CancelledError); once the PDF is being written it
// is finished, so the destination is never left half-written.
Progress report_progress;
void on_interrupt(int) {
    report_progress.cancel();
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
    auto dump = Dump::open(file);
    // Drawing needs a QApplication but never a display.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    static int qt_argc = 1;
    static char name[] = "eigenscope-cli";
    static char* qt_argv[] = {name, nullptr};
    QApplication app(qt_argc, qt_argv);
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    const report::ReportData data = report::compute_report(dump, report_progress);
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

}  // namespace es::cli
