#pragma once
// An open dump: the core Dump, its health (filled in by a background scan) and a watch on the
// file so that a change or deletion on disk is noticed and offered for reload.
#include <QDateTime>
#include <QFileSystemWatcher>
#include <QObject>
#include <memory>
#include <optional>

#include "bundle/bundle.h"
#include "io/data_health.h"
#include "io/dump.h"

namespace es::app {

class Document : public QObject {
    Q_OBJECT
public:
    Document(QString id, std::shared_ptr<Dump> dump, QObject* parent = nullptr);

    const QString& id() const { return id_; }  // "doc1": prefixes this document's job keys
    QString path() const { return QString::fromStdString(dump_->path()); }
    const std::shared_ptr<Dump>& dump() const { return dump_; }
    const std::optional<DataHealth>& health() const { return health_; }
    // The file's identity when opened (path, size, mtime, layout hash): keys its cached results.
    const std::string& identity() const { return identity_; }
    void set_health(const DataHealth& h) { health_ = h; }
    // A results bundle (bundle/bundle.h): where it came from. Its views take their results from
    // the bundle, not from the sampled states the dump() holds (feed_support.h, ask()).
    const std::optional<bundle::Provenance>& bundle() const { return bundle_; }
    // Re-checks the file against what was opened; emits changed_on_disk when it differs.
    void check_file();

signals:
    void changed_on_disk(const QString& reason);

private:
    QString id_;
    std::shared_ptr<Dump> dump_;
    std::optional<DataHealth> health_;
    std::string identity_;
    std::optional<bundle::Provenance> bundle_;
    QFileSystemWatcher watcher_;
    qint64 size_ = 0;
    QDateTime mtime_;
    bool reported_ = false;
};

}  // namespace es::app
