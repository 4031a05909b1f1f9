#include "batch_options.h"

#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <algorithm>
#include <array>
#include <csignal>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>

#include "view.h"
#include "view_registry.h"

namespace es::app {

namespace {

using widgets::SettingSpec;

// The declarations of a row's view, from a view made alone (no window, no feed).
std::vector<SettingSpec> specs_of(const ViewRow& row) {
    std::unique_ptr<widgets::View> view(row.create(nullptr));
    return view->setting_specs();
}

QString shown_default(const SettingSpec& s) {
    const QString v = widgets::value_text(s.default_value);
    return v.isEmpty() ? QStringLiteral("\"\"") : v;
}

QJsonObject spec_json(const SettingSpec& s) {
    QJsonObject o{{"name", s.name},
                  {"type", widgets::type_name(s.type)},
                  {"default", s.default_value},
                  {"help", s.help}};
    if (s.type == SettingSpec::Type::Choice)
        o.insert("choices", QJsonArray::fromStringList(s.choices));
    if (s.type == SettingSpec::Type::Bool) o.insert("choices", QJsonArray{true, false});
    if (s.type == SettingSpec::Type::Int) {
        o.insert("min", s.min);
        o.insert("max", s.max);
    }
    return o;
}

QJsonObject row_json(const ViewRow& row) {
    QJsonArray settings;
    for (const SettingSpec& s : specs_of(row)) settings.append(spec_json(s));
    return {{"view", row.id},
            {"figures", QJsonArray::fromStringList(row.figures)},
            {"needs_opengl", row.needs_opengl},
            {"settings", settings}};
}

void print_table(const ViewRow& row) {
    const std::vector<SettingSpec> specs = specs_of(row);
    std::cout << row.id.toStdString() << " (figures: " << row.figures.join(", ").toStdString()
              << ")\n";
    if (specs.empty()) {
        std::cout << "  no settings\n";
        return;
    }
    std::vector<std::array<QString, 5>> lines{{"NAME", "TYPE", "DEFAULT", "ALLOWED", "HELP"}};
    for (const SettingSpec& s : specs)
        lines.push_back({s.name, widgets::type_name(s.type), shown_default(s),
                         widgets::allowed_text(s), s.help});
    std::array<qsizetype, 4> width{};
    for (const auto& l : lines)
        for (std::size_t c = 0; c < width.size(); ++c) width[c] = std::max(width[c], l[c].size());
    for (const auto& l : lines) {
        QString text = QStringLiteral("  ");
        for (std::size_t c = 0; c < width.size(); ++c) text += l[c].leftJustified(width[c] + 2);
        std::cout << (text + l[4]).toStdString() << "\n";
    }
}

QString markdown_cell(QString s) {
    return s.replace(QLatin1Char('|'), QStringLiteral("\\|"));
}

// Every view's table as docs/CLI.md shows it.
void print_markdown() {
    for (const ViewRow& row : view_table()) {
        std::cout << "#### " << row.id.toStdString() << "\n\n";
        if (row.figures.size() > 1)
            std::cout << "Figures: " << row.figures.join(", ").toStdString() << ".\n\n";
        const std::vector<SettingSpec> specs = specs_of(row);
        if (specs.empty()) {
            std::cout << "No settings.\n\n";
            continue;
        }
        std::cout << "| name | type | default | allowed | help |\n|---|---|---|---|---|\n";
        for (const SettingSpec& s : specs)
            std::cout << ("| `" + s.name + "` | " + widgets::type_name(s.type) + " | " +
                          markdown_cell(shown_default(s)) + " | " +
                          markdown_cell(widgets::allowed_text(s)) + " | " + markdown_cell(s.help) +
                          " |\n")
                             .toStdString();
        std::cout << "\n";
    }
}

QString troff(QString s) {
    s.replace(QLatin1Char('\\'), QStringLiteral("\\e"))
        .replace(QLatin1Char('-'), QStringLiteral("\\-"));
    if (s.startsWith(QLatin1Char('.')) || s.startsWith(QLatin1Char('\'')))
        s.prepend(QStringLiteral("\\&"));
    return s;
}

// Every view's settings as the man page's VIEW SETTINGS section.
void print_man() {
    std::cout << ".SH VIEW SETTINGS\n"
                 "Set with \\fB\\-\\-set\\fR \\fINAME\\fR=\\fIVALUE\\fR on \\fB\\-\\-export\\fR; "
                 "\\fB\\-\\-list\\-options\\fR \\fIVIEW\\fR prints them.\n";
    for (const ViewRow& row : view_table()) {
        std::cout << ".SS " << troff(row.id).toStdString() << "\n";
        const std::vector<SettingSpec> specs = specs_of(row);
        if (specs.empty()) std::cout << "No settings.\n";
        for (const SettingSpec& s : specs)
            std::cout << ".TP\n.B " << troff(s.name).toStdString() << "\n"
                      << troff(widgets::type_name(s.type) + QStringLiteral(", default ") +
                               shown_default(s) + QStringLiteral(" (") + widgets::allowed_text(s) +
                               QStringLiteral("): ") + s.help)
                             .toStdString()
                      << "\n";
    }
}

}  // namespace

bool list_options_requested(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--list-options") == 0) return true;
    return false;
}

void add_list_options(QCommandLineParser& p) {
    p.addOption({QStringLiteral("list-options"),
                 QStringLiteral("List the views, or with a VIEW argument the settings --set "
                                "accepts for it (name, type, default, allowed values, help).")});
    p.addOption({QStringLiteral("json"), QStringLiteral("With --list-options: print JSON.")});
    QCommandLineOption markdown(QStringLiteral("markdown"));
    markdown.setFlags(QCommandLineOption::HiddenFromHelp);
    p.addOption(markdown);
    QCommandLineOption man(QStringLiteral("man"));
    man.setFlags(QCommandLineOption::HiddenFromHelp);
    p.addOption(man);
}

int run_list_options(const QCommandLineParser& p) {
    const QStringList args = p.positionalArguments();
    const bool json = p.isSet(QStringLiteral("json"));
    if (p.isSet(QStringLiteral("markdown"))) {
        print_markdown();
        return 0;
    }
    if (p.isSet(QStringLiteral("man"))) {
        print_man();
        return 0;
    }
    if (args.size() > 1) {
        std::cerr << "eigenscope --list-options: give at most one VIEW\n"
                     "usage: eigenscope --list-options [VIEW] [--json]\n";
        return 2;
    }
    if (args.isEmpty()) {
        if (json) {
            QJsonArray views;
            for (const ViewRow& row : view_table()) views.append(row_json(row));
            std::cout << QJsonDocument(QJsonObject{{"views", views}}).toJson().toStdString();
            return 0;
        }
        std::cout << "Views (eigenscope --list-options VIEW for the settings of one):\n";
        for (const ViewRow& row : view_table()) {
            QStringList names;
            for (const SettingSpec& s : specs_of(row)) names << s.name;
            QString line = QStringLiteral("  ") + row.id.leftJustified(16);
            if (row.figures.size() > 1)
                line += QStringLiteral("figures %1; ").arg(row.figures.join(QStringLiteral(", ")));
            line +=
                names.isEmpty() ? QStringLiteral("no settings") : names.join(QStringLiteral(", "));
            std::cout << line.toStdString() << "\n";
        }
        return 0;
    }
    const ViewRow* row = row_for_figure(args.first());
    if (!row) {
        std::cerr << "eigenscope --list-options: unknown view '" << args.first().toStdString()
                  << "'; one of " << figure_ids().join(", ").toStdString()
                  << "\nusage: eigenscope --list-options [VIEW] [--json]\n";
        return 2;
    }
    if (json)
        std::cout << QJsonDocument(row_json(*row)).toJson().toStdString();
    else
        print_table(*row);
    return 0;
}

bool parse_assignments(const QStringList& sets, QList<SettingAssignment>* out, QString* error) {
    for (const QString& set : sets) {
        const qsizetype eq = set.indexOf(QLatin1Char('='));
        if (eq <= 0) {
            if (error) *error = QStringLiteral("--set %1: give NAME=VALUE").arg(set);
            return false;
        }
        out->append({set.left(eq).trimmed(), set.mid(eq + 1)});
    }
    return true;
}

bool check_assignments(const widgets::View* view, const QList<SettingAssignment>& sets,
                       QString* error) {
    const std::vector<SettingSpec> specs = view->setting_specs();
    QStringList names;
    for (const SettingSpec& s : specs) names << s.name;
    for (const SettingAssignment& a : sets) {
        const auto it = std::find_if(specs.begin(), specs.end(),
                                     [&](const SettingSpec& s) { return s.name == a.name; });
        if (it == specs.end()) {
            if (error)
                *error = names.isEmpty()
                             ? QStringLiteral("unknown setting '%1' for %2; it has no settings")
                                   .arg(a.name, view->view_id())
                             : QStringLiteral("unknown setting '%1' for %2; one of %3")
                                   .arg(a.name, view->view_id(), names.join(QStringLiteral(", ")));
            return false;
        }
        if (!widgets::parse_setting_value(*it, a.value, error)) return false;
    }
    return true;
}

bool apply_assignments(widgets::View* view, const QList<SettingAssignment>& sets, QString* error) {
    for (const SettingAssignment& a : sets)
        if (!view->set_setting(a.name, a.value, error)) return false;
    return true;
}

namespace {

QString xml_unescaped(QString s) {
    return s.replace(QStringLiteral("&lt;"), QStringLiteral("<"))
        .replace(QStringLiteral("&gt;"), QStringLiteral(">"))
        .replace(QStringLiteral("&quot;"), QStringLiteral("\""))
        .replace(QStringLiteral("&#39;"), QStringLiteral("'"))
        .replace(QStringLiteral("&amp;"), QStringLiteral("&"));
}

QList<int> ints_of(const QString& text, bool* ok) {
    QList<int> out;
    *ok = true;
    for (const QString& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool one = false;
        out << part.trimmed().toInt(&one);
        *ok = *ok && one;
    }
    return out;
}

// The fields as widgets::Provenance::fields() writes them (strings), from any of the formats.
std::optional<std::map<QString, QString>> fields_of(const QString& path, QString* error) {
    const QString ext = QFileInfo(path).suffix().toLower();
    std::map<QString, QString> f;
    if (ext == QLatin1String("png")) {
        QImageReader reader(path);
        for (const QString& key : reader.textKeys()) f[key] = reader.text(key);
        if (f.empty() && error)
            *error = QStringLiteral("%1: %2").arg(
                path, reader.canRead() ? QStringLiteral("no provenance text chunks")
                                       : reader.errorString());
        return f.empty() ? std::nullopt : std::optional(f);
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error) *error = QStringLiteral("%1: cannot read: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    const QByteArray bytes = file.readAll();
    if (ext == QLatin1String("svg")) {
        static const QRegularExpression field(QStringLiteral("<es:(\\w+)>(.*?)</es:\\1>"),
                                              QRegularExpression::DotMatchesEverythingOption);
        for (auto it = field.globalMatch(QString::fromUtf8(bytes)); it.hasNext();) {
            const auto m = it.next();
            f[m.captured(1)] = xml_unescaped(m.captured(2));
        }
    } else if (ext == QLatin1String("json")) {
        const QJsonObject p =
            QJsonDocument::fromJson(bytes).object().value("provenance").toObject();
        for (auto it = p.begin(); it != p.end(); ++it) {
            const QJsonValue v = it.value();
            QString text;
            if (v.isArray()) {
                QStringList parts;
                for (const QJsonValue& x : v.toArray()) parts << QString::number(x.toInt());
                text = parts.join(QLatin1Char(','));
            } else if (v.isObject()) {
                text =
                    QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
            } else if (v.isDouble()) {
                text = QString::number(v.toDouble(), 'g', 17);
            } else {
                text = v.toString();
            }
            f[it.key()] = text;
        }
    } else if (ext == QLatin1String("csv")) {
        for (const QByteArray& line : bytes.split('\n')) {
            if (!line.startsWith("# ")) break;
            const qsizetype colon = line.indexOf(": ");
            if (colon > 2)
                f[QString::fromUtf8(line.mid(2, colon - 2))] =
                    QString::fromUtf8(line.mid(colon + 2));
        }
    } else {
        if (error) *error = QStringLiteral("%1: give a .png, .svg, .json or .csv export").arg(path);
        return std::nullopt;
    }
    if (f.empty()) {
        if (error) *error = QStringLiteral("%1: no provenance found").arg(path);
        return std::nullopt;
    }
    return f;
}

}  // namespace

std::optional<RecordedFigure> read_provenance(const QString& path, QString* error) {
    const auto fields = fields_of(path, error);
    if (!fields) return std::nullopt;
    auto get = [&](const char* key) {
        const auto it = fields->find(QLatin1String(key));
        return it == fields->end() ? QString() : it->second;
    };
    RecordedFigure r;
    r.dump = get("dump");
    r.view = get("view");
    if (r.dump.isEmpty() || r.view.isEmpty()) {
        if (error)
            *error =
                QStringLiteral("%1: no Eigenscope provenance (no dump or view recorded)").arg(path);
        return std::nullopt;
    }
    r.sha256 = get("sha256");
    r.stream = get("stream");
    r.compare = get("compare");
    bool ok = false;
    r.layer = get("layer").toInt(&ok);
    if (!ok) r.layer = -1;
    r.prompt = get("prompt").toInt(&ok);
    if (!ok) r.prompt = -1;
    bool tokens_ok = false, heads_ok = false;
    r.tokens = ints_of(get("tokens"), &tokens_ok);
    r.heads = ints_of(get("heads"), &heads_ok);
    r.has_selection = tokens_ok && heads_ok && fields->count(QStringLiteral("tokens"));
    r.settings = QJsonDocument::fromJson(get("settings").toUtf8()).object();
    static const QRegularExpression size(QStringLiteral("^(\\d+)x(\\d+)$"));
    if (const auto m = size.match(get("size")); m.hasMatch())
        r.size = QSize(m.captured(1).toInt(), m.captured(2).toInt());
    r.dpi = get("dpi").toDouble();
    return r;
}

namespace {
volatile std::sig_atomic_t interrupt_flag = 0;
void on_interrupt(int) {
    interrupt_flag = 1;
}
}  // namespace

std::optional<QSize> parse_size(const QString& text) {
    const auto m = QRegularExpression(QStringLiteral("^(\\d{1,5})[xX](\\d{1,5})$")).match(text);
    if (!m.hasMatch()) return std::nullopt;
    return QSize(m.captured(1).toInt(), m.captured(2).toInt());
}

void catch_interrupts() {
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
}

bool interrupted() {
    return interrupt_flag != 0;
}

}  // namespace es::app
