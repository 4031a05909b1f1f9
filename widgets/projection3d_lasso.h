#pragma once
// The outline of a lasso being drawn over the 3-D scene: a widget laid over the VtkGlWidget,
// transparent to the mouse, painting the polygon so far. Projection3dView collects the points
// and selects the tokens inside (Projection3dScene::lasso).
#include <QPointF>
#include <QVector>
#include <QWidget>

namespace es::widgets {

class LassoOverlay : public QWidget {
    Q_OBJECT
public:
    explicit LassoOverlay(QWidget* parent);
    void start(QPointF at);
    void extend(QPointF to);    // ignores moves of under 2 px
    QVector<QPointF> finish();  // the polygon, and the overlay cleared
    bool active() const { return active_; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QVector<QPointF> polygon_;
    bool active_ = false;
};

}  // namespace es::widgets
