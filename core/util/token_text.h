#pragma once
// Tokens as people read them. A dump keeps each token's text raw (core/io/dump.h, TokenInfo):
// " the", "\n", "" or bytes that are not UTF-8. Shown as is, whitespace is a blank cell and
// control bytes are nothing at all. Every label, tooltip, list entry and CSV cell goes through
// token_label() (or TokenInfo::label()); JSON keeps the raw text, with the id beside it.
// Declared in es, like TokenInfo, because every layer speaks it.
#include <optional>
#include <string>
#include <string_view>

namespace es {

// `raw` with its invisible characters made visible, one character at a time:
//   ' '  -> "␣" (U+2423)      '\t' -> "⇥" (U+21E5)
//   '\n' -> "⏎" (U+23CE)      '\r' -> "↵" (U+21B5; "\r\n" is "↵⏎")
//   other C0 controls (0x00-0x1F) and DEL (0x7F) -> "\xNN" (two upper-case hex digits)
//   a byte that does not start or continue well-formed UTF-8 (a stray continuation byte, a
//   truncated sequence, an overlong form, a surrogate, beyond U+10FFFF) -> "\xNN", each byte.
// Everything else, non-ASCII letters included, is kept unchanged. "" stays "".
std::string display_token(std::string_view raw);

// A vocabulary entry without a string: "id 73".
std::string token_id_text(long long id);

// What a token shows: display_token(raw) when it has text, else token_id_text(*id) when it has
// an id, else "".
std::string token_label(std::string_view raw, std::optional<long long> id);

}  // namespace es
