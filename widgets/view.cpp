#include "view.h"

#include <QFile>
#include <QRegularExpression>

#include <QCheckBox>
#include <QComboBox>
#include <QSpinBox>
#include <algorithm>
#include <utility>

namespace es::widgets {

namespace {

struct HelpPage {
    QString caption, help;
};

HelpPage help_page(const QString& id) {
    QFile file(QStringLiteral(":/help/%1.html").arg(id));
    if (!file.open(QIODevice::ReadOnly)) return {};
    QString text = QString::fromUtf8(file.readAll());
    HelpPage page;
    static const QRegularExpression caption(
        QStringLiteral("^<!--\\s*caption:\\s*(.*?)\\s*-->\\s*"));
    if (const auto m = caption.match(text); m.hasMatch()) {
        page.caption = m.captured(1);
        text.remove(0, m.capturedLength());
    }
    page.help = text.trimmed();
    return page;
}

}  // namespace

QString View::caption() const {
    return help_page(view_id()).caption;
}

QString View::help_text() const {
    return help_page(view_id()).help;
}

View::View(QString id, QString title, QWidget* parent)
    : QWidget(parent), id_(std::move(id)), title_(std::move(title)) {}

QString type_name(SettingSpec::Type type) {
    switch (type) {
        case SettingSpec::Type::Bool:
            return QStringLiteral("bool");
        case SettingSpec::Type::Int:
            return QStringLiteral("int");
        case SettingSpec::Type::Choice:
            return QStringLiteral("choice");
        case SettingSpec::Type::Text:
            break;
    }
    return QStringLiteral("text");
}

QString allowed_text(const SettingSpec& spec) {
    switch (spec.type) {
        case SettingSpec::Type::Bool:
            return QStringLiteral("true, false");
        case SettingSpec::Type::Int:
            return QStringLiteral("%1..%2").arg(spec.min).arg(spec.max);
        case SettingSpec::Type::Choice:
            return spec.choices.join(QStringLiteral(", "));
        case SettingSpec::Type::Text:
            break;
    }
    return QStringLiteral("text");
}

QString value_text(const QJsonValue& v) {
    if (v.isBool()) return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (v.isDouble()) return QString::number(v.toInt());
    return v.toString();
}

std::optional<QJsonValue> parse_setting_value(const SettingSpec& spec, const QString& text,
                                              QString* error) {
    const QString t = text.trimmed();
    auto bad = [&](const QString& allowed) -> std::optional<QJsonValue> {
        if (error)
            *error = QStringLiteral("bad value '%1' for %2; %3").arg(text, spec.name, allowed);
        return std::nullopt;
    };
    switch (spec.type) {
        case SettingSpec::Type::Bool: {
            const QString l = t.toLower();
            for (const char* yes : {"true", "1", "yes", "on"})
                if (l == QLatin1String(yes)) return QJsonValue(true);
            for (const char* no : {"false", "0", "no", "off"})
                if (l == QLatin1String(no)) return QJsonValue(false);
            return bad(QStringLiteral("one of true, false"));
        }
        case SettingSpec::Type::Int: {
            bool ok = false;
            const int v = t.toInt(&ok);
            if (!ok || v < spec.min || v > spec.max)
                return bad(
                    QStringLiteral("a whole number from %1 to %2").arg(spec.min).arg(spec.max));
            return QJsonValue(v);
        }
        case SettingSpec::Type::Choice:
            if (!spec.choices.contains(t))
                return bad(QStringLiteral("one of ") + spec.choices.join(QStringLiteral(", ")));
            return QJsonValue(t);
        case SettingSpec::Type::Text:
            break;
    }
    return QJsonValue(text);
}

QJsonObject View::save_settings() const {
    QJsonObject s;
    for (const Setting& setting : settings_) s.insert(setting.spec.name, setting.save());
    return s;
}

void View::restore_settings(const QJsonObject& s) {
    for (const Setting& setting : settings_) setting.restore(s.value(setting.spec.name));
}

std::vector<SettingSpec> View::setting_specs() const {
    std::vector<SettingSpec> out;
    for (const Setting& setting : settings_) out.push_back(setting.spec);
    return out;
}

bool View::set_setting(const QString& name, const QString& text, QString* error) {
    QStringList names;
    for (const Setting& setting : settings_) {
        names << setting.spec.name;
        if (setting.spec.name != name) continue;
        const std::optional<QJsonValue> v = parse_setting_value(setting.spec, text, error);
        if (!v) return false;
        setting.restore(*v);
        return true;
    }
    if (error)
        *error = names.isEmpty() ? QStringLiteral("unknown setting '%1' for %2; it has no settings")
                                       .arg(name, view_id())
                                 : QStringLiteral("unknown setting '%1' for %2; one of %3")
                                       .arg(name, view_id(), names.join(QStringLiteral(", ")));
    return false;
}

void View::declare_setting(SettingSpec spec, std::function<QJsonValue()> save,
                           std::function<void(const QJsonValue&)> restore) {
    const SettingSpec kept = spec;
    settings_.push_back(
        {std::move(spec), std::move(save), [kept, restore = std::move(restore)](QJsonValue v) {
             if (v.isUndefined()) {
                 if (kept.type == SettingSpec::Type::Text) return;
                 v = kept.default_value;
             }
             restore(v);
         }});
}

void View::bind_setting(const QString& key, QCheckBox* box, const QString& help) {
    SettingSpec spec{key, SettingSpec::Type::Bool, box->isChecked(), {}, 0, 0, help};
    declare_setting(
        spec, [box] { return QJsonValue(box->isChecked()); },
        [box](const QJsonValue& v) { box->setChecked(v.toBool(box->isChecked())); });
}

void View::bind_setting(const QString& key, QSpinBox* box, const QString& help) {
    SettingSpec spec{key, SettingSpec::Type::Int, box->value(), {}, box->minimum(), box->maximum(),
                     help};
    declare_setting(
        spec, [box] { return QJsonValue(box->value()); },
        [box](const QJsonValue& v) { box->setValue(v.toInt(box->value())); });
}

void View::bind_setting(const QString& key, QComboBox* box, const QStringList& choices,
                        const QString& help) {
    Q_ASSERT(choices.size() == box->count());
    const int initial = std::clamp(box->currentIndex(), 0, std::max(0, int(choices.size()) - 1));
    SettingSpec spec{key, SettingSpec::Type::Choice, choices.value(initial), choices, 0, 0, help};
    declare_setting(
        spec,
        [box, choices] { return QJsonValue(choices.value(std::max(0, box->currentIndex()))); },
        [box, choices](const QJsonValue& v) {
            // A name; sessions of old stored the index.
            const int i =
                v.isString() ? int(choices.indexOf(v.toString())) : (v.isDouble() ? v.toInt() : -1);
            if (i >= 0 && i < box->count()) box->setCurrentIndex(i);
        });
}

void View::follow(SelectionModel* model) {
    if (model_) disconnect(model_, nullptr, this, nullptr);
    model_ = model;
    if (!model_) return;
    connect(model_, &SelectionModel::changed, this, [this](const Selection& s) {
        ++updates_;
        on_selection(s);
    });
    on_selection(model_->selection());
}

}  // namespace es::widgets
