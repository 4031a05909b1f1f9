// The headless paths as a user runs them: `eigenscope --export ...` and `eigenscope-cli report`,
// checked with the tools a reader would use (pdfinfo, pdftoppm, xmllint) and against the CLI's
// own JSON.
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include "app_process.h"

using namespace Qt::StringLiterals;

namespace {

const QString kApp = QStringLiteral(EIGENSCOPE_APP);
const QString kCli = QStringLiteral(EIGENSCOPE_CLI);
const QString kDemo = QStringLiteral(EIGENSCOPE_DEMO);
const QString kFixtures = QStringLiteral(EIGENSCOPE_FIXTURES);

using es::test::headless;
using es::test::run;
using es::test::Run;

// CSV rows without the "# key: value" provenance header, split on commas (no quoted commas in
// these tables).
QList<QStringList> csv_rows(const QString& path, QStringList* header_comments) {
    QFile f(path);
    QList<QStringList> rows;
    if (!f.open(QIODevice::ReadOnly)) return rows;
    for (const QString& line : QString::fromUtf8(f.readAll()).split(u'\n')) {
        if (line.isEmpty()) continue;
        if (line.startsWith(u'#')) {
            if (header_comments) *header_comments << line;
            continue;
        }
        rows << line.split(u',');
    }
    return rows;
}

QJsonObject cli_json(const QStringList& args) {
    const Run r = run(kCli, args);
    if (r.code != 0) qWarning() << r.err;
    return QJsonDocument::fromJson(r.out).object();
}

// For numbers the app and the CLI compute with the same code and no BLAS/LAPACK (trajectory
// statistics: per-token float64 sums in a fixed order; the demo's CKA: Eigen cross-covariance
// products), so that only the printing could differ.
bool same(double a, double b) {
    return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b));
}

bool non_blank(const QImage& image) {
    if (image.isNull()) return false;
    qint64 inked = 0;
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 2)
        for (int x = 0; x < image.width(); x += 2) {
            const QRgb c = image.pixel(x, y);
            inked += qGray(c) < 215;
            colours.insert(c);
        }
    return inked > 200 && colours.size() > 8;
}

}  // namespace

class TestBatchReport : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QVERIFY(tmp_.isValid()); }

    void batch_export_leaves_the_users_settings_alone() {
        // A headless export is not a visit: no recent-files entry, no autosaved session.
        QTemporaryDir home;
        QProcessEnvironment env = headless();
        env.insert(u"XDG_CONFIG_HOME"_s, home.filePath(u"config"_s));
        env.insert(u"XDG_DATA_HOME"_s, home.filePath(u"data"_s));
        env.insert(u"XDG_CACHE_HOME"_s, home.filePath(u"cache"_s));
        const QString out = tmp_.filePath(u"settings_cka.png"_s);
        const Run r = run(kApp, {u"--export"_s, u"cka"_s, u"--out"_s, out, kDemo}, env);
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(QFileInfo(out).size() > 0);
        QDirIterator it(home.path(), QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString f = it.next();
            QVERIFY2(!f.endsWith(u".eigenscope"_s), qPrintable(f));  // no autosaved session
            if (f.endsWith(u".conf"_s)) {
                QFile conf(f);
                QVERIFY(conf.open(QIODevice::ReadOnly));
                QVERIFY2(!conf.readAll().contains("demo.h5"), qPrintable(f));  // no recent file
            }
        }
    }

    // Not named "..._data": Qt Test takes such a slot for a data function and never runs it.
    void csv_numbers_match_the_cli_json() {
        // trajectory: one row per state, columns as in `trajectory --json`.
        const QString traj = tmp_.filePath(u"traj.csv"_s);
        Run r = run(kApp, {u"--export"_s, u"trajectory"_s, u"--out"_s, traj, kDemo}, headless());
        QVERIFY2(r.code == 0, r.err.constData());
        QStringList comments;
        QList<QStringList> rows = csv_rows(traj, &comments);
        QJsonObject j = cli_json({u"trajectory"_s, kDemo, u"--json"_s});
        const QJsonArray names = j["layers"].toArray();
        QCOMPARE(rows.size(), names.size() + 1);
        QCOMPARE(rows[0][2], u"norm_mean"_s);
        const char* stats[] = {"mean", "median", "p10", "p90"};
        const char* groups[] = {"norm", "cos_prev", "cos_first"};
        int compared = 0;
        for (int i = 0; i < names.size(); ++i) {
            QCOMPARE(rows[i + 1][1], names[i].toString());
            for (int g = 0; g < 3; ++g)
                for (int s = 0; s < 4; ++s) {
                    const QJsonValue v =
                        j[QLatin1String(groups[g])].toObject()[QLatin1String(stats[s])][i];
                    const QString cell = rows[i + 1][2 + g * 4 + s];
                    if (v.isNull()) {
                        QVERIFY(cell.isEmpty() || cell == u"nan"_s || cell == u"null"_s);
                        continue;
                    }
                    QVERIFY2(same(cell.toDouble(), v.toDouble()),
                             qPrintable(cell + u" vs "_s + QString::number(v.toDouble(), 'g', 17)));
                    ++compared;
                }
        }
        QVERIFY(compared >= 40);
        QVERIFY(comments.contains(u"# view: trajectory"_s));

        // spectrum: every singular value of every layer. The view asks for values only (LAPACK
        // ?syevd_2stage), the CLI for vectors too (?syevd): both give the covariance eigenvalues
        // s^2 to about n eps s_max^2 (n = 128 here: 3e-14 s_max^2; 2e-15 s_max^2 seen with every
        // OpenBLAS kernel), so s^2 is compared to 1e-12 s_max^2. Relative to s that is 5e-13 for
        // s_max but would not hold for the singular values at round-off level (s ~ 1e-8, the
        // square root of eigenvalue noise), which differ between the drivers.
        const QString spec = tmp_.filePath(u"spec.csv"_s);
        r = run(kApp, {u"--export"_s, u"spectrum"_s, u"--out"_s, spec, kDemo}, headless());
        QVERIFY2(r.code == 0, r.err.constData());
        rows = csv_rows(spec, nullptr);
        j = cli_json({u"spectrum"_s, kDemo, u"--all-layers"_s, u"--json"_s});
        QMap<QPair<int, int>, double> expected;
        QMap<int, double> largest;  // s_max by layer (values come in descending order)
        for (const QJsonValue& l : j["layers"].toArray()) {
            const QJsonArray s = l["singular_values"].toArray();
            for (int i = 0; i < s.size(); ++i) expected[{l["layer"].toInt(), i}] = s[i].toDouble();
            largest[l["layer"].toInt()] = s.isEmpty() ? 0.0 : s[0].toDouble();
        }
        QCOMPARE(rows.size() - 1, expected.size());
        for (int i = 1; i < rows.size(); ++i) {
            const auto key = qMakePair(rows[i][0].toInt(), rows[i][3].toInt());
            QVERIFY(expected.contains(key));
            const double a = rows[i][4].toDouble(), b = expected[key], top = largest[key.first];
            QVERIFY2(std::abs(a * a - b * b) <= 1e-12 * top * top,
                     qPrintable(rows[i][4] + u" vs "_s + QString::number(b, 'g', 17)));
        }

        // cka: the matrix.
        const QString cka = tmp_.filePath(u"cka.csv"_s);
        r = run(kApp, {u"--export"_s, u"cka"_s, u"--out"_s, cka, kDemo}, headless());
        QVERIFY2(r.code == 0, r.err.constData());
        rows = csv_rows(cka, nullptr);
        j = cli_json({u"cka"_s, kDemo, u"--json"_s});
        const QJsonArray m = j["matrix"].toArray();
        QCOMPARE(rows.size(), m.size() + 1);
        for (int a = 0; a < m.size(); ++a)
            for (int b = 0; b < m.size(); ++b)
                QVERIFY(same(rows[a + 1][b + 1].toDouble(), m[a][b].toDouble()));
    }

    void png_export_has_the_requested_size_and_selection() {
        const QString png = tmp_.filePath(u"heads.png"_s);
        const Run r = run(kApp,
                          {u"--export"_s, u"heads"_s, u"--layer"_s, u"2"_s, u"--head"_s, u"1"_s,
                           u"--size"_s, u"900x700"_s, u"--out"_s, png, kDemo},
                          headless());
        QVERIFY2(r.code == 0, r.err.constData());
        const QImage image(png);
        QCOMPARE(image.size(), QSize(900, 700));
        QCOMPARE(image.text(u"view"_s), u"heads"_s);
        QCOMPARE(image.text(u"layer"_s), u"2"_s);
        QVERIFY(non_blank(image));
    }

    void spectrogram_svg_parses() {
        const QString svg = tmp_.filePath(u"spectrogram.svg"_s);
        const Run r =
            run(kApp, {u"--export"_s, u"spectrogram"_s, u"--out"_s, svg, kDemo}, headless());
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(run(u"xmllint"_s, {u"--noout"_s, svg}).code, 0);
        const Run png = run(u"rsvg-convert"_s, {svg, u"-o"_s, tmp_.filePath(u"sg.png"_s)});
        QCOMPARE(png.code, 0);
        QVERIFY(non_blank(QImage(tmp_.filePath(u"sg.png"_s))));
    }

    void usage_errors_exit_2() {
        const QString out = tmp_.filePath(u"x.png"_s);
        Run r = run(kApp, {u"--export"_s, u"nosuchview"_s, u"--out"_s, out, kDemo}, headless());
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("unknown view"));
        r = run(kApp, {u"--export"_s, u"cka"_s, u"--out"_s, tmp_.filePath(u"x.bmp"_s), kDemo},
                headless());
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("unknown format"));
        r = run(kApp, {u"--export"_s, u"cka"_s, u"--out"_s, out, tmp_.filePath(u"missing.h5"_s)},
                headless());
        QCOMPARE(r.code, 2);
        r = run(kApp, {u"--export"_s, u"cka"_s, u"--layer"_s, u"99"_s, u"--out"_s, out, kDemo},
                headless());
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("--layer 99"));
        r = run(kApp, {u"--export"_s, u"cka"_s, u"--size"_s, u"big"_s, u"--out"_s, out, kDemo},
                headless());
        QCOMPARE(r.code, 2);
        QVERIFY(!QFileInfo::exists(out));
    }

    void slides_one_per_state_of_the_residual_stream() {
        // The demo's residual stream has 5 states: 5 slides named by the state in words, at the
        // default 1280x720, each different from the one before, each with its state in the PNG's
        // provenance.
        const QString dir = tmp_.filePath(u"slides"_s);
        Run r = run(kApp, {u"--export"_s, u"presentation"_s, u"--out"_s, dir, kDemo}, headless());
        QVERIFY2(r.code == 0, r.err.constData());
        const QStringList names = QDir(dir).entryList(QDir::Files, QDir::Name);
        QCOMPARE(names, QStringList({u"00-embedding.png"_s, u"01-block-0-output.png"_s,
                                     u"02-block-1-output.png"_s, u"03-block-2-output.png"_s,
                                     u"04-block-3-output.png"_s}));
        QImage previous;
        for (int i = 0; i < names.size(); ++i) {
            const QImage slide(QDir(dir).filePath(names[i]));
            QCOMPARE(slide.size(), QSize(1280, 720));
            QVERIFY(non_blank(slide));
            QCOMPARE(slide.text(u"layer"_s), QString::number(i));
            QCOMPARE(slide.text(u"view"_s), u"trajectory"_s);
            if (!previous.isNull()) {
                qint64 differing = 0;
                for (int y = 0; y < slide.height(); ++y)
                    for (int x = 0; x < slide.width(); ++x)
                        differing += slide.pixel(x, y) != previous.pixel(x, y);
                QVERIFY2(differing > 2000,
                         qPrintable(names[i] + u": "_s + QString::number(differing)));
            }
            previous = slide;
        }
        // Another size and another view.
        const QString big = tmp_.filePath(u"slides_spectrum"_s);
        r = run(kApp,
                {u"--export"_s, u"presentation"_s, u"--view"_s, u"spectrum"_s, u"--size"_s,
                 u"1920x1080"_s, u"--out"_s, big, kDemo},
                headless());
        QVERIFY2(r.code == 0, r.err.constData());
        const QStringList spectrum = QDir(big).entryList(QDir::Files, QDir::Name);
        QCOMPARE(spectrum.size(), 5);
        const QImage first(QDir(big).filePath(spectrum.first()));
        QCOMPARE(first.size(), QSize(1920, 1080));
        QCOMPARE(first.text(u"view"_s), u"spectrum"_s);
        // Usage errors: exit 2, nothing written.
        const QString none = tmp_.filePath(u"no_slides"_s);
        for (const QStringList& args :
             {QStringList{u"--view"_s, u"nosuchview"_s},
              QStringList{u"--view"_s, u"projection3d"_s}, QStringList{u"--size"_s, u"10x10"_s}}) {
            r = run(kApp,
                    QStringList{u"--export"_s, u"presentation"_s, u"--out"_s, none} + args +
                        QStringList{kDemo},
                    headless());
            QVERIFY2(r.code == 2, qPrintable(args.join(u' ')));
            QVERIFY(!QFileInfo::exists(none));
        }
    }

    void unwritable_output_fails_with_no_file() {
        const QString plain = tmp_.filePath(u"plain"_s);
        QFile f(plain);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        const QString out = plain + u"/cka.pdf"_s;
        const Run r = run(kApp, {u"--export"_s, u"cka"_s, u"--out"_s, out, kDemo}, headless());
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("cannot write"), r.err.constData());
        QVERIFY(!QFileInfo::exists(out));
        const Run rep = run(kCli, {u"report"_s, kDemo, u"--out"_s, plain + u"/r.pdf"_s});
        QCOMPARE(rep.code, 1);
        QVERIFY(rep.err.contains("cannot write"));
    }

    void projection3d_without_a_display_says_so() {
        const Run r = run(
            kApp, {u"--export"_s, u"projection3d"_s, u"--out"_s, tmp_.filePath(u"p3.png"_s), kDemo},
            headless());
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("X server") && r.err.contains("xvfb-run"), r.err.constData());
        QVERIFY(!QFileInfo::exists(tmp_.filePath(u"p3.png"_s)));
    }

    void projection3d_under_xvfb_renders() {
        const QString png = tmp_.filePath(u"p3d.png"_s);
        const QString pdf = tmp_.filePath(u"p3d.pdf"_s);
        const QString svg = tmp_.filePath(u"p3d.svg"_s);
        QProcessEnvironment env = headless();
        // Sanitizer builds: the app (not Xvfb) gets the GL preload (tests/export/CMakeLists.txt).
        QStringList app = {kApp};
        if (const QString preload = env.value(u"EIGENSCOPE_GL_PRELOAD"_s); !preload.isEmpty())
            app = QStringList{u"env"_s, u"LD_PRELOAD="_s + preload, kApp};
        for (const QString& out : {png, pdf, svg}) {
            const Run r = run(u"xvfb-run"_s,
                              QStringList{u"-a"_s, u"-s"_s, u"-screen 0 1920x1080x24"_s} + app +
                                  QStringList{u"--export"_s, u"projection3d"_s, u"--size"_s,
                                              u"640x480"_s, u"--out"_s, out, kDemo},
                              env);
            QVERIFY2(r.code == 0, r.err.constData());
        }
        const QImage image(png);
        QCOMPARE(image.size(), QSize(640, 480));
        QVERIFY(non_blank(image));
        // The PDF embeds the raster at twice the page's resolution.
        const Run images = run(u"pdfimages"_s, {u"-list"_s, pdf});
        QCOMPARE(images.code, 0);
        QVERIFY2(images.out.contains("1280   960"), images.out.constData());
        // The SVG embeds it as one base64 PNG <image>.
        QFile f(svg);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray text = f.readAll();
        QCOMPARE(text.count("<image"), 1);
        QVERIFY(text.contains("data:image/png;base64,"));
        QCOMPARE(run(u"xmllint"_s, {u"--noout"_s, svg}).code, 0);
    }

    void report_has_the_expected_pages_none_blank() {
        const QString pdf = tmp_.filePath(u"report.pdf"_s);
        const Run r = run(kCli, {u"report"_s, kDemo, u"--out"_s, pdf}, headless());
        QVERIFY2(r.code == 0, r.err.constData());
        const Run info = run(u"pdfinfo"_s, {pdf});
        QCOMPARE(info.code, 0);
        // summary, trajectory, spectra, heads (4 layers on one page), CKA, weight alphas
        const QString text_info = QString::fromUtf8(info.out);
        QVERIFY2(text_info.contains(QRegularExpression(u"Pages:\\s+6\\n"_s)), info.out.constData());
        QVERIFY(
            text_info.contains(QRegularExpression(u"Title:\\s+Eigenscope report: demo.h5\\n"_s)));
        const Run sum = run(u"sha256sum"_s, {kDemo});
        QVERIFY(info.out.contains(sum.out.left(64)));
        QCOMPARE(
            run(u"pdftoppm"_s, {u"-png"_s, u"-r"_s, u"40"_s, pdf, tmp_.filePath(u"page"_s)}).code,
            0);
        for (int page = 1; page <= 6; ++page) {
            const QString png = tmp_.filePath(u"page-%1.png"_s.arg(page));
            QVERIFY2(non_blank(QImage(png)), qPrintable(png));
        }
        // Every page says what it shows: its caption is in the text layer.
        const Run text = run(u"pdftotext"_s, {pdf, u"-"_s});
        QCOMPARE(text.code, 0);
        for (const char* caption :
             {"Summary", "Trajectory", "Spectra across layers", "Head similarity",
              "CKA between layers", "power-law alphas", "Norm growth", "Most redundant head pairs"})
            QVERIFY2(text.out.contains(caption), caption);
        QCOMPARE(text.out.count("page "), 6);
    }

    void report_without_weights_has_no_alpha_page() {
        const QString pdf = tmp_.filePath(u"report-noweights.pdf"_s);
        const QString dump = kFixtures + u"/good/hf_batched.h5"_s;
        const Run r = run(kCli, {u"report"_s, dump, u"--out"_s, pdf}, headless());
        QVERIFY2(r.code == 0, r.err.constData());
        const Run text = run(u"pdftotext"_s, {pdf, u"-"_s});
        QVERIFY(!text.out.contains("power-law alphas"));
        QVERIFY(text.out.contains("Trajectory"));
    }

private:
    QTemporaryDir tmp_;
};

QTEST_MAIN(TestBatchReport)
#include "test_batch_report.moc"
