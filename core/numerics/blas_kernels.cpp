#include "numerics/blas_kernels.h"

#include <cstdlib>

extern "C" {
// OpenBLAS (weak: absent with another BLAS, then nothing is switched). gotoblas_dynamic_init()
// reads OPENBLAS_CORETYPE and installs that kernel table unless one is installed;
// gotoblas_dynamic_quit() uninstalls it. Both are exported by DYNAMIC_ARCH builds.
char* openblas_get_corename(void) __attribute__((weak));
void gotoblas_dynamic_init(void) __attribute__((weak));
void gotoblas_dynamic_quit(void) __attribute__((weak));
}

namespace es::numerics {

CpuFeatures cpu_features() {
    CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
    // libgcc's checks include the OS saving the registers (XCR0), as OpenBLAS' own do.
    __builtin_cpu_init();
    f.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    f.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    f.avx = __builtin_cpu_supports("avx");
#endif
    return f;
}

std::string better_blas_kernels(const std::string& corename, const CpuFeatures& cpu) {
    // Only the generic fallback is replaced: a model OpenBLAS knows keeps its own tuning.
    if (corename != "Prescott") return {};
    if (cpu.avx512) return "SkylakeX";
    if (cpu.avx2_fma) return "Haswell";
    if (cpu.avx) return "Sandybridge";
    return {};
}

std::string blas_kernels() {
    return openblas_get_corename ? std::string(openblas_get_corename()) : std::string();
}

std::string choose_blas_kernels() {
    if (!openblas_get_corename || !gotoblas_dynamic_init || !gotoblas_dynamic_quit) return {};
    if (std::getenv("OPENBLAS_CORETYPE")) return {};  // the user's choice
    const std::string before = blas_kernels();
    const std::string better = better_blas_kernels(before, cpu_features());
    if (better.empty()) return {};
    // Set for this process and the processes it starts (supervised children, helpers), then
    // reinstalled: no BLAS call has run yet, so no buffer or thread holds the old tables.
    setenv("OPENBLAS_CORETYPE", better.c_str(), 1);
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    const std::string now = blas_kernels();
    return now == before ? std::string() : now + " (OpenBLAS chose " + before + ")";
}

}  // namespace es::numerics
