#pragma once
// Feeds: each connects one view to the analysis it shows. A feed requests the analysis from the
// job runner when the document, stream or the view's options change (latest request wins) and
// hands the plain result struct to the view. Views never see files or threads.
namespace es::widgets {
class CkaView;
class SpectrumView;
class TrajectoryView;
}  // namespace es::widgets

namespace es::app {

class MainWindow;

void feed_trajectory(MainWindow& window, widgets::TrajectoryView* view);
void feed_spectrum(MainWindow& window, widgets::SpectrumView* view);
void feed_cka(MainWindow& window, widgets::CkaView* view);

}  // namespace es::app
