// Qt Test for the VTK bridge's fallbacks: whatever goes wrong with OpenGL, the result is a
// readable message, never a crash. One binary, two suites:
//   --nogl  QT_QPA_PLATFORM=offscreen: no OpenGL at all;
//   --egl   under xvfb-run with QT_XCB_GL_INTEGRATION=xcb_egl: Qt has a context, VTK cannot use it.
#include <QApplication>
#include <QSignalSpy>
#include <QTest>
#include <QVBoxLayout>
#include <cstdio>
#include <cstring>
#include <vector>

#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkRenderWindowInteractor.h>

#include "vtk_test_support.h"

using namespace es::widgets::test;

namespace {

// The message pane: dark fill, light text somewhere, and the text is not the whole area.
void check_message_pixels(QWidget& pane) {
    const QImage shot = pane.grab().toImage();
    QCOMPARE(shot.size(), pane.size() * pane.devicePixelRatioF());
    const QColor fill = shot.pixelColor(1, 1);
    QVERIFY2(fill.lightness() < 80, qPrintable(describe(fill)));
    int text_pixels = 0;
    for (int y = 0; y < shot.height(); ++y) {
        for (int x = 0; x < shot.width(); ++x) {
            if (shot.pixelColor(x, y).lightness() > 150) ++text_pixels;
        }
    }
    QVERIFY2(text_pixels > 100, qPrintable(QString::number(text_pixels)));
    QVERIFY(text_pixels < shot.width() * shot.height() / 4);
}

// Every entry point that would render must be a harmless no-op without OpenGL.
void check_rendering_is_inert(VtkGlWidget& w) {
    w.request_render();
    w.render_window()->Render();
    w.interactor()->Render();
    QTest::qWait(50);
    QVERIFY(w.render_to_image(QSize(100, 100)).isNull());
}

const QString kMessageStart = QStringLiteral("3D view unavailable: no OpenGL context (");

}  // namespace

// QT_QPA_PLATFORM=offscreen: no OpenGL anywhere. Qt 6.4 itself segfaults in
// QPlatformBackingStore::rhiFlush as soon as ANY QOpenGLWidget sits in a window shown on such
// a platform (even hidden), so views ask opengl_available() first and show the pane instead;
// a VtkGlWidget is only checked here while never shown.
class VtkGlWidgetNoGlTest : public QObject {
    Q_OBJECT
private slots:
    void probe_reports_no_opengl() {
        QString reason;
        QVERIFY(!VtkGlWidget::opengl_available(&reason));
        QVERIFY2(reason.contains(QStringLiteral("offscreen")), qPrintable(reason));
    }

    void widget_degrades_without_context() {
        VtkGlWidget w;
        QSignalSpy unavailable(&w, &VtkGlWidget::gl_unavailable);
        build_scene(w, red_sphere());  // building a scene needs no context
        QVERIFY(!w.has_opengl());
        QVERIFY2(w.status_message().startsWith(kMessageStart), qPrintable(w.status_message()));
        QVERIFY(w.status_message().contains(QStringLiteral("offscreen")));
        QTRY_COMPARE(unavailable.count(), 1);  // queued, so connecting after construction works
        check_rendering_is_inert(w);
        QVERIFY(w.grabFramebuffer().isNull());
        QCOMPARE(unavailable.count(), 1);
    }

    void pane_shows_message() {
        QString reason;
        QVERIFY(!VtkGlWidget::opengl_available(&reason));
        QWidget window;
        auto* layout = new QVBoxLayout(&window);
        QWidget* pane = VtkGlWidget::create_unavailable_pane(reason);
        layout->addWidget(pane);
        QVERIFY(show_at(window, 480, 320));
        QVERIFY(pane->accessibleName().startsWith(kMessageStart));
        QVERIFY(pane->accessibleName().contains(QStringLiteral("OpenGL")));
        check_message_pixels(*pane);
        window.resize(300, 500);
        QTRY_COMPARE(window.size(), QSize(300, 500));
        check_message_pixels(*pane);
    }
};

// Xvfb with QT_XCB_GL_INTEGRATION=xcb_egl: Qt has a perfectly good (EGL) context, but Debian's
// VTK loads OpenGL through GLX and fails. The widget is created, shown, and explains itself.
class VtkGlWidgetEglTest : public QObject {
    Q_OBJECT
private slots:
    void shown_widget_shows_message() {
        QVERIFY(VtkGlWidget::opengl_available());  // Qt's side works
        VtkGlWidget w;
        QSignalSpy unavailable(&w, &VtkGlWidget::gl_unavailable);
        QVERIFY(show_scene(w, 480, 320));
        QTRY_COMPARE(unavailable.count(), 1);
        QVERIFY2(unavailable.at(0).at(0).toString().contains(QStringLiteral("GLEW")),
                 qPrintable(unavailable.at(0).at(0).toString()));
        QVERIFY(!w.has_opengl());
        QVERIFY2(w.status_message().startsWith(kMessageStart), qPrintable(w.status_message()));
        QVERIFY(w.status_message().contains(QStringLiteral("OpenGL")));

        check_rendering_is_inert(w);
        QTest::mouseClick(&w, Qt::LeftButton, {}, QPoint(10, 10));
        QTest::keyClick(&w, Qt::Key_R);
        check_message_pixels(w);
        w.resize(300, 500);  // the message follows the widget's size
        QTRY_COMPARE(w.size(), QSize(300, 500));
        check_message_pixels(w);
        QCOMPARE(unavailable.count(), 1);
    }
};

int main(int argc, char** argv) {
    // The suite flag is ours, so QTest must not see it.
    bool no_gl = false;
    bool egl = false;
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        if (std::strcmp(argv[i], "--nogl") == 0) {
            no_gl = true;
        } else if (std::strcmp(argv[i], "--egl") == 0) {
            egl = true;
        } else {
            args.push_back(argv[i]);
        }
    }
    if (no_gl == egl) {
        std::fprintf(stderr, "usage: %s --nogl | --egl [QTest options]\n", argv[0]);
        return 2;
    }
    set_vtk_surface_format();
    if (egl) qputenv("QT_XCB_GL_INTEGRATION", "xcb_egl");  // after: overrides the GLX default
    int args_count = static_cast<int>(args.size());
    args.push_back(nullptr);
    QApplication app(args_count, args.data());
    if (no_gl) {
        VtkGlWidgetNoGlTest test;
        return QTest::qExec(&test, args_count, args.data());
    }
    VtkGlWidgetEglTest test;
    return QTest::qExec(&test, args_count, args.data());
}

#include "test_vtk_gl_widget_fallback.moc"
