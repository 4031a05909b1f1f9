#pragma once
// Shared by the app tests that drive a real MainWindow (app.shell, app.faults).
#include <QByteArray>
#include <QFile>
#include <QMessageBox>
#include <QSignalSpy>
#include <QString>
#include <QTemporaryDir>
#include <QTest>

#include "main_window.h"

namespace es::test {

// tests/fixtures/<rel> (EIGENSCOPE_FIXTURES is set by the test's CMake target).
inline QString fixture(const char* rel) {
    return QStringLiteral(EIGENSCOPE_FIXTURES "/") + rel;
}

// Opens path (as the compared dump with compare) and waits until it has loaded; false on a
// load error or after 20 s.
inline bool open_and_wait(app::MainWindow& w, const QString& path, bool compare = false) {
    QSignalSpy loaded(&w, &app::MainWindow::loaded);
    w.open_file(path, compare);
    return loaded.wait(20000);
}

// Copies tests/fixtures/<rel> to copy.h5 in `dir` and opens the copy in `w`, shown: the copy's
// path, or empty when copying or loading failed.
inline QString open_copy(app::MainWindow& w, const QTemporaryDir& dir, const char* rel) {
    const QString copy = dir.filePath(QStringLiteral("copy.h5"));
    if (!QFile::copy(fixture(rel), copy)) return {};
    w.show();
    return open_and_wait(w, copy) ? copy : QString();
}

// Writes `bytes` into the file at `path` opened with `mode` (Truncate: new contents, Append:
// more at the end), as another program would while the app has the file open.
inline bool write_file(const QString& path, QIODevice::OpenMode mode, const QByteArray& bytes) {
    QFile f(path);
    return f.open(mode) && f.write(bytes) == bytes.size();
}

// The app's offer to reload a file that changed or went on disk, once it is up (5 s at most);
// null when none came.
inline QMessageBox* reload_offer(app::MainWindow& w) {
    const auto find = [&w] { return w.findChild<QMessageBox*>("reloadDialog"); };
    return QTest::qWaitFor([&] { return find() != nullptr; }, 5000) ? find() : nullptr;
}

}  // namespace es::test
