#include "dump_tree_view.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace es::widgets {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

QString shape_text(const std::vector<std::size_t>& shape) { return qs(shape_to_string(shape)); }

QString dim(const std::optional<std::size_t>& v) { return v ? QString::number(*v) : QStringLiteral("unknown"); }

QTreeWidgetItem* add(QTreeWidgetItem* parent, const QString& name, const QString& value,
                     const QString& tip = {}) {
    auto* item = new QTreeWidgetItem(parent, {name, value});
    if (!tip.isEmpty()) {
        item->setToolTip(0, tip);
        item->setToolTip(1, tip);
    }
    return item;
}

}  // namespace

DumpTreeView::DumpTreeView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    filter_ = new QLineEdit(this);
    filter_->setPlaceholderText(tr("Filter streams, weights, tokens…"));
    filter_->setClearButtonEnabled(true);
    tree_ = new QTreeWidget(this);
    tree_->setColumnCount(2);
    tree_->setHeaderLabels({tr("Item"), tr("Value")});
    tree_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    tree_->setUniformRowHeights(true);
    layout->addWidget(filter_);
    layout->addWidget(tree_);
    connect(filter_, &QLineEdit::textChanged, this, &DumpTreeView::apply_filter);
}

void DumpTreeView::clear() { tree_->clear(); }

QTreeWidgetItem* DumpTreeView::section(const QString& title) const {
    for (int i = 0; i < tree_->topLevelItemCount(); ++i)
        if (tree_->topLevelItem(i)->text(0) == title) return tree_->topLevelItem(i);
    return nullptr;
}

void DumpTreeView::show_dump(const Dump& dump, const DataHealth& health) {
    tree_->clear();
    const ModelDims& m = dump.dims();

    auto* file = new QTreeWidgetItem(tree_, {tr("File"), qs(dump.path())});
    add(file, tr("Layout"), qs(layout_name(dump.layout())));
    if (dump.step()) add(file, tr("Training step"), QString::number(*dump.step()));

    auto* model = new QTreeWidgetItem(tree_, {tr("Model"), QString()});
    add(model, tr("Layers"), dim(m.n_layers));
    QString heads = dim(m.n_heads);
    if (m.n_kv_heads && m.n_heads && *m.n_kv_heads != *m.n_heads)
        heads += tr(" (%1 key/value heads, grouped-query)").arg(*m.n_kv_heads);
    add(model, tr("Heads"), heads);
    add(model, tr("d_model"), dim(m.d_model));
    add(model, tr("d_head"), dim(m.d_head));
    add(model, tr("d_mlp"), dim(m.d_mlp));
    add(model, tr("Vocabulary"), dim(m.d_vocab));
    add(model, tr("Context"), dim(m.n_ctx));

    auto* streams = new QTreeWidgetItem(tree_, {tr("Streams"), QString::number(dump.streams().size())});
    for (const StreamInfo& s : dump.streams()) {
        QString summary = tr("%1 states × %2 prompts × %3 positions × %4 dims, %5")
                              .arg(s.n_states()).arg(s.n_prompts).arg(s.n_positions).arg(s.d)
                              .arg(dtype_name(s.dtype));
        auto* item = add(streams, qs(s.name), summary);
        add(item, tr("Storage"), tr("%1%2%3")
                                     .arg(s.chunk.empty() ? tr("contiguous") : tr("chunks ") + shape_text(s.chunk))
                                     .arg(s.filters.empty() ? QString() : QStringLiteral(", "))
                                     .arg(qs([&] {
                                         std::string f;
                                         for (const auto& x : s.filters) f += (f.empty() ? "" : ", ") + x;
                                         return f;
                                     }())));
        if (s.last_is_final_norm)
            add(item, tr("Note"), tr("the last state has the final norm applied; trajectories exclude it by default"));
        for (std::size_t i = 0; i < s.state_names.size(); ++i) add(item, QString::number(i), qs(s.state_names[i]));
    }

    if (!dump.attention().empty()) {
        auto* att = new QTreeWidgetItem(tree_, {tr("Attention"), QString::number(dump.attention().size())});
        for (const AttentionInfo& a : dump.attention())
            add(att, qs(a.name), tr("%1 layers × %2 prompts × %3 heads × %4 × %4")
                                     .arg(a.layers.size()).arg(a.n_prompts).arg(a.n_heads).arg(a.n_positions));
    }

    auto* tokens = new QTreeWidgetItem(tree_, {tr("Tokens"), tr("%1 in %2 prompts").arg(dump.tokens().size()).arg(dump.n_prompts())});
    std::vector<QTreeWidgetItem*> prompt_items;
    for (std::size_t b = 0; b < dump.n_prompts(); ++b) {
        QString text = b < dump.prompt_texts().size() ? qs(dump.prompt_texts()[b]) : QString();
        prompt_items.push_back(add(tokens, tr("Prompt %1").arg(b), text));
    }
    for (const TokenInfo& t : dump.tokens()) {
        if (t.prompt < prompt_items.size())
            add(prompt_items[t.prompt], QString::number(t.position), qs(t.text),
                t.id ? tr("token id %1").arg(*t.id) : QString());
    }

    auto* weights = new QTreeWidgetItem(tree_, {tr("Weights"), QString::number(dump.weights().size())});
    for (const auto& [name, w] : dump.weights())
        add(weights, qs(name), shape_text(w.shape) + " " + dtype_name(w.dtype));

    if (!dump.attributes().empty()) {
        auto* attrs = new QTreeWidgetItem(tree_, {tr("Attributes"), QString::number(dump.attributes().size())});
        for (const auto& [k, v] : dump.attributes()) add(attrs, qs(k), qs(v));
    }

    auto* h = new QTreeWidgetItem(tree_, {tr("Data health"),
                                          health.nonfinite_values || health.zero_vectors ? tr("issues found") : tr("clean")});
    add(h, tr("Non-finite values"), QString::number(health.nonfinite_values));
    add(h, tr("Token states with NaN/Inf"), QString::number(health.nonfinite_vectors),
        tr("excluded from analyses and counted in their results"));
    add(h, tr("Zero vectors"), QString::number(health.zero_vectors), tr("their cosines are reported as null"));

    for (auto* top : {file, model, streams}) top->setExpanded(true);
    apply_filter(filter_->text());
}

void DumpTreeView::apply_filter(const QString& text) {
    // A row stays visible when it or any descendant matches; sections always stay.
    std::function<bool(QTreeWidgetItem*)> visit = [&](QTreeWidgetItem* item) {
        bool any_child = false;
        for (int i = 0; i < item->childCount(); ++i) any_child |= visit(item->child(i));
        bool self = text.isEmpty() || item->text(0).contains(text, Qt::CaseInsensitive) ||
                    item->text(1).contains(text, Qt::CaseInsensitive);
        item->setHidden(!(self || any_child) && item->parent() != nullptr);
        if (!text.isEmpty() && any_child) item->setExpanded(true);
        return self || any_child;
    };
    for (int i = 0; i < tree_->topLevelItemCount(); ++i) visit(tree_->topLevelItem(i));
}

}  // namespace es::widgets
