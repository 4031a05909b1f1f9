#pragma once
// eigenscope --export VIEW --out PATH [--set NAME=VALUE ...] [--stream NAME] [--compare FILE]
// [--session FILE | --from-provenance FIGURE] [--layer N] [--token T] [--head H] [--size WxH]
// [--dpi D] [--transparent] [--no-isolation] FILE: renders one view headless and exits (0 ok, 2
// usage or bad input, 1 other failure, 130 cancelled). The format comes from the extension of
// PATH. --export all --out DIR [--format F] writes every figure with something to show.
// The command line is parsed here into a plan (batch_run.h), which runs it.
#include <string>
#include <vector>

class QCommandLineParser;

namespace es::app {

// Before QApplication exists: picks the offscreen platform for 2D views and --list-options when
// none was asked for, refuses projection3d without a display, and drops the Qt messages known to
// be harmless for a headless export. Returns an exit code to stop with, or -1.
int prepare_batch_platform(int argc, char** argv);
// Before QApplication exists, without --export: with no display (over SSH, in CI) Qt's xcb
// plugin would abort before a line of ours runs. --help and --version need no window and get
// the offscreen platform; opening the window says what to do instead (exit 2). Returns an exit
// code to stop with, or -1.
int prepare_interactive_platform(int argc, char** argv);
// --export without --no-isolation: the whole export runs in a supervised child process
// (util/supervise.h), so a file that crashes libhdf5 ends in exit 2 and a sentence.
bool batch_wants_isolation(int argc, char** argv);
// --export, --from-provenance or --list-options: the command line is parsed strictly (exit 2 on
// an unknown option), not by QCommandLineParser::process().
bool headless_requested(int argc, char** argv);
// The arguments naming existing files or folders (what a crash message falls back on).
std::vector<std::string> batch_inputs(int argc, char** argv);
void add_batch_options(QCommandLineParser& parser);
bool batch_requested(const QCommandLineParser& parser);
// Runs the export with the application's event loop; returns the exit code.
int run_batch_export(const QCommandLineParser& parser);

}  // namespace es::app
