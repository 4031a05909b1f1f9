#include "analysis/neighbours.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <queue>
#include <sstream>

#include "analysis/common.h"
#include "analysis/state_slabs.h"
#include "numerics/hnsw.h"
#include "numerics/linalg.h"
#include "numerics/row_dots.h"
#include "util/error.h"
#include "util/parallel.h"
#include "util/token_text.h"

// BLAS (Fortran interface, as numerics/linalg.cpp uses it): y = alpha op(A) x + beta y.
extern "C" void sgemv_(const char* trans, const int* m, const int* n, const float* alpha,
                       const float* a, const int* lda, const float* x, const int* incx,
                       const float* beta, float* y, const int* incy);

namespace es::analysis {

namespace {

// dots[r] = rows[r] . q for n row-major rows of width d: one sgemv (a matrix-vector product
// needs no packed copy of the rows, which sgemm with one column makes).
void row_products(const float* rows, std::size_t n, const float* q, std::size_t d, float* dots) {
    const int m = static_cast<int>(d), cols = static_cast<int>(n), one = 1;
    const float alpha = 1, beta = 0;
    // Row-major n x d is column-major d x n: its transpose times q.
    sgemv_("T", &m, &cols, &alpha, rows, &m, q, &one, &beta, dots, &one);
}

struct Candidate {
    double key = 0;    // float32 score, larger is nearer (cosine, or -distance^2)
    double exact = 0;  // float64 score as reported
    std::size_t index = 0;
};

bool nearer(NeighbourMetric m, double a, std::size_t ia, double b, std::size_t ib) {
    if (a != b) return m == NeighbourMetric::Cosine ? a > b : a < b;
    return ia < ib;
}

// The float64 score of row x against q (qn = |q|): cosine, or euclidean distance.
double exact_score(NeighbourMetric m, const float* x, const std::vector<double>& q, double qn) {
    double dot = 0, xx = 0, dd = 0;
    for (std::size_t j = 0; j < q.size(); ++j) {
        const double v = x[j];
        dot += v * q[j];
        xx += v * v;
        dd += (v - q[j]) * (v - q[j]);
    }
    return m == NeighbourMetric::Cosine ? dot / (std::sqrt(xx) * qn) : std::sqrt(dd);
}

std::vector<float> read_row(const Dump& dump, const StreamInfo& s, std::size_t layer,
                            std::size_t t) {
    std::vector<float> v(s.d);
    dump.read_states(s, layer, t, t + 1, v.data());
    return v;
}

// Exact: every slab scored by BLAS on a worker, the best `keep` per worker by float32 score
// (a margin above k: the float32 order of close scores may differ from the float64 one), then
// the finalists' float64 scores decide.
std::vector<Candidate> exact_search(const Dump& dump, const StreamInfo& s,
                                    const NeighboursOptions& o, const std::vector<float>& qf,
                                    Progress& progress) {
    const std::size_t d = s.d, T = s.n_tokens();
    // Slabs of ~1 MiB of float32: decoded, multiplied and normed while still in cache.
    const std::size_t step = std::max<std::size_t>(1, chunk_read_tokens(s, std::size_t{1} << 20));
    const std::size_t slabs = (T + step - 1) / step, keep = std::max(4 * o.k, o.k + 32);
    const int threads = util::resolve_threads(o.threads);
    std::vector<double> q(qf.begin(), qf.end());
    double qn = 0;
    for (double v : q) qn += v * v;
    const double qnf = std::sqrt(qn);
    if (o.metric == NeighbourMetric::Cosine && !(qnf > 0))
        throw InputError(dump.where() + "token " + std::to_string(o.token) +
                         " is a zero vector: its cosine neighbours are undefined");
    struct Worker {
        std::vector<float> rows, dots;
        std::vector<Candidate> heap;  // min-heap on key
    };
    std::vector<Worker> workers(static_cast<std::size_t>(threads));
    const auto worse = [](const Candidate& a, const Candidate& b) {
        return a.key != b.key ? a.key > b.key : a.index < b.index;
    };
    numerics::ScopedBlasThreads one(1);  // our workers run in parallel already
    util::parallel_each(
        slabs, threads,
        [&](std::size_t i, std::size_t w) {
            progress.check();
            Worker& wk = workers[w];
            const std::size_t b = i * step, e = std::min(T, b + step), n = e - b;
            wk.rows.resize(n * d);
            wk.dots.resize(n);
            dump.read_states(s, o.layer, b, e, wk.rows.data());
            row_products(wk.rows.data(), n, qf.data(), d, wk.dots.data());
            for (std::size_t r = 0; r < n; ++r) {
                const std::size_t t = b + r;
                if (t == o.token) continue;
                const float* x = wk.rows.data() + r * d;
                const double xx = numerics::row_dots(x, nullptr, nullptr, d).xx;
                if (!std::isfinite(xx)) continue;
                double key;
                if (o.metric == NeighbourMetric::Cosine) {
                    if (!(xx > 0)) continue;
                    key = wk.dots[r] / (std::sqrt(xx) * qnf);
                } else {
                    key = -(xx - 2.0 * wk.dots[r] + qn);
                }
                if (wk.heap.size() == keep && !(key > wk.heap.front().key)) continue;
                Candidate c{key, exact_score(o.metric, x, q, qnf), t};
                wk.heap.push_back(c);
                std::push_heap(wk.heap.begin(), wk.heap.end(), worse);
                if (wk.heap.size() > keep) {
                    std::pop_heap(wk.heap.begin(), wk.heap.end(), worse);
                    wk.heap.pop_back();
                }
            }
        },
        [&](std::size_t i) {
            if (i % 256 == 0)
                progress.report(
                    static_cast<double>(i) / static_cast<double>(slabs),
                    "neighbours: slab " + std::to_string(i + 1) + "/" + std::to_string(slabs));
        });
    std::vector<Candidate> all;
    for (const Worker& w : workers) all.insert(all.end(), w.heap.begin(), w.heap.end());
    std::sort(all.begin(), all.end(), [&](const Candidate& a, const Candidate& b) {
        return nearer(o.metric, a.exact, a.index, b.exact, b.index);
    });
    if (all.size() > o.k) all.resize(o.k);
    return all;
}

numerics::HnswGraph::Space space_of(NeighbourMetric m) {
    // Cosine: unit rows under the inner-product distance 1 - x.y.
    return m == NeighbourMetric::Cosine ? numerics::HnswGraph::Space::InnerProduct
                                        : numerics::HnswGraph::Space::L2;
}

void unit_in_place(float* x, std::size_t d) {
    double n = 0;
    for (std::size_t j = 0; j < d; ++j) n += static_cast<double>(x[j]) * x[j];
    n = std::sqrt(n);
    if (n > 0)
        for (std::size_t j = 0; j < d; ++j) x[j] = static_cast<float>(x[j] / n);
}

struct HnswIndex {
    std::unique_ptr<numerics::HnswGraph> graph;
    std::mutex search;  // set_ef and search share the graph's ef
};

std::shared_ptr<HnswIndex> build_index(const Dump& dump, const StreamInfo& s,
                                       const NeighboursOptions& o, Progress& progress) {
    const std::size_t d = s.d, T = s.n_tokens();
    auto index = std::make_shared<HnswIndex>();
    index->graph = std::make_unique<numerics::HnswGraph>(space_of(o.metric), d, T, o.hnsw_m,
                                                         o.hnsw_ef_construction);
    const int threads = util::resolve_threads(o.threads);
    for_each_slab(dump, s, o.layer, std::size_t{32} << 20, progress,
                  [&](std::size_t b, std::size_t e, const float* x) {
                      progress.report(0.95 * static_cast<double>(b) / static_cast<double>(T),
                                      "neighbours: building the index");
                      std::vector<float> rows(x, x + (e - b) * d);
                      util::parallel_for(e - b, threads, [&](std::size_t lo, std::size_t hi) {
                          for (std::size_t r = lo; r < hi; ++r) {
                              float* row = rows.data() + r * d;
                              if (!row_finite(row, d)) continue;
                              if (o.metric == NeighbourMetric::Cosine) unit_in_place(row, d);
                              index->graph->add(row, b + r);
                          }
                      });
                  });
    return index;
}

// The index of o.index_path: the one this process loaded last when it is that file (loading a
// graph of a million states costs more than a query), else read from the file, else built and
// written there (atomically: a half-written index is never read). Without a path: built.
std::shared_ptr<HnswIndex> index_for(const Dump& dump, const StreamInfo& s,
                                     const NeighboursOptions& o, bool& loaded, Progress& progress) {
    static std::mutex mutex;
    static std::string cached_path;
    static std::shared_ptr<HnswIndex> cached;
    loaded = false;
    if (o.index_path.empty()) return build_index(dump, s, o, progress);
    std::lock_guard<std::mutex> lock(mutex);
    if (cached && cached_path == o.index_path) {
        loaded = true;
        return cached;
    }
    const std::size_t T = s.n_tokens();
    std::error_code ec;
    std::shared_ptr<HnswIndex> index;
    if (std::filesystem::exists(o.index_path, ec)) {
        index = std::make_shared<HnswIndex>();
        try {
            index->graph =
                std::make_unique<numerics::HnswGraph>(space_of(o.metric), s.d, o.index_path, T);
        } catch (const std::exception& e) {
            throw InputError(o.index_path + ": cannot read the neighbour index (" + e.what() +
                             "); delete it to rebuild");
        }
        if (index->graph->size() > T)
            throw InputError(o.index_path + ": the neighbour index holds " +
                             std::to_string(index->graph->size()) + " states but the stream has " +
                             std::to_string(T) + "; delete it to rebuild");
        loaded = true;
    } else {
        index = build_index(dump, s, o, progress);
        const std::string tmp = o.index_path + ".tmp";
        index->graph->save(tmp);
        std::filesystem::rename(tmp, o.index_path, ec);
        if (ec) std::remove(tmp.c_str());
    }
    cached_path = o.index_path;
    cached = index;
    return index;
}

std::vector<Candidate> hnsw_search(const Dump& dump, const StreamInfo& s,
                                   const NeighboursOptions& o, const std::vector<float>& qf,
                                   bool& loaded, Progress& progress) {
    const std::size_t d = s.d;
    const auto index = index_for(dump, s, o, loaded, progress);
    std::vector<float> q = qf;
    if (o.metric == NeighbourMetric::Cosine) unit_in_place(q.data(), d);
    std::vector<std::pair<float, std::size_t>> found;
    {
        std::lock_guard<std::mutex> lock(index->search);
        index->graph->set_ef(std::max(o.hnsw_ef, o.k + 1));
        found = index->graph->search(q.data(), o.k + 1);
    }
    std::vector<double> qd(qf.begin(), qf.end());
    double qn = 0;
    for (double v : qd) qn += v * v;
    std::vector<Candidate> out;
    for (const auto& f : found) {
        const std::size_t t = f.second;
        if (t == o.token) continue;
        const auto row = read_row(dump, s, o.layer, t);
        out.push_back({0, exact_score(o.metric, row.data(), qd, std::sqrt(qn)), t});
    }
    std::sort(out.begin(), out.end(), [&](const Candidate& a, const Candidate& b) {
        return nearer(o.metric, a.exact, a.index, b.exact, b.index);
    });
    if (out.size() > o.k) out.resize(o.k);
    return out;
}

}  // namespace

NeighboursResult neighbours(const Dump& dump, const NeighboursOptions& o, Progress& progress) {
    const StreamInfo& s = dump.stream(o.stream);
    const std::size_t T = s.n_tokens();
    check_state(dump, s, static_cast<long long>(o.layer));
    if (o.token >= T)
        throw InputError(dump.where() + "token " + std::to_string(o.token) +
                         " is out of range (0.." + std::to_string(T - 1) + ")");
    if (o.k == 0) throw InputError("neighbours: k must be at least 1");
    NeighboursResult r;
    r.stream = s.name;
    r.token = o.token;
    r.layer = o.layer;
    r.layer_name = s.state_names[o.layer];
    r.states = T;
    r.metric = o.metric == NeighbourMetric::Cosine ? "cosine" : "euclidean";
    const auto& tokens = dump.tokens();
    if (o.token < tokens.size()) r.token_text = tokens[o.token].text;
    const std::vector<float> q = read_row(dump, s, o.layer, o.token);
    if (!row_finite(q.data(), s.d))
        throw InputError(dump.where() + "token " + std::to_string(o.token) +
                         " has NaN/Inf values at state " + r.layer_name);
    // Auto: the index for large states, or whenever one was built for this query's file.
    std::error_code ec;
    const bool hnsw = o.method == NeighbourMethod::Hnsw ||
                      (o.method == NeighbourMethod::Auto &&
                       (T >= o.hnsw_threshold ||
                        (!o.index_path.empty() && std::filesystem::exists(o.index_path, ec))));
    std::vector<Candidate> found;
    if (hnsw) {
        r.method = "hnsw";
        found = hnsw_search(dump, s, o, q, r.index_loaded, progress);
        if (o.measure_recall) {
            const auto exact = exact_search(dump, s, o, q, progress);
            std::size_t hit = 0;
            for (const auto& e : exact)
                for (const auto& f : found) hit += e.index == f.index;
            r.recall = exact.empty() ? 1.0 : static_cast<double>(hit) / exact.size();
        }
    } else {
        r.method = "exact";
        found = exact_search(dump, s, o, q, progress);
    }
    for (const auto& c : found)
        r.neighbours.push_back(
            {c.index, c.index < tokens.size() ? tokens[c.index].text : std::string(), c.exact});
    progress.report(1.0, "neighbours done");
    return r;
}

nlohmann::json to_json(const NeighboursResult& r) {
    nlohmann::json n = nlohmann::json::array();
    for (const auto& x : r.neighbours)
        n.push_back({{"token_index", x.token_index}, {"token", x.token}, {"score", num(x.score)}});
    nlohmann::json j = {{"token", r.token},   {"token_text", r.token_text}, {"stream", r.stream},
                        {"layer", r.layer},   {"name", r.layer_name},       {"metric", r.metric},
                        {"method", r.method}, {"states", r.states},         {"neighbours", n}};
    if (r.recall) j["recall"] = *r.recall;
    return j;
}

std::string to_csv(const NeighboursResult& r) {
    std::ostringstream os;
    os << "rank,token_index,token,score\n";
    for (std::size_t i = 0; i < r.neighbours.size(); ++i)
        os << i + 1 << ',' << r.neighbours[i].token_index << ','
           << csv_text(display_token(r.neighbours[i].token)) << ','
           << csv_num(r.neighbours[i].score) << '\n';
    return os.str();
}

}  // namespace es::analysis
