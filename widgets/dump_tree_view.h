#pragma once
// The dataset panel: what a dump holds (the same facts as `eigenscope-cli info`) as a tree,
// with a filter box. Fed plain structs from core; knows nothing about files or threads.
// Clicking a token selects it in every view (Ctrl+click adds it); selected tokens are bold.
#include "view.h"

#include "io/data_health.h"
#include "io/dump.h"

#include <optional>

class QLineEdit;
class QTreeWidget;
class QTreeWidgetItem;

namespace es::widgets {

class DumpTreeView : public View {
    Q_OBJECT
public:
    explicit DumpTreeView(QWidget* parent = nullptr);

    // The dataset panel is a browser, not a figure: nothing to export.
    QStringList figures() const override { return {}; }
    QJsonObject save_settings() const override;
    void restore_settings(const QJsonObject& s) override;

    // Health arrives later (a background scan): show_dump without it says "checking…", and
    // show_health replaces just that section, keeping the tree's expansion and scroll position.
    void show_dump(const Dump& dump, const std::optional<DataHealth>& health = std::nullopt);
    void show_health(const DataHealth& health);
    void clear();
    QTreeWidget* tree() const { return tree_; }
    // The top-level section with this title ("Streams", "Weights", ...), or nullptr.
    QTreeWidgetItem* section(const QString& title) const;

    // Checkpoint steps of an open series ("step 200: ckpt_b.h5"), shown as their own section.
    void show_series(const QStringList& steps);
    // The token item for a flat token index, or nullptr.
    QTreeWidgetItem* token_item(int token) const;

protected:
    void on_selection(const Selection& selection) override;

private:
    void apply_filter(const QString& text);
    QLineEdit* filter_ = nullptr;
    QTreeWidget* tree_ = nullptr;
};

}  // namespace es::widgets
