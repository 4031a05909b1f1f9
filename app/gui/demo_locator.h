#pragma once
#include <QString>

namespace es::app {

// The bundled demo dump: $EIGENSCOPE_DEMO, else the installed copy next to the executable
// (../share/eigenscope/demo/demo.h5), else the source tree's resources/demo/demo.h5.
QString demo_dump_path();

}  // namespace es::app
