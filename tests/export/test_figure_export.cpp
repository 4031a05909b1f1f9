// Figure exports in-process: views fed real analyses of the demo dump, exported to SVG, PNG and
// PDF; checks that the files parse, hold the expected elements and sizes, carry provenance, and
// that failed writes leave nothing behind.
#include <qcustomplot.h>
#include <unistd.h>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QImageReader>
#include <QProcess>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>

#include "analysis/cka.h"
#include "analysis/equaliser.h"
#include "analysis/trajectory.h"
#include "cka_view.h"
#include "equaliser_view.h"
#include "export/figure_export.h"
#include "full_disk.h"
#include "trajectory_view.h"
#include "version.h"

using namespace es;
using namespace es::widgets;

namespace {

const QString kDemo = QStringLiteral(EIGENSCOPE_DEMO);

QString independent_sha256(const QString& path) {
    QProcess p;
    p.start(QStringLiteral("sha256sum"), {path});
    p.waitForFinished(60000);
    return QString::fromLatin1(p.readAllStandardOutput()).section(QLatin1Char(' '), 0, 0);
}

struct Svg {
    bool ok = false;
    QString error;
    QMap<QString, int> counts;          // element name -> count
    QMap<QString, QString> provenance;  // es:* element -> text
    int long_polylines = 0;
};

Svg parse_svg(const QString& path) {
    Svg out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return out;
    QXmlStreamReader xml(&f);
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement) continue;
        out.counts[xml.name().toString()]++;
        // Axis lines, ticks and legend icons are two-point polylines; data lines have more.
        if (xml.name() == QLatin1String("polyline") &&
            xml.attributes().value(QLatin1String("points")).trimmed().split(u' ').size() > 2)
            out.long_polylines++;
        if (xml.namespaceUri() == QLatin1String("urn:eigenscope:provenance") &&
            xml.name() != QLatin1String("provenance"))
            out.provenance[xml.name().toString()] = xml.readElementText();
    }
    out.ok = !xml.hasError();
    out.error = xml.errorString();
    return out;
}

int run(const QString& program, const QStringList& args, QByteArray* out = nullptr) {
    QProcess p;
    p.start(program, args);
    if (!p.waitForFinished(120000)) return -1;
    if (out) *out = p.readAllStandardOutput();
    return p.exitCode();
}

}  // namespace

class TestFigureExport : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        dump_ = Dump::open(kDemo.toStdString());
        QVERIFY(tmp_.isValid());
        cka_.set_result(analysis::cka(*dump_, {}, no_progress()));
        analysis::EqualiserOptions eo;
        eo.layer = 2;
        eq_.set_result(analysis::equaliser(*dump_, eo, no_progress()));
        QStringList texts;
        for (const auto& t : dump_->tokens()) texts << QString::fromStdString(t.text);
        traj_.set_result(analysis::trajectory(*dump_, {}, no_progress()), texts, false);
        traj_.set_token_lines(false);
        selection_.set_layer_count(5);
        selection_.set_layer(3);
        selection_.set_tokens({2, 7});
        cka_.follow(&selection_);
    }

    void svg_heatmap_has_one_polygon_per_cell() {
        const QString path = tmp_.filePath(QStringLiteral("cka.svg"));
        QString error;
        const Provenance prov = make_provenance(&cka_, QStringLiteral("cka"), kDemo);
        QVERIFY2(export_figure(&cka_, QStringLiteral("cka"), path, {}, prov, &error),
                 qPrintable(error));
        QCOMPARE(run(QStringLiteral("xmllint"), {QStringLiteral("--noout"), path}), 0);
        const Svg svg = parse_svg(path);
        QVERIFY2(svg.ok, qPrintable(svg.error));
        const auto& m = cka_.result()->matrix;
        const int cells = static_cast<int>(m.size() * m.front().size());
        QVERIFY(cells >= 16);
        // Vector export: each cell one filled path (Qt writes polygons as <path>), and the only
        // bitmap is the colour bar's gradient.
        QCOMPARE(svg.counts.value(QStringLiteral("path")), cells);
        QCOMPARE(svg.counts.value(QStringLiteral("image")), 1);
        QCOMPARE(svg.counts.value(QStringLiteral("metadata")), 1);
    }

    void svg_bars_match_the_view() {
        // Without the peak-hold markers (scatter paths) every path is one bar.
        eq_.set_peak_hold(false);
        const QString path = tmp_.filePath(QStringLiteral("equaliser.svg"));
        QString error;
        QVERIFY2(export_figure(&eq_, QStringLiteral("equaliser"), path, {},
                               make_provenance(&eq_, QStringLiteral("equaliser"), kDemo), &error),
                 qPrintable(error));
        const Svg svg = parse_svg(path);
        QVERIFY2(svg.ok, qPrintable(svg.error));
        QCOMPARE(eq_.bar_count(), 32);
        QCOMPARE(svg.counts.value(QStringLiteral("path")), eq_.bar_count());
    }

    void svg_trajectory_has_a_path_per_line() {
        const QString path = tmp_.filePath(QStringLiteral("trajectory.svg"));
        QString error;
        QVERIFY2(
            export_figure(&traj_, QStringLiteral("trajectory"), path, {},
                          make_provenance(&traj_, QStringLiteral("trajectory"), kDemo), &error),
            qPrintable(error));
        const Svg svg = parse_svg(path);
        QVERIFY2(svg.ok, qPrintable(svg.error));
        // Every run of 3+ finite points of every drawn graph is one polyline (band edges too;
        // a null cosine breaks a line); no raster at all.
        int runs = 0;
        for (int i = 0; i < traj_.plot()->graphCount(); ++i) {
            const QCPGraph* g = traj_.plot()->graph(i);
            if (!g->visible() || g->pen().style() == Qt::NoPen) continue;
            int run = 0;
            for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
                if (std::isfinite(it->value)) {
                    ++run;
                    continue;
                }
                runs += run >= 3;
                run = 0;
            }
            runs += run >= 3;
        }
        QVERIFY(runs >= 4);
        QCOMPARE(svg.long_polylines, runs);
        QCOMPARE(svg.counts.value(QStringLiteral("image")), 0);
        // Plot content is clipped to its axis rect (QSvgGenerator alone would not clip).
        QVERIFY(svg.counts.value(QStringLiteral("clipPath")) >= runs);
    }

    void svg_provenance_is_correct() {
        const Svg svg = parse_svg(tmp_.filePath(QStringLiteral("cka.svg")));
        QCOMPARE(svg.provenance.value(QStringLiteral("dump")), QFileInfo(kDemo).absoluteFilePath());
        QCOMPARE(svg.provenance.value(QStringLiteral("sha256")), independent_sha256(kDemo));
        QCOMPARE(svg.provenance.value(QStringLiteral("view")), QStringLiteral("cka"));
        QCOMPARE(svg.provenance.value(QStringLiteral("layer")), QStringLiteral("3"));
        QCOMPARE(svg.provenance.value(QStringLiteral("tokens")), QStringLiteral("2,7"));
        QCOMPARE(svg.provenance.value(QStringLiteral("eigenscope_version")),
                 QStringLiteral(EIGENSCOPE_VERSION));
    }

    void png_has_exactly_the_requested_size_and_text_chunks() {
        const QString path = tmp_.filePath(QStringLiteral("cka.png"));
        ExportOptions o;
        o.size = QSize(1234, 567);
        QString error;
        QVERIFY2(export_figure(&cka_, QStringLiteral("cka"), path, o,
                               make_provenance(&cka_, QStringLiteral("cka"), kDemo), &error),
                 qPrintable(error));
        QImageReader reader(path);
        QCOMPARE(reader.format(), QByteArray("png"));
        const QImage image = reader.read();
        QCOMPARE(image.size(), QSize(1234, 567));
        QCOMPARE(image.text(QStringLiteral("sha256")), independent_sha256(kDemo));
        QCOMPARE(image.text(QStringLiteral("view")), QStringLiteral("cka"));
        QCOMPARE(image.text(QStringLiteral("layer")), QStringLiteral("3"));
        QCOMPARE(image.text(QStringLiteral("eigenscope_version")),
                 QStringLiteral(EIGENSCOPE_VERSION));
        QVERIFY(image.text(QStringLiteral("settings")).startsWith(QLatin1Char('{')));
        // Drawn, not blank: many distinct colours (the heatmap).
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 7)
            for (int x = 0; x < image.width(); x += 7) colours.insert(image.pixel(x, y));
        QVERIFY(colours.size() > 20);
    }

    void png_dpi_scales_the_default_size() {
        const QString path = tmp_.filePath(QStringLiteral("traj-192.png"));
        ExportOptions o;
        o.dpi = 192;
        o.transparent = true;
        QString error;
        QVERIFY2(
            export_figure(&traj_, QStringLiteral("trajectory"), path, o,
                          make_provenance(&traj_, QStringLiteral("trajectory"), kDemo), &error),
            qPrintable(error));
        const QImage image(path);
        QCOMPARE(image.size(), QSize(1600, 1200));
        QVERIFY(image.hasAlphaChannel());
        QCOMPARE(qAlpha(image.pixel(1, 1)), 0);  // transparent background
        QCOMPARE(qRound(image.dotsPerMeterX() * 0.0254), 192);
    }

    void pdf_is_one_vector_page_with_provenance() {
        const QString path = tmp_.filePath(QStringLiteral("cka.pdf"));
        QString error;
        QVERIFY2(export_figure(&cka_, QStringLiteral("cka"), path, {},
                               make_provenance(&cka_, QStringLiteral("cka"), kDemo), &error),
                 qPrintable(error));
        QByteArray info;
        QCOMPARE(run(QStringLiteral("pdfinfo"), {path}, &info), 0);
        QVERIFY2(QString::fromLatin1(info).contains(
                     QRegularExpression(QStringLiteral("Pages:\\s+1\\n"))),
                 info.constData());
        QVERIFY2(info.contains(independent_sha256(kDemo).toLatin1()), info.constData());
        QVERIFY(QString::fromLatin1(info).contains(
            QRegularExpression(QStringLiteral("Title:\\s+Eigenscope cka of demo.h5\\n"))));
        QByteArray meta;
        QCOMPARE(run(QStringLiteral("pdfinfo"), {QStringLiteral("-meta"), path}, &meta), 0);
        QVERIFY2(meta.contains("<es:view>cka</es:view>"), meta.constData());
        QVERIFY(meta.contains("<es:layer>3</es:layer>"));
        QCOMPARE(run(QStringLiteral("pdftoppm"),
                     {QStringLiteral("-png"), QStringLiteral("-r"), QStringLiteral("48"), path,
                      tmp_.filePath(QStringLiteral("cka-page"))}),
                 0);
        const QImage page(tmp_.filePath(QStringLiteral("cka-page-1.png")));
        QVERIFY(!page.isNull());
        int inked = 0;
        for (int y = 0; y < page.height(); ++y)
            for (int x = 0; x < page.width(); ++x) inked += qGray(page.pixel(x, y)) < 200;
        QVERIFY(inked > page.width() * page.height() / 10);
    }

    void csv_and_json_carry_provenance() {
        const QString csv = tmp_.filePath(QStringLiteral("cka.csv"));
        const QString json = tmp_.filePath(QStringLiteral("cka.json"));
        const Provenance prov = make_provenance(&cka_, QStringLiteral("cka"), kDemo);
        QString error;
        QVERIFY2(export_figure(&cka_, QStringLiteral("cka"), csv, {}, prov, &error),
                 qPrintable(error));
        QVERIFY2(export_figure(&cka_, QStringLiteral("cka"), json, {}, prov, &error),
                 qPrintable(error));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'));
        QVERIFY(lines.contains(QStringLiteral("# sha256: ") + independent_sha256(kDemo)));
        QVERIFY(lines.contains(QStringLiteral("# view: cka")));
        QVERIFY(lines.contains(QStringLiteral("# eigenscope_version: ") +
                               QStringLiteral(EIGENSCOPE_VERSION)));
        QFile j(json);
        QVERIFY(j.open(QIODevice::ReadOnly));
        const QJsonObject doc = QJsonDocument::fromJson(j.readAll()).object();
        QCOMPARE(doc["provenance"].toObject()["sha256"].toString(), independent_sha256(kDemo));
        QCOMPARE(doc["data"].toObject()["matrix"].toArray().size(),
                 static_cast<int>(cka_.result()->matrix.size()));
    }

    void unwritable_destinations_fail_cleanly() {
        const Provenance prov = make_provenance(&cka_, QStringLiteral("cka"), kDemo);
        // Under a regular file: no directory can be made there, not even by root.
        const QString plain = tmp_.filePath(QStringLiteral("plain.txt"));
        {
            QFile f(plain);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("x");
        }
        QStringList bad = {plain + QStringLiteral("/cka.png"), plain + QStringLiteral("/cka.svg"),
                           plain + QStringLiteral("/cka.pdf"), plain + QStringLiteral("/cka.csv"),
                           QStringLiteral("/proc/eigenscope-export-test.json")};
        // A read-only directory refuses non-root users; root writes anyway, so it is only one
        // more case for them, never instead of the cases above.
        QTemporaryDir ro;
        if (geteuid() != 0) {
            QVERIFY(QFile::setPermissions(ro.path(), QFile::ReadOwner | QFile::ExeOwner));
            bad << ro.filePath(QStringLiteral("cka.pdf"));
        }
        for (const QString& path : bad) {
            QString error;
            QVERIFY2(!export_figure(&cka_, QStringLiteral("cka"), path, {}, prov, &error),
                     qPrintable(path));
            QVERIFY2(error.contains(QStringLiteral("cannot write")), qPrintable(error));
            QVERIFY(!QFileInfo::exists(path));
        }
        QFile::setPermissions(ro.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QCOMPARE(QDir(ro.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries).size(), 0);
        // Nothing half-written next to the plain file either.
        QCOMPARE(
            QDir(tmp_.path()).entryList({QStringLiteral("*.tmp"), QStringLiteral("*~")}).size(), 0);
        // A view without a result fails before touching the destination.
        CkaView empty;
        QString error;
        const QString none = tmp_.filePath(QStringLiteral("none.png"));
        QVERIFY(!export_figure(&empty, QStringLiteral("cka"), none, {}, prov, &error));
        QVERIFY(!QFileInfo::exists(none));
    }

    void full_disk_fails_cleanly() {
        es::test::FullDisk disk(tmp_.filePath(QStringLiteral("full")));
        const Provenance prov = make_provenance(&cka_, QStringLiteral("cka"), kDemo);
        for (const char* name : {"cka.png", "cka.svg", "cka.pdf", "cka.csv", "cka.json"}) {
            const QString path = tmp_.filePath(QStringLiteral("full/") + QLatin1String(name));
            QString error;
            disk.fill();
            const bool ok = export_figure(&cka_, QStringLiteral("cka"), path, {}, prov, &error);
            disk.release();
            QVERIFY2(!ok, name);
            QVERIFY2(error.contains(QStringLiteral("cannot write")), qPrintable(error));
            QVERIFY(!QFileInfo::exists(path));
            QCOMPARE(disk.leftovers(), QStringList());  // no temporary file left either
        }
    }

private:
    std::shared_ptr<Dump> dump_;
    QTemporaryDir tmp_;
    SelectionModel selection_;
    CkaView cka_;
    EqualiserView eq_;
    TrajectoryView traj_;
};

QTEST_MAIN(TestFigureExport)
#include "test_figure_export.moc"
