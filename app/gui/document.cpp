#include "document.h"

#include <QFileInfo>

#include "cache/result_cache.h"
#include "util/error.h"

namespace es::app {

Document::Document(QString id, std::shared_ptr<Dump> dump, QObject* parent)
    : QObject(parent),
      id_(std::move(id)),
      dump_(std::move(dump)),
      identity_(dump_identity(*dump_)) {
    try {
        bundle_ = bundle::read_provenance(dump_->path());
    } catch (const InputError&) {
        // A damaged provenance: the file still opens as the dump it also is.
    }
    QFileInfo fi(path());
    size_ = fi.size();
    mtime_ = fi.lastModified();
    watcher_.addPath(path());
    connect(&watcher_, &QFileSystemWatcher::fileChanged, this, [this] { check_file(); });
}

void Document::check_file() {
    if (reported_) return;
    QFileInfo fi(path());
    fi.refresh();
    QString reason;
    if (!fi.exists())
        reason = tr("%1 was deleted or moved while open").arg(path());
    else if (fi.size() != size_ || fi.lastModified() != mtime_)
        reason = tr("%1 changed on disk").arg(path());
    if (reason.isEmpty()) return;
    reported_ = true;  // once; reloading makes a new Document
    emit changed_on_disk(reason);
}

}  // namespace es::app
