#include "analysis/axis_spec.h"

#include "analysis/common.h"
#include "analysis/direction_spec.h"
#include "analysis/token_address.h"
#include "util/error.h"

namespace es::analysis {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t b = 0;
    for (std::size_t e; (e = s.find(sep, b)) != std::string::npos; b = e + 1)
        out.push_back(s.substr(b, e - b));
    out.push_back(s.substr(b));
    return out;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

}  // namespace

std::vector<AxisSpec> parse_axes(const std::string& text, const Dump& dump, const StreamInfo& s,
                                 std::size_t default_layer) {
    std::vector<AxisSpec> out;
    if (trim(text).empty()) return out;
    for (const std::string& spec : split_specs(text)) {
        std::string pair = spec;
        AxisSpec ax;
        ax.layer = default_layer;
        if (is_direction(spec)) {
            const DirectionSpec d = parse_direction(spec, dump, s);
            ax.direction = spec;
            ax.layer = d.layer.value_or(default_layer);
            check_state(dump, s, static_cast<long long>(ax.layer));
            ax.label = d.fixed || d.layer ? spec : spec + "@" + std::to_string(ax.layer);
            out.push_back(ax);
            if (out.size() > 3) throw InputError("at most 3 custom axes: '" + text + "'");
            continue;
        }
        if (auto at = spec.find('@'); at != std::string::npos) {
            pair = trim(spec.substr(0, at));
            const std::string l = trim(spec.substr(at + 1));
            if (l.empty() || l.size() > 9 || l.find_first_not_of("0123456789") != std::string::npos)
                throw InputError("axis '" + spec + "': layer after @ must be a state index");
            ax.layer = std::stoul(l);
        }
        const auto ab = split(pair, '-');
        if (ab.size() != 2) throw InputError("axis '" + spec + "' must look like A-B or A-B@LAYER");
        ax.token_a = parse_token_address(trim(ab[0]), s.n_prompts, s.n_positions).flat;
        ax.token_b = parse_token_address(trim(ab[1]), s.n_prompts, s.n_positions).flat;
        if (ax.token_a == ax.token_b)
            throw InputError("axis '" + spec + "': the two tokens must differ");
        check_state(dump, s, static_cast<long long>(ax.layer));
        ax.label = trim(ab[0]) + "-" + trim(ab[1]) + "@" + std::to_string(ax.layer);
        out.push_back(ax);
        if (out.size() > 3) throw InputError("at most 3 custom axes: '" + text + "'");
    }
    return out;
}

std::vector<double> axis_direction(const Dump& dump, const StreamInfo& s, const AxisSpec& axis,
                                   Progress& progress) {
    DirectionSpec d = parse_direction(axis.direction, dump, s);
    if (!d.fixed) d.layer = axis.layer;
    // Within the fraction the caller has reached (project() is between its passes).
    const double now = progress.fraction();
    auto v = direction_at(dump, d, {axis.layer}, progress, now, now).front();
    if (v.empty())
        throw InputError(dump.where() + "axis " +
                         (axis.label.empty() ? axis.direction : axis.label) +
                         ": the direction is undefined at state " + std::to_string(axis.layer) +
                         " (a side without finite states, or a zero difference)");
    return v;
}

std::string axis_in_words(const AxisSpec& axis, const Dump& dump) {
    if (!axis.direction.empty()) {
        // A long list of pairs would not fit an axis title: its first item stands for the rest.
        const std::string& l = axis.label;
        const auto open = l.find('('), comma = l.find(',');
        if (l.size() <= 28 || open == std::string::npos || comma == std::string::npos) return l;
        const auto close = l.rfind(')');
        return l.substr(0, comma) + ",…" + (close == std::string::npos ? "" : l.substr(close));
    }
    const auto& tokens = dump.tokens();
    if (axis.token_a >= tokens.size() || axis.token_b >= tokens.size()) return axis.label;
    return tokens[axis.token_a].label() + " - " + tokens[axis.token_b].label() + " @" +
           std::to_string(axis.layer);
}

}  // namespace es::analysis
