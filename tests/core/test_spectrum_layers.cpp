// Spectra of two layers at once (SpectrumOptions::threads = 2): the same numbers as one layer at
// a time, progress messages in layer order, and OpenBLAS's global thread count restored after
// success and after cancellation.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <memory>
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

// Singular values of one layer computed twice: equal to 1e-6 relative, not bit for bit, since
// OpenBLAS blocks its sums differently with another thread count or a concurrent layer.
void expect_same_values(const std::vector<double>& a, const std::vector<double>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
        EXPECT_NEAR(b[i], a[i], 1e-6 * std::max(1.0, std::abs(a[i]))) << "value " << i;
}

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
        expect_same_values(seq.layers[l].singular_values, par.layers[l].singular_values);
        ASSERT_EQ(par.layers[l].components.size(), seq.layers[l].components.size());
    }
    // "layer S of n" for every layer as it is taken, in state order, then "spectrum done".
    const std::size_t n = seq.layers.size();
    ASSERT_EQ(messages.size(), n + 1);
    for (std::size_t i = 0; i < n; ++i)
        EXPECT_EQ(messages[i],
                  "layer " + std::to_string(seq.layers[i].layer) + " of " + std::to_string(n));
    EXPECT_EQ(messages.back(), "spectrum done");
}

// The memory budget decides only how many layers run at once: the M dump's 4096 x 4096 layers
// (about 200 MB each) run one at a time in the app's 384 MB share and two at once in 1 GB, and a
// budget too small for two layers gives the same numbers as two at once.
TEST(SpectrumLayers, BudgetDecidesLayersAtOnceNotNumbers) {
    const std::size_t mb = std::size_t{1} << 20;
    EXPECT_EQ(an::spectrum_layers_at_once(33, 4096, 4096, 0, 2, 384 * mb), 1);
    EXPECT_EQ(an::spectrum_layers_at_once(33, 4096, 4096, 0, 2, 1024 * mb), 2);
    EXPECT_EQ(an::spectrum_layers_at_once(33, 4096, 1024, 0, 2, 384 * mb), 2);
    EXPECT_EQ(an::spectrum_layers_at_once(33, 4096, 4096, 0, 1, 1024 * mb), 1);
    EXPECT_EQ(an::spectrum_layers_at_once(1, 4096, 4096, 0, 2, 1024 * mb), 1);

    BlasRestore restore;
    auto dump = es::Dump::open(es::test::fixture("good/analysis_synth.h5"));
    an::SpectrumOptions o;
    o.threads = 2;
    const an::SpectrumResult pair = an::spectrum(*dump, o, es::no_progress());
    o.memory_budget = 1;  // below any layer: one at a time
    const an::SpectrumResult one = an::spectrum(*dump, o, es::no_progress());
    ASSERT_EQ(one.layers.size(), pair.layers.size());
    for (std::size_t l = 0; l < pair.layers.size(); ++l) {
        EXPECT_EQ(one.layers[l].layer, pair.layers[l].layer);
        const auto &a = pair.layers[l].singular_values, &b = one.layers[l].singular_values;
        ASSERT_EQ(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i)
            EXPECT_NEAR(b[i], a[i], 1e-6 * std::max(1.0, std::abs(a[i])));
        EXPECT_EQ(one.layers[l].components.size(), pair.layers[l].components.size());
    }
}

// Progressive spectra (the app): the focused state first, then outward; each layer handed out as
// it completes with the states still pending; the numbers equal the ones computed in order, and
// a focus moved while layers run re-orders the layers not yet started.
TEST(SpectrumLayers, FocusedLayerFirstThenOutwardEachDeliveredAsItCompletes) {
    auto dump = es::Dump::open(es::test::fixture("good/analysis_synth.h5"));
    an::SpectrumOptions o;
    o.threads = 1;
    const an::SpectrumResult seq = an::spectrum(*dump, o, es::no_progress());
    const std::size_t n = seq.layers.size();
    ASSERT_GE(n, 4u);
    const std::size_t middle = seq.layers[n / 2].layer;
    auto focus = std::make_shared<std::atomic<long long>>(static_cast<long long>(middle));
    o.focus = focus;
    std::vector<an::SpectrumResult> partials;
    o.on_layer = [&](const an::SpectrumResult& p) { partials.push_back(p); };
    const an::SpectrumResult prog = an::spectrum(*dump, o, es::no_progress());

    // Every layer but the last is handed out as a partial result; the last one is the result.
    ASSERT_EQ(partials.size(), n - 1);
    EXPECT_TRUE(prog.pending_layers.empty());
    std::vector<std::size_t> order;  // the state each partial added
    for (std::size_t i = 0; i < partials.size(); ++i) {
        const an::SpectrumResult& p = partials[i];
        ASSERT_EQ(p.layers.size(), i + 1);
        ASSERT_EQ(p.layers.size() + p.pending_layers.size(), n) << "every state done or pending";
        for (const an::LayerSpectrum& l : p.layers) {
            bool seen = false;
            for (std::size_t s : order) seen |= s == l.layer;
            if (!seen) order.push_back(l.layer);
        }
        for (std::size_t j = 1; j < p.layers.size(); ++j)
            EXPECT_LT(p.layers[j - 1].layer, p.layers[j].layer) << "state order";
    }
    ASSERT_EQ(order.size(), n - 1);
    EXPECT_EQ(order[0], middle) << "the focused state first";
    // Outward: each next state is no nearer the focus than the one before.
    for (std::size_t j = 1; j < order.size(); ++j)
        EXPECT_GE(
            std::llabs(static_cast<long long>(order[j]) - static_cast<long long>(middle)),
            std::llabs(static_cast<long long>(order[j - 1]) - static_cast<long long>(middle)));
    // Same numbers as in state order, in the result and in every partial.
    ASSERT_EQ(prog.layers.size(), n);
    for (std::size_t l = 0; l < n; ++l) {
        EXPECT_EQ(prog.layers[l].layer, seq.layers[l].layer);
        expect_same_values(seq.layers[l].singular_values, prog.layers[l].singular_values);
    }
    for (const an::LayerSpectrum& l : partials.back().layers) {
        for (const an::LayerSpectrum& ref : seq.layers) {
            if (ref.layer == l.layer) {
                expect_same_values(ref.singular_values, l.singular_values);
            }
        }
    }

    // The focus moved to the last state after the first layer: the rest start from there.
    partials.clear();
    focus->store(static_cast<long long>(seq.layers.front().layer));
    o.on_layer = [&](const an::SpectrumResult& p) {
        if (partials.empty()) focus->store(static_cast<long long>(seq.layers.back().layer));
        partials.push_back(p);
    };
    an::spectrum(*dump, o, es::no_progress());
    ASSERT_GE(partials.size(), 2u);
    EXPECT_EQ(partials[0].layers.front().layer, seq.layers.front().layer);
    bool has_last = false;
    for (const an::LayerSpectrum& l : partials[1].layers)
        has_last |= l.layer == seq.layers.back().layer;
    EXPECT_TRUE(has_last) << "the newly focused state is the next one computed";
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
