// Projection3dView: controls, result, colours and drawing modes (settings, picking, hover,
// lasso and mouse handling are in projection3d_view_input.cpp).
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
#include <QSignalBlocker>
#include <QSlider>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <set>

#include "vtk/vtk_gl_widget.h"

namespace es::widgets {

Projection3dView::Projection3dView(QWidget* parent) : ResultView(parent) {
    auto* layout = new QVBoxLayout(content());
    layout->setContentsMargins(0, 0, 0, 0);
    auto* controls = new QHBoxLayout;
    spherize_ = new QCheckBox(tr("spherize"), this);
    spherize_->setObjectName(QStringLiteral("spherize"));
    spherize_->setToolTip(
        tr("Centre every state on the pooled mean and scale it to unit length "
           "before fitting the basis: shows directions, not norms."));
    color_by_ = new QComboBox(this);
    color_by_->setObjectName(QStringLiteral("colorBy"));
    color_by_->addItem(tr("colour: layer"));
    color_by_->addItem(tr("colour: prompt"));
    color_by_->addItem(tr("colour: norm"));
    color_by_->addItem(tr("colour: position"));
    color_by_->addItem(tr("colour: axis 1"));
    color_by_->setItemData(4,
                           tr("The projection of each state on the first axis: PC1, or the first "
                              "custom axis (a direction such as king - queen)"),
                           Qt::ToolTipRole);
    color_by_->addItem(tr("colour: token"));
    color_by_->setItemData(5,
                           tr("The token's string: one colour per string, the most frequent "
                              "named in the legend, the rest grey"),
                           Qt::ToolTipRole);
    color_by_->addItem(tr("colour: metadata"));
    color_by_->setItemData(6, tr("A per-token metadata column of the dump (token_meta/)"),
                           Qt::ToolTipRole);
    color_column_ = new QComboBox(this);
    color_column_->setObjectName(QStringLiteral("colorColumn"));
    color_column_->setToolTip(tr("The metadata column the colour shows"));
    color_column_->setVisible(false);
    method_ = new QComboBox(this);
    method_->setObjectName(QStringLiteral("method"));
    method_->addItem(tr("layout: PCA"));
    method_->addItem(tr("layout: UMAP"));
    method_->addItem(tr("layout: UMAP, this layer"));
    method_->setToolTip(
        tr("PCA: exact linear projection (distances shrink, never grow). UMAP: a nonlinear layout "
           "that keeps neighbourhoods; its distances and shapes are not the model's geometry. "
           "UMAP, this layer: a layout of the selected layer's states alone, made again for "
           "another layer."));
    draw_ = new QComboBox(this);
    draw_->setObjectName(QStringLiteral("draw"));
    draw_->addItem(tr("draw: auto"));
    draw_->addItem(tr("draw: points"));
    draw_->addItem(tr("draw: density"));
    draw_->setToolTip(
        tr("Points, or their density (points per pixel, log scale). Auto: density above %1 "
           "points, where a cloud is a solid blob.")
            .arg(kDensityAbove));
    point_size_ = new QSlider(Qt::Horizontal, this);
    point_size_->setObjectName(QStringLiteral("pointSize"));
    point_size_->setRange(1, 20);
    point_size_->setValue(5);
    point_size_->setMaximumWidth(120);
    point_size_->setToolTip(tr("Point size"));
    controls->addWidget(method_);
    controls->addWidget(spherize_);
    controls->addWidget(color_by_);
    controls->addWidget(color_column_);
    controls->addWidget(draw_);
    controls->addWidget(new QLabel(tr("size"), this));
    controls->addWidget(point_size_);
    const struct {
        const char* name;
        QString text;
    } buttons[] = {{"resetCamera", tr("reset")},
                   {"front", tr("front")},
                   {"top", tr("top")},
                   {"side", tr("side")}};
    // Camera buttons on a second row, so the view fits a narrow dock.
    auto* camera = new QHBoxLayout;
    camera->addWidget(new QLabel(tr("camera"), this));
    QPushButton* made[4] = {};
    int i = 0;
    for (const auto& b : buttons) {
        made[i] = new QPushButton(b.text, this);
        made[i]->setObjectName(QString::fromLatin1(b.name));
        made[i]->setAutoDefault(false);
        camera->addWidget(made[i]);
        ++i;
    }
    lasso_ = new QPushButton(tr("lasso"), this);
    lasso_->setObjectName(QStringLiteral("lasso"));
    lasso_->setCheckable(true);
    lasso_->setAutoDefault(false);
    lasso_->setToolTip(
        tr("Drag around points to select their tokens in every view (Ctrl: add to the "
           "selection). The camera stays put while this is on."));
    camera->addWidget(lasso_);
    controls->addStretch(1);
    camera->addStretch(1);
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("status"));
    camera->addWidget(status_);
    axes_ = new AxesEditor(this);
    layout->addLayout(controls);
    layout->addLayout(camera);
    layout->addWidget(axes_);

    QString reason;
    if (VtkGlWidget::opengl_available(&reason)) {
        gl_ = new VtkGlWidget(this);
        gl_->setObjectName(QStringLiteral("projection3dScene"));
        gl_->setMinimumSize(320, 150);
        gl_->setMouseTracking(true);
        gl_->installEventFilter(this);
        lod_timer_ = new QTimer(this);
        lod_timer_->setSingleShot(true);
        lod_timer_->setInterval(250);
        connect(lod_timer_, &QTimer::timeout, this, [this] { set_interacting(false); });
        // A framed camera follows the scene's size (a dock or window resized), once it rests.
        fit_timer_ = new QTimer(this);
        fit_timer_->setSingleShot(true);
        fit_timer_->setInterval(60);
        connect(fit_timer_, &QTimer::timeout, this, &Projection3dView::frame_on_screen);
        layout->addWidget(gl_, 1);
        lasso_overlay_ = new LassoOverlay(gl_);
        scene_ = std::make_unique<Projection3dScene>(gl_->renderer());
        connect(gl_, &QOpenGLWidget::resized, this, [this] {
            if (scene_->framed_look()) fit_timer_->start();
        });
    } else {
        unavailable_ = VtkGlWidget::create_unavailable_pane(reason, this);
        unavailable_->setObjectName(QStringLiteral("projection3dUnavailable"));
        layout->addWidget(unavailable_, 1);
    }

    bind_setting(QStringLiteral("spherize"), spherize_,
                 QStringLiteral("centre every state and scale it to unit length before the fit"));
    bind_setting(QStringLiteral("color_by"), color_by_,
                 {QStringLiteral("layer"), QStringLiteral("prompt"), QStringLiteral("norm"),
                  QStringLiteral("position"), QStringLiteral("axis1"), QStringLiteral("token"),
                  QStringLiteral("metadata")},
                 QStringLiteral("what the points' colour shows"));
    bind_setting(
        QStringLiteral("method"), method_,
        {QStringLiteral("pca"), QStringLiteral("umap"), QStringLiteral("umap_layer")},
        QStringLiteral("the layout: exact PCA (or custom axes), UMAP of every layer pooled, "
                       "or UMAP of the selected layer (seed 42)"));
    bind_setting(QStringLiteral("draw"), draw_,
                 {QStringLiteral("auto"), QStringLiteral("points"), QStringLiteral("density")},
                 QStringLiteral("points, or their density (auto: density above %1 points)")
                     .arg(kDensityAbove));
    declare_setting(
        {QStringLiteral("point_size"),
         SettingSpec::Type::Int,
         point_size_->value(),
         {},
         point_size_->minimum(),
         point_size_->maximum(),
         QStringLiteral("point size in pixels")},
        [this] { return QJsonValue(point_size()); },
        [this](const QJsonValue& v) { set_point_size(v.toInt(point_size())); });
    declare_setting(
        {QStringLiteral("color_column"),
         SettingSpec::Type::Text,
         QString(),
         {},
         0,
         0,
         QStringLiteral("the token metadata column coloured by (color_by=metadata)")},
        [this] { return QJsonValue(color_column()); },
        [this](const QJsonValue& v) { set_color_column(v.toString()); });
    declare_setting(
        {QStringLiteral("axes"),
         SettingSpec::Type::Text,
         QString(),
         {},
         0,
         0,
         QStringLiteral("custom axes, e.g. \"A-B@L, C-D\"; empty: PCA")},
        [this] { return QJsonValue(custom_axes()); },
        [this](const QJsonValue& v) {
            if (v.toString() == custom_axes()) return;
            set_custom_axes(v.toString());
            emit options_changed();
        });
    connect(spherize_, &QCheckBox::toggled, this, [this] { emit options_changed(); });
    connect(method_, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this] { emit options_changed(); });
    connect(axes_, &AxesEditor::edited, this, [this] { emit options_changed(); });
    connect(color_by_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        apply_colors();
        rebuild_overlays();
        render();
    });
    connect(color_column_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        apply_colors();
        render();
    });
    connect(draw_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        apply_draw();
        render();
    });
    connect(point_size_, &QSlider::valueChanged, this, [this] {
        rebuild_overlays();
        render();
    });
    connect(made[0], &QPushButton::clicked, this, &Projection3dView::reset_camera);
    connect(made[1], &QPushButton::clicked, this,
            [this] { set_camera_preset(CameraPreset::Front); });
    connect(made[2], &QPushButton::clicked, this, [this] { set_camera_preset(CameraPreset::Top); });
    connect(made[3], &QPushButton::clicked, this,
            [this] { set_camera_preset(CameraPreset::Side); });
}

Projection3dView::~Projection3dView() = default;

QString Projection3dView::caption() const {
    if (!result_) return tr("3D projection");
    return tr("3D projection of %1 states x %2 tokens (%3)%4")
        .arg(result_->coordinates.size())
        .arg(result_->tokens)
        .arg(QString::fromStdString(result_->stream.empty() ? std::string("residual")
                                                            : result_->stream))
        .arg(result_->spherized ? tr(", spherized") : QString());
}

void Projection3dView::clear_result() {
    result_.reset();
    tokens_.clear();
    status_->clear();
    rebuild_points();
}

QString Projection3dView::custom_axes() const {
    return axes_->text();
}
void Projection3dView::set_custom_axes(const QString& text) {
    axes_->set_text(text);
}
void Projection3dView::show_axes_error(const QString& text) {
    axes_->set_error(true);
    status_->setText(text);
}

QString Projection3dView::status_text() const {
    return status_->text();
}

bool Projection3dView::spherize() const {
    return spherize_->isChecked();
}
void Projection3dView::set_spherize(bool on) {
    spherize_->setChecked(on);
}
Projection3dView::ColorBy Projection3dView::color_by() const {
    return static_cast<ColorBy>(color_by_->currentIndex());
}
void Projection3dView::set_color_by(ColorBy c) {
    color_by_->setCurrentIndex(static_cast<int>(c));
}
QString Projection3dView::color_column() const {
    // A column restored before the dump that has it arrived is the one asked for (a headless
    // export sets it before the result).
    return wanted_column_.isEmpty() ? color_column_->currentText() : wanted_column_;
}
void Projection3dView::set_color_column(const QString& name) {
    const int i = color_column_->findText(name);
    if (i >= 0) {
        color_column_->setCurrentIndex(i);
        wanted_column_.clear();
    } else {
        wanted_column_ = name;  // restored before the dump that has it: chosen when it comes
    }
}
int Projection3dView::point_size() const {
    return point_size_->value();
}
void Projection3dView::set_point_size(int px) {
    point_size_->setValue(px);
}

void Projection3dView::set_presentation(bool on) {
    View::set_presentation(on);
    if (!scene_) return;
    scene_->set_presentation(on);
    rebuild_overlays();
    render();
}

void Projection3dView::set_result(const analysis::ProjectResult& result,
                                  const std::vector<TokenInfo>& tokens,
                                  const std::vector<TokenColumn>& columns) {
    show_result();
    // When the camera is fitted again: a result of another source (another dump, or another
    // stream of it) or of another basis (spherized or not, other axes) is another geometry, often
    // orders of magnitude apart, and is framed afresh. A result for the same source and basis
    // (another layer, a recompute after an error) keeps the user's camera.
    const Family family{source(), result.spherized, result.axis_labels};
    if (!framed_ || framed_->source != family.source || framed_->spherized != family.spherized ||
        framed_->axis_labels != family.axis_labels)
        camera_set_ = false;
    framed_ = family;
    axes_->set_error(false);
    result_ = result;
    tokens_ = tokens;
    columns_ = columns;
    {
        // The column chosen before stays chosen when the new dump has it.
        const QString wanted = color_column();
        const QSignalBlocker block(color_column_);
        color_column_->clear();
        for (const TokenColumn& c : columns_)
            color_column_->addItem(QString::fromStdString(c.name));
        const int i = color_column_->findText(wanted);
        color_column_->setCurrentIndex(i >= 0 ? i : 0);
        if (i >= 0) wanted_column_.clear();
    }
    status_->setText(tr("%1 points").arg(0));
    rebuild_points();
    update_status();
    if (!scene_) return;
    if (pending_look_) {
        show_look(*pending_look_);
        pending_look_.reset();
    } else if (pending_camera_) {
        set_camera(*pending_camera_);
        pending_camera_.reset();
    }
    if (!camera_set_) reset_camera();
    render();
}

int Projection3dView::current_row() const {
    if (!result_ || result_->states.empty()) return -1;
    const auto& states = result_->states;
    const auto it = std::find(states.begin(), states.end(),
                              static_cast<std::size_t>(std::max(0, selection_.layer)));
    if (it != states.end()) return static_cast<int>(it - states.begin());
    // The selected state is not projected (e.g. the final norm): the nearest one below it.
    int row = 0;
    for (std::size_t r = 0; r < states.size(); ++r)
        if (states[r] <= static_cast<std::size_t>(std::max(0, selection_.layer)))
            row = static_cast<int>(r);
    return row;
}

void Projection3dView::rebuild_points() {
    points_.clear();
    point_states_.clear();
    if (!result_) {
        // Undrawn, so that no other file's picture stays under the state line.
        if (scene_) {
            scene_->set_points({}, {}, 0, 0);
            scene_->set_axes({"", "", ""}, false);
            scene_->set_overlays(-1, {});
            render();
        }
        return;
    }
    Projection3dCloud cloud = projection3d_cloud(*result_);
    points_ = std::move(cloud.points);
    point_states_ = std::move(cloud.states);
    if (!scene_) return;
    scene_->set_points(points_, point_states_, result_->coordinates.size(), result_->tokens);
    interacting_ = false;
    const auto title = [&](std::size_t a) {
        QString text = a < result_->axis_labels.size()
                           ? QString::fromStdString(result_->axis_labels[a])
                           : QStringLiteral("axis %1").arg(a + 1);
        if (a < result_->explained_variance.size())
            text += QStringLiteral(" (%1%)").arg(100.0 * result_->explained_variance[a], 0, 'f', 1);
        return text.toStdString();
    };
    scene_->set_axes({title(0), title(1), title(2)}, result_->spherized);
    scene_->set_note(result_->method == "umap"
                         ? tr("UMAP layout: neighbourhoods are kept; distances, sizes and gaps "
                              "are not the model's geometry")
                               .toStdString()
                         : std::string());
    apply_colors();
    apply_draw();
    rebuild_overlays();
}

bool Projection3dView::umap() const {
    return method_->currentIndex() >= 1;
}
bool Projection3dView::umap_layer() const {
    return method_->currentIndex() == 2;
}
void Projection3dView::set_umap(bool on, bool layer_only) {
    method_->setCurrentIndex(on ? (layer_only ? 2 : 1) : 0);
}

Projection3dView::Draw Projection3dView::draw() const {
    return static_cast<Draw>(draw_->currentIndex());
}
void Projection3dView::set_draw(Draw d) {
    draw_->setCurrentIndex(static_cast<int>(d));
}
bool Projection3dView::drawing_density() const {
    return scene_ && scene_->density();
}

const DensityImage* Projection3dView::last_density() const {
    return scene_ ? &scene_->last_density() : nullptr;
}

void Projection3dView::apply_draw() {
    if (!scene_) return;
    const Draw d = draw();
    scene_->set_density(d == Draw::Density || (d == Draw::Auto && points_.size() > kDensityAbove));
    update_status();
}

QString Projection3dView::incomplete() const {
    if (!result_ || !result_->preview_state) return {};
    return tr("only state %1, on its own principal axes").arg(*result_->preview_state);
}

void Projection3dView::update_status() {
    if (!result_) return;
    QString text = tr("%1 points").arg(points_.size());
    if (result_->preview_state)
        text = tr("partial: state %1 only, on its own principal axes; the fit on every layer "
                  "follows (not exported until complete) · ")
                   .arg(*result_->preview_state) +
               text;
    if (result_->spherized) text += tr(", spherized");
    if (result_->method == "umap") text += tr(", UMAP (seed %1)").arg(result_->seed);
    if (drawing_density()) text += tr(", density");
    const std::size_t step = !scene_             ? 1
                             : drawing_density() ? scene_->lod_step()
                                                 : scene_->path_step();
    if (step > 1) text += tr(", paths of every %1th token").arg(step);
    status_->setText(text);
}

void Projection3dView::apply_colors() {
    if (!scene_ || !result_) return;
    Projection3dColoring by = Projection3dColoring::Layer;
    switch (color_by()) {
        case ColorBy::Layer:
            break;
        case ColorBy::Prompt:
            by = Projection3dColoring::Prompt;
            break;
        case ColorBy::Norm:
            by = Projection3dColoring::Norm;
            break;
        case ColorBy::Position:
            by = Projection3dColoring::Position;
            break;
        case ColorBy::Axis1:
            by = Projection3dColoring::Axis1;
            break;
        case ColorBy::Token:
        case ColorBy::Metadata:
            break;
    }
    color_column_->setVisible(color_by() == ColorBy::Metadata && !columns_.empty());
    if (color_by() == ColorBy::Token || color_by() == ColorBy::Metadata) {
        // Without metadata columns, colouring by metadata falls back to the token string.
        const std::string key = color_by() == ColorBy::Metadata && !columns_.empty()
                                    ? color_column_->currentText().toStdString()
                                    : std::string("token");
        const analysis::TokenColoring coloring = analysis::token_coloring(tokens_, columns_, key);
        scene_->set_colors(projection3d_token_colors(*result_, point_states_, coloring));
        scene_->set_legend(projection3d_token_legend(coloring));
        return;
    }
    scene_->set_colors(projection3d_colors(*result_, point_states_, tokens_, by));
    scene_->set_legend(projection3d_legend(*result_, tokens_, by));
}

void Projection3dView::changeEvent(QEvent* event) {
    ResultView::changeEvent(event);
    // A theme change: the scene's background, text and legend follow the palette.
    if (scene_ && (event->type() == QEvent::PaletteChange ||
                   event->type() == QEvent::ApplicationPaletteChange)) {
        scene_->apply_palette();
        render();
    }
}

bool Projection3dView::legend_visible() const {
    return scene_ && scene_->legend_visible();
}

QString Projection3dView::legend_title() const {
    return scene_ ? QString::fromStdString(scene_->legend_title()) : QString();
}

std::array<double, 4> Projection3dView::legend_box() const {
    return scene_ ? scene_->legend_box() : std::array<double, 4>{};
}

std::optional<Projection3dScene::Camera> Projection3dView::camera() const {
    if (!scene_) return std::nullopt;
    return scene_->camera();
}

double Projection3dView::camera_scale() const {
    return scene_ ? scene_->parallel_scale() : 0.0;
}

void Projection3dView::rebuild_overlays() {
    if (!scene_) return;
    scene_->set_point_size(point_size());
    if (!result_) return;
    std::vector<Projection3dScene::Marked> marked;
    for (int token : selection_.tokens) {
        const auto t = static_cast<std::size_t>(token);
        const QString label = t < tokens_.size() ? QString::fromStdString(tokens_[t].label())
                                                 : QStringLiteral("token %1").arg(token);
        marked.push_back({token, label.toStdString()});
    }
    scene_->set_overlays(current_row(), marked);
}

void Projection3dView::on_selection(const Selection& selection) {
    const bool changed =
        selection.layer != selection_.layer || selection.tokens != selection_.tokens;
    selection_ = selection;
    axes_->set_selection(selection.tokens, selection.layer);
    if (!changed) return;
    rebuild_overlays();
    render();
}

void Projection3dView::render() {
    if (gl_) gl_->request_render();
}

void Projection3dView::reset_camera() {
    show_look(Projection3dScene::Look::Oblique);
}

void Projection3dView::set_camera_preset(CameraPreset preset) {
    using Look = Projection3dScene::Look;
    switch (preset) {
        case CameraPreset::Front:
            show_look(Look::Front);
            break;
        case CameraPreset::Top:
            show_look(Look::Top);
            break;
        case CameraPreset::Side:
            show_look(Look::Side);
            break;
    }
}

void Projection3dView::show_look(Projection3dScene::Look look) {
    if (!scene_) return;
    scene_->look(look);
    camera_set_ = true;
    frame_on_screen();
    render();
}

void Projection3dView::set_camera(const Projection3dScene::Camera& camera) {
    scene_->set_camera(camera);
    camera_set_ = true;
}

}  // namespace es::widgets
