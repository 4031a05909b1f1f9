// libFuzzer target: what a Hugging Face checkpoint's files are parsed by before any data is
// read (core/io/hf_checkpoint.h, core/io/safetensors.h). The first byte chooses:
//   0  a whole .safetensors file: its header length, JSON header and offsets validated;
//   1  model.safetensors.index.json;
//   2  config.json, a NUL byte, then a .safetensors file: the family mapping of its tensors.
// InputError is the expected outcome for bad input. A header that validates must describe
// tensors that lie back to back inside the file, and every view the mapping makes must stay
// inside its tensor: anything else is a finding (__builtin_trap), as is any other exception.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/hf_checkpoint.h"
#include "io/safetensors.h"
#include "util/error.h"

namespace {

void check_header(const es::io::SafetensorsHeader& h, std::size_t size) {
    std::uint64_t bytes = 0;
    for (const auto& t : h.tensors) {
        if (t.begin > t.end || h.data_start + t.end > size) __builtin_trap();
        bytes += t.end - t.begin;
    }
    if (h.data_start + bytes != size) __builtin_trap();  // back to back, the rest of the file
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const int mode = data[0] % 3;
    ++data;
    --size;
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        if (mode == 0) {
            check_header(es::io::parse_safetensors_image("fuzz.safetensors", data, size), size);
        } else if (mode == 1) {
            for (const auto& [tensor, shard] : es::io::parse_hf_index("index.json", text))
                if (shard.empty() || shard.find('/') != std::string::npos) __builtin_trap();
        } else {
            const std::size_t nul = text.find('\0');
            if (nul == std::string::npos) return 0;
            const nlohmann::json config =
                es::io::parse_hf_config("config.json", text.substr(0, nul));
            const auto* image = data + nul + 1;
            const std::size_t image_size = size - nul - 1;
            const es::io::SafetensorsHeader h =
                es::io::parse_safetensors_image("model.safetensors", image, image_size);
            check_header(h, image_size);
            es::io::Catalog catalog;
            for (const auto& t : h.tensors)
                if (t.type && t.elements > 0)
                    catalog.emplace(t.name, es::io::CatalogEntry{&t, "model.safetensors"});
            const es::io::FamilyMapping m = es::io::map_hf_family(&config, "config.json", catalog);
            for (const auto& w : m.weights) {
                const auto it = catalog.find(w.source);
                if (it == catalog.end() || w.view.strides.size() != w.view.shape.size() ||
                    w.view.extent() > it->second.tensor->elements)
                    __builtin_trap();
            }
        }
    } catch (const es::InputError&) {
    }
    return 0;
}
