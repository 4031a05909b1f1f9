#pragma once
// Numbers as text for files (CSV, labels in exports, attributes read back), with a '.' whatever
// the C locale says. The desktop app runs with the user's locale (QApplication sets it from the
// environment), where printf("%g") writes "0,92" and strtod("0.5") stops at the '.' and gives 0:
// a comma-separated file with decimal commas, or an attribute misread without an error.
#include <optional>
#include <string>
#include <string_view>

namespace es::util {

// printf's "%.<significant>g" with a '.': 17 digits round-trip every double. "" for NaN and
// infinities (CSV leaves such cells empty).
std::string format_number(double v, int significant = 17);

// The whole of `text` (surrounding spaces and one leading '+' allowed) as a number, or nullopt.
std::optional<double> parse_number(std::string_view text);

}  // namespace es::util
