#pragma once
// Which OpenBLAS kernels run. Debian's OpenBLAS (0.3.21, DYNAMIC_ARCH) picks its kernels by CPU
// model at load, and a model it does not know gets its generic SSE3 kernels ("Prescott"), even on
// a CPU with AVX-512: on this project's VM (Xeon model 207) float32 products ran at 19-23 GFLOPS
// on one core, against 70-90 with the SkylakeX kernels (docs/PERFORMANCE.md, issue 20), and the
// spectrum's float64 Gram and eigensolve 2-4x slower. OPENBLAS_CORETYPE chooses the kernels
// explicitly; a user who sets it is obeyed.
#include <string>

namespace es::numerics {

// What the CPU can run, as the choice needs it.
struct CpuFeatures {
    bool avx512 = false;  // avx512f, bw, dq and vl, usable by the OS (what SkylakeX kernels use)
    bool avx2_fma = false;
    bool avx = false;
};
CpuFeatures cpu_features();

// The kernels to ask for when OpenBLAS chose `corename`: empty to keep them (a model it knows),
// else the best set the CPU runs when it fell back to the generic "Prescott".
std::string better_blas_kernels(const std::string& corename, const CpuFeatures& cpu);

// The kernels OpenBLAS uses ("SkylakeX"); empty without OpenBLAS.
std::string blas_kernels();

// Switches OpenBLAS to better_blas_kernels() when it fell back to generic kernels and
// OPENBLAS_CORETYPE is not set. Call first thing in main(), before any BLAS call and before
// threads start. Returns what it did, for logs ("SkylakeX (OpenBLAS chose Prescott)"), or empty.
std::string choose_blas_kernels();

}  // namespace es::numerics
