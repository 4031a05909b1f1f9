#pragma once
// What `eigenscope-cli info` reports and the app's dataset tree shows: layout, dimensions,
// streams, attention, weights, tokens, attributes and data health. JSON schema: docs/CLI.md.
#include <nlohmann/json.hpp>
#include <string>

#include "io/data_health.h"
#include "io/dump.h"

namespace es {

nlohmann::json info_json(const Dump& dump, const DataHealth& health);
// Human-readable form of the same facts, for the terminal.
std::string info_text(const Dump& dump, const DataHealth& health);

}  // namespace es
