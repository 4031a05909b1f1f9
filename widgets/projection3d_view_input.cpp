// Projection3dView: saved settings (with the camera), picking and hover text, the lasso, mouse
// and wheel handling (level of detail while the camera moves), and off-screen rendering.
#include "projection3d_view.h"

#include "axes_editor.h"
#include "projection3d_density.h"
#include "projection3d_lasso.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QMouseEvent>
#include <QPushButton>
#include <QSlider>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <set>

#include "vtk/vtk_gl_widget.h"

namespace es::widgets {

namespace {

using Camera = Projection3dScene::Camera;

QJsonArray to_json(const Projection3dScene::Point& v) {
    return QJsonArray{v[0], v[1], v[2]};
}

bool from_json(const QJsonValue& value, Projection3dScene::Point& out) {
    const QJsonArray a = value.toArray();
    if (a.size() != 3) return false;
    for (int i = 0; i < 3; ++i) {
        if (!a[i].isDouble()) return false;
        out[static_cast<std::size_t>(i)] = a[i].toDouble();
    }
    return true;
}

QJsonObject to_json(const Camera& c) {
    return QJsonObject{{QStringLiteral("position"), to_json(c.position)},
                       {QStringLiteral("focal_point"), to_json(c.focal_point)},
                       {QStringLiteral("view_up"), to_json(c.view_up)}};
}

// A saved camera, or none when any of its three vectors is missing or malformed.
std::optional<Camera> camera_from_json(const QJsonObject& o) {
    Camera c;
    if (!from_json(o.value(QStringLiteral("position")), c.position) ||
        !from_json(o.value(QStringLiteral("focal_point")), c.focal_point) ||
        !from_json(o.value(QStringLiteral("view_up")), c.view_up))
        return std::nullopt;
    return c;
}

using Look = Projection3dScene::Look;
constexpr std::pair<Look, const char*> kLooks[] = {
    {Look::Oblique, "oblique"}, {Look::Front, "front"}, {Look::Top, "top"}, {Look::Side, "side"}};

QString look_name(Look look) {
    for (const auto& [l, name] : kLooks)
        if (l == look) return QString::fromLatin1(name);
    return {};
}

std::optional<Look> look_of(const QString& name) {
    for (const auto& [l, n] : kLooks)
        if (name == QLatin1String(n)) return l;
    return std::nullopt;
}

}  // namespace

// "camera_fit" names the look of a camera still framed by it: restored, it is framed again for
// the size it is drawn at (so an export's provenance re-exports the same picture, and a session
// fits the window it opens in); "camera" is then where it stood, for older readers.
QJsonObject Projection3dView::save_settings() const {
    QJsonObject s = ResultView::save_settings();  // the declared settings
    const QString fit_key = QStringLiteral("camera_fit");
    if (scene_ && camera_set_) {
        s.insert(QStringLiteral("camera"), to_json(scene_->camera()));
        if (const auto look = scene_->framed_look()) s.insert(fit_key, look_name(*look));
    } else if (pending_look_) {
        s.insert(fit_key, look_name(*pending_look_));
    } else if (pending_camera_) {
        s.insert(QStringLiteral("camera"), to_json(*pending_camera_));
    }
    return s;
}

void Projection3dView::restore_settings(const QJsonObject& s) {
    ResultView::restore_settings(s);
    if (const auto look = look_of(s.value(QStringLiteral("camera_fit")).toString())) {
        pending_camera_.reset();
        if (scene_ && result_)
            show_look(*look);
        else
            pending_look_ = look;  // applied with the first result
        return;
    }
    const std::optional<Camera> camera =
        camera_from_json(s.value(QStringLiteral("camera")).toObject());
    if (!camera) return;
    if (scene_ && result_) {
        set_camera(*camera);
        render();
    } else {
        pending_look_.reset();
        pending_camera_ = camera;  // applied with the first result
    }
}

int Projection3dView::pick(QPoint widget_pos) const {
    if (!scene_ || !gl_ || points_.empty()) return -1;
    const int i = scene_->pick(points_, {double(widget_pos.x()), double(widget_pos.y())},
                               gl_->width(), gl_->height());
    return i < 0 ? -1 : point_states_[static_cast<std::size_t>(i)];
}

QString Projection3dView::hover_text(int state) const {
    if (!result_ || state < 0 || result_->tokens == 0) return {};
    const std::size_t row = static_cast<std::size_t>(state) / result_->tokens;
    const std::size_t token = static_cast<std::size_t>(state) % result_->tokens;
    if (row >= result_->coordinates.size()) return {};
    const QString layer = row < result_->layers.size()
                              ? QString::fromStdString(result_->layers[row])
                              : QString::number(row);
    if (token < tokens_.size()) {
        const TokenInfo& t = tokens_[token];
        return tr("\"%1\"  prompt %2, position %3, layer %4")
            .arg(QString::fromStdString(t.label()))
            .arg(t.prompt)
            .arg(t.position)
            .arg(layer);
    }
    return tr("token %1, layer %2").arg(token).arg(layer);
}

QList<int> Projection3dView::lasso_select(const std::vector<QPointF>& polygon, bool add) {
    if (!scene_ || !gl_ || !result_ || result_->tokens == 0) return {};
    std::vector<std::array<double, 2>> poly;
    for (const QPointF& p : polygon) poly.push_back({p.x(), p.y()});
    std::set<int> tokens;
    for (std::size_t i : scene_->lasso(points_, poly, gl_->width(), gl_->height()))
        tokens.insert(point_states_[i] % static_cast<int>(result_->tokens));
    QList<int> out(tokens.begin(), tokens.end());
    if (!selection_model()) return out;
    QList<int> now = add ? selection_.tokens : QList<int>();
    for (int t : out)
        if (!now.contains(t)) now.push_back(t);
    selection_model()->set_tokens(now);
    return out;
}

bool Projection3dView::lasso_event(QEvent* event) {
    if (!lasso_->isChecked() || !lasso_overlay_) return false;
    auto* me = static_cast<QMouseEvent*>(event);
    switch (event->type()) {
        case QEvent::MouseButtonPress:
            if (me->button() != Qt::LeftButton) return false;
            lasso_overlay_->start(me->position());
            return true;
        case QEvent::MouseMove:
            if (!lasso_overlay_->active()) return false;
            lasso_overlay_->extend(me->position());
            return true;
        case QEvent::MouseButtonRelease: {
            if (me->button() != Qt::LeftButton || !lasso_overlay_->active()) return false;
            const QVector<QPointF> poly = lasso_overlay_->finish();
            lasso_select(std::vector<QPointF>(poly.begin(), poly.end()),
                         me->modifiers() & Qt::ControlModifier);
            return true;
        }
        default:
            return false;
    }
}

bool Projection3dView::eventFilter(QObject* watched, QEvent* event) {
    if (watched != gl_ || !result_) return View::eventFilter(watched, event);
    // Lasso on: the drag draws the outline; neither VTK's camera nor a pick sees it.
    if (lasso_event(event)) return true;
    switch (event->type()) {
        case QEvent::MouseMove: {
            auto* me = static_cast<QMouseEvent*>(event);
            if (me->buttons() != Qt::NoButton) break;
            const int state = pick(me->position().toPoint());
            if (state >= 0)
                QToolTip::showText(me->globalPosition().toPoint(), hover_text(state), gl_);
            else
                QToolTip::hideText();
            break;
        }
        case QEvent::KeyPress:
            if (scene_) scene_->show_all_axes();
            break;
        case QEvent::Show:  // a result that came while the pane was hidden is framed now
            if (scene_ && scene_->framed_look()) fit_timer_->start();
            break;
        case QEvent::Wheel:
            set_interacting(true);
            lod_timer_->start();  // the full scene once the wheel rests
            break;
        case QEvent::MouseButtonPress: {
            if (scene_) scene_->show_all_axes();
            set_interacting(true);
            auto* me = static_cast<QMouseEvent*>(event);
            if (me->button() == Qt::LeftButton) {
                press_pos_ = me->position().toPoint();
                pressed_ = true;
            }
            break;
        }
        case QEvent::MouseButtonRelease: {
            set_interacting(false);
            auto* me = static_cast<QMouseEvent*>(event);
            if (me->button() != Qt::LeftButton || !pressed_) break;
            pressed_ = false;
            if ((me->position().toPoint() - press_pos_).manhattanLength() > 3) break;  // a drag
            const int state = pick(me->position().toPoint());
            if (state < 0 || !selection_model()) break;
            const int token = static_cast<int>(static_cast<std::size_t>(state) % result_->tokens);
            if (me->modifiers() & Qt::ControlModifier)
                selection_model()->toggle_token(token);
            else
                selection_model()->select_token(token);
            break;
        }
        default:
            break;
    }
    return View::eventFilter(watched, event);  // VTK's interactor still sees every event
}

void Projection3dView::set_interacting(bool on) {
    if (!scene_) return;
    const bool was = interacting_;
    interacting_ = scene_->set_moving(on);
    if (was && !interacting_) render();  // show the full scene where the camera stopped
}

std::size_t Projection3dView::lod_point_count() const {
    return scene_ ? scene_->lod_point_count() : 0;
}

QImage Projection3dView::render_image(QSize size, double scale) {
    if (!gl_) return {};
    const std::optional<Look> look = scene_ && result_ ? scene_->framed_look() : std::nullopt;
    if (!look) return gl_->render_to_image(size, scale);  // the user's camera, as it stands
    // A framed camera is framed afresh for this frame, from its look (not from the screen's
    // framing, so the same export gives the same pixels whatever the window did before); the
    // screen's camera is put back after.
    const Camera screen = scene_->camera();
    QImage image = gl_->render_to_image(size, scale, false, [&](const VtkGlWidget::Probe& probe) {
        scene_->look(*look);
        scene_->frame(size.width(), size.height(), scale,
                      [&](int pw, int ph) { return probe(QSize(pw, ph)); });
    });
    scene_->set_camera(screen, look);
    return image;
}

void Projection3dView::frame_on_screen() {
    if (!scene_ || !gl_ || !result_ || !gl_->isVisible()) return;  // framed when shown
    const std::optional<Look> look = scene_->framed_look();
    if (!look) return;
    if (!gl_->isValid()) {  // shown, its OpenGL context not made yet: once it is
        fit_timer_->start();
        return;
    }
    const double dpr = gl_->devicePixelRatioF();
    const QSize px(qRound(gl_->width() * dpr), qRound(gl_->height() * dpr));
    if (px.isEmpty()) return;
    (void)gl_->render_to_image(px, dpr, false, [&](const VtkGlWidget::Probe& probe) {
        scene_->look(*look);
        scene_->frame(px.width(), px.height(), dpr,
                      [&](int pw, int ph) { return probe(QSize(pw, ph)); });
    });
    render();
}

}  // namespace es::widgets
