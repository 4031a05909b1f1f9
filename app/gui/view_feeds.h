#pragma once
// Feeds: each connects one view to the analysis it shows. A feed requests the analysis from the
// job runner when the document, stream or the view's options change (latest request wins) and
// hands the plain result struct to the view. Views never see files or threads.
namespace es::widgets {
class AnglesView;
class AttentionView;
class CheckpointView;
class CkaView;
class EqualiserView;
class HeadsView;
class LensView;
class Projection3dView;
class SpectrumView;
class TimescalesView;
class TrajectoryView;
class WeightSpectrumView;
}  // namespace es::widgets

namespace es::app {

class MainWindow;

void feed_trajectory(MainWindow& window, widgets::TrajectoryView* view);
void feed_spectrum(MainWindow& window, widgets::SpectrumView* view);
void feed_cka(MainWindow& window, widgets::CkaView* view);
void feed_heads(MainWindow& window, widgets::HeadsView* view);
void feed_angles(MainWindow& window, widgets::AnglesView* view);
void feed_checkpoints(MainWindow& window, widgets::CheckpointView* view);
void feed_weight_spectrum(MainWindow& window, widgets::WeightSpectrumView* view);
void feed_equaliser(MainWindow& window, widgets::EqualiserView* view);
void feed_attention(MainWindow& window, widgets::AttentionView* view);
void feed_lens(MainWindow& window, widgets::LensView* view);
void feed_timescales(MainWindow& window, widgets::TimescalesView* view);
void feed_projection3d(MainWindow& window, widgets::Projection3dView* view);

}  // namespace es::app
