// The disk cache of results: round trips every cached result type exactly (NaN and nulls
// included), detects corrupt and truncated entries, evicts least-recently-used entries beyond
// its limit, and a dump's identity changes whenever its file does.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "analysis/cka.h"
#include "analysis/project.h"
#include "analysis/spectrum.h"
#include "analysis/weight_spectra.h"
#include "cache/result_cache.h"
#include "cache/result_codec.h"
#include "io/dump.h"
#include "test_support.h"
#include "util/progress.h"

namespace fs = std::filesystem;
namespace an = es::analysis;

namespace {

fs::path fresh_dir(const std::string& name) {
    const fs::path d =
        fs::temp_directory_path() / ("es_cache_test_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(d);
    return d;
}

}  // namespace

TEST(ResultCache, RoundTripsEveryCachedResultExactly) {
    const std::string path = es::test::fixture("good/analysis_synth.h5");
    auto dump = es::Dump::open(path);
    an::SpectrumOptions so;
    so.top_k = 2;
    const an::SpectrumResult spec = an::spectrum(*dump, so, es::no_progress());
    an::SpectrumResult spec2;
    ASSERT_TRUE(es::cache::decode(es::cache::encode(spec), spec2));
    EXPECT_EQ(an::to_json(spec2).dump(), an::to_json(spec).dump());
    ASSERT_EQ(spec2.layers.size(), spec.layers.size());
    for (std::size_t i = 0; i < spec.layers.size(); ++i) {
        EXPECT_EQ(spec2.layers[i].singular_values, spec.layers[i].singular_values);  // bitwise
        EXPECT_EQ(spec2.layers[i].components, spec.layers[i].components);
    }

    const an::CkaResult cka = an::cka(*dump, {}, es::no_progress());
    an::CkaResult cka2;
    ASSERT_TRUE(es::cache::decode(es::cache::encode(cka), cka2));
    EXPECT_EQ(cka2.matrix, cka.matrix);
    EXPECT_EQ(cka2.layers, cka.layers);

    an::ProjectResult proj = an::project(*dump, {}, es::no_progress());
    proj.coordinates[0][0].reset();  // a null state survives as null
    an::ProjectResult proj2;
    ASSERT_TRUE(es::cache::decode(es::cache::encode(proj), proj2));
    EXPECT_EQ(proj2.coordinates, proj.coordinates);
    EXPECT_EQ(proj2.axes, proj.axes);
    EXPECT_EQ(proj2.axis_labels, proj.axis_labels);
    // A UMAP layout stays one (the view's note and status read `method`).
    proj.method = "umap";
    proj.seed = 9;
    proj.knn = "hnsw";
    proj.dims = 2;
    ASSERT_TRUE(es::cache::decode(es::cache::encode(proj), proj2));
    EXPECT_EQ(proj2.method, "umap");
    EXPECT_EQ(proj2.seed, 9u);
    EXPECT_EQ(proj2.knn, "hnsw");
    EXPECT_EQ(proj2.dims, 2u);

    an::WeightSpectraResult w;
    w.file = "x.h5";
    an::MatrixSpectrum m;
    m.name = "blocks.0.attn.W_Q";
    m.shape = {4, 8};
    m.singular_values = {3.0, 2.0, std::nan("")};  // NaN kept (CBOR doubles)
    m.fit.ok = false;
    m.fit.reason = "too few eigenvalues";
    w.matrices.push_back(m);
    an::WeightSpectraResult w2;
    ASSERT_TRUE(es::cache::decode(es::cache::encode(w), w2));
    ASSERT_EQ(w2.matrices.size(), 1u);
    EXPECT_EQ(w2.matrices[0].singular_values[0], 3.0);
    EXPECT_TRUE(std::isnan(w2.matrices[0].singular_values[2]));
    EXPECT_EQ(w2.matrices[0].fit.reason, "too few eigenvalues");

    an::SpectrumResult wrong;
    EXPECT_FALSE(es::cache::decode(es::cache::encode(cka), wrong));  // another type's bytes
    EXPECT_FALSE(es::cache::decode("not cbor at all", wrong));
}

TEST(ResultCache, StoresFindsAndRejectsCorruptEntries) {
    const fs::path dir = fresh_dir("corrupt");
    es::ResultCache cache(dir.string(), 1 << 20);
    EXPECT_FALSE(cache.get("k1"));
    ASSERT_TRUE(cache.put("k1", "value one"));
    ASSERT_TRUE(cache.put("k2", std::string(1000, 'x')));
    EXPECT_EQ(cache.get("k1").value_or(""), "value one");
    ASSERT_TRUE(cache.put("k1", "value one, recomputed"));  // replaces
    EXPECT_EQ(cache.get("k1").value_or(""), "value one, recomputed");
    EXPECT_EQ(cache.stats().entries, 2u);

    // Flip a byte of k2's value, truncate k1: both are misses and their files are removed.
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
    ASSERT_EQ(files.size(), 2u);
    for (const fs::path& f : files) {
        std::string bytes;
        {
            std::ifstream in(f, std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(in), {});
        }
        if (bytes.find("recomputed") != std::string::npos)
            bytes.resize(bytes.size() - 3);
        else
            bytes[bytes.size() - 10] ^= 0x20;
        std::ofstream(f, std::ios::binary | std::ios::trunc) << bytes;
    }
    EXPECT_FALSE(cache.get("k1"));
    EXPECT_FALSE(cache.get("k2"));
    EXPECT_EQ(cache.stats().corrupt, 2u);
    EXPECT_EQ(cache.stats().entries, 0u);
    // Garbage that is not a cache file at all, under an entry's name.
    ASSERT_TRUE(cache.put("k3", "three"));
    for (const auto& e : fs::directory_iterator(dir)) std::ofstream(e.path()) << "junk";
    EXPECT_FALSE(cache.get("k3"));
    cache.clear();
    EXPECT_EQ(cache.stats().entries, 0u);
    fs::remove_all(dir);
}

TEST(ResultCache, EvictsLeastRecentlyUsedBeyondItsLimit) {
    const fs::path dir = fresh_dir("lru");
    es::ResultCache cache(dir.string(), 10000);  // room for about three 3000-byte entries
    const std::string v(3000, 'v');
    ASSERT_TRUE(cache.put("a", v));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(cache.put("b", v));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(cache.put("c", v));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(cache.get("a"));  // a is now the most recently used
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(cache.put("d", v));  // evicts b, the least recently used
    EXPECT_TRUE(cache.get("a"));
    EXPECT_FALSE(cache.get("b"));
    EXPECT_TRUE(cache.get("c"));
    EXPECT_TRUE(cache.get("d"));
    EXPECT_LE(cache.stats().bytes, 10000u);
    EXPECT_GE(cache.stats().evicted, 1u);
    EXPECT_FALSE(cache.put("huge", std::string(20000, 'h')));  // larger than the whole cache
    fs::remove_all(dir);
}

TEST(ResultCache, DumpIdentityFollowsTheFile) {
    const fs::path dir = fresh_dir("identity");
    fs::create_directories(dir);
    const fs::path copy = dir / "copy.h5";
    fs::copy_file(es::test::fixture("good/tl_batched_f32.h5"), copy);
    std::string first;
    {
        auto dump = es::Dump::open(copy.string());
        first = es::dump_identity(*dump);
        EXPECT_EQ(es::dump_identity(*dump), first);  // stable
        EXPECT_NE(first.find("copy.h5"), std::string::npos);
    }
    // Same bytes, new modification time: a different identity (the file may have been rewritten).
    fs::last_write_time(copy, fs::last_write_time(copy) + std::chrono::seconds(5));
    {
        auto dump = es::Dump::open(copy.string());
        EXPECT_NE(es::dump_identity(*dump), first);
    }
    auto other = es::Dump::open(es::test::fixture("good/analysis_synth.h5"));
    EXPECT_NE(es::dump_identity(*other), first);
    fs::remove_all(dir);
}
