#pragma once
// Tokens named as users type them in the direction, analogy and neighbour verbs: by their text as
// the dump's token table has it ("king"), or by flat index ("17"). A name in single quotes is
// always text (' the', '42', 'a:b'): the quotes keep spaces, digits and separators literal.
// Every failure is an InputError naming the file and the token.
#include <cstddef>
#include <string>
#include <vector>

#include "io/dump.h"

namespace es::analysis {

// A named token and the flat indices of its occurrences in the stream (one for a flat index).
struct TokenRef {
    std::string name;  // as typed, quotes removed
    std::vector<std::size_t> occurrences;
};

// "a:b,c:d" split at `sep` outside single quotes; pieces keep their quotes (resolve_token reads
// them). Empty pieces are an InputError quoting the text.
std::vector<std::string> split_outside_quotes(const std::string& text, char sep);

// Digits: a flat index (< the stream's tokens). Otherwise text: the tokens whose raw text equals
// it, else (no exact match) those whose text equals it once leading and trailing whitespace are
// trimmed on both sides (" king" for "king"). None: InputError "FILE: token 'x' does not occur".
TokenRef resolve_token(const Dump& dump, const StreamInfo& s, const std::string& name);

// A vocabulary entry for the weight rows (W_E[t], W_U[t]): digits are a token id (< vocab),
// text is looked up in the dump's vocabulary (exact, then trimmed) and, without one, among the
// dump's tokens that carry an id.
std::size_t resolve_vocab_id(const Dump& dump, const std::string& name, std::size_t vocab);

}  // namespace es::analysis
