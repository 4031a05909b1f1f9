#include "util/token_text.h"

namespace es {

namespace {

// The length of the well-formed UTF-8 sequence at s[i] (2 to 4), or 0 when there is none
// (Unicode's Table 3-7: no overlong forms, no surrogates, nothing beyond U+10FFFF).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b = at(i);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
        n = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
        n = 3;
        if (b == 0xE0) lo = 0xA0;
        if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        n = 4;
        if (b == 0xF0) lo = 0x90;
        if (b == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    if (at(i + 1) < lo || at(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
    return n;
}

void escape_byte(std::string& out, unsigned char b) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    out += "\\x";
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
}

}  // namespace

std::string display_token(std::string_view raw) {
    std::string out;
    out.reserve(raw.size() + 8);
    for (std::size_t i = 0; i < raw.size();) {
        const auto b = static_cast<unsigned char>(raw[i]);
        if (b < 0x80) {
            switch (b) {
                case ' ':
                    out += "\u2423";
                    break;
                case '\t':
                    out += "\u21E5";
                    break;
                case '\n':
                    out += "\u23CE";
                    break;
                case '\r':
                    out += "\u21B5";
                    break;
                default:
                    if (b < 0x20 || b == 0x7F)
                        escape_byte(out, b);
                    else
                        out += static_cast<char>(b);
            }
            ++i;
            continue;
        }
        if (const std::size_t n = utf8_sequence(raw, i)) {
            out.append(raw.substr(i, n));
            i += n;
        } else {
            escape_byte(out, b);
            ++i;
        }
    }
    return out;
}

std::string token_id_text(long long id) {
    return "id " + std::to_string(id);
}

std::string token_label(std::string_view raw, std::optional<long long> id) {
    if (!raw.empty()) return display_token(raw);
    if (id) return token_id_text(*id);
    return {};
}

}  // namespace es
