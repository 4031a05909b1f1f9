#include "plot_style.h"

#include <qcustomplot.h>

#include "colormaps.h"

namespace es::widgets {

PlotStyle plot_style(bool presentation) {
    PlotStyle s;
    if (presentation) {
        s.font_pt = 16.0;
        s.line_width = 3.2;
    }
    return s;
}

void style_plot(QCustomPlot* plot, bool presentation) {
    const PlotStyle s = plot_style(presentation);
    const QColor fg = colors::plot_foreground(), grid = colors::plot_grid();
    plot->setBackground(colors::plot_background());
    QFont font = plot->font();
    font.setPointSizeF(s.font_pt);
    for (QCPAxisRect* rect : plot->axisRects()) {
        for (QCPAxis* axis : rect->axes()) {
            axis->setBasePen(QPen(fg, 1));
            axis->setTickPen(QPen(fg, 1));
            axis->setSubTickPen(QPen(fg, 1));
            axis->setTickLabelColor(fg);
            axis->setLabelColor(fg);
            axis->setTickLabelFont(font);
            QFont label = font;
            label.setPointSizeF(s.font_pt * 1.1);
            axis->setLabelFont(label);
            axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
            axis->grid()->setZeroLinePen(Qt::NoPen);
        }
    }
    if (plot->legend) {
        plot->legend->setFont(font);
        plot->legend->setTextColor(fg);
        QColor bg = colors::plot_background();
        bg.setAlpha(210);
        plot->legend->setBrush(bg);
        plot->legend->setBorderPen(QPen(grid));
    }
}

}  // namespace es::widgets
