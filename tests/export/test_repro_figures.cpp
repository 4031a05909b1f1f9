// Reproducible figures from the command line (issue 18), run as a user runs them: every view's
// settings by name (--list-options, --set), --stream, --export all, a quiet stderr, sessions and
// --from-provenance re-exporting what an earlier export recorded.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include "app_process.h"

using namespace Qt::StringLiterals;

namespace {

const QString kApp = QStringLiteral(EIGENSCOPE_APP);
const QString kDemo = QStringLiteral(EIGENSCOPE_DEMO);

using es::test::headless;
using es::test::run;
using es::test::Run;

Run app(const QStringList& args) {
    return run(kApp, args, headless());
}

// The app under a virtual X server (the 3D view needs OpenGL): as test_batch_report does.
Run app_xvfb(const QStringList& args) {
    QProcessEnvironment env = headless();
    QStringList program = {kApp};
    if (const QString preload = env.value(u"EIGENSCOPE_GL_PRELOAD"_s); !preload.isEmpty())
        program = QStringList{u"env"_s, u"LD_PRELOAD="_s + preload, kApp};
    return run(u"xvfb-run"_s,
               QStringList{u"-a"_s, u"-s"_s, u"-screen 0 1920x1080x24"_s} + program + args, env);
}

qint64 differing_pixels(const QImage& a, const QImage& b) {
    if (a.size() != b.size()) return -1;
    qint64 n = 0;
    for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width(); ++x) n += a.pixel(x, y) != b.pixel(x, y);
    return n;
}

QJsonObject json_file(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

}  // namespace

class TestReproFigures : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QVERIFY(tmp_.isValid()); }

    void list_options_without_a_display_for_every_view() {
        Run r = app({u"--list-options"_s, u"--json"_s});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.err.isEmpty(), r.err.constData());
        const QJsonArray views = QJsonDocument::fromJson(r.out).object()["views"].toArray();
        QCOMPARE(views.size(), 13);
        QStringList figures;
        for (const QJsonValue& v : views)
            for (const QJsonValue& f : v["figures"].toArray()) figures << f.toString();
        QCOMPARE(figures.size(), 14);
        QVERIFY(figures.contains(u"spectrogram"_s));
        QMap<QString, QJsonArray> settings;
        for (const QString& figure : figures) {
            r = app({u"--list-options"_s, figure});
            QVERIFY2(r.code == 0, qPrintable(figure + u": "_s + QString::fromUtf8(r.err)));
            QVERIFY2(r.err.isEmpty(), r.err.constData());
            QVERIFY(r.out.contains("NAME") || r.out.contains("no settings"));
            r = app({u"--list-options"_s, figure, u"--json"_s});
            QVERIFY2(r.code == 0, qPrintable(figure));
            const QJsonObject o = QJsonDocument::fromJson(r.out).object();
            QVERIFY(o["figures"].toArray().contains(QJsonValue(figure)));
            for (const QJsonValue& s : o["settings"].toArray()) {
                QVERIFY(!s["name"].toString().isEmpty());
                QVERIFY(!s["help"].toString().isEmpty());
                QVERIFY(QStringList({u"bool"_s, u"int"_s, u"choice"_s, u"text"_s})
                            .contains(s["type"].toString()));
            }
            settings[figure] = o["settings"].toArray();
        }
        auto names = [&](const QString& figure) {
            QStringList out;
            for (const QJsonValue& s : settings[figure]) out << s["name"].toString();
            return out;
        };
        QCOMPARE(names(u"trajectory"_s),
                 QStringList({u"log_scale"_s, u"token_lines"_s, u"include_final_norm"_s}));
        QCOMPARE(names(u"spectrogram"_s), names(u"spectrum"_s));
        QCOMPARE(names(u"spectrum"_s), QStringList({u"overlay"_s, u"log_log"_s, u"centred"_s}));
        QCOMPARE(names(u"heads"_s),
                 QStringList({u"metric"_s, u"all_layers"_s, u"clustered"_s, u"rank"_s}));
        for (const char* p3 : {"spherize", "color_by", "point_size", "axes"})
            QVERIFY(names(u"projection3d"_s).contains(QLatin1String(p3)));
        for (const QJsonValue& s : settings[u"heads"_s]) {
            if (s["name"] == u"metric"_s) {
                QVERIFY(s["choices"].toArray().contains(QJsonValue(u"qk_cosine"_s)));
                QCOMPARE(s["default"].toString(), u"qk_cosine"_s);
            }
            if (s["name"] == u"rank"_s) {
                QCOMPARE(s["min"].toInt(), 1);
                QCOMPARE(s["max"].toInt(), 512);
                QCOMPARE(s["default"].toInt(), 8);
            }
        }
        // The table form names type, default and allowed values.
        r = app({u"--list-options"_s, u"projection3d"_s});
        QVERIFY(r.out.contains("color_by"));
        QVERIFY(r.out.contains("layer, prompt, norm"));
        r = app({u"--list-options"_s, u"nosuchview"_s});
        QCOMPARE(r.code, 2);
    }

    void a_setting_changes_the_figure() {
        const QString plain = tmp_.filePath(u"traj_plain.png"_s);
        const QString log = tmp_.filePath(u"traj_log.png"_s);
        Run r = app(
            {u"--export"_s, u"trajectory"_s, u"--size"_s, u"800x600"_s, u"--out"_s, plain, kDemo});
        QVERIFY2(r.code == 0, r.err.constData());
        r = app({u"--export"_s, u"trajectory"_s, u"--set"_s, u"log_scale=true"_s, u"--size"_s,
                 u"800x600"_s, u"--out"_s, log, kDemo});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(differing_pixels(QImage(plain), QImage(log)) > 1000);
        QVERIFY(QImage(log).text(u"settings"_s).contains(u"\"log_scale\":true"_s));
        QVERIFY(QImage(plain).text(u"settings"_s).contains(u"\"log_scale\":false"_s));
    }

    void projection3d_spherize_changes_the_figure() {
        const QString plain = tmp_.filePath(u"p3_plain.png"_s);
        const QString sph = tmp_.filePath(u"p3_sph.png"_s);
        Run r = app_xvfb({u"--export"_s, u"projection3d"_s, u"--size"_s, u"480x360"_s, u"--out"_s,
                          plain, kDemo});
        QVERIFY2(r.code == 0, r.err.constData());
        r = app_xvfb({u"--export"_s, u"projection3d"_s, u"--set"_s, u"spherize=true"_s, u"--size"_s,
                      u"480x360"_s, u"--out"_s, sph, kDemo});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(differing_pixels(QImage(plain), QImage(sph)) > 500);
        QVERIFY(QImage(sph).text(u"settings"_s).contains(u"\"spherize\":true"_s));
        // The recorded settings hold the camera too: the re-export is the same picture.
        QVERIFY(QImage(sph).text(u"settings"_s).contains(u"\"camera\""_s));
        const QString again = tmp_.filePath(u"p3_again.png"_s);
        r = app_xvfb({u"--from-provenance"_s, sph, u"--out"_s, again});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(differing_pixels(QImage(sph), QImage(again)), 0);
    }

    void usage_errors_exit_2_and_say_what_is_valid() {
        const QString out = tmp_.filePath(u"never.png"_s);
        Run r =
            app({u"--export"_s, u"trajectory"_s, u"--set"_s, u"log=1"_s, u"--out"_s, out, kDemo});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("unknown setting 'log' for trajectory; one of log_scale, "
                                "token_lines, include_final_norm"),
                 r.err.constData());
        r = app({u"--export"_s, u"trajectory"_s, u"--set"_s, u"log_scale=maybe"_s, u"--out"_s, out,
                 kDemo});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("true, false"), r.err.constData());
        r = app({u"--export"_s, u"heads"_s, u"--set"_s, u"metric=nope"_s, u"--out"_s, out, kDemo});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("qk_cosine"), r.err.constData());
        r = app({u"--export"_s, u"heads"_s, u"--set"_s, u"rank=0"_s, u"--out"_s, out, kDemo});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("1 to 512"), r.err.constData());
        r = app({u"--export"_s, u"trajectory"_s, u"--log-scale"_s, u"--out"_s, out, kDemo});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("log-scale") && r.err.contains("usage"), r.err.constData());
        r = app(
            {u"--export"_s, u"trajectory"_s, u"--stream"_s, u"nosuch"_s, u"--out"_s, out, kDemo});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("nosuch") && r.err.contains("one of"), r.err.constData());
        QVERIFY(!QFileInfo::exists(out));
        // A text setting names something the dump must have.
        r = app({u"--export"_s, u"weight_spectrum"_s, u"--set"_s, u"matrix=blocks.9.nope"_s,
                 u"--out"_s, out, kDemo});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("blocks.9.nope"), r.err.constData());
        const QString json = tmp_.filePath(u"ws.json"_s);
        r = app({u"--export"_s, u"weight_spectrum"_s, u"--set"_s, u"matrix=blocks.1.mlp.W_in"_s,
                 u"--out"_s, json, kDemo});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(
            json_file(json)["provenance"].toObject()["settings"].toObject()["matrix"].toString(),
            u"blocks.1.mlp.W_in"_s);
    }

    void a_stream_and_a_comparison_are_options() {
        // The demo's first stream by name works; a comparison with itself is recorded.
        const QString out = tmp_.filePath(u"cka_cmp.json"_s);
        const Run r = app({u"--export"_s, u"cka"_s, u"--compare"_s, kDemo, u"--out"_s, out, kDemo});
        QVERIFY2(r.code == 0, r.err.constData());
        const QJsonObject prov = json_file(out)["provenance"].toObject();
        QCOMPARE(prov["compare"].toString(), QFileInfo(kDemo).absoluteFilePath());
        const QString stream = prov["stream"].toString();
        QVERIFY(!stream.isEmpty());
        const Run s = app({u"--export"_s, u"trajectory"_s, u"--stream"_s, stream, u"--out"_s,
                           tmp_.filePath(u"traj_stream.csv"_s), kDemo});
        QVERIFY2(s.code == 0, s.err.constData());
    }

    void a_2d_export_prints_nothing_on_stderr() {
        const QString out = tmp_.filePath(u"quiet.png"_s);
        Run r = app({u"--export"_s, u"spectrum"_s, u"--out"_s, out, kDemo});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.err.isEmpty(), r.err.constData());
        // With an X server around too (Qt's offscreen platform then finds GLX).
        r = app_xvfb({u"--export"_s, u"spectrum"_s, u"--out"_s, out, kDemo});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.err.isEmpty(), r.err.constData());
    }

    void export_all_writes_every_figure_with_something_to_show() {
        const QString dir = tmp_.filePath(u"all"_s);
        const Run r = app({u"--export"_s, u"all"_s, u"--out"_s, dir, kDemo});
        QVERIFY2(r.code == 0, r.err.constData());
        const QStringList files = QDir(dir).entryList(QDir::Files, QDir::Name);
        // The demo has everything but a checkpoint series; no display: no 3D view.
        for (const char* f : {"trajectory", "spectrum", "spectrogram", "cka", "heads", "angles",
                              "weight_spectrum", "equaliser", "attention", "lens", "timescales"})
            QVERIFY2(files.contains(QLatin1String(f) + u".png"_s), f);
        QVERIFY(!files.contains(u"checkpoints.png"_s));
        QVERIFY(!files.contains(u"projection3d.png"_s));
        const QStringList lines = QString::fromUtf8(r.err).split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 2);
        QVERIFY2(r.err.contains("skipped checkpoints: nothing to show"), r.err.constData());
        QVERIFY2(r.err.contains("skipped projection3d: it needs an X server"), r.err.constData());
        for (const QString& f : files)
            QVERIFY2(QImage(QDir(dir).filePath(f)).width() > 100, qPrintable(f));
        // Another format.
        const Run csv = app({u"--export"_s, u"all"_s, u"--format"_s, u"csv"_s, u"--out"_s,
                             tmp_.filePath(u"all_csv"_s), kDemo});
        QVERIFY2(csv.code == 0, csv.err.constData());
        QVERIFY(QFileInfo::exists(tmp_.filePath(u"all_csv/cka.csv"_s)));
        QCOMPARE(
            app({u"--export"_s, u"all"_s, u"--format"_s, u"bmp"_s, u"--out"_s, dir, kDemo}).code,
            2);
    }

    void a_session_reproduces_the_figure() {
        // The JSON session.cpp writes (session_to_json): one dump, a selection, view settings.
        const QString session = tmp_.filePath(u"s.eigenscope"_s);
        const QJsonObject s{
            {"eigenscope_session", 1},
            {"documents", QJsonArray{QFileInfo(kDemo).absoluteFilePath()}},
            {"series_folder", QString()},
            {"geometry", QString()},
            {"window_state", QString()},
            {"selection", QJsonObject{{"stream", QString()},
                                      {"layer", 3},
                                      {"tokens", QJsonArray{5}},
                                      {"heads", QJsonArray{}},
                                      {"prompt", 0},
                                      {"compare_document", -1}}},
            {"views",
             QJsonObject{{"trajectory", QJsonObject{{"log_scale", true}, {"token_lines", false}}}}},
            {"camera", QJsonObject{}},
            {"presentation", false},
            {"theme", QString()}};
        QFile f(session);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QJsonDocument(s).toJson());
        f.close();
        const QString a = tmp_.filePath(u"from_session.png"_s);
        const QString b = tmp_.filePath(u"from_flags.png"_s);
        Run r = app({u"--export"_s, u"trajectory"_s, u"--session"_s, session, u"--size"_s,
                     u"900x600"_s, u"--out"_s, a});
        QVERIFY2(r.code == 0, r.err.constData());
        r = app({u"--export"_s, u"trajectory"_s, u"--set"_s, u"log_scale=true"_s, u"--set"_s,
                 u"token_lines=false"_s, u"--layer"_s, u"3"_s, u"--token"_s, u"5"_s, u"--size"_s,
                 u"900x600"_s, u"--out"_s, b, kDemo});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(differing_pixels(QImage(a), QImage(b)), 0);
        QCOMPARE(QImage(a).text(u"layer"_s), u"3"_s);
        QCOMPARE(QImage(a).text(u"tokens"_s), u"5"_s);
        // --set overrides the session.
        const QString c = tmp_.filePath(u"session_override.png"_s);
        r = app({u"--export"_s, u"trajectory"_s, u"--session"_s, session, u"--set"_s,
                 u"log_scale=false"_s, u"--size"_s, u"900x600"_s, u"--out"_s, c});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(QImage(c).text(u"settings"_s).contains(u"\"log_scale\":false"_s));
        QVERIFY(differing_pixels(QImage(a), QImage(c)) > 1000);
    }

    void from_provenance_round_trips() {
        // PNG: the same pixels.
        const QString png = tmp_.filePath(u"orig.png"_s);
        Run r = app({u"--export"_s, u"heads"_s, u"--set"_s, u"metric=ov_cosine"_s, u"--set"_s,
                     u"clustered=false"_s, u"--layer"_s, u"2"_s, u"--size"_s, u"700x500"_s,
                     u"--out"_s, png, kDemo});
        QVERIFY2(r.code == 0, r.err.constData());
        const QString again = tmp_.filePath(u"again.png"_s);
        r = app({u"--from-provenance"_s, png, u"--out"_s, again});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.err.isEmpty(), r.err.constData());
        QCOMPARE(QImage(again).size(), QSize(700, 500));
        QCOMPARE(differing_pixels(QImage(png), QImage(again)), 0);
        // The same figure's numbers in another format: the heads verb's JSON for ov_cosine.
        const QString numbers = tmp_.filePath(u"from_png.json"_s);
        r = app({u"--from-provenance"_s, png, u"--out"_s, numbers});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(json_file(numbers)["data"].toObject()["metric"].toString(), u"ov_cosine"_s);

        // SVG: the same document but for the time it was made.
        const QString svg = tmp_.filePath(u"orig.svg"_s);
        r = app({u"--export"_s, u"spectrum"_s, u"--set"_s, u"overlay=false"_s, u"--layer"_s, u"1"_s,
                 u"--out"_s, svg, kDemo});
        QVERIFY2(r.code == 0, r.err.constData());
        const QString svg2 = tmp_.filePath(u"again.svg"_s);
        r = app({u"--from-provenance"_s, svg, u"--out"_s, svg2});
        QVERIFY2(r.code == 0, r.err.constData());
        auto without_time = [](const QString& path) {
            QFile f(path);
            if (!f.open(QIODevice::ReadOnly)) return QString();
            return QString::fromUtf8(f.readAll())
                .remove(QRegularExpression(u"<es:created>[^<]*</es:created>"_s))
                .remove(QRegularExpression(u"created=[^;\"<]*"_s));
        };
        QCOMPARE(without_time(svg2), without_time(svg));

        // JSON: the same numbers and settings; a changed dump is warned about, not refused.
        const QString json = tmp_.filePath(u"orig.json"_s);
        r = app({u"--export"_s, u"trajectory"_s, u"--set"_s, u"include_final_norm=true"_s,
                 u"--out"_s, json, kDemo});
        QVERIFY2(r.code == 0, r.err.constData());
        const QString json2 = tmp_.filePath(u"again.json"_s);
        r = app({u"--from-provenance"_s, json, u"--out"_s, json2});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(json_file(json2)["data"], json_file(json)["data"]);
        QCOMPARE(json_file(json2)["provenance"].toObject()["settings"],
                 json_file(json)["provenance"].toObject()["settings"]);
        QJsonObject edited = json_file(json);
        QJsonObject prov = edited["provenance"].toObject();
        prov["sha256"] = QString(64, u'0');
        edited["provenance"] = prov;
        const QString stale = tmp_.filePath(u"stale.json"_s);
        QFile f(stale);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QJsonDocument(edited).toJson());
        f.close();
        r = app({u"--from-provenance"_s, stale, u"--out"_s, tmp_.filePath(u"stale_again.json"_s)});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.err.contains("warning") && r.err.contains("SHA-256"), r.err.constData());
        QCOMPARE(json_file(tmp_.filePath(u"stale_again.json"_s))["data"], json_file(json)["data"]);
    }

private:
    QTemporaryDir tmp_;
};

QTEST_MAIN(TestReproFigures)
#include "test_repro_figures.moc"
