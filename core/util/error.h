#pragma once
// The three ways a core call can fail. The CLI maps them to exit codes (2, 130, 1) and the app
// to dialogs; nothing in core aborts or prints.
#include <memory>
#include <stdexcept>
#include <string>

namespace es {

// The user's input is at fault (bad file, bad dataset, bad option). Two parts:
//   what()    one line for a person: the file, the dataset if any, what is wrong with it in their
//             terms, and what to do ("FILE: truncated HDF5 file: it ends at 25.6 KB but its
//             header says 51.2 KB; was it copied completely?");
//   detail()  the library's own words behind it (HDF5's error stack, one entry a line), or "":
//             the CLI prints it under "detail:", the app behind the dialog's "Show Details...".
class InputError : public std::runtime_error {
public:
    explicit InputError(const std::string& message, const std::string& detail = {})
        : std::runtime_error(message),
          detail_(detail.empty() ? nullptr : std::make_shared<const std::string>(detail)) {}
    const std::string& detail() const {
        static const std::string none;
        return detail_ ? *detail_ : none;
    }

private:
    std::shared_ptr<const std::string> detail_;  // shared: copying an exception must not throw
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
