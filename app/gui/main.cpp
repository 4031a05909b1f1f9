// eigenscope: the desktop explorer. `eigenscope [FILE]` opens FILE; `--version` prints the version.
#include <QApplication>
#include <QCommandLineParser>
#include <QSurfaceFormat>

#include "main_window.h"
#include "version.h"

int main(int argc, char** argv) {
    // VTK 9.1 on Debian initialises OpenGL through GLX; Qt must hand it a GLX context.
    if (qEnvironmentVariableIsEmpty("QT_XCB_GL_INTEGRATION")) qputenv("QT_XCB_GL_INTEGRATION", "xcb_glx");
    QSurfaceFormat format;
    format.setRenderableType(QSurfaceFormat::OpenGL);
    format.setVersion(3, 2);
    format.setProfile(QSurfaceFormat::CoreProfile);
    format.setDepthBufferSize(24);
    format.setStencilBufferSize(8);
    format.setRedBufferSize(8);
    format.setGreenBufferSize(8);
    format.setBlueBufferSize(8);
    format.setAlphaBufferSize(8);
    format.setSwapBehavior(QSurfaceFormat::DoubleBuffer);
    format.setSamples(0);
    QSurfaceFormat::setDefaultFormat(format);

    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Eigenscope"));
    QApplication::setOrganizationName(QStringLiteral("Eigenscope"));
    QApplication::setApplicationVersion(QStringLiteral(EIGENSCOPE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Explorer for the latent geometry of transformer language models"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("An activation dump (.h5) to open"));
    parser.process(app);

    es::app::MainWindow window;
    window.show();
    const QStringList files = parser.positionalArguments();
    if (!files.isEmpty()) window.open_file(files.first());
    return app.exec();
}
