#pragma once
// Internal to the VTK bridge (only vtk_gl_widget.cpp and tests include it): the VTK classes
// that need Qt behind them (render window context stack, interactor on Qt's event loop), the
// Qt -> VTK event translation, and the off-screen capture behind render_to_image().
#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include <QtCore/qnamespace.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkRenderWindowInteractor.h>
#include <QImage>
#include <QSize>

class QEvent;
class QObject;
class QOpenGLContext;
class QSurface;

namespace es::widgets {

// VTK 9.1's vtkGenericOpenGLRenderWindow keeps the base PushContext() (just MakeCurrent) and an
// empty PopContext(). When one actor is shown in two panes, rendering it in pane B first frees
// its buffers in pane A's context (VTK switches there through PushContext) and then never
// switches back: the rest of B's frame lands in A's context. This restores whatever Qt context
// was current, as VTK's X11/SDL windows do with theirs.
class QtGenericRenderWindow : public vtkGenericOpenGLRenderWindow {
public:
    static QtGenericRenderWindow* New();
    vtkTypeMacro(QtGenericRenderWindow, vtkGenericOpenGLRenderWindow)

        void PushContext() override;
    void PopContext() override;

protected:
    QtGenericRenderWindow() = default;
    ~QtGenericRenderWindow() override = default;

private:
    std::vector<std::pair<QOpenGLContext*, QSurface*>> context_stack_;
};

// VTK's own interactors run their own event loop and timers (X11, Win32). Inside a Qt
// application Qt owns both, so this one: has a Start() that returns at once, implements VTK
// timers with QTimers, and can route Render() requests through a coalescing hook so that a
// mouse drag producing 500 move events per second renders once per frame, not 500 times.
class QtVtkInteractor : public vtkRenderWindowInteractor {
public:
    static QtVtkInteractor* New();
    vtkTypeMacro(QtVtkInteractor, vtkRenderWindowInteractor)

        void Initialize() override;
    void Start() override {}         // Qt's event loop is already running
    void TerminateApp() override {}  // never let a VTK key binding quit the application
    // Deferred through the hook when set (the widget's request_render), else immediate.
    void Render() override;
    void set_render_hook(std::function<void()> hook) { render_hook_ = std::move(hook); }

    // Wheel deltas accumulate until one notch (120) so trackpads do not zoom per pixel.
    int wheel_accumulator = 0;

protected:
    QtVtkInteractor();
    ~QtVtkInteractor() override;
    int InternalCreateTimer(int timer_id, int timer_type, unsigned long duration) override;
    int InternalDestroyTimer(int platform_timer_id) override;

private:
    void fire_timer(int vtk_timer_id);

    std::unique_ptr<QObject> timer_owner_;  // parent of all QTimers: deletes leftovers
    std::map<int, QObject*> timers_;        // platform id -> QTimer
    int next_platform_id_ = 1;
    std::function<void()> render_hook_;
};

// Renders `window` (bound to the current context) at exactly `size` pixels into VTK's own
// framebuffer object and reads it back; size, DPI and background alpha are restored after.
// DPI becomes 72 * scale; `transparent` clears the background to alpha 0 (Format_RGBA8888),
// otherwise the image is Format_RGB32. Null image if the read-back fails.
// `prepare`, when given, runs first with the window already at that size and DPI: it may change
// the scene (the 3D view fits its camera to the export's frame) and call `probe`, which renders
// the scene as it stands then at the DPI and a size of its choice and reads it back (opaque), as
// often as it needs.
using CaptureProbe = std::function<QImage(QSize size)>;
using CapturePrepare = std::function<void(const CaptureProbe& probe)>;
QImage capture_render_window(vtkGenericOpenGLRenderWindow* window, QSize size, double scale,
                             bool transparent, const CapturePrepare& prepare = {});

// Qt cursor for a VTK_CURSOR_* value (VTK widgets ask for resize/hand cursors).
Qt::CursorShape qt_cursor_for_vtk(int vtk_cursor);

// VTK keysym ("Left", "Return", "a", "KP_5") for a Qt key, or nullptr when VTK has no name.
const char* qt_key_to_vtk_keysym(int qt_key, Qt::KeyboardModifiers modifiers);

// Forwards a Qt input event to the interactor: positions in device pixels (x dpr), y flipped
// to VTK's bottom-left origin. Returns true when the event was one VTK consumes.
bool forward_event_to_vtk(QEvent* event, QtVtkInteractor* interactor, double dpr);

}  // namespace es::widgets
