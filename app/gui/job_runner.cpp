#include "job_runner.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QPointer>
#include <QThread>
#include <QThreadPool>
#include <algorithm>
#include <atomic>
#include <vector>

#include "gui_timing.h"
#include "util/error.h"

namespace es::app {

namespace {

constexpr int kAnalysisNice = 10;

// Analyses run at a lower priority than the GUI thread (Linux nice is per thread, and threads an
// analysis starts inherit it): on a 2-core machine two analyses and their helper threads would
// otherwise take turns with the event loop and stall it for hundreds of milliseconds.
// The level: EIGENSCOPE_ANALYSIS_NICE (0-19) when set, for measuring its effect (see
// docs/PERFORMANCE.md, "What is on screen first").
int analysis_nice() {
    static const int level = [] {
        bool ok = false;
        const int v = qEnvironmentVariableIntValue("EIGENSCOPE_ANALYSIS_NICE", &ok);
        return ok && v >= 0 && v <= 19 ? v : kAnalysisNice;
    }();
    return level;
}

// The BLAS library's own threads (OpenBLAS starts its pool as it loads, from the main thread,
// so at the GUI thread's priority) do the selected layer's products and eigensolve: at nice 0
// they took turns with the event loop. When the window (and its runner) is created they are the
// threads without a name of their own (their name is the program's; Qt and glib name theirs;
// Mesa's queue threads and TBB's, also unnamed, start later, with the 3D view). Threads
// OpenBLAS adds later are started by an analysis thread and inherit its level.
void lower_unnamed_threads_priority() {
    const auto comm = [](const QString& dir) {
        QFile f(dir + QStringLiteral("/comm"));
        return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed() : QByteArray();
    };
    const QString self = QStringLiteral("/proc/self/task/%1").arg(::syscall(SYS_gettid));
    const QByteArray program = comm(self);
    if (program.isEmpty()) return;
    for (const QString& tid :
         QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QString dir = QStringLiteral("/proc/self/task/") + tid;
        if (dir == self || comm(dir) != program) continue;
        const auto id = static_cast<id_t>(tid.toLongLong());
        errno = 0;
        const int now = getpriority(PRIO_PROCESS, id);
        if (errno == 0 && now < analysis_nice()) setpriority(PRIO_PROCESS, id, analysis_nice());
    }
}

void lower_this_threads_priority() {
    static thread_local const bool lowered = [] {
        return setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)),
                           analysis_nice()) == 0;
    }();
    (void)lowered;
}

}  // namespace

struct JobRunner::Job {
    QString key;
    std::shared_ptr<Progress> progress;
    std::map<QString, std::pair<Done, Failed>> waiters;  // by slot
    QElapsedTimer clock;
    std::atomic<qint64> last_report_ms{-1000};
    QString message;             // the latest progress message (GUI thread)
    double fraction = 0;         // and fraction done
    bool reported = false;       // whether it has reported progress yet
    int order = 0;               // when it started (activity() lists jobs in this order)
    bool background = false;     // only background slots wait for it (set_background)
    std::function<void()> held;  // a background job not handed to the pool yet (start_deferred)
};

namespace {
// Jobs of the views that run at once before a background job (the health scan) waits for one of
// them to end: the views on screen are usually three. The pool has one thread more, so that a
// fourth visible view (one floated beside them) starts its first picture at once instead of
// waiting for a whole analysis: the views yield to each other's first pictures and to the
// selected layer (core/util/foreground.h), not to a queue.
constexpr int kViewJobs = 3;
}  // namespace

JobRunner::JobRunner(QObject* parent) : QObject(parent) {
    // More threads than the cores: with two, the third view's first picture waited for a whole
    // analysis to finish, and with three a floated fourth view's (CKA's 11.7 s on M once the
    // others yielded to the selected layer). The work is the same; what comes first changes (the
    // analyses run at nice 10 and yield to what is on screen).
    pool_.setMaxThreadCount(std::max(kViewJobs + 1, QThread::idealThreadCount()));
    lower_unnamed_threads_priority();
}

JobRunner::~JobRunner() {
    cancel_all();
    // Jobs hold shared pointers to what they read; let them wind down before the runner goes.
    pool_.waitForDone(5000);
}

void JobRunner::detach_slot(const QString& slot) {
    auto it = slot_key_.find(slot);
    if (it == slot_key_.end()) return;
    auto job_it = running_.find(it->second);
    slot_key_.erase(it);
    if (job_it == running_.end()) return;
    std::shared_ptr<Job> job = job_it->second;
    job->waiters.erase(slot);
    if (job->waiters.empty()) {  // nobody wants it any more: stop it
        job->progress->cancel();
        cancelled_.insert(job);
        running_.erase(job_it);
        start_deferred();
    }
}

void JobRunner::hold(const QString& slot, const QString& key, const QObject* owner,
                     std::function<void()> resume) {
    detach_slot(slot);
    held_[slot] = Held{key, owner, std::move(resume)};
    emit activity_changed();
}

void JobRunner::release(const QObject* owner) {
    std::vector<std::function<void()>> run;
    for (auto it = held_.begin(); it != held_.end();) {
        if (it->second.owner == owner) {
            run.push_back(std::move(it->second.resume));
            it = held_.erase(it);
        } else {
            ++it;
        }
    }
    for (auto& r : run) r();  // each asks again (request() or another hold)
    if (!run.empty()) emit activity_changed();
}

void JobRunner::resumable(const QString& slot, const QString& key, const QObject* owner,
                          std::function<void()> resume) {
    resumable_[slot] = Held{key, owner, std::move(resume)};
}

int JobRunner::suspend(const QObject* owner) {
    std::vector<std::pair<QString, Held>> go;
    for (auto it = resumable_.begin(); it != resumable_.end();) {
        if (it->second.owner != owner) {
            ++it;
            continue;
        }
        const auto wanted = slot_key_.find(it->first);
        // Still wanted and still running (a finished one is cached: nothing to stop).
        if (wanted != slot_key_.end() && wanted->second == it->second.key &&
            running_.count(it->second.key))
            go.emplace_back(it->first, std::move(it->second));
        it = resumable_.erase(it);
    }
    for (auto& [slot, r] : go) hold(slot, r.key, owner, std::move(r.resume));
    return static_cast<int>(go.size());
}

namespace {

// "spectrum: layer 17 of 33": the analysis from the key ("doc1/spectrum/resid/..."), then the
// job's latest progress message.
QString activity_of(const QString& key, const QString& message) {
    const QString name = key.section(QLatin1Char('/'), 1, 1);
    return message.isEmpty() ? JobRunner::tr("%1: waiting for a thread").arg(name)
                             : QStringLiteral("%1: %2").arg(name, message);
}

}  // namespace

QStringList JobRunner::activity() const {
    std::vector<const Job*> jobs;
    for (const auto& [key, job] : running_) jobs.push_back(job.get());
    std::sort(jobs.begin(), jobs.end(),
              [](const Job* a, const Job* b) { return a->order < b->order; });
    QStringList out;
    for (const Job* j : jobs) out << activity_of(j->key, j->message);
    return out;
}

std::optional<JobRunner::Now> JobRunner::now() const {
    const Job* pick = nullptr;
    for (const auto& [key, job] : running_) {
        const Job* j = job.get();
        // Reporting beats waiting for a thread; among equals the one started last.
        if (!pick || std::pair(j->reported, j->order) > std::pair(pick->reported, pick->order))
            pick = j;
    }
    if (!pick) return std::nullopt;
    return Now{pick->fraction, activity_of(pick->key, pick->message), running_count()};
}

void JobRunner::request(const QString& slot, const QString& key, Work work, Done done,
                        Failed failed) {
    held_.erase(slot);
    auto current = slot_key_.find(slot);
    if (current == slot_key_.end() || current->second != key) detach_slot(slot);
    slot_key_[slot] = key;

    if (auto c = cache_.find(key); c != cache_.end()) {
        lru_.remove(key);
        lru_.push_front(key);
        Result r = c->second;
        if (done) done(r);
        return;
    }
    if (auto r = running_.find(key); r != running_.end()) {
        r->second->waiters[slot] = {std::move(done), std::move(failed)};
        return;
    }
    const bool was_busy = busy();
    auto job = std::make_shared<Job>();
    job->key = key;
    job->waiters[slot] = {std::move(done), std::move(failed)};
    running_[key] = job;
    start(job, std::move(work));
    if (!was_busy) emit busy_changed(true);
    emit activity_changed();
}

void JobRunner::start(const std::shared_ptr<Job>& job, Work work) {
    job->order = ++started_;
    job->clock.start();
    QPointer<JobRunner> self(this);
    Job* raw = job.get();
    std::weak_ptr<Job> weak = job;
    // Progress is posted to the GUI thread at most every 50 ms, so a chatty analysis cannot
    // flood the event loop.
    job->progress = std::make_shared<Progress>([self, raw, weak](double f, const std::string& msg) {
        const qint64 now = raw->clock.elapsed();
        if (f < 1.0 && now - raw->last_report_ms.load() < 50) return;
        raw->last_report_ms = now;
        const QString text = QString::fromStdString(msg);
        QMetaObject::invokeMethod(
            self.data(),
            [self, weak, f, text] {
                if (!self) return;
                if (const auto j = weak.lock()) {
                    j->message = text;
                    j->fraction = f;
                    j->reported = true;
                }
                emit self->progress(f, text);
                emit self->activity_changed();
            },
            Qt::QueuedConnection);
    });
    // Every job gives way to what is on screen (the selected layer's spectrum, first pictures)
    // at its checks: core/util/foreground.h.
    job->progress->set_yields(yielding_);
    std::shared_ptr<Progress> progress = job->progress;
    auto run = [self, job, progress, work = std::move(work)] {
        lower_this_threads_priority();
        Result result;
        QString error;
        bool cancelled = false;
        try {
            // Superseded before a thread was free: never start the work at all. (Not check():
            // that would yield to the foreground before the job could start a first picture of
            // its own, and the views' first pictures came one after another.)
            if (progress->cancelled()) throw CancelledError();
            result = work(*progress);
            if (progress->cancelled()) cancelled = true;
        } catch (const CancelledError&) {
            cancelled = true;
        } catch (const std::bad_alloc&) {
            error = QStringLiteral("out of memory");
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        } catch (...) {
            error = QStringLiteral("unknown error");
        }
        QMetaObject::invokeMethod(
            self.data(),
            [self, job, result, error, cancelled] {
                if (self) self->finish(job, result, error, cancelled);
            },
            Qt::QueuedConnection);
    };
    // Queued jobs start by priority, then in order: a background slot's after the views', and
    // only while fewer than kViewJobs of the views' run (else when one ends: start_deferred).
    bool background = !job->waiters.empty();
    for (const auto& waiter : job->waiters)
        background = background && background_.count(waiter.first) > 0;
    job->background = background;
    if (background && views_running() >= kViewJobs) {
        job->held = std::move(run);
        return;
    }
    pool_.start(std::move(run), background ? -1 : 0);
}

int JobRunner::views_running() const {
    int n = 0;
    for (const auto& [key, job] : running_) n += !job->background;
    for (const auto& job : cancelled_) n += !job->background;  // winding down on a thread
    return n;
}

void JobRunner::start_deferred() {
    // A deferred job that was cancelled starts too: it ends at once, and until it ends the
    // runner is busy.
    const auto hand_over = [&](const std::shared_ptr<Job>& job) {
        if (!job->held || (views_running() >= kViewJobs && !job->progress->cancelled())) return;
        pool_.start(std::move(job->held), -1);
        job->held = nullptr;
    };
    for (const auto& [key, job] : running_) hand_over(job);
    for (const auto& job : cancelled_) hand_over(job);
}

void JobRunner::finish(const std::shared_ptr<Job>& job, const Result& result, const QString& error,
                       bool cancelled) {
    const bool was_cancelled = cancelled_.erase(job) > 0;
    auto it = running_.find(job->key);
    if (it != running_.end() && it->second == job) running_.erase(it);
    const bool ok = !cancelled && !was_cancelled && error.isEmpty();
    emit job_finished(job->key, job->clock.elapsed(), ok);
    if (!was_cancelled && !cancelled) {
        if (ok) remember(job->key, result);
        for (auto& [slot, callbacks] : job->waiters) {
            auto want = slot_key_.find(slot);
            if (want == slot_key_.end() || want->second != job->key) continue;  // stale: dropped
            const gui_timing::Scope timed(QStringLiteral("deliver ") + job->key);
            if (ok && callbacks.first) callbacks.first(result);
            if (!ok && callbacks.second) callbacks.second(error);
        }
    }
    if (!busy()) {
        emit progress(1.0, QString());
        emit busy_changed(false);
    }
    emit activity_changed();
    start_deferred();
}

void JobRunner::remember(const QString& key, const Result& result) {
    cache_[key] = result;
    lru_.remove(key);
    lru_.push_front(key);
    while (lru_.size() > kCacheEntries) {
        cache_.erase(lru_.back());
        lru_.pop_back();
    }
}

void JobRunner::cancel_slot(const QString& slot) {
    resumable_.erase(slot);
    if (held_.erase(slot)) emit activity_changed();
    detach_slot(slot);
}

void JobRunner::cancel_prefix(const QString& prefix) {
    for (auto it = running_.begin(); it != running_.end();) {
        if (it->first.startsWith(prefix)) {
            it->second->progress->cancel();
            cancelled_.insert(it->second);
            it = running_.erase(it);
        } else {
            ++it;
        }
    }
    for (auto it = slot_key_.begin(); it != slot_key_.end();)
        it = it->second.startsWith(prefix) ? slot_key_.erase(it) : std::next(it);
    for (auto it = held_.begin(); it != held_.end();)
        it = it->second.key.startsWith(prefix) ? held_.erase(it) : std::next(it);
    for (auto it = resumable_.begin(); it != resumable_.end();)
        it = it->second.key.startsWith(prefix) ? resumable_.erase(it) : std::next(it);
    for (auto it = cache_.begin(); it != cache_.end();) {
        if (it->first.startsWith(prefix)) {
            lru_.remove(it->first);
            it = cache_.erase(it);
        } else {
            ++it;
        }
    }
    start_deferred();
    // The status line counts the holds: a closed file's hidden views no longer wait.
    emit activity_changed();
}

void JobRunner::cancel_all() {
    cancel_prefix(QString());
}

void JobRunner::clear_cache() {
    cache_.clear();
    lru_.clear();
}

void JobRunner::shut_down(int timeout_ms) {
    cancel_all();
    held_.clear();
    resumable_.clear();
    slot_key_.clear();
    pool_.waitForDone(timeout_ms);
}

bool JobRunner::wait_for_idle(int timeout_ms) {
    QElapsedTimer t;
    t.start();
    while (busy() && t.elapsed() < timeout_ms) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        QThread::msleep(1);
    }
    return !busy();
}

}  // namespace es::app
