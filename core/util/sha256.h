#pragma once
// SHA-256 (FIPS 180-4) of a file, streamed in 1 MiB reads: the provenance of a results bundle
// names the dump it was computed from by content, not only by path. No Qt.
#include <cstdint>
#include <string>

namespace es::util {

// Lower-case hex digest of the file's bytes; InputError when it cannot be read. `bytes` gets the
// file's size.
std::string sha256_of_file(const std::string& path, std::uint64_t* bytes = nullptr);
// Of a string (tests: the FIPS examples).
std::string sha256_of(const std::string& data);

}  // namespace es::util
