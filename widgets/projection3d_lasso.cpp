#include "projection3d_lasso.h"

#include <QLineF>
#include <QPainter>
#include <QPen>

namespace es::widgets {

LassoOverlay::LassoOverlay(QWidget* parent) : QWidget(parent) {
    setAttribute(Qt::WA_TransparentForMouseEvents);
    setAttribute(Qt::WA_NoSystemBackground);
    hide();
}

void LassoOverlay::start(QPointF at) {
    polygon_ = {at};
    active_ = true;
    setGeometry(parentWidget()->rect());
    show();
    raise();
    update();
}

void LassoOverlay::extend(QPointF to) {
    if (!active_ || QLineF(polygon_.back(), to).length() < 2.0) return;
    polygon_.push_back(to);
    update();
}

QVector<QPointF> LassoOverlay::finish() {
    active_ = false;
    hide();
    return std::exchange(polygon_, {});
}

void LassoOverlay::paintEvent(QPaintEvent*) {
    if (polygon_.size() < 2) return;
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    // Dashed, in two colours, so that it shows on light and dark scenes alike.
    p.setPen(QPen(QColor(255, 255, 255, 220), 3));
    p.drawPolygon(polygon_.data(), static_cast<int>(polygon_.size()));
    QPen dash(QColor(230, 60, 30), 1.5, Qt::DashLine);
    p.setPen(dash);
    p.setBrush(QColor(230, 60, 30, 30));
    p.drawPolygon(polygon_.data(), static_cast<int>(polygon_.size()));
}

}  // namespace es::widgets
