#pragma once
// Refuses, before allocating, a request that cannot fit in the machine's physical memory (a
// Gram matrix of 10^6 tokens, a covariance of a 10^6-wide state): one clear InputError instead
// of std::bad_alloc, an OOM kill or minutes of swapping.
#include <cstdint>
#include <string>

namespace es::numerics {

// Physical memory in bytes (sysconf pages x page size). EIGENSCOPE_MEMORY_LIMIT_BYTES, when set
// to a positive number, replaces it: tests use it to reach the refusal with small files.
std::uint64_t physical_memory_bytes();

// "7.3 TB", "512 MB", "24 GB": binary multiples, one decimal below 10.
std::string format_bytes(double bytes);

// Throws InputError "<context>this needs 7.3 TB of memory for <what>; the machine has 24 GB"
// when bytes exceeds physical memory. bytes is a double so that T * T * 8 cannot overflow.
void require_memory(double bytes, const std::string& what, const std::string& context = {});

}  // namespace es::numerics
