#pragma once
// Shared by the app tests that drive a real MainWindow (app.shell, app.faults).
#include <QSignalSpy>
#include <QString>

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

}  // namespace es::test
