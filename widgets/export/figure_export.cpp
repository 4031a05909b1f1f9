// Writing figures and numbers: PNG (text chunks), SVG (<metadata>), PDF (info + XMP), CSV
// ("# key: value" header) and JSON ({"provenance","data"}), each through QSaveFile.
#include "export/figure_export.h"

#include <qcustomplot.h>
#include <QBuffer>
#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QImageWriter>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPageSize>
#include <QPdfWriter>
#include <QSaveFile>

#include "colormaps.h"
#include "export/svg_sink.h"
#include "version.h"
#include "view.h"

namespace es::widgets {

namespace {

QString ints(const QList<int>& v) {
    QStringList parts;
    for (int x : v) parts << QString::number(x);
    return parts.join(QLatin1Char(','));
}

QJsonArray json_ints(const QList<int>& v) {
    QJsonArray a;
    for (int x : v) a.append(x);
    return a;
}

QString title_of(const Provenance& p) {
    return QStringLiteral("Eigenscope %1 of %2").arg(p.view, QFileInfo(p.dump_path).fileName());
}

// One line naming everything, for the places that hold a single string (PDF Creator).
QString summary_of(const Provenance& p) {
    QStringList parts;
    for (const auto& [k, v] : p.fields()) parts << k + QLatin1Char('=') + v;
    return parts.join(QStringLiteral("; "));
}

// QSvgGenerator writes <title> and <desc> only; the provenance goes in a <metadata> block after
// them (an SVG 1.1 element any XML tool can read).
QByteArray with_svg_metadata(QByteArray svg, const Provenance& p) {
    QByteArray meta =
        "<metadata id=\"eigenscope-provenance\">\n<es:provenance "
        "xmlns:es=\"urn:eigenscope:provenance\">\n";
    for (const auto& [k, v] : p.fields())
        meta +=
            "  <es:" + k.toUtf8() + ">" + v.toHtmlEscaped().toUtf8() + "</es:" + k.toUtf8() + ">\n";
    meta += "</es:provenance>\n</metadata>\n";
    int at = svg.indexOf("</desc>");
    if (at >= 0) {
        at += 7;
    } else {
        at = svg.indexOf("<svg");
        at = at >= 0 ? svg.indexOf('>', at) + 1 : 0;
    }
    svg.insert(at, "\n" + meta);
    return svg;
}

QByteArray xmp_of(const Provenance& p) {
    QByteArray x =
        "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n<rdf:RDF "
        "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
        "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
        "xmlns:es=\"urn:eigenscope:provenance\">\n";
    x += "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">" +
         title_of(p).toHtmlEscaped().toUtf8() + "</rdf:li></rdf:Alt></dc:title>\n";
    for (const auto& [k, v] : p.fields())
        x += "<es:" + k.toUtf8() + ">" + v.toHtmlEscaped().toUtf8() + "</es:" + k.toUtf8() + ">\n";
    x += "</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>";
    return x;
}

bool fail(QString* error, const QString& text) {
    if (error) *error = text;
    return false;
}

}  // namespace

std::vector<std::pair<QString, QString>> Provenance::fields() const {
    return {{"dump", dump_path},
            {"sha256", dump_sha256},
            {"view", view},
            {"stream", stream},
            {"layer", QString::number(layer)},
            {"tokens", ints(tokens)},
            {"heads", ints(heads)},
            {"prompt", QString::number(prompt)},
            {"compare", compare_path},
            {"size", size.isValid() ? QStringLiteral("%1x%2").arg(size.width()).arg(size.height())
                                    : QString()},
            {"dpi", dpi > 0 ? QString::number(dpi, 'g', 10) : QString()},
            {"settings", QString::fromUtf8(QJsonDocument(settings).toJson(QJsonDocument::Compact))},
            {"eigenscope_version", version},
            {"created", created}};
}

QJsonObject Provenance::to_json() const {
    return {{"dump", dump_path},
            {"sha256", dump_sha256},
            {"view", view},
            {"stream", stream},
            {"layer", layer},
            {"tokens", json_ints(tokens)},
            {"heads", json_ints(heads)},
            {"prompt", prompt},
            {"compare", compare_path},
            {"size", size.isValid() ? QStringLiteral("%1x%2").arg(size.width()).arg(size.height())
                                    : QString()},
            {"dpi", dpi},
            {"settings", settings},
            {"eigenscope_version", version},
            {"created", created}};
}

QString sha256_of_file(const QString& path, QString* error) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        if (error) *error = QStringLiteral("%1: %2").arg(path, f.errorString());
        return {};
    }
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&f)) {
        if (error) *error = QStringLiteral("%1: cannot read: %2").arg(path, f.errorString());
        return {};
    }
    return QString::fromLatin1(hash.result().toHex());
}

Provenance make_provenance(const View* view, const QString& figure, const QString& dump_path) {
    Provenance p;
    p.dump_path = QFileInfo(dump_path).absoluteFilePath();
    if (!dump_path.isEmpty()) p.dump_sha256 = sha256_of_file(dump_path);
    p.view = figure;
    if (view) {
        p.settings = view->save_settings();
        if (const SelectionModel* m = view->selection_model()) {
            const Selection& s = m->selection();
            p.stream = s.stream;
            p.layer = s.layer;
            p.tokens = s.tokens;
            p.heads = s.heads;
            p.prompt = s.prompt;
        }
    }
    p.version = QStringLiteral(EIGENSCOPE_VERSION);
    p.created = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    return p;
}

std::optional<ExportFormat> format_for_path(const QString& path) {
    const QString ext = QFileInfo(path).suffix().toLower();
    if (ext == QLatin1String("png")) return ExportFormat::Png;
    if (ext == QLatin1String("svg")) return ExportFormat::Svg;
    if (ext == QLatin1String("pdf")) return ExportFormat::Pdf;
    if (ext == QLatin1String("csv")) return ExportFormat::Csv;
    if (ext == QLatin1String("json")) return ExportFormat::Json;
    return std::nullopt;
}

View* view_for_figure(const QList<View*>& views, const QString& figure) {
    for (View* v : views)
        if (v->figures().contains(figure)) return v;
    return nullptr;
}

bool write_atomically(const QString& path, const QByteArray& bytes, QString* error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(error, QStringLiteral("%1: cannot write: %2").arg(path, file.errorString()));
    if (file.write(bytes) != bytes.size()) {
        const QString why = file.errorString();
        file.cancelWriting();
        return fail(error, QStringLiteral("%1: cannot write: %2").arg(path, why));
    }
    return commit_atomically(file, path, error);
}

bool commit_atomically(QSaveFile& file, const QString& path, QString* error) {
    if (!file.flush() || file.error() != QFileDevice::NoError) {
        const QString why = file.errorString();
        file.cancelWriting();
        return fail(error, QStringLiteral("%1: cannot write: %2").arg(path, why));
    }
    if (!file.commit())
        return fail(error, QStringLiteral("%1: cannot write: %2").arg(path, file.errorString()));
    return true;
}

bool export_figure(View* view, const QString& figure, const QString& path,
                   const ExportOptions& options, const Provenance& given, QString* error) {
    Provenance provenance = given;
    if (!provenance.size.isValid()) {
        const auto [px, scale] = resolved_size(options);
        provenance.size = px;
        provenance.dpi = scale * 96;
    }
    const auto format = format_for_path(path);
    if (!format)
        return fail(
            error,
            QStringLiteral("%1: unknown format (use .png, .svg, .pdf, .csv or .json)").arg(path));
    if (view && !view->incomplete().isEmpty())
        return fail(error, QStringLiteral("the %1 view shows a partial result (%2 computed so "
                                          "far); it is exported once complete")
                               .arg(figure, view->incomplete()));
    if (!figure_ready(view, figure))
        return fail(error, QStringLiteral("the %1 view has nothing to export yet").arg(figure));
    if (*format == ExportFormat::Csv || *format == ExportFormat::Json) {
        QJsonObject data;
        QString csv;
        if (!figure_numbers(view, figure, &data, &csv, error)) return false;
        if (*format == ExportFormat::Json) {
            const QJsonObject doc{{"provenance", provenance.to_json()}, {"data", data}};
            return write_atomically(path, QJsonDocument(doc).toJson(QJsonDocument::Indented),
                                    error);
        }
        QByteArray bytes;
        for (const auto& [k, v] : provenance.fields())
            bytes += "# " + k.toUtf8() + ": " + v.toUtf8() + "\n";
        bytes += csv.toUtf8();
        return write_atomically(path, bytes, error);
    }
    if (*format == ExportFormat::Png) {
        QImage image = render_figure_image(view, figure, options, error);
        if (image.isNull()) return false;
        for (const auto& [k, v] : provenance.fields()) image.setText(k, v);
        image.setText(QStringLiteral("Title"), title_of(provenance));
        image.setText(QStringLiteral("Software"),
                      QStringLiteral("Eigenscope ") + provenance.version);
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        QImageWriter writer(&buffer, "png");
        if (!writer.write(image))
            return fail(
                error, QStringLiteral("%1: cannot encode PNG: %2").arg(path, writer.errorString()));
        return write_atomically(path, buffer.data(), error);
    }
    const auto [px, scale] = resolved_size(options);
    const QRectF rect(0, 0, px.width() / scale, px.height() / scale);
    if (*format == ExportFormat::Svg) {
        SvgSink sink(px, title_of(provenance), summary_of(provenance));
        QCPPainter painter;
        if (!sink.start(painter, QTransform()))
            return fail(error, QStringLiteral("cannot start the SVG"));
        if (!options.transparent)
            painter.fillRect(QRect(QPoint(0, 0), px), colors::plot_background());
        painter.scale(scale, scale);
        bool ok = false;
        {
            const SvgSink::Scope scope(&sink);
            ok = render_figure(view, figure, painter, rect,
                               view->figure_kind() != FigureKind::Raster, options.transparent,
                               error);
        }
        sink.finish(painter);
        if (!ok) return false;
        return write_atomically(path, with_svg_metadata(sink.document(), provenance), error);
    }
    // PDF: one page of the figure's size (CSS px at 96 dpi), vector drawing.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(error, QStringLiteral("%1: cannot write: %2").arg(path, file.errorString()));
    bool ok = false;
    {
        QPdfWriter pdf(&file);
        pdf.setResolution(96);
        pdf.setPageSize(QPageSize(QSizeF(px.width() * 0.75, px.height() * 0.75), QPageSize::Point,
                                  QString(), QPageSize::ExactMatch));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        pdf.setTitle(title_of(provenance));
        pdf.setCreator(QStringLiteral("Eigenscope ") + provenance.version + QStringLiteral("; ") +
                       summary_of(provenance));
        pdf.setDocumentXmpMetadata(xmp_of(provenance));
        QCPPainter painter;
        if (painter.begin(&pdf)) {
            if (!options.transparent)
                painter.fillRect(QRect(QPoint(0, 0), px), colors::plot_background());
            painter.scale(scale, scale);
            ok = render_figure(view, figure, painter, rect,
                               view->figure_kind() != FigureKind::Raster, options.transparent,
                               error);
            painter.end();
        } else if (error) {
            *error = QStringLiteral("%1: cannot start the PDF").arg(path);
        }
    }
    if (!ok) {
        file.cancelWriting();
        return false;
    }
    return commit_atomically(file, path, error);
}

}  // namespace es::widgets
