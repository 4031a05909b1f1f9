#pragma once
// The dataset panel: what a dump holds (the same facts as `eigenscope-cli info`) as a tree,
// with a filter box. Fed plain structs from core; knows nothing about files or threads.
#include <QWidget>

#include "io/data_health.h"
#include "io/dump.h"

class QLineEdit;
class QTreeWidget;
class QTreeWidgetItem;

namespace es::widgets {

class DumpTreeView : public QWidget {
    Q_OBJECT
public:
    explicit DumpTreeView(QWidget* parent = nullptr);

    void show_dump(const Dump& dump, const DataHealth& health);
    void clear();
    QTreeWidget* tree() const { return tree_; }
    // The top-level section with this title ("Streams", "Weights", ...), or nullptr.
    QTreeWidgetItem* section(const QString& title) const;

private:
    void apply_filter(const QString& text);
    QLineEdit* filter_ = nullptr;
    QTreeWidget* tree_ = nullptr;
};

}  // namespace es::widgets
