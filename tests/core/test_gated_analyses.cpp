// Every analysis that leases its working set from the process's memory gate (issue 20) gives the
// numbers it gives without a budget: the spectrum, CKA (which sizes its Gram scheme by what it
// gets), the trajectory (its token block), the equaliser's PCA basis and frames and the
// projection's fit, run side by side under a budget smaller than their working sets together, so
// that they wait for each other. The spectrum and CKA are also checked against numpy (float64).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>

#include "analysis/cka.h"
#include "analysis/equaliser.h"
#include "analysis/project.h"
#include "analysis/spectrum.h"
#include "analysis/trajectory.h"
#include "io/dump.h"
#include "numerics/memory_gate.h"
#include "test_support.h"
#include "util/progress.h"

namespace an = es::analysis;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kTokens = 200, kD = 256, kLayers = 6;

struct Reference {
    fs::path dir, file;
    std::vector<std::vector<double>> spectra, cka;
};

const Reference& reference() {
    static const Reference ref = [] {
        Reference r;
        r.dir = fs::temp_directory_path() / ("es_gated_" + std::to_string(::getpid()));
        fs::create_directories(r.dir);
        r.file = r.dir / "gated.h5";
        const auto j = es::test::run_reference(
            "reference_gated.py", r.file.string() + " " + std::to_string(kTokens) + " " +
                                      std::to_string(kD) + " " + std::to_string(kLayers));
        if (j.is_null()) return r;
        r.spectra = j["spectra"].get<std::vector<std::vector<double>>>();
        r.cka = j["cka"].get<std::vector<std::vector<double>>>();
        return r;
    }();
    return ref;
}

struct All {
    an::SpectrumResult spectrum;
    an::CkaResult cka;
    an::TrajectoryResult trajectory;
    an::EqualiserResult equaliser;
    an::ProjectResult project;
};

// The five analyses, each on its own thread as the app's job pool runs them.
All run_all(const es::Dump& dump) {
    const std::string stream = dump.stream().name;
    an::SpectrumOptions so;
    so.stream = stream;
    an::CkaOptions co;
    co.stream = stream;
    an::TrajectoryOptions to;
    to.stream = stream;
    an::EqualiserOptions eo;
    eo.stream = stream;
    eo.token = 17;
    eo.layer = 2;
    an::ProjectOptions po;
    po.stream = stream;
    auto s =
        std::async(std::launch::async, [&] { return an::spectrum(dump, so, es::no_progress()); });
    auto c = std::async(std::launch::async, [&] { return an::cka(dump, co, es::no_progress()); });
    auto t =
        std::async(std::launch::async, [&] { return an::trajectory(dump, to, es::no_progress()); });
    auto e =
        std::async(std::launch::async, [&] { return an::equaliser(dump, eo, es::no_progress()); });
    auto p =
        std::async(std::launch::async, [&] { return an::project(dump, po, es::no_progress()); });
    return {s.get(), c.get(), t.get(), e.get(), p.get()};
}

// |a - b| within rel of the larger magnitude (floor 1e-300), both finite.
void expect_close(double a, double b, double rel, const std::string& what) {
    EXPECT_NEAR(a, b, rel * std::max({std::abs(a), std::abs(b), 1e-300})) << what;
}

// The process's gate with a budget for one test, and none after it (as the other tests expect).
struct Budget {
    explicit Budget(std::size_t bytes) {
        es::numerics::memory_gate().set_budget(bytes);
        es::numerics::memory_gate().reset_peak();
    }
    ~Budget() { es::numerics::memory_gate().set_budget(0); }
};

}  // namespace

TEST(GatedAnalyses, NumbersUnchangedUnderATightBudget) {
    ASSERT_EQ(reference().spectra.size(), kLayers) << "reference_gated.py failed";
    auto dump = es::Dump::open(reference().file.string());
    ASSERT_EQ(es::numerics::memory_gate().budget(), 0u);  // the tests' default: no budget
    const All free = run_all(*dump);
    // 2 MiB: each working set fits (the largest, the equaliser's basis fit, 24 d^2 = 1.5 MiB)
    // but not all of them at once, so the leases wait for each other and CKA gets less than it
    // would without a budget (the row blocks instead of whole Grams).
    const std::size_t budget = std::size_t{2} << 20;
    All gated;
    {
        const Budget b(budget);
        gated = run_all(*dump);
        EXPECT_LE(es::numerics::memory_gate().peak_held(), budget);
        EXPECT_GT(es::numerics::memory_gate().peak_held(), std::size_t{1} << 20);
        EXPECT_EQ(es::numerics::memory_gate().held(), 0u);           // every lease given back
        EXPECT_EQ(es::numerics::memory_gate().nested_grants(), 0u);  // none waited holding one
    }

    // Spectrum: every layer against the ungated run and numpy's float64 SVD.
    ASSERT_EQ(gated.spectrum.layers.size(), kLayers);
    for (std::size_t l = 0; l < kLayers; ++l) {
        const auto& g = gated.spectrum.layers[l].singular_values;
        const auto& f = free.spectrum.layers[l].singular_values;
        const auto& np = reference().spectra[l];
        ASSERT_EQ(g.size(), f.size());
        ASSERT_GE(g.size(), 100u);
        for (std::size_t i = 0; i < g.size(); ++i) {
            expect_close(g[i], f[i], 1e-12, "spectrum layer " + std::to_string(l));
            // From the float64 Gram's eigenvalues: each squared value within a few n eps of the
            // largest squared one (so the centred state's null value is ~1e-8 of the largest,
            // where numpy's SVD gives ~1e-16).
            EXPECT_NEAR(g[i] * g[i], np[i] * np[i], 1e-12 * np[0] * np[0])
                << "layer " << l << " value " << i;
        }
    }
    // CKA: the same matrix whatever scheme the memory it got chose, and numpy's.
    ASSERT_EQ(gated.cka.matrix.size(), kLayers);
    for (std::size_t i = 0; i < kLayers; ++i)
        for (std::size_t j = 0; j < kLayers; ++j) {
            ASSERT_TRUE(gated.cka.matrix[i][j] && free.cka.matrix[i][j]);
            EXPECT_NEAR(*gated.cka.matrix[i][j], *free.cka.matrix[i][j], 1e-12);
            EXPECT_NEAR(*gated.cka.matrix[i][j], reference().cka[i][j], 1e-9);
        }
    EXPECT_GT(reference().cka[0][kLayers - 1], 0.05);
    EXPECT_LT(reference().cka[0][kLayers - 1], 0.999);
    // Trajectory: every token's norm and cosines, whatever block the gate allowed.
    ASSERT_EQ(gated.trajectory.norm.size(), kTokens);
    ASSERT_EQ(free.trajectory.norm.size(), kTokens);
    for (std::size_t t = 0; t < kTokens; ++t) {
        ASSERT_EQ(gated.trajectory.norm[t].size(), kLayers);
        for (std::size_t l = 0; l < kLayers; ++l) {
            expect_close(gated.trajectory.norm[t][l], free.trajectory.norm[t][l], 1e-12, "norm");
            const auto& gc = gated.trajectory.cos_prev[t][l];
            const auto& fc = free.trajectory.cos_prev[t][l];
            ASSERT_EQ(gc.has_value(), fc.has_value());
            if (gc) {
                EXPECT_NEAR(*gc, *fc, 1e-12);
            }
        }
    }
    // Equaliser: the PCA basis' explained variance and every frame's bands.
    ASSERT_EQ(gated.equaliser.basis_explained.size(), kD);
    for (std::size_t c = 0; c < kD; ++c)
        EXPECT_NEAR(gated.equaliser.basis_explained[c], free.equaliser.basis_explained[c], 1e-12);
    // The reference layer's centred scatter has rank kTokens - 1 (199 of 256): the bands past it
    // lie in its null space, where any orthonormal basis fits it (the two runs' bases differed
    // there by 1e-3 in CI: which BLAS threads ran the eigensolver), so they are not given one by
    // one (EqualiserResult::determined) but as one sum, the same in every basis of that space.
    ASSERT_EQ(gated.equaliser.frames.size(), free.equaliser.frames.size());
    EXPECT_EQ(gated.equaliser.determined, kTokens - 1);
    EXPECT_EQ(free.equaliser.determined, kTokens - 1);
    const std::size_t edge = gated.equaliser.determined_to_edge;
    ASSERT_EQ(free.equaliser.determined_to_edge, edge);
    const auto& edges = gated.equaliser.band_edges;
    for (std::size_t f = 0; f < gated.equaliser.frames.size(); ++f) {
        const std::string frame = "equaliser frame " + std::to_string(f);
        for (std::size_t b = 0; b < gated.equaliser.frames[f].size(); ++b) {
            const auto& g = gated.equaliser.frames[f][b];
            const auto& u = free.equaliser.frames[f][b];
            ASSERT_EQ(g.has_value(), edges[b + 1] <= edge) << frame << " band " << b;
            ASSERT_EQ(u.has_value(), edges[b + 1] <= edge) << frame << " band " << b;
            if (g) expect_close(*g, *u, 1e-9, frame + " band " + std::to_string(b));
        }
        ASSERT_TRUE(gated.equaliser.undetermined[f] && free.equaliser.undetermined[f]);
        expect_close(*gated.equaliser.undetermined[f], *free.equaliser.undetermined[f], 1e-9,
                     frame + ": the null space's bands together");
    }
    // Projection: the three axes' explained variance and every state's coordinates.
    ASSERT_EQ(gated.project.explained_variance.size(), 3u);
    for (std::size_t a = 0; a < 3; ++a)
        EXPECT_NEAR(gated.project.explained_variance[a], free.project.explained_variance[a], 1e-12);
    ASSERT_EQ(gated.project.coordinates.size(), free.project.coordinates.size());
    for (std::size_t l = 0; l < gated.project.coordinates.size(); ++l)
        for (std::size_t t = 0; t < kTokens; ++t)
            for (std::size_t a = 0; a < 3; ++a)
                EXPECT_NEAR((*gated.project.coordinates[l][t])[a],
                            (*free.project.coordinates[l][t])[a], 1e-9);
    fs::remove_all(reference().dir);
}
