#include "batch_export.h"

#include <optional>

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <algorithm>
#include <cstring>
#include <iostream>

#include "batch_options.h"
#include "batch_run.h"
#include "export/figure_export.h"
#include "session.h"
#include "slides.h"
#include "util/supervise.h"
#include "view_registry.h"
#include "vtk/vtk_gl_widget.h"

namespace es::app {

namespace {

int usage(const QString& text) {
    std::cerr << "eigenscope --export: " << text.toStdString()
              << "\nusage: eigenscope --export VIEW|all --out PATH [--set NAME=VALUE ...] "
                 "[--stream NAME] [--compare FILE] [--session FILE | --from-provenance FIGURE] "
                 "[--layer N] [--token T] [--head H] [--size WxH] [--dpi D] [--transparent] "
                 "[--format F] FILE\n";
    return 2;
}

const char* kNo3dDisplay =
    "eigenscope --export projection3d needs an X server with OpenGL, e.g. run it under "
    "xvfb-run -a eigenscope --export projection3d ...\n";

bool has_display() {
    return !qEnvironmentVariableIsEmpty("DISPLAY") ||
           !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
}

// The value of --NAME VALUE or --NAME=VALUE, or nullopt without it.
std::optional<QString> option_value(int argc, char** argv, const QString& name) {
    std::optional<QString> value;
    const QString flag = QStringLiteral("--") + name;
    for (int i = 1; i < argc; ++i) {
        const QString a = QString::fromLocal8Bit(argv[i]);
        if (a == flag)
            value = i + 1 < argc ? QString::fromLocal8Bit(argv[i + 1]) : QString();
        else if (a.startsWith(flag + QLatin1Char('=')))
            value = a.mid(flag.size() + 1);
    }
    return value;
}

// The VIEW of --export VIEW (or --export=VIEW); the view an exported figure recorded for
// --from-provenance FIGURE without --export (projection3d or not: the platform depends on it);
// nullopt when neither is given.
std::optional<QString> exported_view(int argc, char** argv) {
    if (auto view = option_value(argc, argv, QStringLiteral("export"))) return view;
    const auto source = option_value(argc, argv, QStringLiteral("from-provenance"));
    if (!source) return std::nullopt;
    QFile f(*source);
    const QByteArray head = f.open(QIODevice::ReadOnly) ? f.read(1 << 20) : QByteArray();
    const QByteArray recorded_3d[] = {
        QByteArray("view\0projection3d", 17), QByteArray("<es:view>projection3d<"),
        QByteArray("\"view\": \"projection3d\""), QByteArray("# view: projection3d\n")};
    for (const QByteArray& pattern : recorded_3d)
        if (head.contains(pattern)) return QStringLiteral("projection3d");
    return QStringLiteral("all");  // a 2D figure
}

// Qt messages that say nothing to someone exporting a figure: the offscreen platform cannot
// hint window sizes, and a container without a runtime directory. Everything else passes on.
QtMessageHandler previous_handler = nullptr;
void batch_message_filter(QtMsgType type, const QMessageLogContext& context, const QString& text) {
    if (type != QtCriticalMsg && type != QtFatalMsg &&
        (text.startsWith(QLatin1String("This plugin does not support propagateSizeHints()")) ||
         text.startsWith(QLatin1String("QStandardPaths: XDG_RUNTIME_DIR not set"))))
        return;
    if (previous_handler) previous_handler(type, context, text);
}

}  // namespace

int prepare_batch_platform(int argc, char** argv) {
    const bool listing = list_options_requested(argc, argv);
    const std::optional<QString> view = exported_view(argc, argv);
    if (!view && !listing) return -1;
    previous_handler = qInstallMessageHandler(batch_message_filter);
    const bool platform_set = !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
    // 2D figures and the settings' list never need a display; --export all uses the display
    // when there is one (for the 3D view), else draws the 2D figures offscreen.
    if (listing || (*view != QLatin1String("all") && !figure_needs_opengl(*view)) ||
        (*view == QLatin1String("all") && !has_display())) {
        if (!platform_set) qputenv("QT_QPA_PLATFORM", "offscreen");
        // No 3D scene is drawn: the 3D view is made without its OpenGL widget.
        widgets::VtkGlWidget::disable_opengl(QStringLiteral("a headless export without a display"));
        return -1;
    }
    if (*view == QLatin1String("all")) return -1;
    if (!has_display() && (!platform_set || qgetenv("QT_QPA_PLATFORM").startsWith("xcb"))) {
        std::cerr << kNo3dDisplay;
        return 2;
    }
    return -1;
}

int prepare_interactive_platform(int argc, char** argv) {
    if (exported_view(argc, argv) || list_options_requested(argc, argv) || has_display() ||
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

bool headless_requested(int argc, char** argv) {
    return exported_view(argc, argv).has_value() || list_options_requested(argc, argv);
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
                 QStringLiteral("Render one view headless and exit: %1; 'all': every figure with "
                                "something to show into the folder --out; or 'presentation': the "
                                "presentation layout as one PNG per state in --out DIR.")
                     .arg(figure_ids().join(QStringLiteral(", "))),
                 QStringLiteral("VIEW")});
    p.addOption({QStringLiteral("out"),
                 QStringLiteral("Export file; .png, .svg, .pdf, .csv or .json (a folder for "
                                "--export all and presentation slides)."),
                 QStringLiteral("PATH")});
    p.addOption({QStringLiteral("format"),
                 QStringLiteral("--export all: png (default), svg, pdf, csv or json."),
                 QStringLiteral("F")});
    p.addOption({QStringLiteral("set"),
                 QStringLiteral("A view setting, NAME=VALUE; repeatable (--list-options VIEW "
                                "lists them)."),
                 QStringLiteral("NAME=VALUE")});
    p.addOption({QStringLiteral("stream"),
                 QStringLiteral("The stream shown (default the dump's first)."),
                 QStringLiteral("NAME")});
    p.addOption({QStringLiteral("compare"),
                 QStringLiteral("Open FILE as the compared dump before exporting."),
                 QStringLiteral("FILE")});
    p.addOption({QStringLiteral("session"),
                 QStringLiteral("Take the dumps, selection, view settings and 3D camera from a "
                                "saved session; the other options override it."),
                 QStringLiteral("FILE")});
    p.addOption({QStringLiteral("from-provenance"),
                 QStringLiteral("Re-export a figure from the provenance an earlier export "
                                "embedded (.png, .svg, .json, .csv): same view, dump, selection "
                                "and settings; --out may have another format."),
                 QStringLiteral("FIGURE")});
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
    return p.isSet(QStringLiteral("export")) || p.isSet(QStringLiteral("from-provenance"));
}

namespace {

bool positive_int(const QCommandLineParser& p, const char* name, int* value) {
    if (!p.isSet(QLatin1String(name))) return true;
    bool ok = false;
    *value = p.value(QLatin1String(name)).toInt(&ok);
    return ok && *value >= 0;
}

}  // namespace

int run_batch_export(const QCommandLineParser& p) {
    QString figure = p.value(QStringLiteral("export"));
    const QString out = p.value(QStringLiteral("out"));
    if (figure == QLatin1String("presentation")) return run_slides_export(p);
    BatchPlan plan;
    QString error;
    if (p.isSet(QStringLiteral("from-provenance"))) {
        const QString source = p.value(QStringLiteral("from-provenance"));
        plan.recorded = read_provenance(source, &error);
        if (!plan.recorded) return usage(error);
        if (figure.isEmpty()) figure = plan.recorded->view;
        plan.file = plan.recorded->dump;
        if (!plan.recorded->compare.isEmpty()) plan.comparisons << plan.recorded->compare;
        plan.options.size = plan.recorded->size;
        plan.options.dpi = plan.recorded->dpi;
    }
    if (p.isSet(QStringLiteral("session"))) {
        const QString path = p.value(QStringLiteral("session"));
        plan.session = read_session(path, &error);
        if (!plan.session) return usage(error);
        if (plan.session->documents.isEmpty() && plan.session->series_folder.isEmpty())
            return usage(QStringLiteral("%1: the session has no dump open").arg(path));
        plan.file = plan.session->documents.isEmpty() ? plan.session->series_folder
                                                      : plan.session->documents.first();
        plan.comparisons = plan.session->documents.mid(1);
    }
    plan.all = figure == QLatin1String("all");
    if (!plan.all && !figure_ids().contains(figure))
        return usage(QStringLiteral("unknown view '%1'; one of all, presentation, %2")
                         .arg(figure, figure_ids().join(QStringLiteral(", "))));
    if (out.isEmpty()) return usage(QStringLiteral("--out PATH is required"));
    if (plan.all) {
        const QString format = p.isSet(QStringLiteral("format"))
                                   ? p.value(QStringLiteral("format")).toLower()
                                   : QStringLiteral("png");
        if (!widgets::format_for_path(QStringLiteral("x.") + format))
            return usage(QStringLiteral("--format %1: use png, svg, pdf, csv or json").arg(format));
        if (QFileInfo(out).exists() && !QFileInfo(out).isDir())
            return usage(
                QStringLiteral("%1: --out names a file; --export all writes to a folder").arg(out));
        if (!QDir().mkpath(out))
            return usage(QStringLiteral("%1: cannot create the folder").arg(out));
        for (const QString& f : figure_ids())
            plan.targets.push_back({f, QDir(out).filePath(f + QLatin1Char('.') + format)});
    } else {
        if (p.isSet(QStringLiteral("format")))
            return usage(
                QStringLiteral("--format is for --export all; the format comes from --out"));
        if (!widgets::format_for_path(out))
            return usage(
                QStringLiteral("%1: unknown format; use .png, .svg, .pdf, .csv or .json").arg(out));
        plan.targets.push_back({figure, out});
    }
    const QStringList files = p.positionalArguments();
    if (files.size() > 1 || (files.isEmpty() && plan.file.isEmpty()))
        return usage(QStringLiteral("give exactly one FILE"));
    if (!files.isEmpty()) plan.file = files.first();
    // A folder is a checkpoint series, as for the app (the checkpoints view needs one).
    if (!QFileInfo(plan.file).isDir() && !QFileInfo(plan.file).isFile())
        return usage(QStringLiteral("%1: no such file").arg(plan.file));
    for (const QString& c : p.values(QStringLiteral("compare"))) {
        if (!QFileInfo(c).isFile())
            return usage(QStringLiteral("--compare %1: no such file").arg(c));
        plan.comparisons << c;
    }
    // A compared dump the session or the provenance names but that is gone: said, then left out.
    for (const QString& c : plan.comparisons)
        if (!QFileInfo(c).isFile())
            std::cerr << "eigenscope --export: warning: " << c.toStdString()
                      << ": no such file; exporting without this compared dump\n";
    plan.comparisons.erase(std::remove_if(plan.comparisons.begin(), plan.comparisons.end(),
                                          [](const QString& c) { return !QFileInfo(c).isFile(); }),
                           plan.comparisons.end());
    plan.stream = p.value(QStringLiteral("stream"));
    if (p.isSet(QStringLiteral("stream")) && plan.stream.isEmpty())
        return usage(QStringLiteral("--stream needs a stream name"));
    if (!parse_assignments(p.values(QStringLiteral("set")), &plan.sets, &error))
        return usage(error);

    if (!positive_int(p, "layer", &plan.layer))
        return usage(QStringLiteral("--layer needs a whole number >= 0"));
    if (!positive_int(p, "token", &plan.token))
        return usage(QStringLiteral("--token needs a whole number >= 0"));
    if (!positive_int(p, "head", &plan.head))
        return usage(QStringLiteral("--head needs a whole number >= 0"));
    plan.options.transparent = p.isSet(QStringLiteral("transparent"));
    if (p.isSet(QStringLiteral("size"))) {
        plan.options.size = parse_size(p.value(QStringLiteral("size"))).value_or(QSize());
        if (plan.options.size.isEmpty() || plan.options.size.width() > 20000 ||
            plan.options.size.height() > 20000)
            return usage(QStringLiteral("--size needs WxH in pixels, at most 20000x20000"));
        if (!p.isSet(QStringLiteral("dpi"))) plan.options.dpi = 0;
    }
    if (p.isSet(QStringLiteral("dpi"))) {
        bool ok = false;
        plan.options.dpi = p.value(QStringLiteral("dpi")).toDouble(&ok);
        if (!ok || plan.options.dpi < 24 || plan.options.dpi > 2400)
            return usage(QStringLiteral("--dpi needs a number from 24 to 2400"));
    }
    return run_batch_plan(plan);
}

}  // namespace es::app
