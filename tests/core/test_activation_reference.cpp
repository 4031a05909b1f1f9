// The activation analyses against tests/reference/reference_activations.py (numpy/scipy float64,
// full SVDs): 1e-4 relative for values (singular values, CKA, norms, coordinates, ...), 1e-3
// degrees for principal angles. Only keys present in the reference are compared.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <string>

#include "analysis/cka.h"
#include "analysis/equaliser.h"
#include "analysis/lens.h"
#include "analysis/project.h"
#include "analysis/spectrum.h"
#include "analysis/timescales.h"
#include "analysis/trajectory.h"
#include "io/dump.h"
#include "test_support.h"
#include "util/error.h"

using nlohmann::json;
namespace an = es::analysis;

namespace {

std::string expected_path(const std::string& name) {
    return std::string(EIGENSCOPE_FIXTURES) + "/../reference/expected/" + name;
}

double max_abs(const json& arr) {
    double m = 0;
    for (const auto& v : arr)
        if (v.is_number()) m = std::max(m, std::abs(v.get<double>()));
    return m;
}

// Recursive comparison of every number (and null) in `e` with `a`; strings are not compared
// (state names differ in spelling between the reference and the reader for HF dumps).
void compare(const json& a, const json& e, const std::string& path, double scale, int& failures) {
    if (failures > 20) return;
    const bool angles = path.find("angles_deg") != std::string::npos;
    if (e.is_null()) {
        if (!a.is_null()) ADD_FAILURE() << path << ": expected null, got " << a.dump(), ++failures;
    } else if (e.is_number()) {
        if (!a.is_number()) {
            ADD_FAILURE() << path << ": expected " << e.dump() << ", got " << a.dump();
            ++failures;
            return;
        }
        const double x = a.get<double>(), y = e.get<double>();
        const double tol = angles ? 1e-3 : 1e-4 * (std::abs(y) + 1e-2 * scale) + 1e-12;
        if (!(std::abs(x - y) <= tol)) {
            ADD_FAILURE() << path << ": " << x << " vs reference " << y << " (tol " << tol << ")";
            ++failures;
        }
    } else if (e.is_array()) {
        if (!a.is_array() || a.size() != e.size()) {
            ADD_FAILURE() << path << ": array size " << (a.is_array() ? a.size() : 0) << " vs "
                          << e.size();
            ++failures;
            return;
        }
        const double s = std::max(scale, max_abs(e));
        for (std::size_t i = 0; i < e.size(); ++i)
            compare(a[i], e[i], path + "[" + std::to_string(i) + "]", s, failures);
    } else if (e.is_object()) {
        for (auto it = e.begin(); it != e.end(); ++it) {
            if (it.key() == "options" || it.key() == "file") continue;
            if (!a.contains(it.key())) {
                ADD_FAILURE() << path << ": missing key " << it.key();
                ++failures;
                continue;
            }
            compare(a[it.key()], it.value(), path + "." + it.key(), 0.0, failures);
        }
    }
}

void expect_matches(const json& actual, const json& expected, const std::string& what) {
    int failures = 0;
    compare(actual, expected, what, 0.0, failures);
}

struct Case {
    std::string fixture, reference;
};

class ActivationReference : public ::testing::TestWithParam<Case> {};

TEST_P(ActivationReference, AllAnalysesMatchNumpy) {
    const Case c = GetParam();
    struct stat st;
    ASSERT_EQ(::stat(c.fixture.c_str(), &st), 0) << c.fixture << " is missing (it is committed)";
    const json ref = es::test::load_json(expected_path(c.reference));
    auto dump = es::Dump::open(c.fixture);
    es::Progress& p = es::no_progress();

    expect_matches(an::to_json(an::trajectory(*dump, {}, p)), ref["trajectory"], "trajectory");

    an::SpectrumOptions so;
    expect_matches(an::to_json(an::spectrum(*dump, so, p)), ref["spectrum"], "spectrum");
    so.centred = false;
    so.top_k = 4;
    expect_matches(an::to_json(an::spectrum(*dump, so, p)), ref["spectrum_uncentred"],
                   "spectrum_uncentred");

    expect_matches(an::to_json(an::cka(*dump, {}, p)), ref["cka"], "cka");

    for (const char* key : {"equaliser", "equaliser_dims"}) {
        const json& o = ref[key]["options"];
        an::EqualiserOptions eo;
        eo.layer = o["layer"];
        eo.token = o["token"];
        eo.bands = o["bands"];
        eo.normalize = o["normalize"];
        if (o.contains("basis")) eo.basis = an::EqualiserBasis::Dims;
        // Everything, on the rank-deficient fixture (analysis_wide: 24 tokens, 64 dimensions)
        // too: the components past the rank are null on both sides and their sum compared.
        expect_matches(an::to_json(an::equaliser(*dump, eo, p)), ref[key], key);
    }

    an::ProjectOptions po;
    expect_matches(an::to_json(an::project(*dump, po, p)), ref["project"], "project");
    po.spherize = true;
    expect_matches(an::to_json(an::project(*dump, po, p)), ref["project_spherized"],
                   "project_spherized");
    if (ref.contains("project_axes")) {
        an::ProjectOptions pa;
        for (const auto& ax : ref["project_axes"]["options"]["axes"])
            pa.axes.push_back({ax[0].get<std::size_t>(), ax[1].get<std::size_t>(),
                               ax[2].get<std::size_t>(), "", ""});
        expect_matches(an::to_json(an::project(*dump, pa, p)), ref["project_axes"], "project_axes");
    }
    if (ref.contains("timescales")) {
        an::TimescalesOptions to;
        to.components = ref["timescales"]["options"]["components"];
        expect_matches(an::to_json(an::timescales(*dump, to, p)), ref["timescales"], "timescales");
    }
    if (ref.contains("lens")) {
        an::LensOptions lo;
        lo.token = ref["lens"]["options"]["token"];
        lo.top_k = ref["lens"]["options"]["top"];
        const json a = an::to_json(an::lens(*dump, lo, p));
        expect_matches(a, ref["lens"], "lens");
        // Token strings when the reference knows the vocabulary.
        for (std::size_t l = 0; l < ref["lens"]["layers"].size(); ++l)
            for (std::size_t q = 0; q < ref["lens"]["layers"][l]["top"].size(); ++q) {
                const json& e = ref["lens"]["layers"][l]["top"][q];
                EXPECT_EQ(a["layers"][l]["top"][q]["id"], e["id"]);
                if (e.contains("token")) {
                    EXPECT_EQ(a["layers"][l]["top"][q]["token"], e["token"]);
                }
            }
    }
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, ActivationReference,
    ::testing::Values(Case{es::test::fixture("good/tl_batched_f32.h5"), "tl_batched_f32.json"},
                      Case{es::test::fixture("good/hf_batched.h5"), "hf_batched.json"},
                      Case{es::test::fixture("good/tl_nonfinite.h5"), "tl_nonfinite.json"},
                      Case{es::test::fixture("good/analysis_synth.h5"), "analysis_synth.json"},
                      Case{es::test::fixture("good/analysis_wide.h5"), "analysis_wide.json"},
                      Case{std::string(EIGENSCOPE_FIXTURES) + "/../../resources/demo/demo.h5",
                           "demo.json"}),
    [](const ::testing::TestParamInfo<Case>& info) {
        std::string n = info.param.reference.substr(0, info.param.reference.find('.'));
        for (char& ch : n)
            if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
        return n;
    });

TEST(ActivationReference, CkaAcrossTwoDumps) {
    auto a = es::Dump::open(es::test::fixture("good/tl_batched_f32.h5"));
    auto b = es::Dump::open(es::test::fixture("good/tl_bf16.h5"));
    an::CkaOptions o;
    o.other = b.get();
    const json j = an::to_json(an::cka(*a, o, es::no_progress()));
    expect_matches(j, es::test::load_json(expected_path("cka_tl_f32_vs_bf16.json")), "cka2");
    EXPECT_EQ(j["other_layers"].size(), 4u);
}

TEST(ActivationReference, CkaRefusesDifferentTokenCounts) {
    auto a = es::Dump::open(es::test::fixture("good/tl_batched_f32.h5"));
    auto b = es::Dump::open(es::test::fixture("good/analysis_synth.h5"));
    an::CkaOptions o;
    o.other = b.get();
    try {
        an::cka(*a, o, es::no_progress());
        FAIL() << "expected InputError";
    } catch (const es::InputError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("tl_batched_f32.h5"), std::string::npos) << m;
        EXPECT_NE(m.find("analysis_synth.h5"), std::string::npos) << m;
    }
}

}  // namespace
