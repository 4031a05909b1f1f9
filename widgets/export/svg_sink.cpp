#include "export/svg_sink.h"

#include <qcustomplot.h>
#include <QBuffer>
#include <QSvgGenerator>

namespace es::widgets {

namespace {
SvgSink* current = nullptr;
}

SvgSink::SvgSink(QSize size, QString title, QString description)
    : size_(size), title_(std::move(title)), description_(std::move(description)) {}

SvgSink::~SvgSink() = default;

SvgSink* SvgSink::active() {
    return current;
}

SvgSink::Scope::Scope(SvgSink* sink) : previous(current) {
    current = sink;
}

SvgSink::Scope::~Scope() {
    current = previous;
}

bool SvgSink::start(QCPPainter& painter, const QTransform& transform,
                    const std::optional<QRectF>& clip) {
    buffer_ = std::make_unique<QBuffer>();
    buffer_->open(QIODevice::WriteOnly);
    generator_ = std::make_unique<QSvgGenerator>();
    generator_->setOutputDevice(buffer_.get());
    generator_->setResolution(96);  // CSS px; the same point sizes as PNG and PDF
    generator_->setSize(size_);
    generator_->setViewBox(QRect(QPoint(0, 0), size_));
    generator_->setTitle(title_);
    generator_->setDescription(description_);
    clip_ = clip ? std::optional<QRectF>(transform.mapRect(*clip)) : std::nullopt;
    if (!painter.begin(generator_.get())) return false;
    painter.setTransform(transform);
    return true;
}

void SvgSink::finish(QCPPainter& painter) {
    painter.end();
    generator_.reset();  // flushes the stream
    const QByteArray svg = buffer_->data();
    buffer_.reset();
    // <svg ...> <title/> <desc/> <defs/> <g root-style> BODY </g> </svg>
    const int root = svg.indexOf("<g ", svg.indexOf("</defs>"));
    const int body_start = root >= 0 ? svg.indexOf('>', root) + 1 : -1;
    const int body_end = svg.lastIndexOf("</g>", svg.lastIndexOf("</svg>"));
    if (body_start <= 0 || body_end < body_start) return;
    if (header_.isEmpty()) {
        header_ = svg.left(body_start);
        // clipPath needs full SVG 1.1, not the Tiny profile Qt declares.
        header_.replace("version=\"1.2\" baseProfile=\"tiny\"", "version=\"1.1\"");
    }
    pieces_.push_back({svg.mid(body_start, body_end - body_start), clip_});
}

QByteArray SvgSink::document() const {
    QByteArray out = header_;
    int id = 0;
    for (const Piece& p : pieces_) {
        if (!p.clip) {
            out += p.body;
            continue;
        }
        const QByteArray name = "es-clip-" + QByteArray::number(++id);
        out += "<clipPath id=\"" + name + "\"><rect x=\"" + QByteArray::number(p.clip->x()) +
               "\" y=\"" + QByteArray::number(p.clip->y()) + "\" width=\"" +
               QByteArray::number(p.clip->width()) + "\" height=\"" +
               QByteArray::number(p.clip->height()) + "\"/></clipPath>\n<g clip-path=\"url(#" +
               name + ")\">\n" + p.body + "</g>\n";
    }
    out += "</g>\n</svg>\n";
    return out;
}

}  // namespace es::widgets
