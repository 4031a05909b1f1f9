#include "qt_vtk_interactor.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <vtkCommand.h>
#include <vtkObjectFactory.h>
#include <vtkOpenGLState.h>
#include <vtkRenderer.h>
#include <vtkRendererCollection.h>
#include <vtkSmartPointer.h>
#include <vtkUnsignedCharArray.h>
#include <QEnterEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QTimer>
#include <QWheelEvent>

namespace es::widgets {

vtkStandardNewMacro(QtGenericRenderWindow);

void QtGenericRenderWindow::PushContext() {
    QOpenGLContext* current = QOpenGLContext::currentContext();
    context_stack_.emplace_back(current, current ? current->surface() : nullptr);
    this->MakeCurrent();  // through WindowMakeCurrentEvent: the owning widget's context
}

void QtGenericRenderWindow::PopContext() {
    if (context_stack_.empty()) return;
    const auto [context, surface] = context_stack_.back();
    context_stack_.pop_back();
    if (context && surface && QOpenGLContext::currentContext() != context) {
        context->makeCurrent(surface);
    }
}

vtkStandardNewMacro(QtVtkInteractor);

QtVtkInteractor::QtVtkInteractor() : timer_owner_(std::make_unique<QObject>()) {}

// timer_owner_ deletes any QTimer still alive (including ones queued for deleteLater).
QtVtkInteractor::~QtVtkInteractor() = default;

void QtVtkInteractor::Initialize() {
    // The base class also renders here; before Qt has created a context that must not happen.
    this->Initialized = 1;
    this->Enable();
}

void QtVtkInteractor::Render() {
    if (render_hook_ && this->RenderWindow && this->Enabled && this->EnableRender) {
        render_hook_();
        this->InvokeEvent(vtkCommand::RenderEvent, nullptr);
        return;
    }
    vtkRenderWindowInteractor::Render();
}

int QtVtkInteractor::InternalCreateTimer(int timer_id, int timer_type, unsigned long duration) {
    auto* timer = new QTimer(timer_owner_.get());
    timer->setSingleShot(timer_type == OneShotTimer);
    timer->setInterval(static_cast<int>(duration));
    QObject::connect(timer, &QTimer::timeout, timer, [this, timer_id] { fire_timer(timer_id); });
    timer->start();
    // Our own ids: QTimer::timerId() changes on every restart, VTK needs a stable one.
    const int platform_id = next_platform_id_++;
    timers_[platform_id] = timer;
    return platform_id;
}

int QtVtkInteractor::InternalDestroyTimer(int platform_timer_id) {
    auto it = timers_.find(platform_timer_id);
    if (it == timers_.end()) return 0;
    auto* timer = static_cast<QTimer*>(it->second);
    timer->stop();
    // Possibly called from inside this timer's own timeout (one-shot clean-up): defer the delete.
    timer->deleteLater();
    timers_.erase(it);
    return 1;
}

void QtVtkInteractor::fire_timer(int vtk_timer_id) {
    if (!this->GetEnabled()) return;
    this->InvokeEvent(vtkCommand::TimerEvent, &vtk_timer_id);
    if (this->IsOneShotTimer(vtk_timer_id)) this->DestroyTimer(vtk_timer_id);
}

namespace {

// The frame in VTK's framebuffer as an image: OpenGL rows run bottom-up.
QImage read_back(vtkGenericOpenGLRenderWindow* win, int w, int h, bool transparent) {
    auto pixels = vtkSmartPointer<vtkUnsignedCharArray>::New();
    const int status = win->GetRGBACharPixelData(0, 0, w - 1, h - 1, 0, pixels, 0);
    if (status != VTK_OK || pixels->GetNumberOfValues() != vtkIdType(w) * h * 4) return {};
    QImage image(w, h, QImage::Format_RGBA8888);
    const int row_bytes = w * 4;
    for (int y = 0; y < h; ++y)
        std::memcpy(image.scanLine(h - 1 - y), pixels->GetPointer(vtkIdType(y) * row_bytes),
                    row_bytes);
    if (!transparent) image = image.convertToFormat(QImage::Format_RGB32);
    return image;
}

}  // namespace

QImage capture_render_window(vtkGenericOpenGLRenderWindow* win, QSize size, double scale,
                             bool transparent, const CapturePrepare& prepare) {
    auto* state = win->GetState();
    state->Reset();
    state->Push();
    state->vtkglDepthFunc(GL_LEQUAL);

    const int old_w = win->GetSize()[0];
    const int old_h = win->GetSize()[1];
    const int old_dpi = win->GetDPI();
    std::vector<double> alphas;
    vtkRendererCollection* renderers = win->GetRenderers();
    renderers->InitTraversal();
    while (vtkRenderer* r = renderers->GetNextItem()) alphas.push_back(r->GetBackgroundAlpha());
    const int w = size.width();
    const int h = size.height();
    // VTK renders into its own framebuffer object, so any size works, larger than the screen
    // too. No swap marks it as a capture, which the frame observer keeps off the screen.
    win->SetSize(w, h);
    win->SetDPI(std::max(1, qRound(72 * scale)));
    win->SetSwapBuffers(false);
    if (prepare)
        prepare([&](QSize probe_size) {
            // A probe may be larger than the frame (to see what would fall outside it).
            win->SetSize(probe_size.width(), probe_size.height());
            win->Render();
            QImage probe = read_back(win, probe_size.width(), probe_size.height(), false);
            win->SetSize(w, h);
            return probe;
        });
    if (transparent) {
        renderers->InitTraversal();
        while (vtkRenderer* r = renderers->GetNextItem()) r->SetBackgroundAlpha(0.0);
    }
    win->Render();
    QImage image = read_back(win, w, h, transparent);
    win->SetSwapBuffers(true);
    win->SetSize(old_w, old_h);
    win->SetDPI(old_dpi);
    renderers->InitTraversal();
    for (double alpha : alphas) renderers->GetNextItem()->SetBackgroundAlpha(alpha);
    state->Pop();

    if (!image.isNull()) image.setDevicePixelRatio(scale);
    return image;
}

Qt::CursorShape qt_cursor_for_vtk(int vtk_cursor) {
    switch (vtk_cursor) {
        case VTK_CURSOR_CROSSHAIR:
            return Qt::CrossCursor;
        case VTK_CURSOR_SIZEALL:
            return Qt::SizeAllCursor;
        case VTK_CURSOR_SIZENS:
            return Qt::SizeVerCursor;
        case VTK_CURSOR_SIZEWE:
            return Qt::SizeHorCursor;
        case VTK_CURSOR_SIZENE:
        case VTK_CURSOR_SIZESW:
            return Qt::SizeBDiagCursor;
        case VTK_CURSOR_SIZENW:
        case VTK_CURSOR_SIZESE:
            return Qt::SizeFDiagCursor;
        case VTK_CURSOR_HAND:
            return Qt::PointingHandCursor;
        default:
            return Qt::ArrowCursor;
    }
}

const char* qt_key_to_vtk_keysym(int qt_key, Qt::KeyboardModifiers modifiers) {
    // X11 keysym names, which is what VTK's styles and widgets compare against.
    static const char* const kLower[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i",
                                         "j", "k", "l", "m", "n", "o", "p", "q", "r",
                                         "s", "t", "u", "v", "w", "x", "y", "z"};
    static const char* const kUpper[] = {"A", "B", "C", "D", "E", "F", "G", "H", "I",
                                         "J", "K", "L", "M", "N", "O", "P", "Q", "R",
                                         "S", "T", "U", "V", "W", "X", "Y", "Z"};
    static const char* const kDigit[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
    static const char* const kKeypad[] = {"KP_0", "KP_1", "KP_2", "KP_3", "KP_4",
                                          "KP_5", "KP_6", "KP_7", "KP_8", "KP_9"};
    static const char* const kFunction[] = {"F1", "F2", "F3", "F4",  "F5",  "F6",
                                            "F7", "F8", "F9", "F10", "F11", "F12"};
    if (qt_key >= Qt::Key_A && qt_key <= Qt::Key_Z) {
        const int i = qt_key - Qt::Key_A;
        return (modifiers & Qt::ShiftModifier) ? kUpper[i] : kLower[i];
    }
    if (qt_key >= Qt::Key_0 && qt_key <= Qt::Key_9) {
        const int i = qt_key - Qt::Key_0;
        return (modifiers & Qt::KeypadModifier) ? kKeypad[i] : kDigit[i];
    }
    if (qt_key >= Qt::Key_F1 && qt_key <= Qt::Key_F12) return kFunction[qt_key - Qt::Key_F1];
    switch (qt_key) {
        case Qt::Key_Backspace:
            return "BackSpace";
        case Qt::Key_Tab:
        case Qt::Key_Backtab:
            return "Tab";
        case Qt::Key_Clear:
            return "Clear";
        case Qt::Key_Return:
            return "Return";
        case Qt::Key_Enter:
            return (modifiers & Qt::KeypadModifier) ? "KP_Enter" : "Return";
        case Qt::Key_Shift:
            return "Shift_L";
        case Qt::Key_Control:
            return "Control_L";
        case Qt::Key_Alt:
            return "Alt_L";
        case Qt::Key_Meta:
            return "Super_L";
        case Qt::Key_Pause:
            return "Pause";
        case Qt::Key_CapsLock:
            return "Caps_Lock";
        case Qt::Key_Escape:
            return "Escape";
        case Qt::Key_Space:
            return "space";
        case Qt::Key_PageUp:
            return "Prior";
        case Qt::Key_PageDown:
            return "Next";
        case Qt::Key_End:
            return "End";
        case Qt::Key_Home:
            return "Home";
        case Qt::Key_Left:
            return "Left";
        case Qt::Key_Up:
            return "Up";
        case Qt::Key_Right:
            return "Right";
        case Qt::Key_Down:
            return "Down";
        case Qt::Key_Insert:
            return "Insert";
        case Qt::Key_Delete:
            return "Delete";
        case Qt::Key_Help:
            return "Help";
        case Qt::Key_Plus:
            return "plus";
        case Qt::Key_Minus:
            return "minus";
        case Qt::Key_Asterisk:
            return "asterisk";
        case Qt::Key_Slash:
            return "slash";
        case Qt::Key_Period:
            return "period";
        case Qt::Key_Comma:
            return "comma";
        case Qt::Key_Equal:
            return "equal";
        case Qt::Key_Bar:
            return "bar";
        case Qt::Key_NumLock:
            return "Num_Lock";
        case Qt::Key_ScrollLock:
            return "Scroll_Lock";
        default:
            return nullptr;
    }
}

namespace {

void set_pointer(QtVtkInteractor* iren, QPointF pos, Qt::KeyboardModifiers mods, double dpr,
                 int repeat = 0) {
    iren->SetEventInformationFlipY(qRound(pos.x() * dpr), qRound(pos.y() * dpr),
                                   (mods & Qt::ControlModifier) ? 1 : 0,
                                   (mods & Qt::ShiftModifier) ? 1 : 0, 0, repeat);
    iren->SetAltKey((mods & Qt::AltModifier) ? 1 : 0);
}

unsigned long button_event(Qt::MouseButton button, bool press) {
    switch (button) {
        case Qt::LeftButton:
            return press ? vtkCommand::LeftButtonPressEvent : vtkCommand::LeftButtonReleaseEvent;
        case Qt::MiddleButton:
            return press ? vtkCommand::MiddleButtonPressEvent
                         : vtkCommand::MiddleButtonReleaseEvent;
        case Qt::RightButton:
            return press ? vtkCommand::RightButtonPressEvent : vtkCommand::RightButtonReleaseEvent;
        default:
            return vtkCommand::NoEvent;
    }
}

bool forward_key(QKeyEvent* key, QtVtkInteractor* iren) {
    // keycode is the typed Latin-1 character (styles bind 'r', 'w', ...); keysym names the
    // physical key, so arrows and F-keys work whatever the keyboard layout types.
    const QString text = key->text();
    const char ascii = (text.size() == 1 && text.at(0).unicode() < 128)
                           ? static_cast<char>(text.at(0).unicode())
                           : 0;
    const char* keysym = qt_key_to_vtk_keysym(key->key(), key->modifiers());
    const auto mods = key->modifiers();
    iren->SetKeyEventInformation((mods & Qt::ControlModifier) ? 1 : 0,
                                 (mods & Qt::ShiftModifier) ? 1 : 0, ascii, key->count(),
                                 keysym ? keysym : "None");
    iren->SetAltKey((mods & Qt::AltModifier) ? 1 : 0);
    if (key->type() == QEvent::KeyPress) {
        iren->InvokeEvent(vtkCommand::KeyPressEvent, key);
        if (ascii) iren->InvokeEvent(vtkCommand::CharEvent, key);
    } else {
        iren->InvokeEvent(vtkCommand::KeyReleaseEvent, key);
    }
    return true;
}

bool forward_wheel(QWheelEvent* wheel, QtVtkInteractor* iren, double dpr) {
    set_pointer(iren, wheel->position(), wheel->modifiers(), dpr);
    constexpr int kNotch = 120;  // one step of a classic mouse wheel, in 1/8 degree
    const QPoint delta = wheel->angleDelta();
    const bool vertical = std::abs(delta.y()) >= std::abs(delta.x());
    iren->wheel_accumulator += vertical ? delta.y() : delta.x();
    if (std::abs(iren->wheel_accumulator) < kNotch) return true;
    const bool positive = iren->wheel_accumulator > 0;
    iren->wheel_accumulator = 0;
    unsigned long id;
    if (vertical) {
        id = positive ? vtkCommand::MouseWheelForwardEvent : vtkCommand::MouseWheelBackwardEvent;
    } else {
        id = positive ? vtkCommand::MouseWheelLeftEvent : vtkCommand::MouseWheelRightEvent;
    }
    iren->InvokeEvent(id, wheel);
    return true;
}

}  // namespace

bool forward_event_to_vtk(QEvent* event, QtVtkInteractor* iren, double dpr) {
    if (!event || !iren || !iren->GetEnabled()) return false;
    switch (event->type()) {
        case QEvent::MouseMove: {
            auto* me = static_cast<QMouseEvent*>(event);
            set_pointer(iren, me->position(), me->modifiers(), dpr);
            iren->InvokeEvent(vtkCommand::MouseMoveEvent, me);
            return true;
        }
        case QEvent::MouseButtonPress:
        case QEvent::MouseButtonDblClick:
        case QEvent::MouseButtonRelease: {
            auto* me = static_cast<QMouseEvent*>(event);
            const bool dbl = event->type() == QEvent::MouseButtonDblClick;
            set_pointer(iren, me->position(), me->modifiers(), dpr, dbl ? 1 : 0);
            const bool press = event->type() != QEvent::MouseButtonRelease;
            const unsigned long id = button_event(me->button(), press);
            if (id != vtkCommand::NoEvent) iren->InvokeEvent(id, me);
            return true;
        }
        case QEvent::Wheel:
            return forward_wheel(static_cast<QWheelEvent*>(event), iren, dpr);
        case QEvent::KeyPress:
        case QEvent::KeyRelease:
            return forward_key(static_cast<QKeyEvent*>(event), iren);
        case QEvent::Enter: {
            auto* ee = static_cast<QEnterEvent*>(event);
            set_pointer(iren, ee->position(), ee->modifiers(), dpr);
            iren->InvokeEvent(vtkCommand::EnterEvent, ee);
            return true;
        }
        case QEvent::Leave:
            iren->InvokeEvent(vtkCommand::LeaveEvent, event);
            return true;
        default:
            return false;
    }
}

}  // namespace es::widgets
