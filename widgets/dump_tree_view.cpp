#include "dump_tree_view.h"

#include <QGuiApplication>
#include <QHeaderView>
#include <QLineEdit>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace es::widgets {

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

QString shape_text(const std::vector<std::size_t>& shape) {
    return qs(shape_to_string(shape));
}

QString dim(const std::optional<std::size_t>& v) {
    return v ? QString::number(*v) : QStringLiteral("unknown");
}

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

DumpTreeView::DumpTreeView(QWidget* parent)
    : View(QStringLiteral("dataset"), tr("Dataset"), parent) {
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
    setMinimumWidth(240);  // names like "blocks.11.attn.W_Q" must stay readable in a narrow dock
    layout->addWidget(filter_);
    layout->addWidget(tree_);
    connect(filter_, &QLineEdit::textChanged, this, &DumpTreeView::apply_filter);
    connect(tree_, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item, int) {
        const QVariant token = item->data(0, Qt::UserRole);
        if (!token.isValid() || !selection_model()) return;
        if (QGuiApplication::keyboardModifiers() & Qt::ControlModifier)
            selection_model()->toggle_token(token.toInt());
        else
            selection_model()->select_token(token.toInt());
    });
}

QJsonObject DumpTreeView::save_settings() const {
    return {{"filter", filter_->text()}};
}

void DumpTreeView::restore_settings(const QJsonObject& s) {
    filter_->setText(s.value("filter").toString());
}

QTreeWidgetItem* DumpTreeView::token_item(int token) const {
    QTreeWidgetItem* tokens = section(tr("Tokens"));
    if (!tokens) return nullptr;
    for (int p = 0; p < tokens->childCount(); ++p)
        for (int i = 0; i < tokens->child(p)->childCount(); ++i) {
            QTreeWidgetItem* item = tokens->child(p)->child(i);
            if (item->data(0, Qt::UserRole).toInt() == token) return item;
        }
    return nullptr;
}

void DumpTreeView::on_selection(const Selection& selection) {
    QTreeWidgetItem* tokens = section(tr("Tokens"));
    if (!tokens) return;
    for (int p = 0; p < tokens->childCount(); ++p)
        for (int i = 0; i < tokens->child(p)->childCount(); ++i) {
            QTreeWidgetItem* item = tokens->child(p)->child(i);
            const bool on = selection.tokens.contains(item->data(0, Qt::UserRole).toInt());
            QFont f = item->font(1);
            f.setBold(on);
            item->setFont(0, f);
            item->setFont(1, f);
            if (on) tokens->child(p)->setExpanded(true);
        }
}

void DumpTreeView::show_series(const QStringList& steps) {
    delete section(tr("Checkpoint steps"));
    if (steps.isEmpty()) return;
    auto* s = new QTreeWidgetItem(tree_, {tr("Checkpoint steps"), QString::number(steps.size())});
    for (const QString& step : steps) new QTreeWidgetItem(s, {QString(), step});
    s->setExpanded(true);
}

void DumpTreeView::clear() {
    tree_->clear();
}

QTreeWidgetItem* DumpTreeView::section(const QString& title) const {
    for (int i = 0; i < tree_->topLevelItemCount(); ++i)
        if (tree_->topLevelItem(i)->text(0) == title) return tree_->topLevelItem(i);
    return nullptr;
}

void DumpTreeView::show_dump(const Dump& dump, const std::optional<DataHealth>& health) {
    tree_->clear();
    const ModelDims& m = dump.dims();

    auto* file = new QTreeWidgetItem(tree_, {tr("File"), qs(dump.path())});
    add(file, tr("Layout"), qs(layout_name(dump.layout())));
    if (dump.step()) add(file, tr("Training step"), QString::number(*dump.step()));
    if (!dump.weights_path().empty()) add(file, tr("Weights from"), qs(dump.weights_path()));

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

    auto* streams =
        new QTreeWidgetItem(tree_, {tr("Streams"), QString::number(dump.streams().size())});
    for (const StreamInfo& s : dump.streams()) {
        QString summary = tr("%1 states × %2 prompts × %3 positions × %4 dims, %5")
                              .arg(s.n_states())
                              .arg(s.n_prompts)
                              .arg(s.n_positions)
                              .arg(s.d)
                              .arg(dtype_name(s.dtype));
        auto* item = add(streams, qs(s.name), summary);
        add(item, tr("Storage"),
            tr("%1%2%3")
                .arg(s.chunk.empty() ? tr("contiguous") : tr("chunks ") + shape_text(s.chunk))
                .arg(s.filters.empty() ? QString() : QStringLiteral(", "))
                .arg(qs([&] {
                    std::string f;
                    for (const auto& x : s.filters) f += (f.empty() ? "" : ", ") + x;
                    return f;
                }())));
        if (s.last_is_final_norm)
            add(item, tr("Note"),
                tr("the last state has the final norm applied; trajectories exclude it by "
                   "default"));
        for (std::size_t i = 0; i < s.state_names.size(); ++i)
            add(item, QString::number(i), qs(s.state_names[i]));
    }

    if (!dump.attention().empty()) {
        auto* att =
            new QTreeWidgetItem(tree_, {tr("Attention"), QString::number(dump.attention().size())});
        for (const AttentionInfo& a : dump.attention())
            add(att, qs(a.name),
                tr("%1 layers × %2 prompts × %3 heads × %4 × %4")
                    .arg(a.layers.size())
                    .arg(a.n_prompts)
                    .arg(a.n_heads)
                    .arg(a.n_positions));
    }

    // Filled before it joins the tree: thousands of token rows added to an item in the tree
    // are as many model insertions (most of the panel's fill time on a 4096-token dump).
    auto* tokens = new QTreeWidgetItem(QStringList{
        tr("Tokens"), tr("%1 in %2 prompts").arg(dump.tokens().size()).arg(dump.n_prompts())});
    std::vector<QTreeWidgetItem*> prompt_items;
    for (std::size_t b = 0; b < dump.n_prompts(); ++b) {
        QString text = b < dump.prompt_texts().size() ? qs(dump.prompt_texts()[b]) : QString();
        prompt_items.push_back(add(tokens, tr("Prompt %1").arg(b), text));
    }
    for (std::size_t i = 0; i < dump.tokens().size(); ++i) {
        const TokenInfo& t = dump.tokens()[i];
        if (t.prompt >= prompt_items.size()) continue;
        auto* item = add(prompt_items[t.prompt], QString::number(t.position), qs(t.label()),
                         t.id ? tr("token %1, id %2").arg(i).arg(*t.id) : tr("token %1").arg(i));
        item->setData(0, Qt::UserRole, static_cast<int>(i));
    }
    tree_->addTopLevelItem(tokens);

    auto* weights =
        new QTreeWidgetItem(tree_, {tr("Weights"), QString::number(dump.weights().size())});
    // A checkpoint's weights name the tensor they are read from (and how, in the tooltip).
    for (const auto& [name, w] : dump.weights())
        add(weights, qs(name),
            shape_text(w.shape) + " " + dtype_name(w.dtype) +
                (w.source.empty() ? QString() : QStringLiteral("  ← ") + qs(w.source)),
            w.source.empty()
                ? QString()
                : qs(w.source) + (w.source_transform.empty()
                                      ? QString()
                                      : QStringLiteral(": ") + qs(w.source_transform)));

    // config.json's key facts (attributes "config.json:KEY") get a section of their own.
    const std::string config_prefix = "config.json:";
    std::vector<std::pair<std::string, std::string>> config, other;
    for (const auto& kv : dump.attributes())
        (kv.first.rfind(config_prefix, 0) == 0 ? config : other).push_back(kv);
    if (!config.empty()) {
        auto* c = new QTreeWidgetItem(tree_, {tr("config.json"), QString::number(config.size())});
        for (const auto& [k, v] : config) add(c, qs(k.substr(config_prefix.size())), qs(v));
        c->setExpanded(true);
    }
    if (!other.empty()) {
        auto* attrs = new QTreeWidgetItem(tree_, {tr("Attributes"), QString::number(other.size())});
        for (const auto& [k, v] : other) add(attrs, qs(k), qs(v));
    }

    if (health)
        show_health(*health);
    else
        new QTreeWidgetItem(tree_, {tr("Data health"), tr("checking…")});

    for (auto* top : {file, model, streams}) top->setExpanded(true);
    apply_filter(filter_->text());
    if (selection_model()) on_selection(selection_model()->selection());
}

void DumpTreeView::show_health(const DataHealth& health) {
    QTreeWidgetItem* h = section(tr("Data health"));
    const bool expanded = h && h->isExpanded();
    if (!h) h = new QTreeWidgetItem(tree_, {tr("Data health"), QString()});
    qDeleteAll(h->takeChildren());
    h->setText(1,
               health.nonfinite_values || health.zero_vectors ? tr("issues found") : tr("clean"));
    add(h, tr("Non-finite values"), QString::number(health.nonfinite_values));
    add(h, tr("Token states with NaN/Inf"), QString::number(health.nonfinite_vectors),
        tr("excluded from analyses and counted in their results"));
    add(h, tr("Zero vectors"), QString::number(health.zero_vectors),
        tr("their cosines are reported as null"));
    h->setExpanded(expanded || health.nonfinite_values || health.zero_vectors);
    apply_filter(filter_->text());
}

void DumpTreeView::apply_filter(const QString& text) {
    // A row stays visible when it or any descendant matches; sections always stay.
    std::function<bool(QTreeWidgetItem*)> visit = [&](QTreeWidgetItem* item) {
        bool any_child = false;
        for (int i = 0; i < item->childCount(); ++i) any_child |= visit(item->child(i));
        bool self = text.isEmpty() || item->text(0).contains(text, Qt::CaseInsensitive) ||
                    item->text(1).contains(text, Qt::CaseInsensitive);
        // Only where it changes: every call is the view's work even when nothing does.
        const bool hide = !(self || any_child) && item->parent() != nullptr;
        if (item->isHidden() != hide) item->setHidden(hide);
        if (!text.isEmpty() && any_child) item->setExpanded(true);
        return self || any_child;
    };
    for (int i = 0; i < tree_->topLevelItemCount(); ++i) visit(tree_->topLevelItem(i));
}

}  // namespace es::widgets
