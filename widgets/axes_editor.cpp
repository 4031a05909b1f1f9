#include "axes_editor.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace es::widgets {

AxesEditor::AxesEditor(QWidget* parent) : QWidget(parent) {
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(new QLabel(tr("axes"), this));
    edit_ = new QLineEdit(this);
    edit_->setObjectName(QStringLiteral("customAxes"));
    edit_->setPlaceholderText(tr("PCA  (or A-B@layer, pairs(king:queen)@layer, pc1@layer, ...)"));
    edit_->setToolTip(
        tr("Up to three axes, each the difference of two tokens' states at a layer, e.g. "
           "\"12-15@3\" or \"0:4-1:4\" (prompt:position), or a direction: "
           "\"pairs(king:queen,man:woman)@3\" (the pairs' mean difference, normalised), "
           "\"groups(he,him|she,her)@3\", \"pc1@3\", \"W_U[queen]\", \"vector(v.npy)\". "
           "Applied with Return; empty: the leading principal directions. Missing axes are "
           "filled with principal directions orthogonal to the given ones."));
    edit_->setClearButtonEnabled(true);
    from_selection_ = new QPushButton(tr("from selection"), this);
    from_selection_->setObjectName(QStringLiteral("axesFromSelection"));
    from_selection_->setAutoDefault(false);
    from_selection_->setToolTip(
        tr("Add an axis from the first two selected tokens at the current layer"));
    from_selection_->setEnabled(false);
    from_direction_ = new QPushButton(tr("direction"), this);
    from_direction_->setObjectName(QStringLiteral("axesFromDirection"));
    from_direction_->setAutoDefault(false);
    from_direction_->setToolTip(
        tr("Add an axis along the Directions view's direction (its pairs) at the current layer"));
    from_direction_->setEnabled(false);
    row->addWidget(edit_, 1);
    row->addWidget(from_selection_);
    row->addWidget(from_direction_);
    connect(edit_, &QLineEdit::returnPressed, this, [this] { emit edited(text()); });
    connect(edit_, &QLineEdit::textChanged, this, [this](const QString& t) {
        if (t.isEmpty()) emit edited(QString());  // the clear button: back to PCA at once
    });
    connect(from_selection_, &QPushButton::clicked, this, [this] {
        if (tokens_.size() < 2) return;
        add_axis(QStringLiteral("%1-%2@%3").arg(tokens_[0]).arg(tokens_[1]).arg(layer_));
    });
    connect(from_direction_, &QPushButton::clicked, this, [this] {
        if (!direction_.isEmpty()) add_axis(QStringLiteral("%1@%2").arg(direction_).arg(layer_));
    });
}

// The axes typed so far, split at commas outside brackets and quotes (a direction holds commas).
static QStringList split_axes(const QString& text) {
    QStringList out;
    QString piece;
    int depth = 0;
    bool quoted = false;
    for (const QChar c : text) {
        if (c == QLatin1Char('\'')) quoted = !quoted;
        if (!quoted && (c == QLatin1Char('(') || c == QLatin1Char('['))) ++depth;
        if (!quoted && (c == QLatin1Char(')') || c == QLatin1Char(']'))) --depth;
        if (c == QLatin1Char(',') && depth == 0 && !quoted) {
            if (!piece.trimmed().isEmpty()) out << piece.trimmed();
            piece.clear();
            continue;
        }
        piece += c;
    }
    if (!piece.trimmed().isEmpty()) out << piece.trimmed();
    return out;
}

void AxesEditor::add_axis(const QString& axis) {
    QStringList axes = split_axes(text());
    if (axes.contains(axis)) return;
    if (axes.size() >= 3) axes.removeFirst();  // at most three: the oldest makes way
    axes << axis;
    set_text(axes.join(QStringLiteral(", ")));
    emit edited(text());
}

void AxesEditor::set_direction(const QString& spec) {
    direction_ = spec;
    from_direction_->setEnabled(!spec.isEmpty());
}

QString AxesEditor::text() const {
    return edit_->text().trimmed();
}

void AxesEditor::set_text(const QString& text) {
    const QSignalBlocker block(edit_);
    edit_->setText(text);
}

void AxesEditor::set_selection(const QList<int>& tokens, int layer) {
    tokens_ = tokens;
    layer_ = layer;
    from_selection_->setEnabled(tokens.size() >= 2);
}

void AxesEditor::set_error(bool error) {
    edit_->setStyleSheet(error ? QStringLiteral("QLineEdit { color: #c0392b; }") : QString());
}

}  // namespace es::widgets
