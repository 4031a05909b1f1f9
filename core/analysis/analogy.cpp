#include "analysis/analogy.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "analysis/common.h"
#include "analysis/state_slabs.h"
#include "analysis/token_lookup.h"
#include "util/error.h"
#include "util/token_text.h"

namespace es::analysis {

std::vector<std::pair<int, std::string>> parse_analogy(const std::string& query) {
    std::vector<std::string> words;
    std::string cur;
    bool quoted = false;
    for (char c : query) {
        if (c == '\'') quoted = !quoted;
        if (!quoted && std::isspace(static_cast<unsigned char>(c))) {
            if (!cur.empty()) words.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (quoted) throw InputError("analogy: unbalanced quote in '" + query + "'");
    if (!cur.empty()) words.push_back(cur);
    std::vector<std::pair<int, std::string>> terms;
    int sign = 1;
    bool want_term = true;
    for (std::string w : words) {
        if (w == "+" || w == "-") {
            if (want_term && !terms.empty())
                throw InputError("analogy: two operators in a row in '" + query + "'");
            sign = w == "+" ? 1 : -1;
            want_term = true;
            continue;
        }
        if (!want_term && (w[0] == '+' || w[0] == '-')) {
            sign = w[0] == '+' ? 1 : -1;
            w = w.substr(1);
        } else if (!want_term) {
            throw InputError("analogy: expected + or - before '" + w + "' in '" + query + "'");
        }
        terms.emplace_back(sign, w);
        sign = 1;
        want_term = false;
    }
    if (terms.empty() || want_term)
        throw InputError("analogy: the query '" + query + "' must be terms joined by + and -");
    return terms;
}

namespace {

using Vec = std::vector<double>;

void normalise(Vec& v) {
    double n = 0;
    for (double x : v) n += x * x;
    n = std::sqrt(n);
    if (n > 0)
        for (double& x : v) x /= n;
}

// The candidates of one layer as rows (n x d), their names and the rows to leave out; ranks them
// against the query.
AnalogyLayer rank(const std::vector<Vec>& rows, const std::vector<AnalogyHit>& names,
                  const std::set<std::size_t>& excluded, const Vec& q, std::size_t top,
                  std::optional<std::size_t> expected) {
    double qn = 0;
    for (double x : q) qn += x * x;
    qn = std::sqrt(qn);
    std::vector<std::pair<double, std::size_t>> scored;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (excluded.count(i) || rows[i].empty()) continue;
        double dot = 0, nn = 0;
        for (std::size_t j = 0; j < q.size(); ++j) {
            dot += rows[i][j] * q[j];
            nn += rows[i][j] * rows[i][j];
        }
        if (!(nn > 0) || !(qn > 0)) continue;
        scored.emplace_back(dot / (std::sqrt(nn) * qn), i);
    }
    // Ties by candidate order, so that the ranking is deterministic.
    std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    AnalogyLayer l;
    for (std::size_t k = 0; k < scored.size(); ++k) {
        if (k < top) {
            AnalogyHit h = names[scored[k].second];
            h.cosine = scored[k].first;
            l.results.push_back(h);
        }
        if (expected && scored[k].second == *expected) {
            l.expected_rank = k + 1;
            l.expected_cosine = scored[k].first;
        }
    }
    return l;
}

}  // namespace

AnalogyResult analogy(const Dump& dump, const AnalogyOptions& o, Progress& progress) {
    AnalogyResult r;
    r.query = o.query;
    r.terms = parse_analogy(o.query);
    r.normalized = o.normalize;
    r.source = o.source.empty() ? "states" : o.source;
    r.expect = o.expect;
    std::vector<AnalogyHit> names;
    std::vector<std::size_t> operand_rows;  // candidate index of each term
    std::optional<std::size_t> expected;

    if (!o.source.empty()) {  // vocabulary rows of W_E (rows) or W_U (columns)
        const bool embed = o.source == "embed.W_E" || o.source == "W_E";
        if (!embed && o.source != "unembed.W_U" && o.source != "W_U")
            throw InputError("analogy: --source must be embed.W_E or unembed.W_U, got '" +
                             o.source + "'");
        const std::string name = embed ? "embed.W_E" : "unembed.W_U";
        const WeightInfo* w = dump.find_weight(name);
        if (!w || w->shape.size() != 2)
            throw InputError(dump.where() + "the dump has no 2-D " + name + " for --source");
        const std::size_t vocab = embed ? w->shape[0] : w->shape[1];
        const Tensor t = embed ? dump.read_weight(name) : dump.read_weight_columns(name, 0, vocab);
        const std::size_t d = t.data.size() / vocab;
        std::vector<Vec> rows(vocab);
        for (std::size_t v = 0; v < vocab; ++v) {
            rows[v].assign(t.data.begin() + static_cast<long>(v * d),
                           t.data.begin() + static_cast<long>((v + 1) * d));
            const auto& voc = dump.vocabulary();
            names.push_back(
                {v < voc.size() ? voc[v] : std::string(), static_cast<long long>(v), 0});
        }
        for (const auto& [sign, term] : r.terms)
            operand_rows.push_back(resolve_vocab_id(dump, term, vocab));
        if (!o.expect.empty()) expected = resolve_vocab_id(dump, o.expect, vocab);
        if (o.normalize)
            for (Vec& v : rows) normalise(v);
        Vec q(d, 0.0);
        for (std::size_t k = 0; k < r.terms.size(); ++k)
            for (std::size_t j = 0; j < d; ++j) q[j] += r.terms[k].first * rows[operand_rows[k]][j];
        r.candidates = vocab;
        AnalogyLayer l =
            rank(rows, names, {operand_rows.begin(), operand_rows.end()}, q, o.top, expected);
        l.name = name;
        r.layers.push_back(std::move(l));
        return r;
    }

    // States: one candidate per distinct token text, its mean state over the finite occurrences.
    const StreamInfo& s = dump.stream(o.stream);
    r.stream = s.name;
    const std::size_t d = s.d, T = s.n_tokens();
    const auto& tokens = dump.tokens();
    std::map<std::string, std::size_t> index_of;
    std::vector<std::size_t> candidate_of(T);
    for (std::size_t t = 0; t < T; ++t) {
        // A token without text is its id's candidate ("id 73"), without either its own.
        const TokenInfo* info = t < tokens.size() ? &tokens[t] : nullptr;
        const std::string key = info && !info->text.empty() ? info->text
                                : info && info->id          ? "\x01id " + std::to_string(*info->id)
                                                            : "\x01#" + std::to_string(t);
        auto [it, fresh] = index_of.emplace(key, names.size());
        if (fresh)
            names.push_back({info ? info->text : std::string(),
                             info && info->text.empty() ? info->id : std::nullopt, 0});
        candidate_of[t] = it->second;
    }
    std::set<std::size_t> excluded;
    std::vector<TokenRef> operands;
    for (const auto& [sign, term] : r.terms) {
        operands.push_back(resolve_token(dump, s, term));
        for (std::size_t t : operands.back().occurrences) excluded.insert(candidate_of[t]);
    }
    if (!o.expect.empty()) expected = candidate_of[resolve_token(dump, s, o.expect).occurrences[0]];
    r.candidates = names.size() - excluded.size();
    std::vector<std::size_t> states;
    if (o.all_layers)
        states = analysed_states(s, o.include_final_norm);
    else
        states.push_back(o.layer ? check_state(dump, s, static_cast<long long>(*o.layer))
                                 : last_pre_norm_state(s));
    for (std::size_t li = 0; li < states.size(); ++li) {
        progress.report(static_cast<double>(li) / states.size(),
                        layer_message(li, states.size(), "analogy"));
        std::vector<Vec> sums(names.size(), Vec(d, 0.0));
        std::vector<std::size_t> counts(names.size(), 0);
        std::vector<Vec> op_sums(operands.size(), Vec(d, 0.0));
        std::vector<std::size_t> op_counts(operands.size(), 0);
        std::vector<std::pair<std::size_t, std::size_t>> op_feeds;  // (token, operand)
        for (std::size_t k = 0; k < operands.size(); ++k)
            for (std::size_t t : operands[k].occurrences) op_feeds.emplace_back(t, k);
        std::sort(op_feeds.begin(), op_feeds.end());
        std::size_t f = 0;
        for_each_slab(dump, s, states[li], 8u << 20, progress,
                      [&](std::size_t b, std::size_t e, const float* x) {
                          for (std::size_t t = b; t < e; ++t) {
                              const float* row = x + (t - b) * d;
                              if (!row_finite(row, d)) continue;
                              Vec& sum = sums[candidate_of[t]];
                              for (std::size_t j = 0; j < d; ++j) sum[j] += row[j];
                              ++counts[candidate_of[t]];
                          }
                          for (; f < op_feeds.size() && op_feeds[f].first < e; ++f) {
                              const float* row = x + (op_feeds[f].first - b) * d;
                              if (!row_finite(row, d)) continue;
                              for (std::size_t j = 0; j < d; ++j)
                                  op_sums[op_feeds[f].second][j] += row[j];
                              ++op_counts[op_feeds[f].second];
                          }
                      });
        for (std::size_t c = 0; c < sums.size(); ++c) {
            if (counts[c] == 0) {
                sums[c].clear();
                continue;
            }
            for (double& v : sums[c]) v /= static_cast<double>(counts[c]);
            if (o.normalize) normalise(sums[c]);
        }
        Vec q(d, 0.0);
        for (std::size_t k = 0; k < operands.size(); ++k) {
            if (op_counts[k] == 0)
                throw InputError(dump.where() + "token '" + operands[k].name +
                                 "' has no finite state at " + s.state_names[states[li]]);
            for (double& v : op_sums[k]) v /= static_cast<double>(op_counts[k]);
            if (o.normalize) normalise(op_sums[k]);
            for (std::size_t j = 0; j < d; ++j) q[j] += r.terms[k].first * op_sums[k][j];
        }
        AnalogyLayer l = rank(sums, names, excluded, q, o.top, expected);
        l.layer = states[li];
        l.name = s.state_names[states[li]];
        r.layers.push_back(std::move(l));
    }
    progress.report(1.0, "analogy done");
    return r;
}

namespace {

nlohmann::json layer_json(const AnalogyResult& r, const AnalogyLayer& l) {
    nlohmann::json results = nlohmann::json::array();
    for (const auto& h : l.results) {
        nlohmann::json j = {{"token", h.token}, {"cosine", num(h.cosine)}};
        if (h.id) j["id"] = *h.id;
        results.push_back(j);
    }
    nlohmann::json j = {{"layer", l.layer ? nlohmann::json(*l.layer) : nlohmann::json(nullptr)},
                        {"name", l.name},
                        {"results", results}};
    if (!r.expect.empty())
        j["expected"] = {{"token", r.expect},
                         {"rank", l.expected_rank ? nlohmann::json(*l.expected_rank) : nullptr},
                         {"cosine", num(l.expected_cosine)}};
    return j;
}

}  // namespace

nlohmann::json to_json(const AnalogyResult& r) {
    nlohmann::json j = {{"query", r.query},
                        {"source", r.source},
                        {"normalized", r.normalized},
                        {"candidates", r.candidates}};
    if (!r.stream.empty()) j["stream"] = r.stream;
    if (r.layers.size() == 1) {
        j.update(layer_json(r, r.layers[0]));
    } else {
        nlohmann::json layers = nlohmann::json::array();
        for (const auto& l : r.layers) layers.push_back(layer_json(r, l));
        j["layers"] = layers;
    }
    return j;
}

std::string to_csv(const AnalogyResult& r) {
    std::ostringstream os;
    os << "layer,name,rank,token,cosine\n";
    for (const auto& l : r.layers)
        for (std::size_t k = 0; k < l.results.size(); ++k)
            os << (l.layer ? std::to_string(*l.layer) : "") << ',' << csv_text(l.name) << ','
               << k + 1 << ',' << csv_text(token_label(l.results[k].token, l.results[k].id)) << ','
               << csv_num(l.results[k].cosine) << '\n';
    return os.str();
}

}  // namespace es::analysis
