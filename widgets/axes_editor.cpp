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
    edit_->setPlaceholderText(tr("PCA  (or token differences: A-B@layer, C-D, ...)"));
    edit_->setToolTip(
        tr("Up to three axes, each the difference of two tokens' states at a layer, e.g. "
           "\"12-15@3\" or \"0:4-1:4\" (prompt:position). Applied with Return; empty: the "
           "leading principal directions. Missing axes are filled with principal directions "
           "orthogonal to the given ones."));
    edit_->setClearButtonEnabled(true);
    from_selection_ = new QPushButton(tr("from selection"), this);
    from_selection_->setObjectName(QStringLiteral("axesFromSelection"));
    from_selection_->setAutoDefault(false);
    from_selection_->setToolTip(
        tr("Add an axis from the first two selected tokens at the current layer"));
    from_selection_->setEnabled(false);
    row->addWidget(edit_, 1);
    row->addWidget(from_selection_);
    connect(edit_, &QLineEdit::returnPressed, this, [this] { emit edited(text()); });
    connect(edit_, &QLineEdit::textChanged, this, [this](const QString& t) {
        if (t.isEmpty()) emit edited(QString());  // the clear button: back to PCA at once
    });
    connect(from_selection_, &QPushButton::clicked, this, [this] {
        if (tokens_.size() < 2) return;
        const QString axis = QStringLiteral("%1-%2@%3").arg(tokens_[0]).arg(tokens_[1]).arg(layer_);
        QStringList axes = text().split(QLatin1Char(','), Qt::SkipEmptyParts);
        for (QString& a : axes) a = a.trimmed();
        if (axes.contains(axis)) return;
        if (axes.size() >= 3) axes.removeFirst();  // at most three: the oldest makes way
        axes << axis;
        set_text(axes.join(QStringLiteral(", ")));
        emit edited(text());
    });
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
