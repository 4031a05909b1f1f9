#include "presentation_readout.h"

#include <QPainter>
#include <cmath>

#include "colormaps.h"

namespace es::widgets {

namespace {

QString number(double v) {
    // Three significant digits read well from afar; large norms keep their integer part.
    const double a = std::abs(v);
    return QString::number(v, 'f', a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3);
}

// The largest point size (at most `largest`) at which `text` fits `width` pixels.
QFont fitted(QFont font, const QString& text, double width, double largest) {
    font.setPointSizeF(largest);
    const double w = QFontMetricsF(font).horizontalAdvance(text);
    if (w > width && w > 0) font.setPointSizeF(std::max(6.0, largest * width / w));
    return font;
}

}  // namespace

ReadoutText readout_text(const std::optional<analysis::TrajectoryStep>& step,
                         const QString& message) {
    ReadoutText t;
    if (!step) {
        t.message = message;
        return t;
    }
    const auto& s = *step;
    t.heading = QObject::tr("STATE %1 / %2").arg(s.state).arg(s.count > 0 ? s.count - 1 : 0);
    t.title = QString::fromStdString(s.words);
    if (s.words != s.name) t.subtitle = QString::fromStdString(s.name);
    const QString dash = QStringLiteral("–");
    t.rows.push_back(
        {QObject::tr("mean ‖h‖"), s.mean_norm ? number(*s.mean_norm) : dash,
         s.growth_from_prev
             ? QObject::tr("×%1 from the previous state").arg(*s.growth_from_prev, 0, 'f', 2)
             : QObject::tr("the first state")});
    t.rows.push_back({QObject::tr("mean cos to the previous state"),
                      s.cos_prev ? QString::number(*s.cos_prev, 'f', 3) : dash,
                      s.cos_first
                          ? QObject::tr("cos to the first state %1").arg(*s.cos_first, 0, 'f', 3)
                          : QString()});
    return t;
}

ReadoutPanel::ReadoutPanel(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("presentationReadout"));
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Expanding);
}

void ReadoutPanel::set_text(const ReadoutText& text) {
    text_ = text;
    update();
}

void ReadoutPanel::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    const QColor fg = colors::plot_foreground();
    QColor muted = fg;
    muted.setAlphaF(0.6);
    // Sizes follow the panel: the same proportions at 1280x720 and 1920x1080. Point sizes are
    // derived from pixels through the device's DPI so that the layout does not depend on it.
    const double px_per_pt = logicalDpiY() / 72.0;
    const double unit = std::min(height() / 24.0, width() / 11.0) / px_per_pt;
    const double margin = width() * 0.06;
    const double w = width() - 2 * margin;
    double y = height() * 0.04;
    auto line = [&](const QString& text, double pt, const QColor& color, bool bold) {
        if (text.isEmpty()) return;
        QFont f = font();
        f.setBold(bold);
        f = fitted(f, text, w, pt);
        p.setFont(f);
        p.setPen(color);
        const QFontMetricsF m(f);
        p.drawText(QPointF(margin, y + m.ascent()), text);
        y += m.height() * 1.1;
    };
    if (!text_.message.isEmpty() && text_.rows.isEmpty()) {
        line(text_.message, unit * 1.1, muted, false);
        return;
    }
    line(text_.heading, unit * 0.8, muted, true);
    line(text_.title, unit * 1.9, fg, true);
    line(text_.subtitle, unit * 0.75, muted, false);
    for (int i = 0; i < text_.rows.size(); ++i) {
        y += unit * px_per_pt * 0.9;
        const ReadoutText::Row& r = text_.rows[i];
        line(r.label, unit * 0.95, muted, false);
        line(r.value, unit * 3.0, colors::categorical(i), true);
        line(r.note, unit * 1.0, fg, false);
    }
}

}  // namespace es::widgets
