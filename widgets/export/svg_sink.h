#pragma once
// SVG with clipping. Qt 6.4's QSvgGenerator ignores the painter's clip, so plot content outside
// an axis rect (a log-scale curve below the axis, NaN points) would spill over the figure. The
// sink renders each clipped piece into its own generator and joins the pieces into one document,
// each wrapped in a <clipPath>. Only the SVG export uses it; PDF clips by itself.
#include <QByteArray>
#include <QRectF>
#include <QSize>
#include <QString>
#include <QTransform>
#include <memory>
#include <optional>
#include <vector>

class QBuffer;
class QCPPainter;
class QSvgGenerator;

namespace es::widgets {

class SvgSink {
public:
    SvgSink(QSize size, QString title, QString description);
    ~SvgSink();
    SvgSink(const SvgSink&) = delete;
    SvgSink& operator=(const SvgSink&) = delete;

    // Begins painter on a new piece with this transform; clip in the piece's local coordinates.
    bool start(QCPPainter& painter, const QTransform& transform,
               const std::optional<QRectF>& clip = std::nullopt);
    // Ends painter and keeps the piece.
    void finish(QCPPainter& painter);
    // The joined document (call after the last finish()).
    QByteArray document() const;

    // The sink the current SVG export draws into, or nullptr (figure_render asks).
    static SvgSink* active();
    struct Scope {  // makes a sink active for its lifetime
        explicit Scope(SvgSink* sink);
        ~Scope();
        SvgSink* previous;
    };

private:
    struct Piece {
        QByteArray body;
        std::optional<QRectF> clip;  // in document coordinates
    };
    QSize size_;
    QString title_, description_;
    QByteArray header_;
    std::vector<Piece> pieces_;
    std::unique_ptr<QBuffer> buffer_;
    std::unique_ptr<QSvgGenerator> generator_;
    std::optional<QRectF> clip_;
};

}  // namespace es::widgets
