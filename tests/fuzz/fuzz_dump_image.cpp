// libFuzzer target: arbitrary bytes as an in-memory HDF5 file image, through layout recognition
// (Dump::open_image), the info report and small reads of everything recognised. InputError is
// the expected outcome for bad bytes; anything else (a crash, a sanitizer report, InternalError
// or any other exception escaping) is a finding: bad input must never look like our bug.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <hdf5.h>

#include "io/data_health.h"
#include "io/dump.h"
#include "report/info.h"
#include "util/error.h"

namespace {

// Declared shapes can be anything; reads stay below this many floats so a huge dataspace with
// no data behind it is not mistaken for a leak or an out-of-memory crash.
constexpr std::size_t kMaxFloats = 1u << 20;

void exercise(const es::Dump& dump) {
    (void)es::info_json(dump, es::DataHealth{});
    for (const auto& s : dump.streams()) {
        if (s.d == 0 || s.d > kMaxFloats) continue;
        const std::size_t n =
            std::min<std::size_t>(s.n_tokens(), std::max<std::size_t>(1, kMaxFloats / s.d));
        std::vector<float> out(std::max<std::size_t>(1, n) * s.d);
        for (std::size_t state = 0; state < s.n_states() && state < 4; ++state) {
            try {
                dump.read_states(s, state, 0, std::min<std::size_t>(n, 3), out.data());
            } catch (const es::InputError&) {
            }
        }
    }
    for (const auto& a : dump.attention()) {
        if (a.n_positions == 0 || a.n_positions * a.n_positions > kMaxFloats) continue;
        try {
            if (!a.layers.empty() && a.n_prompts && a.n_heads)
                (void)dump.read_attention(a, 0, 0, 0);
        } catch (const es::InputError&) {
        }
    }
    for (const auto& [name, w] : dump.weights()) {
        std::size_t elems = 1;
        for (std::size_t e : w.shape)
            elems = e && elems > kMaxFloats / e ? kMaxFloats + 1 : elems * e;
        if (elems > kMaxFloats) continue;
        try {
            (void)dump.read_weight(name);
        } catch (const es::InputError&) {
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        auto dump = es::Dump::open_image(data, size, "fuzz-input.h5");
        exercise(*dump);
    } catch (const es::InputError&) {
    }
    // Hand HDF5's free lists back to malloc: libFuzzer runs a leak check after any input whose
    // mallocs outnumber its frees, and those lists would trigger it (slowly) on every input.
    H5garbage_collect();
    return 0;
}
