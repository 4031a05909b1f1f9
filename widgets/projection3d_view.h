#pragma once
// The 3-D projection view: every (layer, token) state as a point in one PCA (or custom) basis,
// each token's path through the layers as a thin polyline, the current layer emphasised, the
// selected tokens highlighted and labelled. This is the Qt side (controls, selection, settings,
// mouse); the VTK scene is projection3d_scene.h, rendered through our Qt 6 bridge. Without
// OpenGL the view shows the bridge's "3D view unavailable" pane and keeps its data side working.
#include <QImage>
#include <QJsonObject>
#include <QList>
#include <QPoint>
#include <QPointF>
#include <QSize>
#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "analysis/project.h"
#include "io/dump.h"
#include "projection3d_scene.h"
#include "result_view.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QTimer;

namespace es::widgets {

class AxesEditor;
class LassoOverlay;
class VtkGlWidget;

class Projection3dView : public ResultView {
    Q_OBJECT
public:
    // Token: by the token's string (its most frequent ones named in the legend); Metadata: by the
    // per-token metadata column chosen in color_column() (io/dump.h TokenColumn).
    enum class ColorBy {
        Layer = 0,
        Prompt = 1,
        Norm = 2,
        Position = 3,
        Axis1 = 4,
        Token = 5,
        Metadata = 6
    };
    enum class CameraPreset { Front, Top, Side };
    enum class Draw { Auto = 0, Points = 1, Density = 2 };
    // Auto draws the density above this many points.
    static constexpr std::size_t kDensityAbove = 200000;

    explicit Projection3dView(QWidget* parent = nullptr);
    ~Projection3dView() override;

    QString view_id() const override { return QStringLiteral("projection3d"); }
    QString title() const override { return tr("3D projection"); }
    QString caption() const override;
    // A preview (the selected layer alone on its own basis, the pooled fit still computing) is
    // drawn marked as such and not exported.
    QString incomplete() const override;
    QJsonObject save_settings() const override;
    void restore_settings(const QJsonObject& s) override;
    void set_presentation(bool on) override;

    // tokens: the dump's token table (text, prompt, position by flat token index); columns: its
    // per-token metadata (colour by metadata).
    void set_result(const analysis::ProjectResult& result, const std::vector<TokenInfo>& tokens,
                    const std::vector<TokenColumn>& columns = {});

    bool spherize() const;
    void set_spherize(bool on);
    ColorBy color_by() const;
    void set_color_by(ColorBy c);
    // The metadata column coloured by with ColorBy::Metadata (empty: the first one).
    QString color_column() const;
    void set_color_column(const QString& name);
    bool umap() const;  // the layout asked for: UMAP, else PCA (or custom axes)
    // UMAP of the selected layer's states alone (its own layout, recomputed for another layer),
    // instead of every layer's states pooled.
    bool umap_layer() const;
    void set_umap(bool on, bool layer_only = false);
    QString note() const { return scene_ ? QString::fromStdString(scene_->note()) : QString(); }
    Draw draw() const;
    void set_draw(Draw d);
    bool drawing_density() const;  // what the scene shows now
    // For tests: the density image of the last frame drawn (export or screen), or null.
    const DensityImage* last_density() const;
    int point_size() const;
    void set_point_size(int px);
    // Custom axes as typed ("A-B@L, C-D"; empty: PCA); the app parses them (analysis::parse_axes)
    // and reports a refusal with show_axes_error().
    QString custom_axes() const;
    void set_custom_axes(const QString& text);  // no signal
    void show_axes_error(const QString& text);
    // The oblique look (reset) or a preset, framed to the scene on screen (and, while the camera
    // is not moved, framed again for every export's size: Projection3dScene::frame()).
    void reset_camera();
    void set_camera_preset(CameraPreset preset);

    // For tests and export. points(): the coordinates handed to VTK, one per non-null state, in
    // row-major (layer row, token) order: the result's coordinates, scaled to unit length when the
    // result is spherized; point_states(): the flat state index (row * tokens +
    // token) of each. pick(): the flat state index of the point nearest to `widget_pos` on
    // screen (within a few pixels), or -1.
    const std::vector<std::array<double, 3>>& points() const { return points_; }
    const std::vector<int>& point_states() const { return point_states_; }
    int pick(QPoint widget_pos) const;
    // Selects (or with `add`, adds) the tokens with a state inside `polygon` (widget pixels), in
    // every view through the selection model; returns those tokens, ascending.
    QList<int> lasso_select(const std::vector<QPointF>& polygon, bool add = false);
    QImage render_image(QSize size, double scale = 1.0) override;
    FigureKind figure_kind() const override { return FigureKind::Raster; }
    std::optional<FigureNumbers> numbers(const QString&) const override {
        return numbers_of_result(result_);
    }
    // Level of detail while the camera moves (press/drag, wheel): on, large scenes draw a subset
    // of the tokens; off, everything. lod_point_count(): points in that subset.
    void set_interacting(bool on);
    bool interacting() const { return interacting_; }
    std::size_t lod_point_count() const;
    VtkGlWidget* gl_widget() const { return gl_; }
    Projection3dScene* scene() const { return scene_.get(); }  // none without OpenGL
    const std::optional<analysis::ProjectResult>& result() const { return result_; }
    // For tests: the camera, the scale it frames (VTK's parallel scale: half the height of the
    // view at the focal point) and the legend of the colours (title, box in normalized viewport
    // coordinates x0, y0, x1, y1 from the bottom left).
    std::optional<Projection3dScene::Camera> camera() const;
    double camera_scale() const;
    bool legend_visible() const;
    QString legend_title() const;
    std::array<double, 4> legend_box() const;
    QString hover_text(int state) const;  // the tooltip shown for a flat state index
    QString status_text() const;

signals:
    void options_changed();  // spherize or axes changed: the app re-requests the analysis

protected:
    void clear_result() override;
    void on_selection(const Selection& selection) override;
    bool eventFilter(QObject* watched, QEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void rebuild_points();
    void rebuild_overlays();  // current layer, selection, labels
    void apply_colors();
    void apply_draw();
    bool lasso_event(QEvent* event);  // true when the lasso took it
    void update_status();
    void render();
    void set_camera(const Projection3dScene::Camera& camera);
    void show_look(Projection3dScene::Look look);
    void frame_on_screen();  // fits a still-framed camera to the scene's size on screen
    int current_row() const;

    VtkGlWidget* gl_ = nullptr;
    QWidget* unavailable_ = nullptr;
    QCheckBox* spherize_ = nullptr;
    QComboBox* color_by_ = nullptr;
    QComboBox* color_column_ = nullptr;  // the metadata columns, shown when coloured by one
    QComboBox* draw_ = nullptr;
    QComboBox* method_ = nullptr;
    QPushButton* lasso_ = nullptr;
    LassoOverlay* lasso_overlay_ = nullptr;
    QSlider* point_size_ = nullptr;
    QLabel* status_ = nullptr;
    AxesEditor* axes_ = nullptr;
    std::unique_ptr<Projection3dScene> scene_;  // the VTK side; none without OpenGL

    std::optional<analysis::ProjectResult> result_;
    std::vector<TokenInfo> tokens_;
    std::vector<TokenColumn> columns_;
    QString wanted_column_;  // a restored column name the current dump does not have
    std::vector<std::array<double, 3>> points_;
    std::vector<int> point_states_;
    Selection selection_;
    std::optional<Projection3dScene::Camera> pending_camera_;  // restored before a result
    std::optional<Projection3dScene::Look> pending_look_;      // a framed look, likewise
    QTimer* fit_timer_ = nullptr;                              // frames again after a resize
    bool camera_set_ = false;
    // What the camera was last fitted to: a result of another family is framed afresh.
    struct Family {
        QString source;
        bool spherized = false;
        std::vector<std::string> axis_labels;
    };
    std::optional<Family> framed_;
    QPoint press_pos_;
    bool pressed_ = false;
    bool interacting_ = false;
    QTimer* lod_timer_ = nullptr;
};

}  // namespace es::widgets
