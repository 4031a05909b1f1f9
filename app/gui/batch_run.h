#pragma once
// Running a headless export (batch_export.h parses the command line into a BatchPlan): the real
// window, never shown, opens the dumps; the session's or recorded settings and selection are
// applied, then the command line's; each figure is written once its view is ready, or skipped
// (--export all) when the view has nothing to show for the dump.
#include <QList>
#include <QString>
#include <optional>

#include "batch_options.h"
#include "export/figure_export.h"
#include "session.h"

namespace es::app {

struct BatchTarget {
    QString figure, out;
};

struct BatchPlan {
    std::vector<BatchTarget> targets;
    bool all = false;  // --export all: skip figures with nothing to show, exit 0 if one was written
    QString file;      // the primary dump (or a checkpoint folder)
    QStringList comparisons;                 // opened as compared documents, in order
    std::optional<SessionState> session;     // --session: selection and view settings
    std::optional<RecordedFigure> recorded;  // --from-provenance
    QString stream;
    int layer = -1, token = -1, head = -1;
    QList<SettingAssignment> sets;
    widgets::ExportOptions options;
};

// Returns the exit code: 0 written, 2 bad input or nothing to show, 1 other failure, 130
// cancelled.
int run_batch_plan(const BatchPlan& plan);

}  // namespace es::app
