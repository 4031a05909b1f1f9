#include "theme.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

namespace es::app {

QString apply_theme(const QString& theme) {
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    if (theme != QLatin1String("dark")) {
        QApplication::setPalette(QApplication::style()->standardPalette());
        return theme == QLatin1String("light") ? theme : QStringLiteral("system");
    }
    QPalette p;
    const QColor window(0x26, 0x28, 0x2b), base(0x1d, 0x1f, 0x21), text(0xe6, 0xe6, 0xe6),
        disabled(0x80, 0x80, 0x80), highlight(0x3d, 0x7e, 0xc6);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::red);
    p.setColor(QPalette::Link, highlight.lighter(130));
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::PlaceholderText, disabled);
    for (auto role : {QPalette::Text, QPalette::WindowText, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    QApplication::setPalette(p);
    return theme;
}

bool is_dark_theme() {
    return QApplication::palette().color(QPalette::Window).lightness() < 128;
}

}  // namespace es::app
