#pragma once
// The three ways a core call can fail. The CLI maps them to exit codes (2, 130, 1) and the app
// to dialogs; nothing in core aborts or prints.
#include <stdexcept>
#include <string>

namespace es {

// The user's input is at fault (bad file, bad dataset, bad option). Message names file and dataset.
class InputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The request was cancelled through its Progress handle.
class CancelledError : public std::runtime_error {
public:
    CancelledError() : std::runtime_error("cancelled") {}
};

// Everything else: a bug or an environment failure (out of memory, LAPACK error).
class InternalError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace es
