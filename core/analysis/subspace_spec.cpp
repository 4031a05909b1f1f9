#include "analysis/subspace_spec.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include "analysis/matrix_source.h"
#include "numerics/principal_angles.h"
#include "util/error.h"

namespace es::analysis {

namespace {

std::size_t parse_index(const std::string& digits, const std::string& what,
                        const std::string& text) {
    if (digits.empty() || digits.size() > 9 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        throw InputError("subspace '" + text + "': " + what + " '" + digits +
                         "' is not a whole number below 10^9");
    return static_cast<std::size_t>(std::stoull(digits));
}

std::string printable(const std::string& s) {
    std::string o;
    for (unsigned char c : s) {
        if (c >= 32 && c < 127)
            o += static_cast<char>(c);
        else {
            static const char* hex = "0123456789abcdef";
            o += "\\x";
            o += hex[c >> 4];
            o += hex[c & 15];
        }
    }
    return o;
}

}  // namespace

SubspaceSource parse_subspace_source(const std::string& text) {
    const std::string shown = printable(text);
    SubspaceSource s;
    s.text = text;
    if (text.empty())
        throw InputError(
            "empty subspace source (expected a weight, blocks.L.attn.QK[H] or STREAM[S])");
    for (unsigned char c : text)
        if (!(std::isalnum(c) || c == '_' || c == '.' || c == '[' || c == ']'))
            throw InputError("subspace source '" + shown + "': unexpected character '" +
                             printable(std::string(1, static_cast<char>(c))) +
                             "' (allowed: letters, digits, '_', '.', '[', ']')");
    static const std::regex circuit(R"(blocks\.([0-9]+)\.attn\.(QK|OV)\[([0-9]+)\])");
    static const std::regex stream(R"(([A-Za-z_][A-Za-z0-9_.]*)\[([0-9]+)\])");
    static const std::regex weight(R"([A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*)");
    std::smatch m;
    if (std::regex_match(text, m, circuit)) {
        s.kind = SubspaceSource::Kind::Circuit;
        s.layer = parse_index(m[1], "layer", shown);
        s.qk = m[2] == "QK";
        s.head = parse_index(m[3], "head", shown);
        return s;
    }
    if (text.rfind("blocks.", 0) == 0 && text.find('[') != std::string::npos)
        throw InputError("subspace source '" + shown +
                         "': a head circuit is written blocks.L.attn.QK[H] or blocks.L.attn.OV[H]");
    if (std::regex_match(text, m, stream)) {
        s.kind = SubspaceSource::Kind::Stream;
        s.name = m[1];
        s.state = parse_index(m[2], "state", shown);
        return s;
    }
    if (text.find_first_of("[]") != std::string::npos)
        throw InputError("subspace source '" + shown +
                         "': a stream state is written NAME[S], e.g. resid[4]");
    if (!std::regex_match(text, weight))
        throw InputError("subspace source '" + shown +
                         "' is not a weight name (dotted, e.g. embed.W_E)");
    s.kind = SubspaceSource::Kind::Weight;
    s.name = text;
    return s;
}

SubspaceSpec parse_subspace_spec(const std::string& text) {
    const std::string shown = printable(text);
    const auto c1 = text.find(':');
    const auto c2 = c1 == std::string::npos ? std::string::npos : text.find(':', c1 + 1);
    if (c1 == std::string::npos || c2 == std::string::npos ||
        text.find(':', c2 + 1) != std::string::npos)
        throw InputError(
            "subspace '" + shown +
            "': expected SOURCE:SIDE:RANGE with exactly two ':' (e.g. embed.W_E:right:0-8)");
    SubspaceSpec spec;
    spec.text = text;
    spec.source = parse_subspace_source(text.substr(0, c1));
    const std::string side = text.substr(c1 + 1, c2 - c1 - 1), range = text.substr(c2 + 1);
    if (side == "left")
        spec.left = true;
    else if (side == "right")
        spec.left = false;
    else
        throw InputError("subspace '" + shown + "': SIDE must be 'left' or 'right', not '" +
                         printable(side) + "'");
    const auto dash = range.find('-');
    if (range.empty() || dash == std::string::npos)
        throw InputError("subspace '" + shown +
                         "': RANGE must be a-b (zero-based, half-open), not '" + printable(range) +
                         "'");
    spec.begin = parse_index(range.substr(0, dash), "range start", shown);
    spec.end = parse_index(range.substr(dash + 1), "range end", shown);
    if (spec.begin >= spec.end)
        throw InputError("subspace '" + shown + "': empty range " + printable(range) +
                         " (need a < b)");
    return spec;
}

SourceSvd source_svd(const Dump& dump, const SubspaceSource& source, std::size_t k_left,
                     std::size_t k_right, Progress& progress) {
    SourceSvd out;
    const auto too_many = [&](std::size_t k, std::size_t have, const char* side) {
        return InputError(dump.where() + "'" + source.text + "' has " + std::to_string(have) +
                          " nonzero " + side + " singular directions; " + std::to_string(k) +
                          " requested");
    };
    if (source.kind == SubspaceSource::Kind::Circuit) {
        const std::size_t n_layers = count_attention_layers(dump);
        if (source.layer >= n_layers)
            throw InputError(dump.where() + "'" + source.text + "': layer " +
                             std::to_string(source.layer) + " out of range (" +
                             std::to_string(n_layers) + " attention layers)");
        const LayerHeads lh = read_layer_heads(dump, source.layer);
        if (source.head >= lh.n_heads)
            throw InputError(dump.where() + "'" + source.text + "': head " +
                             std::to_string(source.head) + " out of range (" +
                             std::to_string(lh.n_heads) + " heads)");
        const HeadFactors& f = lh.heads[source.head];
        const numerics::FactoredSvd s = source.qk ? numerics::factored_svd(f.qk_a, f.qk_b, true)
                                                  : numerics::factored_svd(f.ov_a, f.ov_b, true);
        out.rows = out.cols = lh.d_model;
        out.s.assign(s.s.data(), s.s.data() + s.s.size());
        const std::size_t have = static_cast<std::size_t>(s.s.size());
        if (k_left > have) throw too_many(k_left, have, "left");
        if (k_right > have) throw too_many(k_right, have, "right");
        out.u = s.u.leftCols(static_cast<Eigen::Index>(k_left));
        out.v = s.v.leftCols(static_cast<Eigen::Index>(k_right));
        return out;
    }
    RowSource src;
    if (source.kind == SubspaceSource::Kind::Weight) {
        src = weight_rows(dump, source.name);
    } else {
        const StreamInfo* st = dump.find_stream(source.name);
        if (!st) {
            std::string names;
            for (const auto& s : dump.streams()) names += (names.empty() ? "" : ", ") + s.name;
            throw InputError(dump.where() + "no stream '" + source.name +
                             "' (streams: " + (names.empty() ? "none" : names) + ")");
        }
        src = stream_rows(dump, *st, source.state, progress);
    }
    out.rows = src.rows;
    out.cols = src.cols;
    const std::size_t p = std::min(src.rows, src.cols);
    if (k_left > p) throw too_many(k_left, p, "left");
    if (k_right > p) throw too_many(k_right, p, "right");
    GramSvd g = gram_svd(src, k_left, k_right, progress);
    if (static_cast<std::size_t>(g.u.cols()) < k_left)
        throw too_many(k_left, static_cast<std::size_t>(g.u.cols()), "left");
    if (static_cast<std::size_t>(g.v.cols()) < k_right)
        throw too_many(k_right, static_cast<std::size_t>(g.v.cols()), "right");
    out.s = std::move(g.s);
    out.u = std::move(g.u);
    out.v = std::move(g.v);
    return out;
}

Eigen::MatrixXd resolve_subspace(const Dump& dump, const SubspaceSpec& spec, Progress& progress) {
    const SourceSvd s =
        source_svd(dump, spec.source, spec.left ? spec.end : 0, spec.left ? 0 : spec.end, progress);
    const Eigen::MatrixXd& basis = spec.left ? s.u : s.v;
    return basis.middleCols(static_cast<Eigen::Index>(spec.begin),
                            static_cast<Eigen::Index>(spec.end - spec.begin));
}

}  // namespace es::analysis
