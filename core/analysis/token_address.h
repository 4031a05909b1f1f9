#pragma once
// Token addresses as users type them: a flat index ("37", = prompt * n_positions + position) or
// "prompt:position" ("1:12"). Strict: digits only, no signs, spaces or trailing text; every
// failure is an InputError that quotes the text and says what is allowed.
#include <cstddef>
#include <string>

namespace es::analysis {

struct TokenAddress {
    std::size_t flat = 0, prompt = 0, position = 0;
};

TokenAddress parse_token_address(const std::string& text, std::size_t n_prompts,
                                 std::size_t n_positions);
// "1:12 (flat 36)"
std::string describe(const TokenAddress& t);

}  // namespace es::analysis
