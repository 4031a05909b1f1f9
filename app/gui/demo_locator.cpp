#include "demo_locator.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace es::app {

QString demo_dump_path() {
    const QString env = qEnvironmentVariable("EIGENSCOPE_DEMO");
    if (!env.isEmpty()) return env;
    const QString installed =
        QDir(QCoreApplication::applicationDirPath()).filePath("../share/eigenscope/demo/demo.h5");
    if (QFileInfo::exists(installed)) return QFileInfo(installed).canonicalFilePath();
    return QStringLiteral(EIGENSCOPE_SOURCE_DEMO);
}

}  // namespace es::app
