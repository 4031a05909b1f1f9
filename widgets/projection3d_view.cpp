#include "projection3d_view.h"

#include "axes_editor.h"

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
#include <cmath>
#include <limits>

#include <vtkActor.h>
#include <vtkBillboardTextActor3D.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkCubeAxesActor.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkMatrix4x4.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>
#include <vtkTextProperty.h>
#include <vtkUnsignedCharArray.h>

#include "colormaps.h"
#include "vtk/vtk_gl_widget.h"
#include "vtk/vtk_shapes.h"

namespace es::widgets {

namespace {

constexpr int kPickRadius = 8;  // widget pixels
// Level of detail while the camera moves (ParaView's habit): software OpenGL (llvmpipe) draws
// about a million primitives a second, so above kLodAbove points a drag or wheel shows every
// k-th token's states and path (at most ~kLodPoints points) and the full scene once it stops.
constexpr std::size_t kLodAbove = 50000, kLodPoints = 10000;

template <typename T>
using Ptr = vtkSmartPointer<T>;

struct Layer {
    Ptr<vtkPolyData> data = Ptr<vtkPolyData>::New();
    Ptr<vtkPolyDataMapper> mapper = Ptr<vtkPolyDataMapper>::New();
    Ptr<vtkActor> actor = Ptr<vtkActor>::New();
    Layer() {
        mapper->SetInputData(data);
        actor->SetMapper(mapper);
    }
};

void set_rgb(vtkProperty* p, const QColor& c) {
    p->SetColor(c.redF(), c.greenF(), c.blueF());
}

QJsonArray to_json(const double v[3]) {
    return QJsonArray{v[0], v[1], v[2]};
}

bool from_json(const QJsonValue& value, double out[3]) {
    const QJsonArray a = value.toArray();
    if (a.size() != 3) return false;
    for (int i = 0; i < 3; ++i) {
        if (!a[i].isDouble()) return false;
        out[i] = a[i].toDouble();
    }
    return true;
}

}  // namespace

struct Projection3dView::Scene {
    vtkRenderer* renderer = nullptr;
    Ptr<vtkPoints> all_points = Ptr<vtkPoints>::New();
    Layer cloud;                 // every state
    Layer lines;                 // one polyline per token
    Layer cloud_lod, lines_lod;  // every k-th token: shown instead while the camera moves
    Layer current;               // the current layer's states, larger
    Layer selected;              // selected tokens: points and paths
    Ptr<vtkCubeAxesActor> axes = Ptr<vtkCubeAxesActor>::New();
    Ptr<vtkActor> sphere = sphere_actor(1.0, 36, 18);
    std::vector<Ptr<vtkBillboardTextActor3D>> labels;
};

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
    point_size_ = new QSlider(Qt::Horizontal, this);
    point_size_->setObjectName(QStringLiteral("pointSize"));
    point_size_->setRange(1, 20);
    point_size_->setValue(5);
    point_size_->setMaximumWidth(120);
    point_size_->setToolTip(tr("Point size"));
    controls->addWidget(spherize_);
    controls->addWidget(color_by_);
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
        gl_->setMinimumSize(320, 240);
        gl_->setMouseTracking(true);
        gl_->installEventFilter(this);
        lod_timer_ = new QTimer(this);
        lod_timer_->setSingleShot(true);
        lod_timer_->setInterval(250);
        connect(lod_timer_, &QTimer::timeout, this, [this] { set_interacting(false); });
        layout->addWidget(gl_, 1);
        scene_ = std::make_unique<Scene>();
        Scene& s = *scene_;
        s.renderer = gl_->renderer();
        const QColor bg = colors::plot_background();
        s.renderer->SetBackground(bg.redF(), bg.greenF(), bg.blueF());

        s.cloud.data->SetPoints(s.all_points);
        s.cloud.mapper->SetScalarModeToUsePointData();
        s.cloud.actor->GetProperty()->SetRenderPointsAsSpheres(true);
        s.lines.data->SetPoints(s.all_points);
        s.lines.mapper->ScalarVisibilityOff();
        set_rgb(s.lines.actor->GetProperty(), colors::plot_foreground());
        s.lines.actor->GetProperty()->SetOpacity(0.18);
        s.lines.actor->GetProperty()->SetLineWidth(1.0f);
        s.lines.actor->GetProperty()->LightingOff();
        // The level-of-detail stand-ins share points and looks (the same vtkProperty objects).
        for (Layer* l : {&s.cloud_lod, &s.lines_lod}) {
            l->data->SetPoints(s.all_points);
            l->actor->VisibilityOff();
        }
        s.cloud_lod.mapper->SetScalarModeToUsePointData();
        s.cloud_lod.actor->SetProperty(s.cloud.actor->GetProperty());
        s.lines_lod.mapper->ScalarVisibilityOff();
        s.lines_lod.actor->SetProperty(s.lines.actor->GetProperty());
        s.current.data->SetPoints(s.all_points);
        s.current.mapper->SetScalarModeToUsePointData();
        s.current.actor->GetProperty()->SetRenderPointsAsSpheres(true);
        s.selected.data->SetPoints(s.all_points);
        s.selected.mapper->ScalarVisibilityOff();
        set_rgb(s.selected.actor->GetProperty(), QColor(230, 60, 30));
        s.selected.actor->GetProperty()->SetRenderPointsAsSpheres(true);
        s.selected.actor->GetProperty()->SetRenderLinesAsTubes(false);
        s.selected.actor->GetProperty()->SetLineWidth(3.0f);
        s.selected.actor->GetProperty()->LightingOff();

        // The unit sphere the spherized states lie on, faintly.
        s.sphere->GetProperty()->SetRepresentationToWireframe();
        set_rgb(s.sphere->GetProperty(), colors::plot_foreground());
        s.sphere->GetProperty()->SetOpacity(0.07);
        s.sphere->GetProperty()->LightingOff();
        s.sphere->PickableOff();
        s.sphere->VisibilityOff();

        const QColor fg = colors::plot_foreground();
        s.axes->SetCamera(s.renderer->GetActiveCamera());
        s.axes->SetFlyModeToOuterEdges();
        s.axes->SetGridLineLocation(vtkCubeAxesActor::VTK_GRID_LINES_FURTHEST);
        s.axes->SetUseTextActor3D(false);
        for (int a = 0; a < 3; ++a) {
            s.axes->GetTitleTextProperty(a)->SetColor(fg.redF(), fg.greenF(), fg.blueF());
            s.axes->GetTitleTextProperty(a)->SetFontSize(14);
            s.axes->GetLabelTextProperty(a)->SetColor(fg.redF(), fg.greenF(), fg.blueF());
            s.axes->GetLabelTextProperty(a)->SetFontSize(11);
        }
        set_rgb(s.axes->GetXAxesLinesProperty(), fg);
        set_rgb(s.axes->GetYAxesLinesProperty(), fg);
        set_rgb(s.axes->GetZAxesLinesProperty(), fg);
        s.axes->VisibilityOff();

        s.renderer->AddActor(s.sphere);
        s.renderer->AddActor(s.lines.actor);
        s.renderer->AddActor(s.cloud.actor);
        s.renderer->AddActor(s.lines_lod.actor);
        s.renderer->AddActor(s.cloud_lod.actor);
        s.renderer->AddActor(s.current.actor);
        s.renderer->AddActor(s.selected.actor);
        s.renderer->AddActor(s.axes);
    } else {
        unavailable_ = VtkGlWidget::create_unavailable_pane(reason, this);
        unavailable_->setObjectName(QStringLiteral("projection3dUnavailable"));
        layout->addWidget(unavailable_, 1);
    }

    connect(spherize_, &QCheckBox::toggled, this, [this] { emit options_changed(); });
    connect(axes_, &AxesEditor::edited, this, [this] { emit options_changed(); });
    connect(color_by_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        apply_colors();
        rebuild_overlays();
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

QString Projection3dView::help_text() const {
    return tr(
        "<p>Every hidden state (one per layer and token) projected onto three axes fitted on "
        "all of them pooled (PCA unless custom axes are set). Each token's path through the "
        "layers is a thin line; the current layer's states are drawn larger and the selected "
        "tokens are highlighted and labelled.</p><p><b>Spherize</b> centres the states and "
        "scales them to unit length first, so only directions count (the faint sphere). "
        "Drag to rotate, wheel to zoom; hover a point for its token, click to select it "
        "(Ctrl+click adds).</p>");
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
int Projection3dView::point_size() const {
    return point_size_->value();
}
void Projection3dView::set_point_size(int px) {
    point_size_->setValue(px);
}

void Projection3dView::set_presentation(bool on) {
    View::set_presentation(on);
    if (!scene_) return;
    for (int a = 0; a < 3; ++a) {
        scene_->axes->GetTitleTextProperty(a)->SetFontSize(on ? 22 : 14);
        scene_->axes->GetLabelTextProperty(a)->SetFontSize(on ? 18 : 11);
    }
    rebuild_overlays();
    render();
}

void Projection3dView::set_result(const analysis::ProjectResult& result,
                                  const std::vector<TokenInfo>& tokens) {
    show_result();
    // Spherizing or other axes change the scale by orders of magnitude: frame the new cloud.
    if (result_ &&
        (result_->spherized != result.spherized || result_->axis_labels != result.axis_labels))
        camera_set_ = false;
    axes_->set_error(false);
    result_ = result;
    tokens_ = tokens;
    status_->setText(tr("%1 points").arg(0));
    rebuild_points();
    status_->setText(tr("%1 points%2")
                         .arg(points_.size())
                         .arg(result.spherized ? tr(", spherized") : QString()));
    if (!scene_) return;
    if (pending_camera_) {
        const QJsonObject cam = *pending_camera_;
        pending_camera_.reset();
        double pos[3], focal[3], up[3];
        if (from_json(cam.value(QStringLiteral("position")), pos) &&
            from_json(cam.value(QStringLiteral("focal_point")), focal) &&
            from_json(cam.value(QStringLiteral("view_up")), up)) {
            vtkCamera* c = scene_->renderer->GetActiveCamera();
            c->SetPosition(pos);
            c->SetFocalPoint(focal);
            c->SetViewUp(up);
            scene_->renderer->ResetCameraClippingRange();
            camera_set_ = true;
        }
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

std::array<unsigned char, 3> Projection3dView::color_of(std::size_t index) const {
    const auto state = static_cast<std::size_t>(point_states_[index]);
    const std::size_t row = state / result_->tokens;
    const std::size_t token = state % result_->tokens;
    QColor c;
    const std::size_t rows = result_->coordinates.size();
    switch (color_by()) {
        case ColorBy::Layer:
            c = colors::sample(colors::Map::Viridis,
                               rows > 1 ? double(row) / double(rows - 1) : 0.5);
            break;
        case ColorBy::Prompt: {
            const int prompt = token < tokens_.size() ? static_cast<int>(tokens_[token].prompt) : 0;
            c = colors::categorical(prompt);
            break;
        }
        case ColorBy::Norm: {
            // The length of the projected (3-D) coordinate, over the range of all of them.
            const auto& p = *result_->coordinates[row][token];
            const double n = std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
            const double t = norm_range_[1] > norm_range_[0]
                                 ? (n - norm_range_[0]) / (norm_range_[1] - norm_range_[0])
                                 : 0.5;
            c = colors::sample(colors::Map::Viridis, t);
            break;
        }
    }
    return {static_cast<unsigned char>(c.red()), static_cast<unsigned char>(c.green()),
            static_cast<unsigned char>(c.blue())};
}

void Projection3dView::rebuild_points() {
    points_.clear();
    point_states_.clear();
    if (!result_) return;
    const std::size_t n_tokens = result_->tokens;
    for (std::size_t row = 0; row < result_->coordinates.size(); ++row) {
        const auto& layer = result_->coordinates[row];
        for (std::size_t t = 0; t < layer.size() && t < n_tokens; ++t) {
            if (!layer[t]) continue;
            std::array<double, 3> p = *layer[t];
            // Spherized: the states are unit vectors in model space; their 3-D projections lie
            // inside the unit ball. Scaled to unit length they show direction only, on the sphere.
            const double n = std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
            if (result_->spherized && n > 1e-12)
                for (double& x : p) x /= n;
            points_.push_back(p);
            point_states_.push_back(static_cast<int>(row * n_tokens + t));
        }
    }
    if (!scene_) return;
    Scene& s = *scene_;
    s.all_points->Reset();
    s.all_points->SetDataTypeToDouble();
    s.all_points->SetNumberOfPoints(static_cast<vtkIdType>(points_.size()));
    for (std::size_t i = 0; i < points_.size(); ++i)
        s.all_points->SetPoint(static_cast<vtkIdType>(i), points_[i].data());
    s.all_points->Modified();

    const std::size_t lod_step =
        std::max<std::size_t>(1, (points_.size() + kLodPoints - 1) / kLodPoints);
    auto verts = Ptr<vtkCellArray>::New(), lod_verts = Ptr<vtkCellArray>::New();
    for (vtkIdType i = 0; i < static_cast<vtkIdType>(points_.size()); ++i) {
        verts->InsertNextCell(1, &i);
        if (static_cast<std::size_t>(point_states_[static_cast<std::size_t>(i)]) % n_tokens %
                lod_step ==
            0)
            lod_verts->InsertNextCell(1, &i);
    }
    s.cloud.data->SetVerts(verts);
    s.cloud_lod.data->SetVerts(lod_verts);

    // Point id of every (row, token), -1 when null; a token's path breaks at null states.
    std::vector<vtkIdType> id(result_->coordinates.size() * n_tokens, -1);
    for (std::size_t i = 0; i < point_states_.size(); ++i)
        id[static_cast<std::size_t>(point_states_[i])] = static_cast<vtkIdType>(i);
    auto lines = Ptr<vtkCellArray>::New(), lod_lines = Ptr<vtkCellArray>::New();
    std::vector<vtkIdType> run;
    for (std::size_t t = 0; t < n_tokens; ++t) {
        run.clear();
        for (std::size_t row = 0; row <= result_->coordinates.size(); ++row) {
            const vtkIdType pid = row < result_->coordinates.size() ? id[row * n_tokens + t] : -1;
            if (pid >= 0) {
                run.push_back(pid);
                continue;
            }
            if (run.size() >= 2) {
                lines->InsertNextCell(static_cast<vtkIdType>(run.size()), run.data());
                if (t % lod_step == 0)
                    lod_lines->InsertNextCell(static_cast<vtkIdType>(run.size()), run.data());
            }
            run.clear();
        }
    }
    s.lines.data->SetLines(lines);
    s.lines.data->Modified();
    s.lines_lod.data->SetLines(lod_lines);
    s.lines_lod.data->Modified();
    s.cloud_lod.data->Modified();
    interacting_ = false;
    set_interacting(false);

    double bounds[6] = {-1, 1, -1, 1, -1, 1};
    if (!points_.empty()) s.all_points->GetBounds(bounds);
    if (result_->spherized) {
        for (int a = 0; a < 3; ++a) {
            bounds[2 * a] = std::min(bounds[2 * a], -1.0);
            bounds[2 * a + 1] = std::max(bounds[2 * a + 1], 1.0);
        }
    }
    s.axes->SetBounds(bounds);
    const auto label = [&](std::size_t a) {
        QString text = a < result_->axis_labels.size()
                           ? QString::fromStdString(result_->axis_labels[a])
                           : QStringLiteral("axis %1").arg(a + 1);
        if (a < result_->explained_variance.size())
            text += QStringLiteral(" (%1%)").arg(100.0 * result_->explained_variance[a], 0, 'f', 1);
        return text.toStdString();
    };
    s.axes->SetXTitle(label(0).c_str());
    s.axes->SetYTitle(label(1).c_str());
    s.axes->SetZTitle(label(2).c_str());
    s.axes->SetVisibility(!points_.empty());
    s.sphere->SetVisibility(result_->spherized);
    apply_colors();
    rebuild_overlays();
}

void Projection3dView::apply_colors() {
    if (!scene_ || !result_) return;
    norm_range_ = {std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity()};
    for (const auto& layer : result_->coordinates) {
        for (const auto& p : layer) {
            if (!p) continue;
            const double n = std::sqrt((*p)[0] * (*p)[0] + (*p)[1] * (*p)[1] + (*p)[2] * (*p)[2]);
            norm_range_[0] = std::min(norm_range_[0], n);
            norm_range_[1] = std::max(norm_range_[1], n);
        }
    }
    auto rgb = Ptr<vtkUnsignedCharArray>::New();
    rgb->SetName("colour");
    rgb->SetNumberOfComponents(3);
    rgb->SetNumberOfTuples(static_cast<vtkIdType>(points_.size()));
    for (std::size_t i = 0; i < points_.size(); ++i) {
        const auto c = color_of(i);
        rgb->SetTypedTuple(static_cast<vtkIdType>(i), c.data());
    }
    scene_->cloud.data->GetPointData()->SetScalars(rgb);
    scene_->cloud_lod.data->GetPointData()->SetScalars(rgb);
    scene_->cloud_lod.data->Modified();
    scene_->current.data->GetPointData()->SetScalars(rgb);
    scene_->cloud.data->Modified();
    scene_->current.data->Modified();
}

void Projection3dView::rebuild_overlays() {
    if (!scene_) return;
    Scene& s = *scene_;
    for (auto& label : s.labels) s.renderer->RemoveActor(label);
    s.labels.clear();
    const double size = point_size() * (presentation_ ? 1.5 : 1.0);
    s.cloud.actor->GetProperty()->SetPointSize(static_cast<float>(size));
    s.current.actor->GetProperty()->SetPointSize(static_cast<float>(size * 2.2));
    s.selected.actor->GetProperty()->SetPointSize(static_cast<float>(size * 1.6));
    s.selected.actor->GetProperty()->SetLineWidth(presentation_ ? 5.0f : 3.0f);
    if (!result_) return;
    const std::size_t n_tokens = result_->tokens;
    const int row = current_row();

    auto current = Ptr<vtkCellArray>::New();
    auto sel_verts = Ptr<vtkCellArray>::New();
    auto sel_lines = Ptr<vtkCellArray>::New();
    std::vector<vtkIdType> path;
    std::vector<vtkIdType> id_of(result_->coordinates.size() * n_tokens, -1);
    for (std::size_t i = 0; i < point_states_.size(); ++i) {
        id_of[static_cast<std::size_t>(point_states_[i])] = static_cast<vtkIdType>(i);
        if (static_cast<int>(static_cast<std::size_t>(point_states_[i]) / n_tokens) == row) {
            const vtkIdType pid = static_cast<vtkIdType>(i);
            current->InsertNextCell(1, &pid);
        }
    }
    const QColor fg = colors::plot_foreground();
    for (int token : selection_.tokens) {
        if (token < 0 || static_cast<std::size_t>(token) >= n_tokens) continue;
        path.clear();
        vtkIdType label_at = -1;
        for (std::size_t r = 0; r < result_->coordinates.size(); ++r) {
            const vtkIdType pid = id_of[r * n_tokens + static_cast<std::size_t>(token)];
            if (pid < 0) continue;
            path.push_back(pid);
            sel_verts->InsertNextCell(1, &pid);
            if (static_cast<int>(r) <= row || label_at < 0) label_at = pid;
        }
        if (path.size() >= 2)
            sel_lines->InsertNextCell(static_cast<vtkIdType>(path.size()), path.data());
        if (label_at < 0) continue;
        auto label = Ptr<vtkBillboardTextActor3D>::New();
        const QString text =
            static_cast<std::size_t>(token) < tokens_.size()
                ? QString::fromStdString(tokens_[static_cast<std::size_t>(token)].text)
                : QStringLiteral("#%1").arg(token);
        label->SetInput(text.toStdString().c_str());
        label->SetPosition(s.all_points->GetPoint(label_at));
        label->SetDisplayOffset(8, 8);
        label->GetTextProperty()->SetFontSize(presentation_ ? 24 : 15);
        label->GetTextProperty()->SetBold(true);
        label->GetTextProperty()->SetColor(fg.redF(), fg.greenF(), fg.blueF());
        const QColor bg = colors::plot_background();
        label->GetTextProperty()->SetBackgroundColor(bg.redF(), bg.greenF(), bg.blueF());
        label->GetTextProperty()->SetBackgroundOpacity(0.75);
        s.renderer->AddActor(label);
        s.labels.push_back(label);
    }
    s.current.data->SetVerts(current);
    s.current.data->Modified();
    s.selected.data->SetVerts(sel_verts);
    s.selected.data->SetLines(sel_lines);
    s.selected.data->Modified();
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
    if (!scene_) return;
    vtkCamera* c = scene_->renderer->GetActiveCamera();
    double b[6] = {-1, 1, -1, 1, -1, 1};
    if (!points_.empty()) scene_->all_points->GetBounds(b);
    const double centre[3] = {(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2};
    c->SetFocalPoint(centre);
    c->SetPosition(centre[0] + 1.0, centre[1] + 0.7, centre[2] + 1.3);
    c->SetViewUp(0, 1, 0);
    show_all_axes();
    scene_->renderer->ResetCamera(b);
    camera_set_ = true;
    render();
}

void Projection3dView::set_camera_preset(CameraPreset preset) {
    if (!scene_) return;
    vtkCamera* c = scene_->renderer->GetActiveCamera();
    double b[6] = {-1, 1, -1, 1, -1, 1};
    if (!points_.empty()) scene_->all_points->GetBounds(b);
    const double centre[3] = {(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2};
    c->SetFocalPoint(centre);
    switch (preset) {
        case CameraPreset::Front:  // axes 1 and 2 in the screen plane
            c->SetPosition(centre[0], centre[1], centre[2] + 1.0);
            c->SetViewUp(0, 1, 0);
            break;
        case CameraPreset::Top:  // axes 1 and 3
            c->SetPosition(centre[0], centre[1] + 1.0, centre[2]);
            c->SetViewUp(0, 0, -1);
            break;
        case CameraPreset::Side:  // axes 3 and 2
            c->SetPosition(centre[0] + 1.0, centre[1], centre[2]);
            c->SetViewUp(0, 1, 0);
            break;
    }
    // The axis pointing at the viewer would collapse into a pile of tick labels: hide it until
    // the user turns the camera (any press or key in the view shows all three again).
    scene_->axes->SetXAxisVisibility(preset != CameraPreset::Side);
    scene_->axes->SetYAxisVisibility(preset != CameraPreset::Top);
    scene_->axes->SetZAxisVisibility(preset != CameraPreset::Front);
    scene_->renderer->ResetCamera(b);
    camera_set_ = true;
    render();
}

QJsonObject Projection3dView::save_settings() const {
    QJsonObject s;
    s.insert(QStringLiteral("spherize"), spherize());
    s.insert(QStringLiteral("color_by"), static_cast<int>(color_by()));
    s.insert(QStringLiteral("point_size"), point_size());
    s.insert(QStringLiteral("axes"), custom_axes());
    if (scene_ && camera_set_) {
        vtkCamera* c = scene_->renderer->GetActiveCamera();
        QJsonObject cam;
        cam.insert(QStringLiteral("position"), to_json(c->GetPosition()));
        cam.insert(QStringLiteral("focal_point"), to_json(c->GetFocalPoint()));
        cam.insert(QStringLiteral("view_up"), to_json(c->GetViewUp()));
        s.insert(QStringLiteral("camera"), cam);
    } else if (pending_camera_) {
        s.insert(QStringLiteral("camera"), *pending_camera_);
    }
    return s;
}

void Projection3dView::restore_settings(const QJsonObject& s) {
    if (s.contains(QStringLiteral("color_by")))
        color_by_->setCurrentIndex(std::clamp(s.value(QStringLiteral("color_by")).toInt(), 0, 2));
    if (s.contains(QStringLiteral("point_size")))
        point_size_->setValue(s.value(QStringLiteral("point_size")).toInt(point_size_->value()));
    if (s.contains(QStringLiteral("spherize")))
        spherize_->setChecked(s.value(QStringLiteral("spherize")).toBool());
    if (s.contains(QStringLiteral("axes")))
        axes_->set_text(s.value(QStringLiteral("axes")).toString());
    const QJsonObject cam = s.value(QStringLiteral("camera")).toObject();
    if (cam.isEmpty()) return;
    double pos[3], focal[3], up[3];
    if (!from_json(cam.value(QStringLiteral("position")), pos) ||
        !from_json(cam.value(QStringLiteral("focal_point")), focal) ||
        !from_json(cam.value(QStringLiteral("view_up")), up))
        return;
    if (scene_ && result_) {
        vtkCamera* c = scene_->renderer->GetActiveCamera();
        c->SetPosition(pos);
        c->SetFocalPoint(focal);
        c->SetViewUp(up);
        scene_->renderer->ResetCameraClippingRange();
        camera_set_ = true;
        render();
    } else {
        pending_camera_ = cam;  // applied with the first result
    }
}

int Projection3dView::pick(QPoint widget_pos) const {
    if (!scene_ || !gl_ || points_.empty()) return -1;
    const int w = gl_->width();
    const int h = gl_->height();
    if (w <= 0 || h <= 0) return -1;
    vtkCamera* c = scene_->renderer->GetActiveCamera();
    vtkMatrix4x4* m = c->GetCompositeProjectionTransformMatrix(double(w) / double(h), -1, 1);
    double best = double(kPickRadius) * kPickRadius;
    double best_depth = std::numeric_limits<double>::infinity();
    int found = -1;
    for (std::size_t i = 0; i < points_.size(); ++i) {
        const double in[4] = {points_[i][0], points_[i][1], points_[i][2], 1.0};
        double out[4];
        m->MultiplyPoint(in, out);
        if (out[3] <= 0) continue;
        const double sx = (out[0] / out[3] + 1.0) * 0.5 * w;
        const double sy = (1.0 - out[1] / out[3]) * 0.5 * h;
        const double depth = out[2] / out[3];
        const double d2 = (sx - widget_pos.x()) * (sx - widget_pos.x()) +
                          (sy - widget_pos.y()) * (sy - widget_pos.y());
        // Nearest on screen; among (nearly) coincident ones, the closest to the camera.
        if (d2 < best - 0.25 || (d2 <= best + 0.25 && depth < best_depth)) {
            best = std::min(best, d2);
            best_depth = depth;
            found = point_states_[i];
        }
    }
    return found;
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
            .arg(QString::fromStdString(t.text))
            .arg(t.prompt)
            .arg(t.position)
            .arg(layer);
    }
    return tr("token %1, layer %2").arg(token).arg(layer);
}

bool Projection3dView::eventFilter(QObject* watched, QEvent* event) {
    if (watched != gl_ || !result_) return View::eventFilter(watched, event);
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
            show_all_axes();
            break;
        case QEvent::Wheel:
            set_interacting(true);
            lod_timer_->start();  // the full scene once the wheel rests
            break;
        case QEvent::MouseButtonPress: {
            show_all_axes();
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
    const bool lod = on && points_.size() > kLodAbove;
    const bool changed = lod != interacting_;
    interacting_ = lod;
    Scene& s = *scene_;
    s.cloud.actor->SetVisibility(!lod);
    s.lines.actor->SetVisibility(!lod);
    s.cloud_lod.actor->SetVisibility(lod);
    s.lines_lod.actor->SetVisibility(lod);
    // Multisampling off while moving: on llvmpipe VTK's default 8x MSAA costs ~30 ms a frame
    // whatever the scene (a 1 000-point frame: 28 vs 136 frames/s), more than the points. The
    // still frame, and every export, keeps it.
    if (changed) {
        vtkGenericOpenGLRenderWindow* win = gl_->render_window();
        if (lod) {
            still_multisamples_ = win->GetMultiSamples();
            win->SetMultiSamples(0);
        } else if (still_multisamples_ >= 0) {
            win->SetMultiSamples(still_multisamples_);
        }
    }
    if (changed && !lod) render();  // show the full scene where the camera stopped
}

std::size_t Projection3dView::lod_point_count() const {
    return scene_ ? static_cast<std::size_t>(scene_->cloud_lod.data->GetNumberOfVerts()) : 0;
}

void Projection3dView::show_all_axes() {
    if (!scene_) return;
    scene_->axes->SetXAxisVisibility(true);
    scene_->axes->SetYAxisVisibility(true);
    scene_->axes->SetZAxisVisibility(true);
}

QImage Projection3dView::render_image(QSize size, double scale) {
    if (!gl_) return {};
    return gl_->render_to_image(size, scale);
}

}  // namespace es::widgets
