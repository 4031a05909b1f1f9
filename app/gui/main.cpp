// eigenscope: the desktop explorer.
//   eigenscope [FILE [FILE2]]   open a dump (and a second one to compare with)
//   eigenscope FOLDER           open a checkpoint series
//   eigenscope SESSION.eigenscope
//   eigenscope --export VIEW --out PATH [...] FILE   render one view headless (batch_export.h)
//   eigenscope --list-options [VIEW] [--json]        the settings --set accepts (batch_options.h)
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QScreen>
#include <QSettings>
#include <QStandardPaths>
#include <QTimer>

#include <iostream>

#include "batch_export.h"
#include "batch_options.h"
#include "main_window.h"
#include "numerics/blas_kernels.h"
#include "util/supervise.h"
#include "version.h"
#include "view_registry.h"
#include "vtk/vtk_gl_widget.h"

namespace {

int run(int argc, char** argv) {
    es::widgets::VtkGlWidget::set_default_surface_format();
    // --export: the platform must be chosen before QApplication exists.
    if (const int code = es::app::prepare_batch_platform(argc, argv); code >= 0) return code;
    if (const int code = es::app::prepare_interactive_platform(argc, argv); code >= 0) return code;
    // The arguments as given: QApplication takes out the ones Qt knows (--session NAME is X11
    // session management to Qt; to --export it is a .eigenscope file).
    QStringList raw_arguments;
    for (int i = 0; i < argc; ++i) raw_arguments << QString::fromLocal8Bit(argv[i]);
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Eigenscope"));
    QApplication::setOrganizationName(QStringLiteral("Eigenscope"));
    QApplication::setApplicationVersion(QStringLiteral(EIGENSCOPE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Explorer for the latent geometry of transformer language models"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(
        QStringLiteral("file"),
        QStringLiteral("A dump (.h5), a checkpoint folder, or a session (.eigenscope)"));
    parser.addPositionalArgument(QStringLiteral("file2"),
                                 QStringLiteral("A second dump to compare with"),
                                 QStringLiteral("[file2]"));
    es::app::add_batch_options(parser);
    es::app::add_list_options(parser);
    if (es::app::headless_requested(argc, argv)) {
        // Scripts call these: an unknown option is a usage error (exit 2), not Qt's exit 1.
        if (!parser.parse(raw_arguments)) {
            std::cerr << "eigenscope: " << parser.errorText().toStdString()
                      << "\nusage: eigenscope --export VIEW|all --out PATH [options] FILE, or "
                         "eigenscope --list-options [VIEW] [--json]; see eigenscope --help\n";
            return 2;
        }
        if (parser.isSet(QStringLiteral("help")) || parser.isSet(QStringLiteral("version")))
            parser.process(app);  // prints and exits 0
        if (parser.isSet(QStringLiteral("list-options"))) return es::app::run_list_options(parser);
        return es::app::run_batch_export(parser);
    }
    parser.process(app);
    if (es::app::batch_requested(parser)) return es::app::run_batch_export(parser);

    es::app::MainWindow window;
    window.set_theme(
        QSettings().value(QStringLiteral("theme"), QStringLiteral("system")).toString());
    // Most of the screen, never more: the docks share it. Applied once the event loop has laid
    // out the tabbed docks (before that their minimum sizes are summed, not maximised).
    window.show();
    QTimer::singleShot(0, &window, [&window] {
        QSize target = window.size();
        if (const QScreen* screen = QGuiApplication::primaryScreen()) {
            const QRect avail = screen->availableGeometry();
            target = avail.size() * 0.92;
            window.resize(target);
            window.move(avail.center() - QPoint(target.width(), target.height()) / 2);
        }
        // The window system applies the resize later (X11: asynchronously); dock proportions set
        // before it would be stretched with the window, so wait for the new size (at most 1 s).
        auto* poll = new QTimer(&window);
        poll->setInterval(20);
        QObject::connect(poll, &QTimer::timeout, &window,
                         [&window, poll, target, tries = 0]() mutable {
                             if (window.size() != target && ++tries < 50) return;
                             poll->deleteLater();
                             es::app::arrange_docks(window);
                         });
        poll->start();
    });
    const QStringList files = parser.positionalArguments();
    if (!files.isEmpty()) {
        const QString first = files.first();
        if (first.endsWith(QLatin1String(".eigenscope")))
            window.restore_session(first);
        else if (QFileInfo(first).isDir())
            window.open_folder(first);
        else
            window.open_file(first);
        if (files.size() > 1) window.open_file(files[1], true);
    } else if (QSettings().value(QStringLiteral("restore_last_session"), false).toBool()) {
        const QString last = QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
                                 .filePath(QStringLiteral("last-session.eigenscope"));
        if (QFileInfo::exists(last)) window.restore_session(last);
    }
    return app.exec();
}

}  // namespace

int main(int argc, char** argv) {
    // Before any BLAS call or thread: OpenBLAS' generic kernels on a CPU model it does not know
    // made every product 3-4x slower (numerics/blas_kernels.h).
    es::numerics::choose_blas_kernels();
    // Headless exports run where scripts call them on many files: in a supervised child, forked
    // before Qt or HDF5 exist, so that a damaged file ends in exit 2 and not in a signal.
    if (es::app::batch_wants_isolation(argc, argv))
        return es::util::run_supervised([&] { return run(argc, argv); },
                                        es::app::batch_inputs(argc, argv));
    return run(argc, argv);
}
