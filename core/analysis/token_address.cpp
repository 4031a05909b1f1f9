#include "analysis/token_address.h"

#include <limits>

#include "util/error.h"

namespace es::analysis {

namespace {

// Parses a run of decimal digits; false on empty, non-digit or overflow past size_t.
bool parse_digits(const std::string& s, std::size_t& out) {
    if (s.empty() || s.size() > 19) return false;
    std::size_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<std::size_t>(c - '0');
    }
    out = v;
    return true;
}

std::string quoted(const std::string& text) {
    std::string q;
    for (char c : text.substr(0, 64))
        q += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
    return "'" + q + (text.size() > 64 ? "...'" : "'");
}

}  // namespace

TokenAddress parse_token_address(const std::string& text, std::size_t n_prompts,
                                 std::size_t n_positions) {
    const std::size_t total = n_prompts * n_positions;
    if (total == 0) throw InputError("token " + quoted(text) + ": the dump has no tokens");
    const std::string form = " (use a flat index 0.." + std::to_string(total - 1) +
                             " or prompt:position with prompt 0.." + std::to_string(n_prompts - 1) +
                             " and position 0.." + std::to_string(n_positions - 1) + ")";
    TokenAddress t;
    const auto colon = text.find(':');
    if (colon == std::string::npos) {
        if (!parse_digits(text, t.flat))
            throw InputError("bad token address " + quoted(text) + form);
        if (t.flat >= total)
            throw InputError("token " + quoted(text) + " out of range: the dump has " +
                             std::to_string(total) + " tokens" + form);
        t.prompt = t.flat / n_positions;
        t.position = t.flat % n_positions;
        return t;
    }
    if (!parse_digits(text.substr(0, colon), t.prompt) ||
        !parse_digits(text.substr(colon + 1), t.position))
        throw InputError("bad token address " + quoted(text) + form);
    if (t.prompt >= n_prompts)
        throw InputError("token " + quoted(text) + ": prompt " + std::to_string(t.prompt) +
                         " out of range" + form);
    if (t.position >= n_positions)
        throw InputError("token " + quoted(text) + ": position " + std::to_string(t.position) +
                         " out of range" + form);
    t.flat = t.prompt * n_positions + t.position;
    return t;
}

std::string describe(const TokenAddress& t) {
    return std::to_string(t.prompt) + ":" + std::to_string(t.position) + " (flat " +
           std::to_string(t.flat) + ")";
}

}  // namespace es::analysis
