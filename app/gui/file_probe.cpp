#include "file_probe.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QProcess>

namespace es::app {

QString probe_program() {
    const QString env = qEnvironmentVariable("EIGENSCOPE_PROBE");
    if (!env.isEmpty()) return env;
    const QDir dir(QCoreApplication::applicationDirPath());
    // Installed side by side; in the build tree the CLI lives in app/ and tests in tests/app/.
    for (const QString& candidate :
         {dir.filePath("eigenscope-cli"), dir.filePath("../../app/eigenscope-cli"),
          dir.filePath("../app/eigenscope-cli")}) {
        if (QFileInfo(candidate).isExecutable()) return QFileInfo(candidate).canonicalFilePath();
    }
    return {};
}

ProbeResult probe_file(const QString& path, int timeout_ms) {
    ProbeResult r;
    bool ok = false;
    const int env_timeout = qEnvironmentVariableIntValue("EIGENSCOPE_PROBE_TIMEOUT_MS", &ok);
    if (ok && env_timeout > 0) timeout_ms = env_timeout;
    const QString program = probe_program();
    if (program.isEmpty()) {
        r.message =
            QStringLiteral("eigenscope-cli not found next to the app; file opened without a probe");
        return r;
    }
    QProcess child;
    child.setProgram(program);
    child.setArguments(
        // The probe is the isolation already: no second, supervised child inside it.
        {QStringLiteral("info"), QStringLiteral("--json"), QStringLiteral("--no-health"),
         QStringLiteral("--no-isolation"), path});
    child.start();
    if (!child.waitForStarted(5000)) {
        r.message = QStringLiteral("could not start %1").arg(program);
        return r;
    }
    if (!child.waitForFinished(timeout_ms)) {
        child.kill();
        child.waitForFinished(2000);
        r.status = ProbeResult::Status::TimedOut;
        r.message = QStringLiteral(
                        "%1: reading this file did not finish within %2 s; it may be damaged "
                        "or on a stalled file system")
                        .arg(path)
                        .arg(timeout_ms / 1000);
        return r;
    }
    const QString err = QString::fromUtf8(child.readAllStandardError()).trimmed();
    if (child.exitStatus() == QProcess::CrashExit) {
        r.status = ProbeResult::Status::Crashed;
        r.message = QStringLiteral(
                        "%1: this file crashed the HDF5 library in a test read; it is probably "
                        "damaged, and was not opened")
                        .arg(path);
        r.detail = err.isEmpty()
                       ? QStringLiteral("the probe (%1) ended by a crash, no message").arg(program)
                       : err.left(4000);
        return r;
    }
    if (child.exitCode() != 0) {
        r.status = ProbeResult::Status::BadInput;
        // eigenscope-cli's InputError: "error: SENTENCE", then "  detail:" and the library's
        // lines indented by four.
        const QStringList lines = err.split(QLatin1Char('\n'));
        QString line = lines.value(0);
        if (line.startsWith(QStringLiteral("error: "))) line = line.mid(7);
        r.message =
            line.isEmpty()
                ? QStringLiteral("%1: could not be read (exit %2)").arg(path).arg(child.exitCode())
                : line;
        QStringList detail;
        const bool has_detail = lines.value(1).trimmed() == QStringLiteral("detail:");
        for (int i = 2; has_detail && i < lines.size(); ++i)
            detail << (lines[i].startsWith(QStringLiteral("    ")) ? lines[i].mid(4) : lines[i]);
        r.detail = detail.join(QLatin1Char('\n'));
        return r;
    }
    r.status = ProbeResult::Status::Ok;
    r.info = QJsonDocument::fromJson(child.readAllStandardOutput()).object();
    return r;
}

}  // namespace es::app
