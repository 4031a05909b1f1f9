// libFuzzer target: the CLI's command-line parsers that take free text, SOURCE:SIDE:RANGE
// subspace specs (eigenscope-cli angles --a/--b) and token addresses ("37", "1:12"). The first
// four bytes choose the prompt and position counts the address is checked against. InputError
// is the expected outcome; any other exception or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "analysis/subspace_spec.h"
#include "analysis/token_address.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::size_t n_prompts = 1, n_positions = 1;
    if (size >= 4) {
        // 0 is allowed on purpose: an empty dump must give an error, not a division by zero.
        n_prompts = (std::size_t(data[0]) << 8) | data[1];
        n_positions = (std::size_t(data[2]) << 8) | data[3];
        data += 4;
        size -= 4;
    }
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const auto t = es::analysis::parse_token_address(text, n_prompts, n_positions);
        // A parsed address must be inside the dump and self-consistent.
        if (t.prompt >= n_prompts || t.position >= n_positions ||
            t.flat != t.prompt * n_positions + t.position)
            __builtin_trap();
        (void)es::analysis::describe(t);
    } catch (const es::InputError&) {
    }
    try {
        const auto spec = es::analysis::parse_subspace_spec(text);
        if (spec.begin >= spec.end) __builtin_trap();  // the grammar says a < b
    } catch (const es::InputError&) {
    }
    try {
        (void)es::analysis::parse_subspace_source(text);
    } catch (const es::InputError&) {
    }
    return 0;
}
