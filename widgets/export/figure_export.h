#pragma once
// Figures and numbers out of every view (issue 8): PNG, SVG and PDF re-rendered at the requested
// size (never a screen grab), the numbers behind a view as CSV and JSON, all with provenance and
// all written atomically (QSaveFile: a failed export leaves no file behind).
//
// A "figure" is what --export names: one of a view's figures() (its id, plus "spectrogram" for
// the spectrum view's heatmap on its own). Each view gives its numbers and its drawing
// (View::numbers, figure_kind, figure_plots/paint_figure/render_image): nothing here knows a
// particular view. 2D figures are vector in SVG/PDF (QCustomPlot drawn onto the generator;
// heatmap cells as one polygon each); the 3D view is a high-resolution raster, embedded.
#include <QImage>
#include <QJsonObject>
#include <QList>
#include <QRectF>
#include <QSize>
#include <QString>
#include <optional>
#include <utility>
#include <vector>

class QCPPainter;
class QSaveFile;
class QCustomPlot;

namespace es::widgets {

class View;

// Where an exported figure came from. Written as PNG text chunks, SVG <metadata>, PDF info and
// XMP, and as "# key: value" lines heading a CSV.
struct Provenance {
    QString dump_path, dump_sha256;
    QString view;  // the figure id ("trajectory", "spectrogram", ...)
    QString stream;
    int layer = -1;
    QList<int> tokens, heads;
    int prompt = 0;
    QString compare_path;  // the compared dump, if any
    QSize size;            // pixels of the figure (export_figure fills it in)
    double dpi = 0;        // the resolution fonts and lines were scaled for
    QJsonObject settings;  // the view's save_settings()
    QString version;       // EIGENSCOPE_VERSION
    QString created;       // UTC, ISO 8601

    // Ordered (key, value) pairs, values as one-line strings; the same in every format.
    std::vector<std::pair<QString, QString>> fields() const;
    QJsonObject to_json() const;
};

// SHA-256 of a file, streamed (dumps are large); empty and *error set when unreadable.
QString sha256_of_file(const QString& path, QString* error = nullptr);
// Provenance for a figure of a view: its settings and selection; the dump's hash is computed
// (not for an empty dump_path: the caller fills it in).
Provenance make_provenance(const View* view, const QString& figure, const QString& dump_path);

enum class ExportFormat { Png, Svg, Pdf, Csv, Json };
// From the file name's extension (case-insensitive); nullopt for anything else.
std::optional<ExportFormat> format_for_path(const QString& path);

struct ExportOptions {
    QSize size;                // PNG: pixels; SVG/PDF: size in CSS px (1/96 in); empty: default
    double dpi = 0;            // fonts and lines scale by dpi/96; 0: chosen from the size
    bool transparent = false;  // PNG (and the 3D raster): no background fill
};

// The view that draws a figure (one of its figures(); "spectrogram" is the spectrum view's), or
// nullptr. The figures --export accepts are the app's view table's (app/gui/view_registry.h).
View* view_for_figure(const QList<View*>& views, const QString& figure);
// True when the view holds something to export: its complete result arrived (a partial one,
// still filling in, is not exported as if it were complete).
bool figure_ready(const View* view, const QString& figure);

// The output size in pixels and the scale applied to fonts and line widths for these options.
std::pair<QSize, double> resolved_size(const ExportOptions& options);

// Draws the figure into rect (logical coordinates of the painter); vector when the painter's
// device is. Returns false when the view has nothing to draw.
bool render_figure(View* view, const QString& figure, QCPPainter& painter, const QRectF& rect,
                   bool vector, bool transparent, QString* error = nullptr);
// One QCustomPlot laid out for rect (the building block of render_figure; the report uses it).
void render_plot(QCustomPlot* plot, QCPPainter& painter, const QRectF& rect, bool vector,
                 bool transparent);
// The figure as an image of resolved_size(options) (PNG export, clipboard).
QImage render_figure_image(View* view, const QString& figure, const ExportOptions& options,
                           QString* error = nullptr);

// Writes the figure or its numbers; the format comes from the path's extension.
bool export_figure(View* view, const QString& figure, const QString& path,
                   const ExportOptions& options, const Provenance& provenance,
                   QString* error = nullptr);

// The numbers behind a figure: the same JSON/CSV as the matching eigenscope-cli verb. False when
// the view has no result yet.
bool figure_numbers(const View* view, const QString& figure, QJsonObject* json, QString* csv,
                    QString* error = nullptr);

// Writes bytes atomically; on failure nothing is left at path and *error names the problem.
bool write_atomically(const QString& path, const QByteArray& bytes, QString* error);
// Commits a QSaveFile only when everything reached the disk. QSaveFile::commit() alone misses a
// failed flush of its write buffer (a full disk) and would publish an empty file.
bool commit_atomically(QSaveFile& file, const QString& path, QString* error);

}  // namespace es::widgets
