#pragma once
// Runs core analyses off the GUI thread (Hotspot's habit): the latest request per slot wins,
// superseded jobs are cancelled and their results dropped, a request for a result that is cached
// or already being computed joins it (views that need the same analysis share one computation).
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QString>
#include <QThreadPool>
#include <any>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "util/progress.h"

namespace es::app {

class JobRunner : public QObject {
    Q_OBJECT
public:
    // A result as the work returned it. request_as<R> stores a std::shared_ptr<const R> and hands
    // it back only to requests of the same R (std::any_cast checks the type: no void* casts).
    using Result = std::any;
    using Work = std::function<Result(Progress&)>;
    using Done = std::function<void(const Result&)>;
    using Failed = std::function<void(const QString& error)>;

    explicit JobRunner(QObject* parent = nullptr);
    ~JobRunner() override;

    // slot: who asks ("trajectory-view"); key: what is computed ("doc1/trajectory/resid").
    // done/failed run on the GUI thread, only if the slot still wants this key by then.
    void request(const QString& slot, const QString& key, Work work, Done done, Failed failed = {});

    // Typed: work returns R, done receives const R&. A key already computed or running with
    // another result type is a programming error, reported through `failed`, never a wrong cast.
    template <typename R>
    void request_as(const QString& slot, const QString& key, std::function<R(Progress&)> work,
                    std::function<void(const R&)> done, Failed failed = {}) {
        request(
            slot, key,
            [work = std::move(work)](Progress& p) -> Result {
                return std::make_shared<const R>(work(p));
            },
            [key, done = std::move(done), failed](const Result& r) {
                if (const auto* typed = std::any_cast<std::shared_ptr<const R>>(&r)) {
                    done(**typed);
                } else if (failed) {
                    failed(QStringLiteral("internal error: job %1 holds another result type (%2)")
                               .arg(key, QString::fromLatin1(r.type().name())));
                }
            },
            failed);  // a copy: the lambda above holds one too (argument order is unspecified)
    }

    // A request held back until its view is shown (a view behind another tab, or closed, does
    // not compute): the slot's current job is let go, and `resume` runs on release(owner), unless
    // the slot asks for something else, is cancelled, or its key's document closes first.
    void hold(const QString& slot, const QString& key, const QObject* owner,
              std::function<void()> resume);
    bool held(const QString& slot) const { return held_.count(slot) > 0; }
    int held_count() const { return static_cast<int>(held_.size()); }
    // Runs the requests `owner` held (its view was shown).
    void release(const QObject* owner);
    // The slot's request, now asked, may be let go while its view is hidden: suspend(owner)
    // then turns it into a hold with this `resume`, if it is still running.
    void resumable(const QString& slot, const QString& key, const QObject* owner,
                   std::function<void()> resume);
    // `owner`'s view went behind another tab or was closed: its running requests stop, so that
    // their cores and memory go to what is on screen (a hidden CKA held its Grams beside the
    // equaliser raised in its place: 1.47 GB on a 4096-wide dump), and ask again when it is
    // shown. Returns how many were suspended.
    int suspend(const QObject* owner);
    // What runs now, in the order the jobs started: "spectrum: layer 17 of 33" (the analysis
    // from the key, then its latest progress message), for the status bar.
    QStringList activity() const;
    // What the status bar's progress box shows: the most recently started running job that has
    // reported progress (else the most recently started), its fraction done and its activity()
    // text, and how many run. Nothing when none runs (finished jobs leave no "done 100%" behind).
    struct Now {
        double fraction = 0;
        QString text;  // "spectrum: layer 17 of 33"
        int running = 0;
    };
    std::optional<Now> now() const;

    // Whether jobs yield to what is on screen at their checks (core/util/foreground.h): on by
    // default; off only to measure what it brings (bench_app_open --no-foreground).
    void set_yielding(bool on) { yielding_ = on; }

    void cancel_slot(const QString& slot);
    // A slot whose jobs wait behind every other slot's for a thread (the health scan): a view
    // raised after the open started the scan would otherwise wait for the whole scan.
    void set_background(const QString& slot) { background_.insert(slot); }
    // Cancels every job whose key starts with prefix ("doc1/") and forgets its cached results.
    void cancel_prefix(const QString& prefix);
    void cancel_all();
    bool busy() const { return !running_.empty() || !cancelled_.empty(); }
    int running_count() const { return static_cast<int>(running_.size()); }
    int started_count() const { return started_; }  // jobs actually started (tests: no pile-ups)
    bool cached(const QString& key) const { return cache_.count(key) > 0; }
    // Whether slot still asks for key (partial results of superseded requests are dropped).
    bool wants(const QString& slot, const QString& key) const {
        const auto it = slot_key_.find(slot);
        return it != slot_key_.end() && it->second == key;
    }
    void clear_cache();
    // Blocks (processing events) until no job runs or timeout_ms passes; true when idle.
    bool wait_for_idle(int timeout_ms);
    // For the window's destructor: cancels everything, forgets holds and resumes, and waits for
    // the threads WITHOUT processing events, so nothing (a delivery, a job_finished, a timer)
    // reaches a window that is being torn down. Their pending finishes are dropped with us.
    void shut_down(int timeout_ms);
    // The threads analyses (and file loading) run on. Not Qt's global pool: Qt's raster engine
    // splits some painting across that one and waits for it, so long analyses there would stall
    // the GUI's painting until they finish.
    QThreadPool* pool() { return &pool_; }

signals:
    void progress(double fraction, const QString& message);
    void busy_changed(bool busy);
    void job_finished(const QString& key, qint64 milliseconds, bool ok);
    void activity_changed();  // a job started, reported progress or ended; or a hold changed

private:
    struct Job;
    void start(const std::shared_ptr<Job>& job, Work work);
    void finish(const std::shared_ptr<Job>& job, const Result& result, const QString& error,
                bool cancelled);
    void detach_slot(const QString& slot);
    int views_running() const;  // jobs started for a view's slot (not only background ones)
    void start_deferred();      // hands deferred background jobs to the pool while there is room
    void remember(const QString& key, const Result& result);

    std::map<QString, std::shared_ptr<Job>> running_;  // by key
    std::set<std::shared_ptr<Job>> cancelled_;         // winding down, results will be dropped
    std::map<QString, QString> slot_key_;              // what each slot wants now
    std::set<QString> background_;                     // set_background()
    bool yielding_ = true;                             // set_yielding()
    struct Held {
        QString key;
        const QObject* owner = nullptr;
        std::function<void()> resume;
    };
    std::map<QString, Held> held_;       // by slot
    std::map<QString, Held> resumable_;  // by slot: what suspend() turns into a hold
    std::map<QString, Result> cache_;
    std::list<QString> lru_;  // most recent first
    static constexpr std::size_t kCacheEntries = 64;
    int started_ = 0;
    QThreadPool pool_;
};

}  // namespace es::app
