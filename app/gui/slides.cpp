#include "slides.h"

#include <QApplication>
#include <QBuffer>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QRegularExpression>
#include <iostream>

#include "batch_options.h"
#include "export/figure_export.h"
#include "main_window.h"
#include "presentation_mode.h"
#include "presentation_readout.h"
#include "result_view.h"
#include "version.h"
#include "view_dock.h"
#include "view_registry.h"

namespace es::app {

namespace {

// Everything must have been idle this long: a layer change re-requests by queued calls.
constexpr qint64 kSettleMs = 300;

widgets::ResultView* result_view(MainWindow& w, const QString& id) {
    ViewDock* d = w.dock(id);
    return d ? qobject_cast<widgets::ResultView*>(d->view()) : nullptr;
}

}  // namespace

SlideWriter::SlideWriter(MainWindow& window, QString view_id, QString dir, QSize size)
    : QObject(&window),
      window_(window),
      view_id_(std::move(view_id)),
      dir_(std::move(dir)),
      size_(size) {
    poll_.setInterval(50);
    connect(&poll_, &QTimer::timeout, this, &SlideWriter::tick);
}

QString SlideWriter::slide_name(int index, int count, const QString& state_words) {
    QString slug = state_words.toLower();
    slug.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
    slug.remove(QRegularExpression(QStringLiteral("^-+|-+$")));
    const int width = std::max(2, static_cast<int>(QString::number(std::max(count - 1, 0)).size()));
    return QStringLiteral("%1-%2.png")
        .arg(index, width, 10, QLatin1Char('0'))
        .arg(slug.isEmpty() ? QStringLiteral("state") : slug);
}

void SlideWriter::start() {
    if (!QDir().mkpath(dir_)) {
        finish(false, tr("%1: cannot create the folder").arg(dir_));
        return;
    }
    if (window_.documents().empty()) {
        finish(false, tr("no dump is open"));
        return;
    }
    source_ = window_.documents().front()->path();
    auto* model = window_.selection_model();
    count_ = model->layer_count();
    first_layer_ = model->selection().layer;
    was_presenting_ = window_.presentation();
    if (!was_presenting_) window_.set_presentation(true);
    if (!window_.presentation_mode()->present(view_id_)) {
        finish(false, tr("the %1 view cannot be presented").arg(view_id_));
        return;
    }
    state_ = 0;
    model->set_layer(0);
    waiting_.start();
    poll_.start();
}

void SlideWriter::tick() {
    widgets::ResultView* view = result_view(window_, view_id_);
    const bool busy =
        window_.jobs()->busy() || (view && view->state() == widgets::ViewState::Computing);
    if (busy) {
        settled_.invalidate();
        return;
    }
    if (!settled_.isValid()) settled_.start();
    if (settled_.elapsed() < kSettleMs) return;
    settled_.invalidate();
    if (state_ == 0 && view && view->state() == widgets::ViewState::Empty) {
        finish(false, tr("the %1 view has nothing to show for %2: %3")
                          .arg(view_id_, source_, view->state_text()));
        return;
    }
    QString error;
    if (!write_slide(&error)) {
        finish(false, error);
        return;
    }
    emit progress(++state_, count_);
    if (state_ >= count_) {
        finish(true, tr("%1 slides in %2").arg(count_).arg(dir_));
        return;
    }
    window_.selection_model()->set_layer(state_);
}

bool SlideWriter::write_slide(QString* error) {
    PresentationMode* mode = window_.presentation_mode();
    QImage image = mode->render(size_);
    widgets::View* view = window_.dock(view_id_)->view();
    const widgets::Provenance p = widgets::make_provenance(view, view_id_, source_);
    for (const auto& [k, v] : p.fields()) image.setText(k, v);
    image.setText(QStringLiteral("Software"),
                  QStringLiteral("Eigenscope %1").arg(QStringLiteral(EIGENSCOPE_VERSION)));
    // The file is named by the state in words, as the readout says it.
    QString words = mode->readout()->text().title;
    if (words.isEmpty()) words = QStringLiteral("state-%1").arg(state_);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return widgets::write_atomically(QDir(dir_).filePath(slide_name(state_, count_, words)), bytes,
                                     error);
}

void SlideWriter::finish(bool ok, const QString& message) {
    poll_.stop();
    window_.selection_model()->set_layer(first_layer_);
    if (!was_presenting_ && window_.presentation()) window_.set_presentation(false);
    emit finished(ok, message);
    deleteLater();
}

// ---------------------------------------------------------------------------------------------
// eigenscope --export presentation

namespace {

int usage(const QString& text) {
    std::cerr << "eigenscope --export presentation: " << text.toStdString()
              << "\nusage: eigenscope --export presentation --out DIR [--view VIEW] "
                 "[--size WxH] FILE\n";
    return 2;
}

}  // namespace

int run_slides_export(const QCommandLineParser& p) {
    const QString dir = p.value(QStringLiteral("out"));
    if (dir.isEmpty()) return usage(QStringLiteral("--out DIR is required"));
    if (QFileInfo(dir).exists() && !QFileInfo(dir).isDir())
        return usage(QStringLiteral("%1 is a file; --out names a folder for the slides").arg(dir));
    const QString view_id =
        p.isSet(QStringLiteral("view")) ? p.value(QStringLiteral("view")) : "trajectory";
    QSize size(1280, 720);
    if (p.isSet(QStringLiteral("size"))) {
        size = parse_size(p.value(QStringLiteral("size"))).value_or(QSize());
        if (size.width() < 320 || size.height() < 240 || size.width() > 7680 ||
            size.height() > 4320)
            return usage(QStringLiteral("--size needs WxH in pixels, from 320x240 to 7680x4320"));
    }
    if (p.positionalArguments().size() != 1) return usage(QStringLiteral("give exactly one FILE"));
    const QString file = p.positionalArguments().first();
    if (!QFileInfo(file).isFile()) return usage(QStringLiteral("%1: no such file").arg(file));

    catch_interrupts();
    MainWindow window;
    window.set_batch_mode(true);
    const QStringList presentable = window.presentation_mode()->presentable();
    if (!presentable.contains(view_id) || figure_needs_opengl(view_id))
        return usage(QStringLiteral("--view %1: one of %2").arg(view_id, [&] {
            QStringList ids;
            for (const QString& id : presentable)
                if (!figure_needs_opengl(id)) ids << id;
            return ids.join(QStringLiteral(", "));
        }()));
    int code = -1;
    QString message;
    QObject::connect(&window, &MainWindow::load_failed, &window,
                     [&](const QString&, const QString& error) {
                         code = 2;
                         message = error;
                         QApplication::exit(code);
                     });
    QObject::connect(&window, &MainWindow::loaded, &window, [&](const QString&) {
        auto* writer = new SlideWriter(window, view_id, dir, size);
        QObject::connect(writer, &SlideWriter::finished, &window,
                         [&](bool ok, const QString& text) {
                             code = ok ? 0 : 2;
                             message = text;
                             QApplication::exit(code);
                         });
        writer->start();
    });
    QTimer interrupt_poll;
    QObject::connect(&interrupt_poll, &QTimer::timeout, &window, [&] {
        if (!interrupted()) return;
        code = 130;
        message = QStringLiteral("cancelled");
        QApplication::exit(code);
    });
    interrupt_poll.start(100);
    window.open_file(file);
    QApplication::exec();
    window.jobs()->cancel_all();
    window.jobs()->wait_for_idle(10000);
    if (code != 0 && !message.isEmpty())
        std::cerr << "eigenscope --export presentation: " << message.toStdString() << "\n";
    return code < 0 ? 1 : code;
}

}  // namespace es::app
