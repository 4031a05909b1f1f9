// The app's export commands on a real MainWindow with the demo dump: the menu entries exist,
// Export View writes a file with the window's selection as provenance, Copy Image puts a
// re-rendered image on the clipboard and Export Report writes the multi-page PDF.
#include <QAction>
#include <QClipboard>
#include <QMenu>
#include <QMenuBar>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "export_actions.h"
#include "main_window.h"
#include "trajectory_view.h"

using namespace es;

namespace {

QAction* find_action(QWidget* root, const QString& name) {
    return root->findChild<QAction*>(name);
}

}  // namespace

class TestExportActions : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        QSignalSpy loaded(&window_, &app::MainWindow::loaded);
        window_.open_file(QStringLiteral(EIGENSCOPE_DEMO));
        QVERIFY(loaded.wait(20000));
        window_.selection_model()->set_layer(2);
        window_.selection_model()->set_tokens({4});
        auto* traj = window_.findChild<widgets::TrajectoryView*>();
        QVERIFY(traj);
        QTRY_VERIFY_WITH_TIMEOUT(traj->result().has_value(), 30000);
        QVERIFY(window_.jobs()->wait_for_idle(30000));
    }

    void menus_offer_the_exports() {
        QVERIFY(find_action(&window_, QStringLiteral("exportViewAction")));
        QVERIFY(find_action(&window_, QStringLiteral("exportReportAction")));
        QVERIFY(find_action(&window_, QStringLiteral("copyImageAction")));
        QStringList menus;
        for (QAction* a : window_.menuBar()->actions()) menus << a->text();
        QVERIFY(menus.contains(QStringLiteral("&Edit")));
    }

    void export_view_uses_the_window_selection() {
        const QString path = tmp_.filePath(QStringLiteral("t.png"));
        widgets::ExportOptions o;
        o.size = QSize(640, 400);
        QString error;
        QVERIFY2(app::export_view(window_, QStringLiteral("trajectory"), path, o, &error),
                 qPrintable(error));
        const QImage image(path);
        QCOMPARE(image.size(), QSize(640, 400));
        QCOMPARE(image.text(QStringLiteral("layer")), QStringLiteral("2"));
        QCOMPARE(image.text(QStringLiteral("tokens")), QStringLiteral("4"));
        QCOMPARE(image.text(QStringLiteral("dump")),
                 QFileInfo(QStringLiteral(EIGENSCOPE_DEMO)).absoluteFilePath());
        QVERIFY(!app::export_view(window_, QStringLiteral("nosuchview"), path, o, &error));
    }

    void weight_spectrum_exports_too() {
        // Not an --export name, but the dialog offers it: figure and numbers.
        widgets::View* view =
            widgets::view_for_figure(window_.views(), QStringLiteral("weight_spectrum"));
        QVERIFY(view);
        QTRY_VERIFY_WITH_TIMEOUT(widgets::figure_ready(view, QStringLiteral("weight_spectrum")),
                                 30000);
        QString error;
        for (const char* name : {"w.svg", "w.csv"})
            QVERIFY2(app::export_view(window_, QStringLiteral("weight_spectrum"),
                                      tmp_.filePath(QLatin1String(name)), {}, &error),
                     qPrintable(error));
        QFile csv(tmp_.filePath(QStringLiteral("w.csv")));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QByteArray text = csv.readAll();
        QVERIFY(text.contains("# view: weight_spectrum"));
        QVERIFY(text.contains("index,singular_value\n0,"));
    }

    void copy_image_renders_to_the_clipboard() {
        QGuiApplication::clipboard()->clear();
        QString error;
        QVERIFY2(app::copy_image(window_, QStringLiteral("cka"), &error), qPrintable(error));
        const QImage image = QGuiApplication::clipboard()->image();
        QVERIFY(!image.isNull());
        QVERIFY(image.width() >= 800 && image.height() >= 600);  // twice the on-screen size
    }

    void export_report_writes_the_pdf() {
        const QString path = tmp_.filePath(QStringLiteral("report.pdf"));
        app::export_report(window_, path);
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(path), 120000);
        QProcess p;
        p.start(QStringLiteral("pdfinfo"), {path});
        QVERIFY(p.waitForFinished(30000));
        const QString info = QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY2(info.contains(QRegularExpression(QStringLiteral("Pages:\\s+6\\n"))),
                 qPrintable(info));
    }

    void a_saved_session_reproduces_the_figure_headless() {
        // What the GUI shows and saves, `eigenscope --export --session` draws pixel for pixel.
        auto* traj = window_.findChild<widgets::TrajectoryView*>();
        traj->set_log_scale(true);
        traj->set_token_lines(false);
        QVERIFY(window_.jobs()->wait_for_idle(30000));
        QTest::qWait(300);
        const QString gui = tmp_.filePath(QStringLiteral("gui.png"));
        const QString session = tmp_.filePath(QStringLiteral("s.eigenscope"));
        widgets::ExportOptions o;
        o.size = QSize(900, 600);
        QString error;
        QVERIFY2(app::export_view(window_, QStringLiteral("trajectory"), gui, o, &error),
                 qPrintable(error));
        QVERIFY2(window_.save_session(session, &error), qPrintable(error));
        const QString headless = tmp_.filePath(QStringLiteral("headless.png"));
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("DISPLAY"));
        env.remove(QStringLiteral("QT_QPA_PLATFORM"));
        env.insert(QStringLiteral("XDG_CACHE_HOME"), tmp_.filePath(QStringLiteral("cache")));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), tmp_.filePath(QStringLiteral("config")));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(EIGENSCOPE_APP),
                {QStringLiteral("--export"), QStringLiteral("trajectory"),
                 QStringLiteral("--session"), session, QStringLiteral("--size"),
                 QStringLiteral("900x600"), QStringLiteral("--out"), headless});
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const QImage a(gui), b(headless);
        QCOMPARE(b.size(), a.size());
        QCOMPARE(b.text(QStringLiteral("settings")), a.text(QStringLiteral("settings")));
        QCOMPARE(b.text(QStringLiteral("layer")), QStringLiteral("2"));
        QCOMPARE(b.text(QStringLiteral("tokens")), QStringLiteral("4"));
        int differing = 0;
        for (int y = 0; y < a.height(); ++y)
            for (int x = 0; x < a.width(); ++x) differing += a.pixel(x, y) != b.pixel(x, y);
        QCOMPARE(differing, 0);
        traj->set_log_scale(false);
        traj->set_token_lines(true);
    }

private:
    // Before the window exists: its result cache, settings and autosave go to Qt's test
    // locations, not the user's ~/.cache and ~/.config.
    struct TestPaths {
        TestPaths() { QStandardPaths::setTestModeEnabled(true); }
    } test_paths_;
    QTemporaryDir tmp_;
    app::MainWindow window_;
};

QTEST_MAIN(TestExportActions)
#include "test_export_actions.moc"
