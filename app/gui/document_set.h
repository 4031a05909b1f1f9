#pragma once
// The open documents: the primary dump, the dumps compared with it, the checkpoint series, and
// their loading (a probe in a child process, then the open on threads of their own). Every
// change to what is open (opened, replaced, compared, closed) ends in one changed() signal: the
// window re-derives everything tied to a file from it (boxes, selection, views, titles).
#include <QObject>
#include <QStringList>
#include <QThreadPool>
#include <memory>
#include <vector>

#include "document.h"
#include "io/checkpoint_series.h"

namespace es::app {

class JobRunner;

class DocumentSet : public QObject {
    Q_OBJECT
public:
    explicit DocumentSet(JobRunner& jobs, QObject* parent = nullptr);
    ~DocumentSet() override;

    // Opens a dump in the background. A primary one replaces every open document; a comparison
    // is added (after the primary being opened, if one is) and becomes the compared dump.
    // `weights`: where its weights come from (Dump::open(path, weights)), "" for its own.
    void open(const QString& path, bool as_comparison = false, const QString& weights = {});
    // Reopens the primary dump with its weights from `weights` (a Hugging Face model folder, a
    // .safetensors file or an HDF5 file of weights): Dump::open(path, weights). False (error
    // set) when no dump is open.
    bool attach_weights(const QString& weights, QString* error);
    // A checkpoint series: the folder's last step opens as primary. False (error set) when the
    // folder holds no series.
    bool open_folder(const QString& folder, QString* error);
    // For sessions: the series without opening anything (the dumps are opened one by one).
    bool set_series(const QString& folder, QString* error);
    void close_all();

    const std::vector<Document*>& documents() const { return documents_; }
    Document* primary() const { return documents_.empty() ? nullptr : documents_.front(); }
    const std::vector<CheckpointEntry>& series() const { return series_; }
    const QString& series_folder() const { return series_folder_; }
    int loads_in_flight() const { return loads_in_flight_; }
    // The comparison opened since the last call, as an index into documents(), or -1.
    int take_newest_comparison();
    // Names that tell the open files apart: the file name, with as many parent folders as it
    // takes when two share it ("run1/tl_f32.h5", "run2/tl_f32.h5").
    QStringList names() const;
    static QStringList distinct_names(const QStringList& paths);

signals:
    void changed();  // documents opened, replaced, added or closed
    void loading(const QString& path);
    void loaded(const QString& path, Document* document);
    // error: the sentence for a person; detail: the library's words behind it ("" if none).
    void load_failed(const QString& path, const QString& error, const QString& detail);
    void changed_on_disk(Document* document, const QString& reason);

private:
    struct Loaded;
    void on_loaded(const Loaded& r);
    void install(Document* doc, bool as_comparison);

    JobRunner& jobs_;
    // Probing and opening files: threads of their own, so a file opens while analyses run (and
    // not on Qt's global pool, which painting uses; see JobRunner::pool()).
    QThreadPool load_pool_;
    std::vector<Document*> documents_;  // [0] primary
    int next_document_ = 1;
    int loads_in_flight_ = 0;
    int primary_loads_in_flight_ = 0;
    QStringList deferred_comparisons_;  // asked for before their primary finished loading
    int newest_comparison_ = -1;
    QString series_folder_;
    std::vector<CheckpointEntry> series_;
};

}  // namespace es::app
