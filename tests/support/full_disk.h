#pragma once
// A directory on a full disk for the fault tests (app.faults, export.figures): a 16 KB tmpfs
// mounted on it when mounting works (root in a container that allows it), filled by fill();
// else fill() makes every write of more than 16 bytes fail as on a full disk (RLIMIT_FSIZE for
// the whole process, SIGXFSZ ignored so write() returns an error instead of killing us) until
// release(). Header-only: each test executable includes it once.
#include <sys/resource.h>

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QString>
#include <QStringList>
#include <csignal>
#include <cstdlib>

namespace es::test {

class FullDisk {
public:
    explicit FullDisk(const QString& dir) : dir_(dir) {
        QDir().mkpath(dir_);
        const QString cmd =
            QStringLiteral("mount -t tmpfs -o size=16k tmpfs '%1' 2>/dev/null").arg(dir_);
        mounted_ = std::system(cmd.toUtf8().constData()) == 0;
        qInfo("FullDisk: %s", mounted_ ? "16 KB tmpfs" : "injected write failure (RLIMIT_FSIZE)");
    }
    ~FullDisk() {
        release();
        if (mounted_) std::system(QStringLiteral("umount '%1'").arg(dir_).toUtf8().constData());
    }
    FullDisk(const FullDisk&) = delete;
    FullDisk& operator=(const FullDisk&) = delete;

    // From now on writes fail: the tmpfs is filled up (once), or the file-size limit is lowered
    // (keep that to the write under test: it applies to the whole process).
    void fill() {
        if (mounted_) {
            if (filled_) return;
            QFile filler(dir_ + QStringLiteral("/filler"));
            if (filler.open(QIODevice::WriteOnly)) {
                const QByteArray block(1024, 'x');
                while (filler.write(block) == block.size() && filler.flush()) {
                }
            }
            filled_ = true;
            return;
        }
        std::signal(SIGXFSZ, SIG_IGN);
        getrlimit(RLIMIT_FSIZE, &saved_);
        rlimit small = saved_;
        small.rlim_cur = 16;
        setrlimit(RLIMIT_FSIZE, &small);
        injected_ = true;
    }
    // Lifts an injected limit (a filled tmpfs stays full).
    void release() {
        if (injected_) setrlimit(RLIMIT_FSIZE, &saved_);
        injected_ = false;
    }
    // Files in the directory other than the filler and `expected`: temporaries left behind.
    QStringList leftovers(const QStringList& expected = {}) const {
        QStringList names = QDir(dir_).entryList(QDir::Files | QDir::Hidden);
        for (const QString& e : expected) names.removeAll(e);
        names.removeAll(QStringLiteral("filler"));
        return names;
    }

private:
    QString dir_;
    bool mounted_ = false, filled_ = false, injected_ = false;
    rlimit saved_{};
};

}  // namespace es::test
