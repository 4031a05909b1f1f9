#pragma once
// Feeds: each connects one view to the analysis it shows. A feed requests the analysis from the
// job runner when the document, stream or the view's options change (latest request wins) and
// hands the plain result struct to the view. Views never see files or threads.
//
// Each feed file gives the view table (view_registry.h) the rows of the views it feeds, in the
// order their docks are created; a view and its feed are one row there.
#include <cstddef>
#include <vector>

#include "view_registry.h"

namespace es::app {

std::vector<ViewRow> layer_view_rows();       // view_feeds.cpp: trajectory, spectrum, CKA
std::vector<ViewRow> weight_view_rows();      // view_feeds_weights.cpp: heads ... weight spectrum
std::vector<ViewRow> token_view_rows();       // view_feeds_more.cpp: equaliser ... timescales
std::vector<ViewRow> projection_view_rows();  // view_feeds_3d.cpp: the 3D projection
std::vector<ViewRow> directions_view_rows();  // view_feeds_directions.cpp: directions

// The memory the app's analyses share (view_feeds.cpp): the budget of the process's memory gate
// (numerics/memory_gate.h) that every heavy analysis leases its working set from.
std::size_t analysis_memory();

}  // namespace es::app
