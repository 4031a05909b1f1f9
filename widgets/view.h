#pragma once
// What every view offers the shell: a name, a one-line caption (presentation mode), a short
// "What am I looking at?" text, its settings for sessions, and the shared selection to follow.
#include <QImage>
#include <QJsonObject>
#include <QJsonValue>
#include <QStringList>
#include <QWidget>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "selection.h"

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QPainter;
class QRectF;
class QSpinBox;

namespace es::widgets {

// One setting of a view, declared once (bind_setting, declare_setting): its name is the key in
// sessions and in export provenance, and the NAME of `eigenscope --export VIEW --set NAME=VALUE`;
// `eigenscope --list-options VIEW` prints the declarations.
struct SettingSpec {
    enum class Type {
        Bool,
        Int,     // whole number from min to max
        Choice,  // one of choices: stable machine names, never translated labels
        Text,    // free text whose valid values depend on the dump (a matrix name, a spec)
    };
    QString name;
    Type type = Type::Bool;
    QJsonValue default_value;
    QStringList choices;
    int min = 0, max = 0;
    QString help;  // one line
};

// "bool", "int", "choice" or "text".
QString type_name(SettingSpec::Type type);
// What the setting accepts, in words: "true, false", "1..50", "a, b, c", or its help's hint.
QString allowed_text(const SettingSpec& spec);
// A value as the command line writes it: true/false, 12, the choice's name, the text.
QString value_text(const QJsonValue& value);
// The command line's text for a setting as the value sessions store; nullopt and *error (saying
// what is allowed) for a bad value.
std::optional<QJsonValue> parse_setting_value(const SettingSpec& spec, const QString& text,
                                              QString* error);

// The numbers behind a figure, as the matching eigenscope-cli verb prints them (--json, --csv).
struct FigureNumbers {
    nlohmann::json json;
    std::string csv;
};

// The numbers of an analysis result through its to_json/to_csv (found by argument-dependent
// lookup in the result's namespace), or nothing when no result has arrived.
template <typename R>
std::optional<FigureNumbers> numbers_of_result(const std::optional<R>& result) {
    if (!result) return std::nullopt;
    return FigureNumbers{to_json(*result), to_csv(*result)};
}

// How a view's figures are drawn for export (ParaView's habit: a view renders itself at the
// target size; the screen is never grabbed).
enum class FigureKind {
    Plots,    // its QCustomPlots, stacked (figure_plots), vector in SVG/PDF
    Painted,  // drawn with a QPainter (paint_figure), vector in SVG/PDF
    Raster,   // an image rendered at the requested resolution (render_image): the 3D scene
};

class View : public QWidget {
    Q_OBJECT
public:
    using QWidget::QWidget;
    // A view whose id and dock title are fixed: view_id() and title() return them.
    View(QString id, QString title, QWidget* parent = nullptr);

    virtual QString view_id() const { return id_; }   // stable id for sessions and --export
    virtual QString title() const { return title_; }  // dock title
    // One line of what is shown (presentation mode), and a short "What am I looking at?" in
    // simple HTML. By default from the view's help page, resources/help/<view_id>.html (a first
    // line "<!-- caption: ... -->", then the help), kept out of the code so it reads and edits
    // as prose.
    virtual QString caption() const;
    virtual QString help_text() const;
    // By default the settings are the declared ones (bind_setting, declare_setting), each under
    // its name; a name missing from `s` restores its default (a text setting stays as it is).
    virtual QJsonObject save_settings() const;
    virtual void restore_settings(const QJsonObject& s);
    // The declared settings, in the order the controls show them.
    std::vector<SettingSpec> setting_specs() const;
    // Sets one declared setting from command-line text (--set NAME=VALUE). False, and *error
    // naming the valid names or values, for an unknown name or a bad value.
    bool set_setting(const QString& name, const QString& text, QString* error);
    // Presentation mode: large fonts and thick lines.
    virtual void set_presentation(bool on) { presentation_ = on; }

    // Follow a selection model (owned by the shell). Views react in on_selection().
    void follow(SelectionModel* model);
    SelectionModel* selection_model() const { return model_; }
    // How many selection changes this view has seen (tests check every view follows).
    int selection_updates() const { return updates_; }

    // Export. The figures this view draws (ids --export accepts; the spectrum view also draws
    // "spectrogram" alone), and for each the numbers behind it and how to draw it.
    virtual QStringList figures() const { return {view_id()}; }
    // Nothing until a result arrives (ResultViewOf gives its result's numbers).
    virtual std::optional<FigureNumbers> numbers(const QString&) const { return std::nullopt; }
    // What a partial result shown still lacks ("12 of 33 layers"), or "" when what is shown is
    // complete. A partial picture is marked on screen and never exported (figure_ready).
    virtual QString incomplete() const { return {}; }
    virtual FigureKind figure_kind() const { return FigureKind::Plots; }
    // FigureKind::Plots: the plots of a figure, top to bottom, as the view stacks them.
    virtual std::vector<QCustomPlot*> figure_plots(const QString&) { return {}; }
    // FigureKind::Painted: draws the figure into rect; false when there is nothing to draw.
    virtual bool paint_figure(const QString&, QPainter&, const QRectF&) { return false; }
    // FigureKind::Raster: the figure as an image of `size` pixels, fonts and lines scaled by
    // `scale`; a null image when it cannot be rendered (no OpenGL).
    virtual QImage render_image(QSize, double = 1.0) { return {}; }

protected:
    virtual void on_selection(const Selection& selection) = 0;
    // Makes a control's value a setting named `key` (its value now is the default): a check
    // box's state (bool), a spin box's value (int, its range), a combo box's item (choice: the
    // machine name of each item in order; sessions of old kept the index, still understood).
    void bind_setting(const QString& key, QCheckBox* box, const QString& help);
    void bind_setting(const QString& key, QSpinBox* box, const QString& help);
    void bind_setting(const QString& key, QComboBox* box, const QStringList& choices,
                      const QString& help);
    // A setting kept elsewhere than in one control: save gives its value, restore applies a
    // valid one (an undefined value means the default; for Text, leave it as it is).
    void declare_setting(SettingSpec spec, std::function<QJsonValue()> save,
                         std::function<void(const QJsonValue&)> restore);
    bool presentation_ = false;

private:
    struct Setting {
        SettingSpec spec;
        std::function<QJsonValue()> save;
        std::function<void(const QJsonValue&)> restore;
    };
    QString id_, title_;
    std::vector<Setting> settings_;
    SelectionModel* model_ = nullptr;
    int updates_ = 0;
};

}  // namespace es::widgets
