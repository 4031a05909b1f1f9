#include "document_set.h"

#include <QDir>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QPointer>
#include <QSet>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <mutex>

#include "file_probe.h"
#include "gui_timing.h"
#include "job_runner.h"
#include "util/error.h"

namespace es::app {

struct DocumentSet::Loaded {
    QString path, weights;
    bool as_comparison = false;
    std::shared_ptr<Dump> dump;
    QString error, detail;  // the sentence, and the library's words behind it
};

DocumentSet::DocumentSet(JobRunner& jobs, QObject* parent) : QObject(parent), jobs_(jobs) {}

DocumentSet::~DocumentSet() {
    load_pool_.waitForDone();
}

bool DocumentSet::attach_weights(const QString& weights, QString* error) {
    if (!primary()) {
        if (error)
            *error =
                tr("Open an activation dump first; its weights then come from %1").arg(weights);
        return false;
    }
    open(primary()->path(), false, weights);
    return true;
}

void DocumentSet::open(const QString& path, bool as_comparison, const QString& weights) {
    if (as_comparison && primary_loads_in_flight_ > 0) {
        // Loads finish in any order; a comparison waits for the primary it is compared with.
        deferred_comparisons_ << path;
        ++loads_in_flight_;
        return;
    }
    emit loading(path);
    ++loads_in_flight_;
    if (!as_comparison) ++primary_loads_in_flight_;
    // The result crosses threads through a std::mutex of ours rather than only through
    // QFuture's internals: Qt's locks are invisible to ThreadSanitizer, ours are not.
    struct Handoff {
        std::mutex mutex;
        Loaded result;
    };
    auto handoff = std::make_shared<Handoff>();
    auto* watcher = new QFutureWatcher<void>(this);
    connect(watcher, &QFutureWatcher<void>::finished, this, [this, watcher, handoff] {
        const gui_timing::Scope timed("document arrives");
        Loaded loaded;
        {
            std::lock_guard<std::mutex> lock(handoff->mutex);
            loaded = std::move(handoff->result);
        }
        --loads_in_flight_;
        if (!loaded.as_comparison && --primary_loads_in_flight_ == 0) {
            const QStringList deferred = deferred_comparisons_;
            deferred_comparisons_.clear();
            loads_in_flight_ -= static_cast<int>(deferred.size());
            for (const QString& p : deferred) open(p, true);
        }
        on_loaded(loaded);
        watcher->deleteLater();
    });
    watcher->setFuture(QtConcurrent::run(&load_pool_, [path, as_comparison, weights, handoff] {
        Loaded r;
        r.path = path;
        r.weights = weights;
        r.as_comparison = as_comparison;
        // A child process reads the file first: if HDF5 crashes or hangs on it, only the child
        // goes. Attached weights are probed the same way.
        ProbeResult probe = probe_file(path);
        if (probe.status == ProbeResult::Status::Ok && !weights.isEmpty())
            probe = probe_file(weights);
        if (probe.status != ProbeResult::Status::Ok &&
            probe.status != ProbeResult::Status::Unavailable) {
            r.error = probe.message;
            r.detail = probe.detail;
        } else {
            try {
                r.dump = Dump::open(path.toStdString(), weights.toStdString());
            } catch (const InputError& e) {
                r.error = QString::fromStdString(e.what());
                r.detail = QString::fromStdString(e.detail());
            } catch (const std::exception& e) {
                r.error = QString::fromStdString(e.what());
            }
        }
        std::lock_guard<std::mutex> lock(handoff->mutex);
        handoff->result = std::move(r);
    }));
}

bool DocumentSet::set_series(const QString& folder, QString* error) {
    try {
        series_ = list_checkpoint_series(folder.toStdString());
    } catch (const std::exception& e) {
        if (error) *error = QString::fromStdString(e.what());
        return false;
    }
    series_folder_ = folder;
    return true;
}

bool DocumentSet::open_folder(const QString& folder, QString* error) {
    if (!set_series(folder, error)) return false;
    open(QString::fromStdString(series_.back().path));
    return true;
}

void DocumentSet::on_loaded(const Loaded& r) {
    if (!r.dump) {
        emit load_failed(r.path, r.error, r.detail);
        return;
    }
    auto* doc = new Document(QStringLiteral("doc%1").arg(next_document_++), r.dump, this);
    install(doc, r.as_comparison);
    {
        const gui_timing::Scope timed("documents changed");
        emit changed();
    }
    // On a later turn of the event loop (issue 20: no event over ~25 ms of the GUI thread),
    // after the dataset panel's fill that the change scheduled the same way (timers of equal
    // interval fire in the order they were started), so that everything the change brings is
    // there when loaded() says so. A timer, not a zero-delay (posted) call: Qt's event loop
    // runs posted events before timers, so a chain of them is one long stall to a timer.
    QTimer::singleShot(gui_timing::kDeferMs, this,
                       [this, path = r.path, doc = QPointer<Document>(doc)] {
                           if (!doc) return;  // replaced meanwhile: its successor says loaded
                           const gui_timing::Scope timed("document loaded");
                           emit loaded(path, doc);
                       });
}

void DocumentSet::install(Document* doc, bool as_comparison) {
    if (!as_comparison || documents_.empty()) {
        // A new primary replaces the old one and any comparison (one workspace at a time).
        for (Document* old : documents_) {
            jobs_.cancel_prefix(old->id() + QStringLiteral("/"));
            old->deleteLater();
        }
        documents_.clear();
        if (!series_folder_.isEmpty()) {
            bool in_series = false;
            for (const auto& e : series_)
                in_series |= QString::fromStdString(e.path) == doc->path();
            if (!in_series) {
                series_folder_.clear();
                series_.clear();
            }
        }
    }
    documents_.push_back(doc);
    if (as_comparison && documents_.size() > 1)
        newest_comparison_ = static_cast<int>(documents_.size()) - 1;
    connect(doc, &Document::changed_on_disk, this,
            [this, doc](const QString& reason) { emit changed_on_disk(doc, reason); });
}

void DocumentSet::close_all() {
    for (Document* d : documents_) {
        jobs_.cancel_prefix(d->id() + QStringLiteral("/"));
        d->deleteLater();
    }
    documents_.clear();
    series_.clear();
    series_folder_.clear();
    newest_comparison_ = -1;
    emit changed();
}

int DocumentSet::take_newest_comparison() {
    const int i = newest_comparison_;
    newest_comparison_ = -1;
    return i;
}

QStringList DocumentSet::names() const {
    QStringList paths;
    for (const Document* d : documents_) paths << d->path();
    return distinct_names(paths);
}

QStringList DocumentSet::distinct_names(const QStringList& paths) {
    QStringList names;
    for (const QString& p : paths) names << QFileInfo(p).fileName();
    for (int depth = 1; depth < 8; ++depth) {
        QSet<int> clashing;  // all of them first: renaming while comparing misses a third
        for (int i = 0; i < names.size(); ++i)
            for (int j = i + 1; j < names.size(); ++j)
                if (names[i] == names[j] && paths[i] != paths[j]) clashing << i << j;
        if (clashing.isEmpty()) break;
        for (int k : clashing) {
            const QStringList parts = QDir::cleanPath(QFileInfo(paths[k]).absoluteFilePath())
                                          .split(QLatin1Char('/'), Qt::SkipEmptyParts);
            names[k] = parts.mid(std::max(0, int(parts.size()) - 1 - depth)).join(QLatin1Char('/'));
        }
    }
    return names;
}

}  // namespace es::app
