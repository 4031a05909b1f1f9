#include "lens_view.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "colormaps.h"
#include "plot_style.h"
#include "util/token_text.h"

namespace es::widgets {

LensView::LensView(QWidget* parent)
    : ResultViewOf(QStringLiteral("lens"), tr("Logit lens"), parent) {
    auto* label = new QLabel(tr("top"), this);
    top_k_ = new QSpinBox(this);
    top_k_->setObjectName(QStringLiteral("topK"));
    top_k_->setRange(1, 50);
    top_k_->setValue(8);
    top_k_->setToolTip(tr("How many of the most probable next tokens to list per layer."));
    add_controls({label, top_k_});
    bind_setting(QStringLiteral("top_k"), top_k_,
                 QStringLiteral("how many of the most probable next tokens to list per layer"));
    table_ = new QTableWidget(this);
    table_->setObjectName(QStringLiteral("lensTable"));
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionMode(QAbstractItemView::NoSelection);
    table_->setFocusPolicy(Qt::NoFocus);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    table_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->setMouseTracking(true);
    column()->addWidget(table_, 1);
    connect(table_, &QTableWidget::cellClicked, this, [this](int row, int) {
        if (result_ && selection_model() && row >= 0 &&
            row < static_cast<int>(result_->layers.size()))
            selection_model()->set_layer(
                static_cast<int>(result_->layers[static_cast<std::size_t>(row)].state));
    });
    connect(table_->verticalHeader(), &QHeaderView::sectionClicked, this,
            [this](int row) { emit table_->cellClicked(row, 0); });
    connect(top_k_, qOverload<int>(&QSpinBox::valueChanged), this,
            [this] { emit options_changed(); });
    show_empty(tr("Open a dump with an unembedding (unembed.W_U) to see the logit lens."));
}

void LensView::set_presentation(bool on) {
    QFont f = table_->font();
    f.setPointSizeF(plot_style(on).font_pt);
    table_->setFont(f);
    table_->horizontalHeader()->setFont(f);
    table_->verticalHeader()->setFont(f);
    ResultView::set_presentation(on);
}

int LensView::top_k() const {
    return top_k_->value();
}
void LensView::set_top_k(int k) {
    top_k_->setValue(k);
}

int LensView::token_for(const Selection& s) const {
    if (!s.tokens.isEmpty()) return s.tokens.front();
    return s.prompt * std::max(positions_, 0);
}

void LensView::show_unavailable(const QString& text) {
    show_empty(text);  // the state line says why; no table of another dump's layers stays
    table_->setVisible(false);
}

void LensView::set_result(const analysis::LensResult& result) {
    table_->setVisible(true);
    QString s = tr("token %1 “%2” · vocabulary %3")
                    .arg(result.token)
                    .arg(QString::fromStdString(result.token_label))
                    .arg(result.vocab_size);
    if (!result.ln_final) s += tr(" · no ln_final: raw states unembedded");
    take_result(result, s);
}

void LensView::on_selection(const Selection& selection) {
    selection_ = selection;
    update_highlight();
}

void LensView::rebuild() {
    table_->clear();
    if (!result_) {
        table_->setRowCount(0);
        table_->setColumnCount(0);
        return;
    }
    const auto& layers = result_->layers;
    std::size_t k = 0;
    for (const auto& l : layers) k = std::max(k, l.top.size());
    table_->setRowCount(static_cast<int>(layers.size()));
    table_->setColumnCount(static_cast<int>(k));
    QStringList cols;
    for (std::size_t c = 0; c < k; ++c) cols << tr("#%1").arg(c + 1);
    table_->setHorizontalHeaderLabels(cols);
    QStringList rows;
    for (std::size_t r = 0; r < layers.size(); ++r) {
        const auto& l = layers[r];
        rows << QStringLiteral("%1 %2").arg(l.state).arg(QString::fromStdString(l.name));
        if (l.top.empty()) {
            auto* item = new QTableWidgetItem(tr("NaN/Inf state"));
            item->setToolTip(
                tr("%1: the state holds NaN or Inf").arg(QString::fromStdString(l.name)));
            table_->setItem(static_cast<int>(r), 0, item);
            continue;
        }
        for (std::size_t c = 0; c < l.top.size(); ++c) {
            const auto& e = l.top[c];
            const QString text = QString::fromStdString(token_label(e.text, e.id));
            auto* item = new QTableWidgetItem(
                QStringLiteral("%1 (%2%)").arg(text).arg(100 * e.probability, 0, 'f', 1));
            const QColor bg =
                colors::sample(colors::Map::Viridis, std::clamp(e.probability, 0.0, 1.0));
            item->setBackground(bg);
            item->setForeground(bg.lightnessF() > 0.55 ? QColor(Qt::black) : QColor(Qt::white));
            item->setToolTip(tr("%1, rank %2<br><b>“%3”</b> (id %4)<br>p = %5<br>logit = "
                                "%6<br>entropy of the layer: %7 nats")
                                 .arg(QString::fromStdString(l.name))
                                 .arg(c + 1)
                                 .arg(text.toHtmlEscaped())
                                 .arg(e.id)
                                 .arg(e.probability, 0, 'g', 6)
                                 .arg(e.logit, 0, 'g', 6)
                                 .arg(l.entropy, 0, 'g', 4));
            item->setData(Qt::UserRole, e.probability);
            table_->setItem(static_cast<int>(r), static_cast<int>(c), item);
        }
    }
    table_->setVerticalHeaderLabels(rows);
    update_highlight();
}

void LensView::update_highlight() {
    highlighted_ = -1;
    if (!result_) return;
    for (int r = 0; r < table_->rowCount(); ++r) {
        const bool on = static_cast<int>(result_->layers[static_cast<std::size_t>(r)].state) ==
                        selection_.layer;
        if (on) highlighted_ = r;
        for (int c = 0; c < table_->columnCount(); ++c)
            if (QTableWidgetItem* item = table_->item(r, c)) {
                QFont f = item->font();
                f.setBold(on);
                f.setUnderline(on);
                item->setFont(f);
            }
        if (QTableWidgetItem* h = table_->verticalHeaderItem(r)) {
            QFont f = h->font();
            f.setBold(on);
            h->setFont(f);
            const QString base =
                QStringLiteral("%1 %2")
                    .arg(result_->layers[static_cast<std::size_t>(r)].state)
                    .arg(QString::fromStdString(result_->layers[static_cast<std::size_t>(r)].name));
            h->setText(on ? QStringLiteral("▶ ") + base : base);
        }
    }
    if (highlighted_ >= 0 && table_->columnCount() > 0)
        table_->scrollToItem(table_->item(highlighted_, 0));
}

bool LensView::paint_figure(const QString&, QPainter& painter, const QRectF& rect) {
    if (!result_) return false;
    const analysis::LensResult& r = *result_;
    const int rows = static_cast<int>(r.layers.size()) + 1;
    std::size_t k = 0;
    for (const auto& l : r.layers) k = std::max(k, l.top.size());
    const int cols = static_cast<int>(std::min<std::size_t>(k, 8));
    const double heading = 34;
    const double rh = (rect.height() - heading) / rows;
    QFont font = painter.font();
    font.setPixelSize(std::clamp(static_cast<int>(rh * 0.26), 8, 16));
    painter.setFont(font);
    const QFontMetricsF fm(font, painter.device());
    double name_w = fm.horizontalAdvance(QStringLiteral("state"));
    for (const auto& l : r.layers)
        name_w = std::max(name_w, fm.horizontalAdvance(QString::fromStdString(l.name)));
    name_w = std::min(name_w + 16, rect.width() * 0.35);
    const double cw = cols > 0 ? (rect.width() - name_w) / cols : 0;
    painter.setPen(colors::plot_foreground());
    QFont bold = font;
    bold.setBold(true);
    bold.setPixelSize(font.pixelSize() + 2);
    painter.setFont(bold);
    painter.drawText(
        QRectF(rect.left() + 4, rect.top(), rect.width() - 8, heading),
        Qt::AlignVCenter | Qt::AlignLeft,
        QStringLiteral("logit lens of token %1 \u201c%2\u201d (prompt %3, position %4)")
            .arg(r.token)
            .arg(QString::fromStdString(r.token_label))
            .arg(r.prompt)
            .arg(r.position));
    painter.setFont(font);
    auto cell = [&](int row, int col) {
        const double top = rect.top() + heading + row * rh;
        if (col < 0) return QRectF(rect.left() + 4, top, name_w - 8, rh);
        return QRectF(rect.left() + name_w + col * cw, top, cw, rh).adjusted(1, 1, -1, -1);
    };
    painter.drawText(cell(0, -1), Qt::AlignVCenter | Qt::AlignLeft, QStringLiteral("state"));
    for (int c = 0; c < cols; ++c)
        painter.drawText(cell(0, c), Qt::AlignCenter, QStringLiteral("top %1").arg(c + 1));
    for (int i = 1; i < rows; ++i) {
        const auto& l = r.layers[static_cast<std::size_t>(i - 1)];
        painter.drawText(
            cell(i, -1), Qt::AlignVCenter | Qt::AlignLeft,
            fm.elidedText(QString::fromStdString(l.name), Qt::ElideMiddle, name_w - 8));
        for (int c = 0; c < cols && c < static_cast<int>(l.top.size()); ++c) {
            const auto& e = l.top[static_cast<std::size_t>(c)];
            QColor shade = colors::sample(colors::Map::Viridis, e.probability);
            shade.setAlpha(110);
            painter.fillRect(cell(i, c), shade);
            painter.drawText(
                cell(i, c), Qt::AlignCenter,
                QStringLiteral("%1\n%2").arg(QString::fromStdString(token_label(e.text, e.id)),
                                             QString::number(e.probability, 'f', 3)));
        }
    }
    return true;
}

}  // namespace es::widgets
