// Spectra of two layers at once (SpectrumOptions::threads = 2): the same numbers as one layer at
// a time, progress messages in layer order, and OpenBLAS's global thread count restored after
// success and after cancellation.
#include <gtest/gtest.h>

#include <cmath>
#include <mutex>
#include <string>
#include <vector>

#include "analysis/spectrum.h"
#include "io/dump.h"
#include "numerics/linalg.h"
#include "test_support.h"
#include "util/error.h"

namespace an = es::analysis;

namespace {

struct BlasRestore {
    int saved = es::numerics::blas_threads();
    ~BlasRestore() { es::numerics::set_blas_threads(saved); }
};

}  // namespace

TEST(SpectrumLayers, TwoAtOnceMatchesSequentialInOrder) {
    BlasRestore restore;
    es::numerics::set_blas_threads(2);
    // What the BLAS reports back: 2 with a threaded OpenBLAS, 1 with a serial OpenBLAS or a
    // reference BLAS (no thread control), whatever the machine's core count.
    const int blas = es::numerics::blas_threads();
    auto dump = es::Dump::open(es::test::fixture("good/analysis_synth.h5"));
    an::SpectrumOptions o;
    o.threads = 1;
    const an::SpectrumResult seq = an::spectrum(*dump, o, es::no_progress());
    ASSERT_GE(seq.layers.size(), 3u);

    std::mutex mutex;
    std::vector<std::string> messages;
    es::Progress progress([&](double, const std::string& m) {
        std::lock_guard<std::mutex> lock(mutex);
        messages.push_back(m);
    });
    o.threads = 2;
    const an::SpectrumResult par = an::spectrum(*dump, o, progress);
    EXPECT_EQ(es::numerics::blas_threads(), blas) << "BLAS thread count restored";

    ASSERT_EQ(par.layers.size(), seq.layers.size());
    for (std::size_t l = 0; l < seq.layers.size(); ++l) {
        EXPECT_EQ(par.layers[l].layer, seq.layers[l].layer);
        const auto &a = seq.layers[l].singular_values, &b = par.layers[l].singular_values;
        ASSERT_EQ(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i)
            EXPECT_NEAR(b[i], a[i], 1e-6 * std::max(1.0, std::abs(a[i])));
        ASSERT_EQ(par.layers[l].components.size(), seq.layers[l].components.size());
    }
    // "layer i/n: spectrum" for every layer, i increasing, then "spectrum done".
    const std::size_t n = seq.layers.size();
    ASSERT_EQ(messages.size(), n + 1);
    for (std::size_t i = 0; i < n; ++i)
        EXPECT_EQ(messages[i].rfind("layer " + std::to_string(i + 1) + "/" + std::to_string(n), 0),
                  0u)
            << messages[i];
    EXPECT_EQ(messages.back(), "spectrum done");
}

TEST(SpectrumLayers, CancellationRestoresBlasThreads) {
    BlasRestore restore;
    es::numerics::set_blas_threads(2);
    const int blas = es::numerics::blas_threads();  // 1 without thread control, as above
    auto dump = es::Dump::open(es::test::fixture("good/analysis_synth.h5"));
    es::Progress* self = nullptr;
    int reports = 0;
    es::Progress progress([&](double, const std::string&) {
        if (++reports == 2) self->cancel();
    });
    self = &progress;
    an::SpectrumOptions o;
    o.threads = 2;
    EXPECT_THROW(an::spectrum(*dump, o, progress), es::CancelledError);
    EXPECT_EQ(es::numerics::blas_threads(), blas);
}
