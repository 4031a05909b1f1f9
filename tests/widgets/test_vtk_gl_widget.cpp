// Qt Test for the VTK-in-Qt 6 bridge (widgets/vtk/vtk_gl_widget.h) with real OpenGL: run under
// `xvfb-run` (Mesa llvmpipe). The no-OpenGL fallbacks are in test_vtk_gl_widget_fallback.cpp.
#include <QApplication>
#include <QDockWidget>
#include <QMainWindow>
#include <QOpenGLContext>
#include <QPointer>
#include <QScreen>
#include <QTest>
#include <QVBoxLayout>
#include <cstdlib>

#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkRenderWindowInteractor.h>

#include "vtk/qt_vtk_interactor.h"
#include "vtk_test_support.h"

using namespace es::widgets::test;

namespace {

// The pixels the X server shows for `w` (a child widget too; winId() on a child would make it a
// native window and change what is being tested).
QImage on_screen(QWidget* w) {
    const QPoint at = w->mapTo(w->window(), QPoint(0, 0));
    return w->screen()
        ->grabWindow(w->window()->winId(), at.x(), at.y(), w->width(), w->height())
        .toImage();
}

int count_renders_observer(vtkRenderWindow* window, int* counter) {
    auto cb = vtkSmartPointer<vtkCallbackCommand>::New();
    cb->SetClientData(counter);
    cb->SetCallback(
        [](vtkObject*, unsigned long, void* client, void*) { ++*static_cast<int*>(client); });
    return static_cast<int>(window->AddObserver(vtkCommand::EndEvent, cb));
}

}  // namespace

class VtkGlWidgetTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        VtkGlWidget probe;
        QVERIFY2(probe.has_opengl(), qPrintable(probe.status_message()));
    }

    void known_scene_pixels() {
        VtkGlWidget w;
        QVERIFY(show_scene(w, 400, 300));
        QTRY_VERIFY(w.isValid());
        QVERIFY(w.has_opengl());
        QVERIFY(w.status_message().isEmpty());

        const QImage fb = w.grabFramebuffer();  // what Qt composes on screen
        QCOMPARE(fb.size(), QSize(400, 300) * w.devicePixelRatioF());
        VERIFY_SCENE(fb);
        QCOMPARE(fb.pixelColor(2, 2).alpha(), 255);  // alpha cleared to opaque after the blit

        const QImage export_image = w.render_to_image(QSize(400, 300));
        QCOMPARE(export_image.size(), QSize(400, 300));
        VERIFY_SCENE(export_image);

        // The whole way to the X server: Qt's composition of the widget into the window.
        QTRY_VERIFY_WITH_TIMEOUT(scene_problem(on_screen(&w)).isEmpty(), 5000);
    }

    void resize_tracks_device_pixels() {
        VtkGlWidget w;
        QVERIFY(show_scene(w, 320, 240));
        const double dpr = w.devicePixelRatioF();
        auto device_size = [&] { return QSize(qRound(w.width() * dpr), qRound(w.height() * dpr)); };
        auto window_size = [&] {
            const int* s = w.render_window()->GetSize();
            return QSize(s[0], s[1]);
        };
        QTRY_COMPARE(window_size(), device_size());

        w.resize(640, 480);
        QTRY_COMPARE(w.size(), QSize(640, 480));
        QTRY_COMPARE(window_size(), QSize(qRound(640 * dpr), qRound(480 * dpr)));
        QCOMPARE(w.render_window()->GetDPI(), qRound(72 * dpr));
        const QImage fb = w.grabFramebuffer();
        QCOMPARE(fb.size(), window_size());
        VERIFY_SCENE(fb);

        w.resize(200, 500);  // portrait: the sphere still centred, corners background
        QTRY_COMPARE(window_size(), QSize(qRound(200 * dpr), qRound(500 * dpr)));
        VERIFY_SCENE(w.grabFramebuffer());
    }

    void render_to_image_exact_size() {
        VtkGlWidget w;
        QVERIFY(show_scene(w, 300, 200));
        QTRY_VERIFY(w.isValid());
        const int* before = w.render_window()->GetSize();
        const QSize window_before(before[0], before[1]);
        const int dpi_before = w.render_window()->GetDPI();

        const QImage big = w.render_to_image(QSize(1234, 567));
        QCOMPARE(big.size(), QSize(1234, 567));
        VERIFY_SCENE(big);
        QVERIFY(!big.hasAlphaChannel());

        // Transparent background: alpha 0 outside the sphere, opaque on it.
        const QImage clear = w.render_to_image(QSize(401, 257), 1.0, true);
        QCOMPARE(clear.size(), QSize(401, 257));
        QVERIFY(clear.hasAlphaChannel());
        QCOMPARE(clear.pixelColor(3, 3).alpha(), 0);
        QCOMPARE(clear.pixelColor(200, 128).alpha(), 255);
        QVERIFY(near(clear.pixelColor(200, 128), kRed));

        // A 2x export: still exactly the asked pixels, tagged with its pixel ratio.
        const QImage hidpi = w.render_to_image(QSize(600, 400), 2.0);
        QCOMPARE(hidpi.size(), QSize(600, 400));
        QCOMPARE(hidpi.devicePixelRatio(), 2.0);
        VERIFY_SCENE(hidpi);

        // The pane is left exactly as it was, and still shows the scene.
        const int* after = w.render_window()->GetSize();
        QCOMPARE(QSize(after[0], after[1]), window_before);
        QCOMPARE(w.render_window()->GetDPI(), dpi_before);
        QCOMPARE(w.renderer()->GetBackgroundAlpha(), 0.0);  // VTK's default, untouched
        VERIFY_SCENE(w.grabFramebuffer());

        // A pane never shown (a batch export) renders too.
        VtkGlWidget hidden;
        build_scene(hidden, red_sphere());
        const QImage offscreen = hidden.render_to_image(QSize(321, 123));
        QCOMPARE(offscreen.size(), QSize(321, 123));
        VERIFY_SCENE(offscreen);
        // Shown afterwards, Qt replaces that context with one shared with the window.
        QVERIFY(show_at(hidden, 240, 160));
        QTRY_VERIFY(hidden.isValid());
        VERIFY_SCENE(hidden.grabFramebuffer());
        QTRY_VERIFY_WITH_TIMEOUT(scene_problem(on_screen(&hidden)).isEmpty(), 5000);
    }

    void context_recreated_on_reparent() {
        QMainWindow main;
        main.setCentralWidget(new QWidget);
        auto* dock = new QDockWidget(QStringLiteral("3D"), &main);
        auto* w = new VtkGlWidget;
        w->setMinimumSize(320, 240);  // a dock as a user would size it, not a sliver
        build_scene(*w, red_sphere());
        dock->setWidget(w);
        main.addDockWidget(Qt::LeftDockWidgetArea, dock);
        QVERIFY(show_at(main, 900, 600));
        QTRY_VERIFY(w->isValid());
        VERIFY_SCENE(w->grabFramebuffer());

        // Floating the dock gives the widget a new top-level window, hence a new GL context.
        QPointer<QOpenGLContext> first = w->context();
        dock->setFloating(true);
        QVERIFY(QTest::qWaitForWindowExposed(dock));
        QTRY_VERIFY(first.isNull());
        QTRY_VERIFY(w->isValid());
        QVERIFY(w->has_opengl());
        VERIFY_SCENE(w->grabFramebuffer());
        VERIFY_SCENE(w->render_to_image(QSize(250, 180)));

        // Docking again: yet another context.
        QPointer<QOpenGLContext> second = w->context();
        dock->setFloating(false);
        QTRY_VERIFY(second.isNull());
        QTRY_VERIFY(w->isValid());
        VERIFY_SCENE(w->grabFramebuffer());

        // Into a separate, already shown top-level window.
        QWidget other;
        auto* layout = new QVBoxLayout(&other);
        QVERIFY(show_at(other, 500, 400));
        QPointer<QOpenGLContext> third = w->context();
        layout->addWidget(w);  // re-parents
        w->show();
        QTRY_VERIFY(third.isNull());
        QTRY_VERIFY(w->isValid());
        VERIFY_SCENE(w->grabFramebuffer());
        QTRY_VERIFY_WITH_TIMEOUT(scene_problem(on_screen(w)).isEmpty(), 5000);
    }

    void request_render_coalesces() {
        VtkGlWidget w;
        QVERIFY(show_scene(w, 300, 200));
        QTest::qWait(200);  // let the first paints settle

        int renders = 0;
        const int id = count_renders_observer(w.render_window(), &renders);
        for (int i = 0; i < 100; ++i) w.request_render();
        QCOMPARE(renders, 0);  // nothing renders synchronously
        QTRY_VERIFY(renders >= 1);
        QTest::qWait(200);
        qInfo() << "VTK renders after 100 request_render():" << renders;
        QVERIFY2(renders <= 3, qPrintable(QString::number(renders)));

        // Interactor renders (every mouse move of a drag) go the same way.
        renders = 0;
        for (int i = 0; i < 100; ++i) w.interactor()->Render();
        QCOMPARE(renders, 0);
        QTRY_VERIFY(renders >= 1);
        QTest::qWait(200);
        qInfo() << "VTK renders after 100 interactor Render():" << renders;
        QVERIFY2(renders <= 3, qPrintable(QString::number(renders)));
        w.render_window()->RemoveObserver(static_cast<unsigned long>(id));
    }

    void interaction_reaches_vtk() {
        VtkGlWidget w;
        QVERIFY(show_scene(w, 300, 200));
        QTRY_VERIFY(w.isValid());
        vtkCamera* camera = w.renderer()->GetActiveCamera();
        const double start = camera->GetDistance();

        // Half notches (trackpads) accumulate to one zoom step.
        auto wheel = [&](int delta) {
            const QPointF pos(150, 100);
            QWheelEvent e(pos, w.mapToGlobal(pos), QPoint(), QPoint(0, delta), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
            QApplication::sendEvent(&w, &e);
        };
        wheel(60);
        QCOMPARE(camera->GetDistance(), start);
        wheel(60);
        QVERIFY(camera->GetDistance() < start);  // forward = dolly in

        // A left drag rotates (trackball camera); 'r' (typed text) resets the camera.
        double before[3];
        camera->GetPosition(before);
        QTest::mousePress(&w, Qt::LeftButton, {}, QPoint(100, 100));
        QTest::mouseMove(&w, QPoint(160, 110));
        QTest::mouseRelease(&w, Qt::LeftButton, {}, QPoint(160, 110));
        double after[3];
        camera->GetPosition(after);
        QVERIFY(std::abs(after[0] - before[0]) + std::abs(after[1] - before[1]) +
                    std::abs(after[2] - before[2]) >
                1e-3);
        QTest::keyClick(&w, Qt::Key_R);
        QVERIFY(std::abs(camera->GetDistance() - start) < 1e-6 * start);

        // Key syms are VTK's names for the key, not the typed text.
        using es::widgets::qt_key_to_vtk_keysym;
        QCOMPARE(QByteArray(qt_key_to_vtk_keysym(Qt::Key_Left, {})), QByteArray("Left"));
        QCOMPARE(QByteArray(qt_key_to_vtk_keysym(Qt::Key_Return, {})), QByteArray("Return"));
        QCOMPARE(QByteArray(qt_key_to_vtk_keysym(Qt::Key_J, {})), QByteArray("j"));
        QCOMPARE(QByteArray(qt_key_to_vtk_keysym(Qt::Key_J, Qt::ShiftModifier)), QByteArray("J"));
        QCOMPARE(QByteArray(qt_key_to_vtk_keysym(Qt::Key_5, Qt::KeypadModifier)),
                 QByteArray("KP_5"));
        QCOMPARE(QByteArray(qt_key_to_vtk_keysym(Qt::Key_F12, {})), QByteArray("F12"));
        QVERIFY(qt_key_to_vtk_keysym(Qt::Key_unknown, {}) == nullptr);
    }

    void one_actor_in_two_panes() {
        // Each pane renders the shared actor in turn; VTK moves its buffers between the two
        // contexts on every switch, and each frame must still land in its own pane.
        vtkSmartPointer<vtkActor> actor = red_sphere();
        QWidget window;
        auto* layout = new QVBoxLayout(&window);
        auto* a = new VtkGlWidget;
        auto* b = new VtkGlWidget;
        layout->addWidget(a);
        layout->addWidget(b);
        build_scene(*a, actor);
        build_scene(*b, actor);
        QVERIFY(show_at(window, 300, 500));
        QTRY_VERIFY(a->isValid() && b->isValid());
        for (int round = 0; round < 3; ++round) {
            a->request_render();
            VERIFY_SCENE(a->grabFramebuffer());
            b->request_render();
            VERIFY_SCENE(b->grabFramebuffer());
            VERIFY_SCENE(a->render_to_image(QSize(120, 90)));
            VERIFY_SCENE(b->render_to_image(QSize(90, 120)));
        }
        // A hidden pane that rendered once (an export) and is still alive.
        VtkGlWidget hidden;
        build_scene(hidden, actor);
        VERIFY_SCENE(hidden.render_to_image(QSize(64, 48)));
        a->request_render();
        VERIFY_SCENE(a->grabFramebuffer());
        QTRY_VERIFY_WITH_TIMEOUT(scene_problem(on_screen(a)).isEmpty(), 5000);
    }

    void teardown_repeated() {
        // One actor through twenty short-lived widgets: each must release its GL objects
        // cleanly, or the last widget below would draw with names from dead contexts.
        vtkSmartPointer<vtkActor> actor = red_sphere();
        for (int i = 0; i < 20; ++i) {
            auto* w = new VtkGlWidget;
            build_scene(*w, actor);
            w->resize(160, 120);
            if (i % 2 == 0) {
                w->show();
                QVERIFY(QTest::qWaitForWindowExposed(w));
                VERIFY_SCENE(w->grabFramebuffer());
            }
            if (i % 5 == 4) VERIFY_SCENE(w->render_to_image(QSize(64, 48)));
            if (i % 3 == 0) w->request_render();  // destroyed with a paint pending
            if (i % 4 == 1) {
                w->deleteLater();
                QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
            } else {
                delete w;
            }
        }
        VtkGlWidget last;
        build_scene(last, actor);
        QVERIFY(show_at(last, 200, 150));
        VERIFY_SCENE(last.grabFramebuffer());
    }
};

int main(int argc, char** argv) {
    set_vtk_surface_format();
    QApplication app(argc, argv);
    VtkGlWidgetTest test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_vtk_gl_widget.moc"
