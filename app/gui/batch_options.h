#pragma once
// The view settings on the command line (issue 18), from the views' own declarations
// (widgets::View::setting_specs): `eigenscope --list-options [VIEW] [--json]`, the
// `--set NAME=VALUE` of `eigenscope --export`, and reading back the provenance an earlier export
// embedded (`--from-provenance FIGURE`).
#include <QJsonObject>
#include <QList>
#include <QSize>
#include <QString>
#include <QStringList>
#include <optional>

class QCommandLineParser;

namespace es::widgets {
class View;
}

namespace es::app {

// Headless commands (--export, --export presentation) share these.
// "WxH" in pixels ("1600x1200"), or nothing when the text is not of that form.
std::optional<QSize> parse_size(const QString& text);
// SIGINT and SIGTERM set a flag instead of killing the process: the command cancels its jobs
// and exits 130 (interrupted() says when).
void catch_interrupts();
bool interrupted();

// Whether the arguments ask for --list-options (before QApplication: it needs no display).
bool list_options_requested(int argc, char** argv);
void add_list_options(QCommandLineParser& parser);
// --list-options: without VIEW the views and their settings' names; with VIEW a table of name,
// type, default, allowed values and help (--json: the same as JSON). Hidden: --markdown and
// --man print every view's table for docs/CLI.md and the man page. Returns the exit code.
int run_list_options(const QCommandLineParser& parser);

struct SettingAssignment {
    QString name, value;
};
// The --set NAME=VALUE arguments; false and *error for one without '=' or a name.
bool parse_assignments(const QStringList& sets, QList<SettingAssignment>* out, QString* error);
// Applies them to the view; false and *error (naming the view's valid names or values).
bool apply_assignments(widgets::View* view, const QList<SettingAssignment>& sets, QString* error);
// Checks them against the view's declarations without applying them.
bool check_assignments(const widgets::View* view, const QList<SettingAssignment>& sets,
                       QString* error);

// What an earlier export recorded (widgets::Provenance): PNG text chunks, SVG <metadata>, the
// JSON's "provenance" and a CSV's "# key: value" lines.
struct RecordedFigure {
    QString dump, sha256, view, stream, compare;
    int layer = -1, prompt = -1;
    QList<int> tokens, heads;
    bool has_selection = false;  // tokens and heads were recorded
    QJsonObject settings;
    QSize size;
    double dpi = 0;
};
std::optional<RecordedFigure> read_provenance(const QString& path, QString* error);

}  // namespace es::app
