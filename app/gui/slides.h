#pragma once
// Slides for a lecturer's deck: the presentation page (presentation_mode.h) drawn once per state
// of the stream at a chosen size, DIR/NN-<state in words>.png ("00-embedding.png",
// "08-block-7-output.png"), each with the figure's provenance in its PNG text. The same code
// serves File ▸ Export Slides… and `eigenscope --export presentation --out DIR FILE`.
#include <QElapsedTimer>
#include <QObject>
#include <QSize>
#include <QString>
#include <QTimer>

class QCommandLineParser;

namespace es::app {

class MainWindow;

class SlideWriter : public QObject {
    Q_OBJECT
public:
    // view_id: the presented view (any view presentation mode can show but the 3D one).
    SlideWriter(MainWindow& window, QString view_id, QString dir, QSize size);
    // Steps through the states, waiting at each until every analysis has come in.
    void start();
    // The file name of slide `index` ("07-block-6-output.png").
    static QString slide_name(int index, int count, const QString& state_words);

signals:
    void progress(int done, int total);
    // ok: every slide written (message says where); otherwise message says what went wrong.
    void finished(bool ok, const QString& message);

private:
    void tick();
    void finish(bool ok, const QString& message);
    bool write_slide(QString* error);

    MainWindow& window_;
    QString view_id_, dir_;
    QSize size_;
    QTimer poll_;
    QElapsedTimer settled_, waiting_;
    int state_ = 0, count_ = 0, first_layer_ = 0;
    bool was_presenting_ = false;
    QString source_;
};

// eigenscope --export presentation --out DIR [--view V] [--size WxH] FILE (batch_export.h).
int run_slides_export(const QCommandLineParser& parser);

}  // namespace es::app
