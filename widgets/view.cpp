#include "view.h"

#include <QFile>
#include <QRegularExpression>

#include <QCheckBox>
#include <QComboBox>
#include <QJsonValue>
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

QJsonObject View::save_settings() const {
    QJsonObject s;
    for (const Setting& setting : settings_) s.insert(setting.key, setting.save());
    return s;
}

void View::restore_settings(const QJsonObject& s) {
    for (const Setting& setting : settings_) setting.restore(s.value(setting.key));
}

void View::bind_setting(const QString& key, QCheckBox* box) {
    settings_.push_back({key, [box] { return QJsonValue(box->isChecked()); },
                         [box, initial = box->isChecked()](const QJsonValue& v) {
                             box->setChecked(v.toBool(initial));
                         }});
}

void View::bind_setting(const QString& key, QSpinBox* box) {
    settings_.push_back(
        {key, [box] { return QJsonValue(box->value()); },
         [box, initial = box->value()](const QJsonValue& v) { box->setValue(v.toInt(initial)); }});
}

void View::bind_setting(const QString& key, QComboBox* box) {
    settings_.push_back({key, [box] { return QJsonValue(box->currentIndex()); },
                         [box, initial = box->currentIndex()](const QJsonValue& v) {
                             box->setCurrentIndex(
                                 std::clamp(v.toInt(initial), 0, std::max(0, box->count() - 1)));
                         }});
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
