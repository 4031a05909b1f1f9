#include "analysis/token_lookup.h"

#include <cctype>

#include "util/error.h"

namespace es::analysis {

namespace {

bool all_digits(const std::string& s) {
    if (s.empty() || s.size() > 18) return false;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

bool quoted(const std::string& s) {
    return s.size() >= 2 && s.front() == '\'' && s.back() == '\'';
}

std::string trimmed(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

// Indices i of texts with texts[i] == want, else with trimmed(texts[i]) == trimmed(want).
template <typename TextOf>
std::vector<std::size_t> matches(std::size_t n, const TextOf& text_of, const std::string& want) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < n; ++i)
        if (text_of(i) == want) out.push_back(i);
    if (!out.empty()) return out;
    const std::string t = trimmed(want);
    if (t.empty()) return out;
    for (std::size_t i = 0; i < n; ++i)
        if (trimmed(text_of(i)) == t) out.push_back(i);
    return out;
}

}  // namespace

std::vector<std::string> split_outside_quotes(const std::string& text, char sep) {
    std::vector<std::string> out(1);
    bool in_quotes = false;
    for (char c : text) {
        if (c == '\'') in_quotes = !in_quotes;
        if (c == sep && !in_quotes)
            out.emplace_back();
        else
            out.back() += c;
    }
    if (in_quotes) throw InputError("unbalanced quote in '" + text + "'");
    for (const auto& p : out)
        if (p.empty())
            throw InputError("empty token name in '" + text + "' (separator '" +
                             std::string(1, sep) + "')");
    return out;
}

TokenRef resolve_token(const Dump& dump, const StreamInfo& s, const std::string& name) {
    TokenRef r;
    const std::size_t T = s.n_tokens();
    if (!quoted(name) && all_digits(name)) {
        r.name = name;
        const std::size_t i = std::stoull(name);
        if (i >= T)
            throw InputError(dump.where() + "token index " + name + " is out of range: stream " +
                             s.name + " holds tokens 0.." + std::to_string(T - 1));
        r.occurrences.push_back(i);
        return r;
    }
    r.name = quoted(name) ? name.substr(1, name.size() - 2) : name;
    const auto& tokens = dump.tokens();
    r.occurrences = matches(
        std::min(T, tokens.size()),
        [&](std::size_t i) -> const std::string& { return tokens[i].text; }, r.name);
    if (r.occurrences.empty())
        throw InputError(dump.where() + "token '" + r.name +
                         "' does not occur in the dump's token table (" +
                         std::to_string(tokens.size()) +
                         " tokens); name it by its text as the table has it, or by flat index");
    return r;
}

std::size_t resolve_vocab_id(const Dump& dump, const std::string& name, std::size_t vocab) {
    if (!quoted(name) && all_digits(name)) {
        const std::size_t id = std::stoull(name);
        if (id >= vocab)
            throw InputError(dump.where() + "token id " + name +
                             " is out of range: the vocabulary has " + std::to_string(vocab) +
                             " entries");
        return id;
    }
    const std::string text = quoted(name) ? name.substr(1, name.size() - 2) : name;
    const auto& v = dump.vocabulary();
    auto m = matches(
        std::min(v.size(), vocab), [&](std::size_t i) -> const std::string& { return v[i]; }, text);
    if (!m.empty()) return m.front();
    const auto& tokens = dump.tokens();
    m = matches(
        tokens.size(), [&](std::size_t i) -> const std::string& { return tokens[i].text; }, text);
    for (std::size_t i : m)
        if (tokens[i].id && *tokens[i].id >= 0 && static_cast<std::size_t>(*tokens[i].id) < vocab)
            return static_cast<std::size_t>(*tokens[i].id);
    throw InputError(dump.where() + "token '" + text +
                     "' is in neither the dump's vocabulary nor its token table with an id");
}

}  // namespace es::analysis
