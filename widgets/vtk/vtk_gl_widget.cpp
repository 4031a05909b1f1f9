#include "vtk_gl_widget.h"

#include <QSurfaceFormat>

#include <QGuiApplication>
#include <QOffscreenSurface>
#include <QOpenGLContext>
#include <QOpenGLExtraFunctions>
#include <QPainter>
#include <QPointer>
#include <QScopedValueRollback>
#include <QScreen>
#include <QTimer>
#include <vector>

// Only VTK headers that do not pull in vtk_glew.h: Qt's GL headers are already included above.
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkOpenGLFramebufferObject.h>
#include <vtkOpenGLState.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>

#include "qt_vtk_interactor.h"

namespace es::widgets {
namespace {

struct GlProbe {
    bool ok = false;
    QString reason;
};

QString& disabled_reason() {
    static QString reason;
    return reason;
}

// Whether this process can get an OpenGL >= 3.2 desktop context at all, decided once with a
// throw-away context. Knowing it before the first show lets the pane say so instead of failing
// somewhere inside Qt or VTK (QT_QPA_PLATFORM=offscreen has no OpenGL).
const GlProbe& opengl_probe() {
    static const GlProbe probe = [] {
        GlProbe p;
        if (!disabled_reason().isEmpty()) {
            p.reason = disabled_reason();
            return p;
        }
        QOpenGLContext ctx;
        ctx.setFormat(QSurfaceFormat::defaultFormat());
        const QString platform = QGuiApplication::platformName();
        if (!ctx.create()) {
            p.reason = QStringLiteral("context creation failed on Qt platform '%1'").arg(platform);
        } else if (ctx.isOpenGLES()) {
            p.reason = QStringLiteral("only OpenGL ES is available; VTK needs desktop OpenGL");
        } else if (ctx.format().version() < qMakePair(3, 2)) {
            p.reason = QStringLiteral("OpenGL %1.%2 found, VTK needs 3.2")
                           .arg(ctx.format().majorVersion())
                           .arg(ctx.format().minorVersion());
        } else {
            p.ok = true;
        }
        return p;
    }();
    return probe;
}

// The message instead of a scene: standalone (create_unavailable_pane), or as a child over a
// VtkGlWidget whose VTK could not load OpenGL. A child, because a QOpenGLWidget without a
// working context paints nothing itself (not even through QPainter), while raster children are
// still composed, grabbed and printed normally.
class UnavailablePane : public QWidget {
public:
    UnavailablePane(const QString& text, QWidget* parent) : QWidget(parent), text_(text) {
        setAccessibleName(text);
        setMinimumSize(120, 80);
    }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        p.fillRect(rect(), QColor(45, 45, 48));
        p.setPen(QColor(235, 235, 235));
        QFont f = font();
        f.setPointSizeF(f.pointSizeF() * 1.2);
        p.setFont(f);
        p.drawText(rect().adjusted(16, 16, -16, -16), Qt::AlignCenter | Qt::TextWordWrap, text_);
    }

private:
    QString text_;
};

QString unavailable_message(const QString& reason) {
    return QStringLiteral("3D view unavailable: no OpenGL context (%1)").arg(reason);
}

}  // namespace

struct VtkGlWidget::Impl {
    explicit Impl(VtkGlWidget* owner) : q(owner) {}
    void on_window_event(vtkObject*, unsigned long event, void* call_data);
    void on_vtk_error(vtkObject*, unsigned long, void* call_data);

    VtkGlWidget* q;
    vtkSmartPointer<QtGenericRenderWindow> window;
    vtkSmartPointer<vtkRenderer> renderer;
    vtkSmartPointer<QtVtkInteractor> interactor;
    std::vector<unsigned long> observers;  // on `window`, while bound to `context`
    QOpenGLContext* context = nullptr;     // the Qt context VTK is bound to; null = not bound
    QSurface* surface = nullptr;           // QOpenGLWidget's offscreen surface for `context`
    QMetaObject::Connection context_death;
    bool render_needed = true;
    bool in_paint = false;
    bool gl_failed = false;
    QString vtk_error;  // collected while VTK loads OpenGL
    QString message;
    QPointer<QWidget> pane;
};

void VtkGlWidget::Impl::on_window_event(vtkObject*, unsigned long event, void* call_data) {
    switch (event) {
        case vtkCommand::WindowMakeCurrentEvent:
            q->make_current_for_vtk();
            break;
        case vtkCommand::WindowIsCurrentEvent:
            // Answer truthfully: with several 3D panes another widget's context may be current.
            *static_cast<bool*>(call_data) =
                context != nullptr && QOpenGLContext::currentContext() == context;
            break;
        case vtkCommand::WindowFrameEvent:
            // Double-buffered but not swapping: a capture (render_to_image), not for the screen.
            if (window->GetDoubleBuffer() && !window->GetSwapBuffers()) break;
            // Anyone may call Render(); Qt then only has to recompose the finished frame.
            render_needed = false;
            if (!in_paint) q->update();
            break;
        case vtkCommand::CursorChangedEvent:
            q->setCursor(qt_cursor_for_vtk(*static_cast<int*>(call_data)));
            break;
        default:
            break;
    }
}

void VtkGlWidget::Impl::on_vtk_error(vtkObject*, unsigned long, void* call_data) {
    // "ERROR: In file, line N\nvtkGenericOpenGLRenderWindow (0x..): GLEW could not be ..."
    QString text = QString::fromLocal8Bit(static_cast<const char*>(call_data));
    const int at = text.indexOf(QStringLiteral("): "));
    if (at >= 0) text = text.mid(at + 3);
    vtk_error = text.simplified();
}

VtkGlWidget::VtkGlWidget(QWidget* parent)
    : QOpenGLWidget(parent), d_(std::make_unique<Impl>(this)) {
    d_->window = vtkSmartPointer<QtGenericRenderWindow>::New();
    // Render() before Qt has a context must be a no-op; Qt, not VTK, decides where pixels go.
    d_->window->SetReadyForRendering(false);
    d_->window->SetFrameBlitModeToNoBlit();
    d_->renderer = vtkSmartPointer<vtkRenderer>::New();
    d_->window->AddRenderer(d_->renderer);

    d_->interactor = vtkSmartPointer<QtVtkInteractor>::New();
    d_->interactor->SetRenderWindow(d_->window);
    d_->interactor->Initialize();
    d_->interactor->SetInteractorStyle(vtkSmartPointer<vtkInteractorStyleTrackballCamera>::New());
    d_->interactor->set_render_hook([this] { request_render(); });

    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setUpdateBehavior(QOpenGLWidget::NoPartialUpdate);
    // resized() also fires when the screen (so devicePixelRatio) changes, unlike resizeGL().
    connect(this, &QOpenGLWidget::resized, this, &VtkGlWidget::update_size);

    if (!opengl_probe().ok) {
        qWarning(
            "VtkGlWidget created although VtkGlWidget::opengl_available() is false: Qt 6.4 "
            "crashes when a QOpenGLWidget is shown without OpenGL");
        mark_unavailable(opengl_probe().reason);
    }
}

VtkGlWidget::~VtkGlWidget() {
    // VTK's GL objects must go while our context is current; ~QOpenGLWidget destroys it next.
    teardown_vtk();
    d_->interactor->set_render_hook(nullptr);  // the interactor may outlive us (smart pointers)
}

vtkRenderer* VtkGlWidget::renderer() const {
    return d_->renderer;
}
vtkGenericOpenGLRenderWindow* VtkGlWidget::render_window() const {
    return d_->window;
}
vtkRenderWindowInteractor* VtkGlWidget::interactor() const {
    return d_->interactor;
}
void VtkGlWidget::disable_opengl(const QString& reason) {
    disabled_reason() = reason;
}

bool VtkGlWidget::opengl_available(QString* reason) {
    if (reason) *reason = opengl_probe().reason;
    return opengl_probe().ok;
}

QWidget* VtkGlWidget::create_unavailable_pane(const QString& reason, QWidget* parent) {
    return new UnavailablePane(unavailable_message(reason), parent);
}

bool VtkGlWidget::has_opengl() const {
    return opengl_probe().ok && !d_->gl_failed;
}
QString VtkGlWidget::status_message() const {
    return d_->message;
}

void VtkGlWidget::request_render() {
    d_->render_needed = true;
    update();  // Qt folds any number of update() calls into one paint event
}

void VtkGlWidget::make_current_for_vtk() {
    // A plain makeCurrent, not QOpenGLWidget::makeCurrent(): VTK calls this in the middle of its
    // own rendering, and re-binding Qt's framebuffer there would break it.
    if (d_->context && QOpenGLContext::currentContext() != d_->context) {
        d_->context->makeCurrent(d_->surface);
    }
}

void VtkGlWidget::initializeGL() {
    // Runs again whenever Qt re-creates the context (a dock floated, a new top-level window).
    if (d_->gl_failed || !context() || !context()->isValid()) return;
    if (!bind_vtk(context(), context()->surface())) return;
    // Direct: the context must still exist (and be made current) while VTK lets go of it.
    d_->context_death = connect(
        context(), &QOpenGLContext::aboutToBeDestroyed, this, [this] { teardown_vtk(); },
        Qt::DirectConnection);
    d_->render_needed = true;
    update_size();
}

bool VtkGlWidget::bind_vtk(QOpenGLContext* context, QSurface* surface) {
    teardown_vtk();  // never stay bound to a previous context
    d_->context = context;
    d_->surface = surface;
    auto* state = d_->window->GetState();
    state->Reset();
    state->vtkglDepthFunc(GL_LEQUAL);  // Qt leaves GL_LESS, VTK expects GL_LEQUAL

    for (unsigned long event :
         {vtkCommand::WindowMakeCurrentEvent, vtkCommand::WindowIsCurrentEvent,
          vtkCommand::WindowFrameEvent, vtkCommand::CursorChangedEvent}) {
        d_->observers.push_back(d_->window->AddObserver(event, d_.get(), &Impl::on_window_event));
    }
    // VTK reports a failed GL loader (GLEW on an EGL context, OpenGL < 3.2) as an error event.
    d_->vtk_error.clear();
    const unsigned long error_observer =
        d_->window->AddObserver(vtkCommand::ErrorEvent, d_.get(), &Impl::on_vtk_error);
    d_->window->SetOwnContext(false);
    d_->window->SetReadyForRendering(true);
    d_->window->OpenGLInitContext();
    d_->window->RemoveObserver(error_observer);
    if (d_->vtk_error.isEmpty()) return true;
    const QString reason = d_->vtk_error;
    teardown_vtk();
    mark_unavailable(reason);
    return false;
}

void VtkGlWidget::teardown_vtk() {
    if (!d_->context) return;
    disconnect(d_->context_death);
    make_current_for_vtk();
    for (unsigned long id : d_->observers) d_->window->RemoveObserver(id);
    d_->observers.clear();
    // Frees VTK's framebuffers, shaders and buffers in this context; props upload again into
    // the next one.
    d_->window->Finalize();
    d_->window->SetReadyForRendering(false);
    d_->context = nullptr;
    d_->surface = nullptr;
}

void VtkGlWidget::update_size() {
    if (!d_->context) return;
    const double dpr = devicePixelRatioF();
    const int w = qRound(width() * dpr);
    const int h = qRound(height() * dpr);
    d_->interactor->UpdateSize(w, h);  // also resizes the window when the size changed
    const int* current = d_->window->GetSize();
    if (current[0] != w || current[1] != h) d_->window->SetSize(w, h);
    if (const QScreen* s = screen()) {
        d_->window->SetScreenSize(qRound(s->size().width() * dpr),
                                  qRound(s->size().height() * dpr));
    }
    d_->window->SetDPI(qRound(72 * dpr));  // text sizes are in points: keep them physical
    d_->render_needed = true;
}

void VtkGlWidget::paintGL() {
    QOpenGLExtraFunctions* f = context()->extraFunctions();
    if (!d_->context) {
        f->glClearColor(0.18f, 0.18f, 0.19f, 1.0f);
        f->glClear(GL_COLOR_BUFFER_BIT);
        return;
    }
    auto* state = d_->window->GetState();
    state->Reset();  // Qt has touched GL since VTK last looked: resync VTK's state cache
    state->Push();
    state->vtkglDepthFunc(GL_LEQUAL);
    if (d_->render_needed && !d_->in_paint) {
        QScopedValueRollback<bool> guard(d_->in_paint, true);
        d_->window->Render();
    }
    d_->render_needed = false;
    // Observers of the render (progress bars) may have made another context current.
    make_current_for_vtk();

    vtkOpenGLFramebufferObject* fbo = d_->window->GetRenderFramebuffer();
    if (fbo) {
        f->glBindFramebuffer(GL_DRAW_FRAMEBUFFER, defaultFramebufferObject());
        const GLenum attachment = GL_COLOR_ATTACHMENT0;
        f->glDrawBuffers(1, &attachment);
        const bool scissor = f->glIsEnabled(GL_SCISSOR_TEST);
        if (scissor) {
            state->vtkglDisable(GL_SCISSOR_TEST);
            f->glDisable(GL_SCISSOR_TEST);  // scissoring would clip the blit
        }
        const int* src = fbo->GetLastSize();
        const QSize dst = size() * devicePixelRatioF();
        d_->window->BlitDisplayFramebuffer(0, 0, 0, src[0], src[1], 0, 0, dst.width(), dst.height(),
                                           GL_COLOR_BUFFER_BIT, GL_LINEAR);
        // Alpha to 1: Mesa would otherwise blend the pane with whatever is behind the window.
        GLboolean mask[4];
        GLfloat clear[4];
        f->glGetBooleanv(GL_COLOR_WRITEMASK, mask);
        f->glGetFloatv(GL_COLOR_CLEAR_VALUE, clear);
        f->glColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_TRUE);
        f->glClearColor(0.0f, 0.0f, 0.0f, 1.0f);
        f->glClear(GL_COLOR_BUFFER_BIT);
        f->glColorMask(mask[0], mask[1], mask[2], mask[3]);
        f->glClearColor(clear[0], clear[1], clear[2], clear[3]);
        if (scissor) {
            state->vtkglEnable(GL_SCISSOR_TEST);
            f->glEnable(GL_SCISSOR_TEST);
        }
    }
    state->Pop();
}

QImage VtkGlWidget::render_to_image(QSize size, double scale, bool transparent,
                                    const Prepare& prepare) {
    if (size.isEmpty() || !has_opengl()) return {};
    if (d_->context) {
        make_current_for_vtk();
        QImage image = capture_render_window(d_->window, size, scale, transparent, prepare);
        request_render();  // VTK's buffer now holds the export, not the pane
        return image;
    }
    // Never shown (a batch export): render in a private context. Letting QOpenGLWidget create
    // its own now (grabFramebuffer) would be worse: Qt 6.4 then never re-creates it to share
    // with the window once shown, and the pane stays black.
    QOffscreenSurface surface;
    surface.setFormat(QSurfaceFormat::defaultFormat());
    surface.create();
    QOpenGLContext context;
    context.setFormat(QSurfaceFormat::defaultFormat());
    if (!context.create() || !context.makeCurrent(&surface)) return {};
    if (!bind_vtk(&context, &surface)) return {};
    QImage image = capture_render_window(d_->window, size, scale, transparent, prepare);
    teardown_vtk();  // frees VTK's objects in this context before it goes
    context.doneCurrent();
    return image;
}

bool VtkGlWidget::event(QEvent* event) {
    if (d_->context) forward_event_to_vtk(event, d_->interactor, devicePixelRatioF());
    return QOpenGLWidget::event(event);
}

void VtkGlWidget::resizeEvent(QResizeEvent* event) {
    QOpenGLWidget::resizeEvent(event);
    if (d_->pane) d_->pane->setGeometry(rect());
}

void VtkGlWidget::showEvent(QShowEvent* event) {
    QOpenGLWidget::showEvent(event);
    // After the show has settled: did Qt manage to create our context?
    if (has_opengl()) QTimer::singleShot(0, this, &VtkGlWidget::check_context_after_show);
}

void VtkGlWidget::check_context_after_show() {
    if (d_->gl_failed || isValid() || !isVisible() || size().isEmpty()) return;
    (void)grabFramebuffer();  // asks QOpenGLWidget to create its context now
    if (!isValid()) mark_unavailable(QStringLiteral("Qt could not create one for this widget"));
}

void VtkGlWidget::mark_unavailable(const QString& reason) {
    if (d_->gl_failed) return;
    d_->gl_failed = true;
    d_->message = unavailable_message(reason);
    qWarning("%s", qUtf8Printable(d_->message));
    auto* pane = create_unavailable_pane(reason, this);
    pane->setGeometry(rect());
    pane->show();
    d_->pane = pane;
    // Queued: when this happens in the constructor nobody is connected yet.
    QMetaObject::invokeMethod(
        this, [this, reason] { emit gl_unavailable(reason); }, Qt::QueuedConnection);
}

void VtkGlWidget::set_default_surface_format() {
    if (qEnvironmentVariableIsEmpty("QT_XCB_GL_INTEGRATION"))
        qputenv("QT_XCB_GL_INTEGRATION", "xcb_glx");
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
    format.setSamples(0);  // multisampling is VTK's business
    QSurfaceFormat::setDefaultFormat(format);
}

}  // namespace es::widgets
