#pragma once
#include <QString>

namespace es::app {

// "light", "dark" or "system": the Fusion style with a matching palette (views read the palette,
// so plots follow). Returns the theme actually applied.
QString apply_theme(const QString& theme);
bool is_dark_theme();

}  // namespace es::app
