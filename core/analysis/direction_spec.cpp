#include "analysis/direction_spec.h"

#include "analysis/common.h"
#include "analysis/token_lookup.h"
#include "util/error.h"

namespace es::analysis {

namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

bool starts_with(const std::string& s, const char* prefix) {
    return s.rfind(prefix, 0) == 0;
}

// The position of the last '@' outside brackets and quotes ("pairs('a@b':c)@3": the second).
std::size_t layer_at(const std::string& s) {
    std::size_t at = std::string::npos;
    int depth = 0;
    bool quoted = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '\'') quoted = !quoted;
        if (quoted) continue;
        if (c == '(' || c == '[') ++depth;
        if (c == ')' || c == ']') --depth;
        if (c == '@' && depth == 0) at = i;
    }
    return at;
}

std::string inner(const std::string& body, std::size_t open) {
    return body.substr(open, body.size() - open - 1);
}

}  // namespace

bool is_direction(const std::string& item) {
    const std::string t = trim(item);
    if (starts_with(t, "pairs(") || starts_with(t, "groups(") || starts_with(t, "vector(") ||
        starts_with(t, "W_U[") || starts_with(t, "W_E[") || starts_with(t, "unembed.W_U[") ||
        starts_with(t, "embed.W_E["))
        return true;
    return (starts_with(t, "pc") || starts_with(t, "PC")) && t.size() > 2 && t[2] >= '0' &&
           t[2] <= '9';
}

std::vector<std::string> split_specs(const std::string& text) {
    std::vector<std::string> out;
    if (trim(text).empty()) return out;
    std::string piece;
    int depth = 0;
    bool quoted = false;
    auto flush = [&] {
        const std::string p = trim(piece);
        if (p.empty()) throw InputError("an empty item in '" + text + "'");
        out.push_back(p);
        piece.clear();
    };
    for (char c : text) {
        if (c == '\'') quoted = !quoted;
        if (!quoted && (c == '(' || c == '[')) ++depth;
        if (!quoted && (c == ')' || c == ']')) --depth;
        if (c == ',' && depth == 0 && !quoted) {
            flush();
            continue;
        }
        piece += c;
    }
    if (quoted || depth != 0) throw InputError("unbalanced quotes or brackets in '" + text + "'");
    flush();
    return out;
}

DirectionSpec parse_direction(const std::string& typed, const Dump& dump, const StreamInfo& s) {
    DirectionSpec spec;
    spec.text = trim(typed);
    const std::string& t = spec.text;
    const std::string usage = "'" + t +
                              "' is not a direction: pairs(a:b,c:d)[@L], groups(a,b|c,d)[@L], "
                              "pcK[@L], W_U[token], W_E[token] or vector(FILE)";
    std::string body = t;
    if (const auto at = layer_at(t); at != std::string::npos) {
        body = trim(t.substr(0, at));
        const std::string l = trim(t.substr(at + 1));
        if (l.empty() || l.size() > 9 || l.find_first_not_of("0123456789") != std::string::npos)
            throw InputError("direction '" + t + "': the layer after @ must be a state index");
        spec.layer = check_state(dump, s, std::stoll(l));
    }
    DirectionsOptions& o = spec.definition;
    o.stream = s.name;
    o.null_draws = 0;
    o.keep_projection = false;
    auto check_token = [&](const std::string& name) {
        resolve_token(dump, s, name);  // throws naming the file and the token
        return name;
    };
    const bool closed_paren = !body.empty() && body.back() == ')';
    if (starts_with(body, "pairs(") && closed_paren) {
        for (const std::string& pair : split_outside_quotes(inner(body, 6), ',')) {
            const auto sides = split_outside_quotes(pair, ':');
            if (sides.size() != 2)
                throw InputError("direction '" + t + "': a pair is two tokens a:b, got '" + pair +
                                 "'");
            o.pairs.emplace_back(check_token(sides[0]), check_token(sides[1]));
        }
    } else if (starts_with(body, "groups(") && closed_paren) {
        const auto groups = split_outside_quotes(inner(body, 7), '|');
        if (groups.size() != 2)
            throw InputError("direction '" + t + "': two groups are written groups(a,b|c,d)");
        for (const std::string& g : split_outside_quotes(groups[0], ','))
            o.group_a.push_back(check_token(g));
        for (const std::string& g : split_outside_quotes(groups[1], ','))
            o.group_b.push_back(check_token(g));
    } else if (starts_with(body, "vector(") && closed_paren) {
        o.vector = trim(inner(body, 7));
        if (o.vector.empty()) throw InputError(usage);
        spec.fixed = true;
    } else if ((starts_with(body, "pc") || starts_with(body, "PC")) && body.size() > 2 &&
               body.size() < 9 && body.find_first_not_of("0123456789", 2) == std::string::npos) {
        o.pc = std::stoul(body.substr(2));
        if (*o.pc == 0)
            throw InputError("direction '" + t + "': principal components count from 1");
    } else if ((starts_with(body, "W_U[") || starts_with(body, "W_E[") ||
                starts_with(body, "unembed.W_U[") || starts_with(body, "embed.W_E[")) &&
               body.back() == ']') {
        o.weight = body;
        const std::string name =
            body[2] == 'E' || starts_with(body, "embed.") ? "embed.W_E" : "unembed.W_U";
        if (!dump.find_weight(name))
            throw InputError(dump.where() + "direction '" + t + "' needs the weight " + name +
                             ", which the dump lacks");
        spec.fixed = true;
    } else {
        throw InputError(usage);
    }
    if (spec.fixed && spec.layer)
        throw InputError("direction '" + t + "' is the same at every layer: drop the @");
    return spec;
}

std::vector<std::vector<double>> direction_at(const Dump& dump, const DirectionSpec& spec,
                                              const std::vector<std::size_t>& states,
                                              Progress& progress, double lo, double hi) {
    if (states.empty()) return {};
    // directions() reports 0..1 of its own and a Progress never goes back: a span of the
    // caller's instead, with the caller's cancellation passed on at every report.
    Progress* self = nullptr;
    Progress span([&progress, &self, lo, hi](double f, const std::string& message) {
        if (progress.cancelled() && self) self->cancel();
        progress.report(lo + f * (hi - lo), message);
    });
    self = &span;
    DirectionsOptions o = spec.definition;
    // A fixed vector or one state's direction is computed once, at one state.
    const bool once = spec.fixed || spec.layer.has_value();
    o.states = once ? std::vector<std::size_t>{spec.layer.value_or(states.front())} : states;
    const DirectionsResult r = directions(dump, o, span);
    progress.check();
    if (once) return std::vector<std::vector<double>>(states.size(), r.directions.front());
    return r.directions;
}

}  // namespace es::analysis
