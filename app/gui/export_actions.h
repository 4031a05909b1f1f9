#pragma once
// The app's export commands: File > Export View… (PNG/SVG/PDF/CSV/JSON with size, DPI and
// transparency), Edit > Copy Image and File > Export Report… (the multi-page PDF).
#include <QString>

#include "export/figure_export.h"

class QMenu;

namespace es::app {

class MainWindow;

// Adds the actions to the File menu (before its last separator) and an Edit menu.
void add_export_actions(MainWindow& window, QMenu* file);
// File ▸ Export Slides…: asks a size and a folder, then writes the presentation slides.
void export_slides(MainWindow& window);
// The figure of the view the user worked in last (focus), "trajectory" before any.
QString current_figure(MainWindow& window);
// Exports a figure of the window's views with provenance from the primary dump.
bool export_view(MainWindow& window, const QString& figure, const QString& path,
                 const widgets::ExportOptions& options, QString* error);
// Puts the figure on the clipboard, re-rendered at twice its on-screen size.
bool copy_image(MainWindow& window, const QString& figure, QString* error);
// Computes the report in the background and writes it; the window's status bar says when done.
void export_report(MainWindow& window, const QString& path);

}  // namespace es::app
