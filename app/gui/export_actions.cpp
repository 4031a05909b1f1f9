#include "export_actions.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPointer>
#include <QSpinBox>
#include <QStatusBar>

#include "main_window.h"
#include "presentation_mode.h"
#include "report.h"
#include "slides.h"
#include "view.h"
#include "view_registry.h"

namespace es::app {

namespace {

// The view that last had keyboard focus, per window.
QPointer<widgets::View> last_view;

void track_focus(MainWindow& window) {
    QObject::connect(qApp, &QApplication::focusChanged, &window, [](QWidget*, QWidget* now) {
        for (QWidget* w = now; w; w = w->parentWidget())
            if (auto* v = qobject_cast<widgets::View*>(w)) {
                last_view = v;
                return;
            }
    });
}

QString primary_path(MainWindow& window) {
    return window.documents().empty() ? QString() : window.documents().front()->path();
}

void show_problem(MainWindow& window, const QString& title, const QString& text) {
    auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, &window);
    box->setObjectName(QStringLiteral("exportErrorDialog"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();  // non-blocking, like the window's other errors
}

// Figure, size, DPI and background; the path is asked for afterwards.
bool ask_options(MainWindow& window, QString* figure, widgets::ExportOptions* options) {
    QDialog dialog(&window);
    dialog.setWindowTitle(QObject::tr("Export View"));
    auto* form = new QFormLayout(&dialog);
    auto* which = new QComboBox(&dialog);
    QStringList ids;
    for (const widgets::View* view : window.views()) ids << view->figures();
    which->addItems(ids);
    which->setCurrentText(*figure);
    form->addRow(QObject::tr("View"), which);
    auto* size_row = new QHBoxLayout;
    auto* width = new QSpinBox(&dialog);
    auto* height = new QSpinBox(&dialog);
    for (QSpinBox* s : {width, height}) {
        s->setRange(100, 20000);
        s->setSuffix(QObject::tr(" px"));
        size_row->addWidget(s);
    }
    width->setValue(1600);
    height->setValue(1200);
    form->addRow(QObject::tr("Size (width × height)"), size_row);
    auto* dpi = new QSpinBox(&dialog);
    dpi->setRange(0, 2400);
    dpi->setSpecialValueText(QObject::tr("automatic"));
    dpi->setToolTip(
        QObject::tr("Fonts and lines scale by DPI/96; automatic keeps the proportions "
                    "of an 800 × 600 figure."));
    form->addRow(QObject::tr("DPI"), dpi);
    auto* transparent = new QCheckBox(QObject::tr("transparent background (PNG)"), &dialog);
    form->addRow(QString(), transparent);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    form->addRow(buttons);
    if (dialog.exec() != QDialog::Accepted) return false;
    *figure = which->currentText();
    options->size = QSize(width->value(), height->value());
    options->dpi = dpi->value();
    options->transparent = transparent->isChecked();
    return true;
}

}  // namespace

QString current_figure(MainWindow& window) {
    if (last_view && window.views().contains(last_view.data())) return last_view->view_id();
    return QStringLiteral("trajectory");
}

bool export_view(MainWindow& window, const QString& figure, const QString& path,
                 const widgets::ExportOptions& options, QString* error) {
    widgets::View* view = widgets::view_for_figure(window.views(), figure);
    if (!view) {
        if (error) *error = QObject::tr("there is no %1 view").arg(figure);
        return false;
    }
    const widgets::Provenance provenance =
        widgets::make_provenance(view, figure, primary_path(window));
    return widgets::export_figure(view, figure, path, options, provenance, error);
}

bool copy_image(MainWindow& window, const QString& figure, QString* error) {
    widgets::View* view = widgets::view_for_figure(window.views(), figure);
    if (!view) {
        if (error) *error = QObject::tr("there is no %1 view").arg(figure);
        return false;
    }
    widgets::ExportOptions options;
    const QSize on_screen = view->size().expandedTo(QSize(400, 300));
    options.size = on_screen * 2;  // sharp when pasted into slides at the size seen
    options.dpi = 192;
    const QImage image = widgets::render_figure_image(view, figure, options, error);
    if (image.isNull()) return false;
    QApplication::clipboard()->setImage(image);
    return true;
}

void export_report(MainWindow& window, const QString& path) {
    if (window.documents().empty()) {
        show_problem(window, QObject::tr("Export Report"), QObject::tr("Open a dump first."));
        return;
    }
    const Document* doc = window.documents().front();
    std::shared_ptr<Dump> dump = doc->dump();
    QPointer<MainWindow> guard(&window);
    window.statusBar()->showMessage(QObject::tr("computing the report…"));
    window.jobs()->request_as<report::ReportData>(
        QStringLiteral("report"), doc->id() + QStringLiteral("/report"),
        [dump](Progress& p) { return report::compute_report(dump, p); },
        [guard, path](const report::ReportData& data) {
            if (!guard) return;
            QString error;
            if (report::write_report_pdf(data, path, &error))
                guard->statusBar()->showMessage(QObject::tr("Wrote %1 (%2 pages)")
                                                    .arg(path)
                                                    .arg(report::report_page_count(data)),
                                                10000);
            else
                show_problem(*guard, QObject::tr("Cannot write the report"), error);
        },
        [guard](const QString& error) {
            if (guard) show_problem(*guard, QObject::tr("Cannot compute the report"), error);
        });
}

void export_slides(MainWindow& window) {
    if (window.documents().empty()) return;
    bool ok = false;
    const QStringList sizes{QStringLiteral("1920x1080"), QStringLiteral("1280x720"),
                            QStringLiteral("3840x2160")};
    const QString size =
        QInputDialog::getItem(&window, QObject::tr("Export Slides"),
                              QObject::tr("Slide size in pixels:"), sizes, 0, false, &ok);
    if (!ok) return;
    const QString dir = QFileDialog::getExistingDirectory(
        &window, QObject::tr("Folder for the slides (one PNG per state)"));
    if (dir.isEmpty()) return;
    // The presented view, or the trajectory; the 3D view has no slides (an OpenGL scene).
    QString view = window.presentation() ? window.presentation_mode()->presented()
                                         : QStringLiteral("trajectory");
    if (figure_needs_opengl(view)) view = QStringLiteral("trajectory");
    const QStringList wh = size.split(QLatin1Char('x'));
    auto* writer =
        new SlideWriter(window, view, dir, QSize(wh.value(0).toInt(), wh.value(1).toInt()));
    QPointer<MainWindow> guard(&window);
    QObject::connect(writer, &SlideWriter::progress, &window, [guard](int done, int total) {
        if (guard)
            guard->statusBar()->showMessage(QObject::tr("Slide %1 of %2").arg(done).arg(total));
    });
    QObject::connect(
        writer, &SlideWriter::finished, &window, [guard](bool ok, const QString& message) {
            if (!guard) return;
            if (ok)
                guard->statusBar()->showMessage(QObject::tr("Exported %1").arg(message), 8000);
            else
                show_problem(*guard, QObject::tr("Slides failed"), message);
        });
    writer->start();
}

void add_export_actions(MainWindow& window, QMenu* file) {
    track_focus(window);
    const QList<QAction*> actions = file->actions();
    QAction* before = nullptr;  // the separator above Quit
    for (QAction* a : actions)
        if (a->isSeparator()) before = a;
    auto* export_view_action = new QAction(QObject::tr("&Export View…"), file);
    export_view_action->setObjectName(QStringLiteral("exportViewAction"));
    export_view_action->setShortcut(QKeySequence(QStringLiteral("Ctrl+E")));
    QObject::connect(export_view_action, &QAction::triggered, &window, [&window] {
        QString figure = current_figure(window);
        widgets::ExportOptions options;
        if (!ask_options(window, &figure, &options)) return;
        const QString stem =
            window.documents().empty()
                ? figure
                : QFileInfo(primary_path(window)).completeBaseName() + QLatin1Char('-') + figure;
        const QString path = QFileDialog::getSaveFileName(
            &window, QObject::tr("Export %1").arg(figure), stem + QStringLiteral(".png"),
            QObject::tr("PNG image (*.png);;SVG drawing (*.svg);;PDF (*.pdf);;"
                        "Numbers as CSV (*.csv);;Numbers as JSON (*.json)"));
        if (path.isEmpty()) return;
        QString error;
        if (export_view(window, figure, path, options, &error))
            window.statusBar()->showMessage(QObject::tr("Exported %1").arg(path), 8000);
        else
            show_problem(window, QObject::tr("Export failed"), error);
    });
    auto* report_action = new QAction(QObject::tr("Export &Report…"), file);
    report_action->setObjectName(QStringLiteral("exportReportAction"));
    QObject::connect(report_action, &QAction::triggered, &window, [&window] {
        const QString stem =
            window.documents().empty()
                ? QStringLiteral("report")
                : QFileInfo(primary_path(window)).completeBaseName() + QStringLiteral("-report");
        const QString path =
            QFileDialog::getSaveFileName(&window, QObject::tr("Export Report"),
                                         stem + QStringLiteral(".pdf"), QObject::tr("PDF (*.pdf)"));
        if (!path.isEmpty()) export_report(window, path);
    });
    auto* slides_action = new QAction(QObject::tr("Export S&lides…"), file);
    slides_action->setObjectName(QStringLiteral("exportSlidesAction"));
    slides_action->setToolTip(QObject::tr("The presentation layout as one PNG per state"));
    QObject::connect(slides_action, &QAction::triggered, &window,
                     [&window] { export_slides(window); });
    file->insertAction(before, export_view_action);
    file->insertAction(before, slides_action);
    file->insertAction(before, report_action);
    file->insertSeparator(before);

    QMenu* edit = window.menuBar()->addMenu(QObject::tr("&Edit"));
    QAction* copy = edit->addAction(QObject::tr("&Copy Image"), &window, [&window] {
        QString error;
        const QString figure = current_figure(window);
        if (copy_image(window, figure, &error))
            window.statusBar()->showMessage(QObject::tr("Copied the %1 view").arg(figure), 5000);
        else
            show_problem(window, QObject::tr("Copy failed"), error);
    });
    copy->setObjectName(QStringLiteral("copyImageAction"));
    copy->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+C")));
}

}  // namespace es::app
