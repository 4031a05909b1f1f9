#pragma once
// eigenscope --export VIEW --out PATH [--layer N] [--token T] [--head H] [--size WxH] [--dpi D]
// [--transparent] FILE: renders one view headless and exits (0 ok, 2 usage or bad input, 1 other
// failure, 130 cancelled). The format comes from the extension of PATH.
class QCommandLineParser;

namespace es::app {

// Before QApplication exists: picks the offscreen platform for 2D views when none was asked
// for, and refuses projection3d without a display. Returns an exit code to stop with, or -1.
int prepare_batch_platform(int argc, char** argv);
void add_batch_options(QCommandLineParser& parser);
bool batch_requested(const QCommandLineParser& parser);
// Runs the export with the application's event loop; returns the exit code.
int run_batch_export(const QCommandLineParser& parser);

}  // namespace es::app
