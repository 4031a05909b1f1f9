#include "batch_export.h"

#include <optional>

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLabel>
#include <QRegularExpression>
#include <QTimer>
#include <csignal>
#include <cstring>
#include <iostream>

#include "export/figure_export.h"
#include "main_window.h"
#include "result_view.h"
#include "slides.h"
#include "util/supervise.h"
#include "view.h"
#include "view_registry.h"

namespace es::app {

namespace {

volatile std::sig_atomic_t interrupted = 0;
void on_interrupt(int) {
    interrupted = 1;
}

// A view that stays without a result this long after the window went idle has nothing to show
// for this dump (no attention patterns, no vocabulary, not a checkpoint series, ...).
constexpr qint64 kIdleGiveUpMs = 4000;
// Ready must hold this long with no job running: a selection change re-requests by queued calls.
constexpr qint64 kSettleMs = 300;

int usage(const QString& text) {
    std::cerr << "eigenscope --export: " << text.toStdString()
              << "\nusage: eigenscope --export VIEW --out PATH [--layer N] [--token T] [--head H] "
                 "[--size WxH] [--dpi D] [--transparent] FILE\n";
    return 2;
}

const char* kNo3dDisplay =
    "eigenscope --export projection3d needs an X server with OpenGL, e.g. run it under "
    "xvfb-run -a eigenscope --export projection3d ...\n";

}  // namespace

namespace {

bool has_display() {
    return !qEnvironmentVariableIsEmpty("DISPLAY") ||
           !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
}

// The VIEW of --export VIEW or --export=VIEW, or nullopt without --export.
std::optional<QString> exported_view(int argc, char** argv) {
    std::optional<QString> view;
    for (int i = 1; i < argc; ++i) {
        const QString a = QString::fromLocal8Bit(argv[i]);
        if (a == QLatin1String("--export"))
            view = i + 1 < argc ? QString::fromLocal8Bit(argv[i + 1]) : QString();
        else if (a.startsWith(QLatin1String("--export=")))
            view = a.mid(9);
    }
    return view;
}

}  // namespace

int prepare_batch_platform(int argc, char** argv) {
    const std::optional<QString> view = exported_view(argc, argv);
    if (!view) return -1;
    const bool platform_set = !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
    if (!figure_needs_opengl(*view)) {
        // 2D figures never need a display.
        if (!platform_set) qputenv("QT_QPA_PLATFORM", "offscreen");
        return -1;
    }
    if (!has_display() && (!platform_set || qgetenv("QT_QPA_PLATFORM").startsWith("xcb"))) {
        std::cerr << kNo3dDisplay;
        return 2;
    }
    return -1;
}

int prepare_interactive_platform(int argc, char** argv) {
    if (exported_view(argc, argv) || has_display() ||
        !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        return -1;
    for (int i = 1; i < argc; ++i)
        for (const char* info : {"-h", "--help", "--help-all", "-?", "-v", "--version"})
            if (std::strcmp(argv[i], info) == 0) {
                qputenv("QT_QPA_PLATFORM", "offscreen");
                return -1;
            }
    std::cerr << "eigenscope: no display (neither DISPLAY nor WAYLAND_DISPLAY is set), so the "
                 "window cannot open.\n"
                 "  Run it under a virtual X server:  xvfb-run -a eigenscope ...\n"
                 "  Figures without a display:        eigenscope --export VIEW --out PATH FILE\n"
                 "  Numbers:                          eigenscope-cli VERB FILE --json\n";
    return 2;
}

bool batch_wants_isolation(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--no-isolation") == 0) return false;
    return exported_view(argc, argv).has_value();
}

std::vector<std::string> batch_inputs(int argc, char** argv) {
    return util::existing_paths(std::vector<std::string>(argv + 1, argv + argc));
}

void add_batch_options(QCommandLineParser& p) {
    p.addOption({QStringLiteral("export"),
                 QStringLiteral("Render one view headless and exit: %1; or 'presentation': the "
                                "presentation layout as one PNG per state in --out DIR.")
                     .arg(figure_ids().join(QStringLiteral(", "))),
                 QStringLiteral("VIEW")});
    p.addOption({QStringLiteral("out"),
                 QStringLiteral("Export file; .png, .svg, .pdf, .csv or .json (a folder for "
                                "presentation slides)."),
                 QStringLiteral("PATH")});
    p.addOption({QStringLiteral("view"),
                 QStringLiteral("The view presented on the slides (default trajectory)."),
                 QStringLiteral("VIEW")});
    p.addOption({QStringLiteral("layer"), QStringLiteral("Selected layer (state index)."),
                 QStringLiteral("N")});
    p.addOption({QStringLiteral("token"), QStringLiteral("Selected token (flat index)."),
                 QStringLiteral("T")});
    p.addOption({QStringLiteral("head"), QStringLiteral("Selected head within --layer's block."),
                 QStringLiteral("H")});
    p.addOption({QStringLiteral("size"),
                 QStringLiteral("Output size in pixels, e.g. 1600x1200 (slides: 1280x720)."),
                 QStringLiteral("WxH")});
    p.addOption({QStringLiteral("dpi"),
                 QStringLiteral("Resolution: fonts and lines scale by DPI/96."),
                 QStringLiteral("D")});
    p.addOption({QStringLiteral("transparent"), QStringLiteral("PNG without a background.")});
    p.addOption({QStringLiteral("no-isolation"),
                 QStringLiteral("Export in this process, not in a supervised child (trusted "
                                "files; a crash of the HDF5 library then kills the process).")});
}

bool batch_requested(const QCommandLineParser& p) {
    return p.isSet(QStringLiteral("export"));
}

int run_batch_export(const QCommandLineParser& p) {
    const QString figure = p.value(QStringLiteral("export"));
    const QString out = p.value(QStringLiteral("out"));
    if (figure == QLatin1String("presentation")) return run_slides_export(p);
    if (!figure_ids().contains(figure))
        return usage(QStringLiteral("unknown view '%1'; one of %2")
                         .arg(figure, figure_ids().join(QStringLiteral(", "))));
    if (out.isEmpty()) return usage(QStringLiteral("--out PATH is required"));
    if (!widgets::format_for_path(out))
        return usage(
            QStringLiteral("%1: unknown format; use .png, .svg, .pdf, .csv or .json").arg(out));
    if (p.positionalArguments().size() != 1) return usage(QStringLiteral("give exactly one FILE"));
    const QString file = p.positionalArguments().first();
    // A folder is a checkpoint series, as for the app (the checkpoints view needs one).
    const bool folder = QFileInfo(file).isDir();
    if (!folder && !QFileInfo(file).isFile())
        return usage(QStringLiteral("%1: no such file").arg(file));

    auto integer = [&p](const char* name, int* value) {
        if (!p.isSet(QLatin1String(name))) return true;
        bool ok = false;
        *value = p.value(QLatin1String(name)).toInt(&ok);
        return ok && *value >= 0;
    };
    int layer = -1, token = -1, head = -1;
    if (!integer("layer", &layer))
        return usage(QStringLiteral("--layer needs a whole number >= 0"));
    if (!integer("token", &token))
        return usage(QStringLiteral("--token needs a whole number >= 0"));
    if (!integer("head", &head)) return usage(QStringLiteral("--head needs a whole number >= 0"));
    widgets::ExportOptions options;
    options.transparent = p.isSet(QStringLiteral("transparent"));
    if (p.isSet(QStringLiteral("size"))) {
        const auto m = QRegularExpression(QStringLiteral("^(\\d{1,5})[xX](\\d{1,5})$"))
                           .match(p.value(QStringLiteral("size")));
        options.size = m.hasMatch() ? QSize(m.captured(1).toInt(), m.captured(2).toInt()) : QSize();
        if (options.size.isEmpty() || options.size.width() > 20000 || options.size.height() > 20000)
            return usage(QStringLiteral("--size needs WxH in pixels, at most 20000x20000"));
    }
    if (p.isSet(QStringLiteral("dpi"))) {
        bool ok = false;
        options.dpi = p.value(QStringLiteral("dpi")).toDouble(&ok);
        if (!ok || options.dpi < 24 || options.dpi > 2400)
            return usage(QStringLiteral("--dpi needs a number from 24 to 2400"));
    }

    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    MainWindow window;
    window.set_batch_mode(true);
    window.resize(1600, 1000);
    int code = -1;
    QString message;
    bool loaded = false;
    QObject::connect(&window, &MainWindow::load_failed, &window,
                     [&](const QString&, const QString& error) {
                         code = 2;
                         message = error;
                     });
    QObject::connect(&window, &MainWindow::loaded, &window, [&](const QString&) {
        const auto dump = window.dump();
        auto* model = window.selection_model();
        const int states = model->layer_count();
        if (layer >= states) {
            code = 2;
            message = QStringLiteral("--layer %1: the dump has states 0 to %2")
                          .arg(layer)
                          .arg(states - 1);
            return;
        }
        if (token >= 0 && dump && token >= static_cast<int>(dump->tokens().size())) {
            code = 2;
            message = QStringLiteral("--token %1: the dump has %2 tokens")
                          .arg(token)
                          .arg(dump->tokens().size());
            return;
        }
        const int heads =
            dump && dump->dims().n_heads ? static_cast<int>(*dump->dims().n_heads) : 0;
        if (head >= 0 && head >= heads) {
            code = 2;
            message =
                QStringLiteral("--head %1: the dump has %2 heads per layer").arg(head).arg(heads);
            return;
        }
        if (layer >= 0) model->set_layer(layer);
        if (token >= 0) model->select_token(token);
        if (head >= 0) {
            // The block the views show for the selected state (state l+1 is block l's output).
            const int blocks =
                dump && dump->dims().n_layers ? static_cast<int>(*dump->dims().n_layers) : 1;
            const int block = std::clamp(std::max(layer, 0) - 1, 0, std::max(blocks - 1, 0));
            model->set_heads({block * heads + head});
        }
        loaded = true;
    });
    if (folder) {
        window.open_folder(file);
        if (window.series().empty())
            return usage(QStringLiteral("%1: not a folder of checkpoint dumps").arg(file));
    } else {
        window.open_file(file);
    }

    widgets::View* view = widgets::view_for_figure(window.views(), figure);
    QElapsedTimer idle, settled;
    QTimer poll;
    poll.setInterval(50);
    QObject::connect(&poll, &QTimer::timeout, &window, [&] {
        if (interrupted) {
            window.jobs()->cancel_all();
            code = 130;
            message = QStringLiteral("cancelled");
        }
        if (code >= 0) {
            QApplication::exit(code);
            return;
        }
        if (!loaded) return;
        const bool busy = window.jobs()->busy();
        if (busy || !idle.isValid()) idle.restart();
        const bool ready = !busy && widgets::figure_ready(view, figure);
        if (!ready) {
            settled.invalidate();
            if (idle.elapsed() > kIdleGiveUpMs) {
                // The view's state line says why (empty: "this dump has no ...", or an error).
                const auto* result_view = qobject_cast<const widgets::ResultView*>(view);
                const QString why = result_view ? result_view->state_text() : QString();
                code = 2;
                message =
                    QStringLiteral("the %1 view has nothing to show for %2%3")
                        .arg(figure, file, why.isEmpty() ? QString() : QStringLiteral(": ") + why);
            }
            return;
        }
        if (!settled.isValid()) settled.start();
        if (settled.elapsed() < kSettleMs) return;
        QString error;
        const widgets::Provenance provenance = widgets::make_provenance(view, figure, file);
        if (widgets::export_figure(view, figure, out, options, provenance, &error)) {
            code = 0;
        } else {
            code = figure_needs_opengl(figure) && error.contains(QLatin1String("X server")) ? 2 : 1;
            message = error;
        }
        QApplication::exit(code);
    });
    poll.start();
    QApplication::exec();
    poll.stop();
    window.jobs()->cancel_all();
    window.jobs()->wait_for_idle(10000);
    if (code != 0 && !message.isEmpty())
        std::cerr << "eigenscope --export: " << message.toStdString() << "\n";
    return code < 0 ? 1 : code;
}

}  // namespace es::app
