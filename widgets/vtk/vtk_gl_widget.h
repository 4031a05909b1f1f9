#pragma once
// VtkGlWidget: VTK 9 rendering inside a Qt 6 QOpenGLWidget. Debian's VTK::GUISupportQt is built
// for Qt 5 and must never be linked, so this is our own bridge (its design, and why each step is
// needed: docs/VTK_QT6_BRIDGE.md). VTK renders into its own framebuffer through a
// vtkGenericOpenGLRenderWindow that borrows Qt's context; paintGL() blits the result into the
// widget. The header stays VTK-free so that including it does not pull VTK into every file.
#include <QImage>
#include <QOpenGLWidget>
#include <QString>
#include <functional>
#include <memory>

class QOpenGLContext;
class QSurface;
class vtkGenericOpenGLRenderWindow;
class vtkRenderer;
class vtkRenderWindowInteractor;

namespace es::widgets {

class VtkGlWidget : public QOpenGLWidget {
    Q_OBJECT
public:
    explicit VtkGlWidget(QWidget* parent = nullptr);
    ~VtkGlWidget() override;

    // The default renderer (background, camera, props); it lives as long as the widget.
    vtkRenderer* renderer() const;
    vtkGenericOpenGLRenderWindow* render_window() const;
    // Trackball-camera interactor fed by Qt events; its Render() calls are coalesced too.
    vtkRenderWindowInteractor* interactor() const;

    // Ask for a VTK render at the next paint. Any number of calls before that paint cost one
    // render. (Calling render_window()->Render() directly also works: Qt then only recomposes.)
    void request_render();

    // Whether this process can give VTK an OpenGL >= 3.2 desktop context at all (decided once,
    // with a throw-away context; needs the QApplication).
    // Check it BEFORE creating a VtkGlWidget: on Qt 6.4 any QOpenGLWidget inside a window that
    // is shown on a platform without OpenGL (QT_QPA_PLATFORM=offscreen, X without GLX) crashes
    // inside Qt (QPlatformBackingStore::rhiFlush), whatever the widget itself does. Views show
    // create_unavailable_pane(reason) instead.
    static bool opengl_available(QString* reason = nullptr);
    // The default surface format VTK 9.1 needs (OpenGL 3.2 core, depth 24, stencil 8, RGBA8,
    // double buffer, no multisampling) and QT_XCB_GL_INTEGRATION=xcb_glx unless set: Debian's VTK
    // loads OpenGL through GLX. Call before the QApplication is constructed.
    static void set_default_surface_format();
    // Before the first opengl_available(): this process will not use OpenGL (a headless 2D
    // export), so no QOpenGLWidget is made (Qt's offscreen platform warns about one even when it
    // finds GLX on an X server) and opengl_available() gives `reason`.
    static void disable_opengl(const QString& reason);
    // The pane shown instead of a scene: "3D view unavailable: no OpenGL context (reason)",
    // painted with QPainter; the text is also its accessibleName().
    static QWidget* create_unavailable_pane(const QString& reason, QWidget* parent = nullptr);

    // False when OpenGL is unusable for this widget: opengl_available() is false, or VTK could
    // not load OpenGL from Qt's context (EGL instead of GLX, OpenGL < 3.2). The widget then
    // shows status_message() over itself and never touches VTK's OpenGL side.
    bool has_opengl() const;
    // "3D view unavailable: no OpenGL context (reason)", or empty while OpenGL works.
    QString status_message() const;

    // Re-renders the scene off screen at exactly `size` pixels (never grabs the screen).
    // `scale` is the export's device pixel ratio: VTK's DPI becomes 72 * scale so text in points
    // grows with it, and the image's devicePixelRatio is set to it. Line widths and other pixel
    // sizes are the caller's business. `transparent` clears the background to alpha 0
    // (Format_RGBA8888); otherwise the image is opaque (Format_RGB32). Returns a null image
    // when there is no OpenGL. `prepare` runs first, the window at that size and DPI: it may
    // change the scene and render it as it stands (`probe`, at a size of its choice) as often as
    // it needs, e.g. to fit
    // the camera to this frame (see capture_render_window).
    using Probe = std::function<QImage(QSize size)>;
    using Prepare = std::function<void(const Probe& probe)>;
    QImage render_to_image(QSize size, double scale = 1.0, bool transparent = false,
                           const Prepare& prepare = {});

signals:
    // Emitted once (queued) when OpenGL turns out to be unusable for this widget.
    void gl_unavailable(QString reason);

protected:
    void initializeGL() override;
    void paintGL() override;
    bool event(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    struct Impl;
    bool bind_vtk(QOpenGLContext* context, QSurface* surface);
    void update_size();
    void make_current_for_vtk();
    void teardown_vtk();
    void mark_unavailable(const QString& reason);
    void check_context_after_show();

    std::unique_ptr<Impl> d_;
};

}  // namespace es::widgets
