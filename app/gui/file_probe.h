#pragma once
// Before a file is opened in-process it is opened by a child process (`eigenscope-cli info
// --json --no-health`) with a timeout: a file that crashes or hangs the HDF5 library takes down
// the child, not the app.
#include <QJsonObject>
#include <QString>

namespace es::app {

struct ProbeResult {
    enum class Status { Ok, BadInput, Crashed, TimedOut, Unavailable };
    Status status = Status::Unavailable;
    QString message;   // the child's error line, or what happened to it
    QString detail;    // the library's words behind it (the child's "detail:" lines), or ""
    QJsonObject info;  // the child's JSON on success
};

// Blocking; call from a worker thread. $EIGENSCOPE_PROBE overrides the probe program (tests).
ProbeResult probe_file(const QString& path, int timeout_ms = 15000);
// The eigenscope-cli next to this executable (or in the build tree), empty when not found.
QString probe_program();

}  // namespace es::app
