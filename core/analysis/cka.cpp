#include "analysis/cka.h"

#include <Eigen/Dense>
#include <cmath>
#include <list>
#include <sstream>

#include "analysis/common.h"
#include "numerics/linalg.h"
#include "numerics/memory_budget.h"
#include "numerics/pca.h"
#include "util/error.h"
#include "util/parallel.h"

namespace es::analysis {

namespace {

using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Source {
    const Dump* dump;
    const StreamInfo* stream;
    std::size_t state;
};

// Whole float32 states kept up to a byte budget (least recently used dropped).
class StateCache {
public:
    StateCache(std::size_t budget, Progress& p) : budget_(budget), progress_(p) {}
    const std::vector<float>& get(const Source& s, std::size_t key) {
        for (auto it = items_.begin(); it != items_.end(); ++it)
            if (it->first == key) {
                items_.splice(items_.begin(), items_, it);
                return items_.front().second;
            }
        std::vector<float> x;
        read_state(*s.dump, *s.stream, s.state, x, progress_);
        bytes_ += x.size() * sizeof(float);
        items_.emplace_front(key, std::move(x));
        while (items_.size() > 2 && bytes_ > budget_) {
            bytes_ -= items_.back().second.size() * sizeof(float);
            items_.pop_back();
        }
        return items_.front().second;
    }

private:
    std::size_t budget_, bytes_ = 0;
    Progress& progress_;
    std::list<std::pair<std::size_t, std::vector<float>>> items_;
};

// Rows `rows` of x (d columns), centred on their mean, float64.
RowMat centred(const std::vector<float>& x, std::size_t d, const std::vector<std::size_t>& rows) {
    RowMat m(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(d));
    for (std::size_t r = 0; r < rows.size(); ++r)
        for (std::size_t j = 0; j < d; ++j)
            m(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(j)) = x[rows[r] * d + j];
    m.rowwise() -= m.colwise().mean();
    return m;
}

// sum_ab x_ab y_ab of two float32 matrices, in float64 (eight partial sums: vectorisable).
double frobenius_dot(const std::vector<float>& x, const std::vector<float>& y) {
    double acc[8] = {};
    const std::size_t n = x.size(), n8 = n / 8 * 8;
    for (std::size_t i = 0; i < n8; i += 8)
        for (std::size_t l = 0; l < 8; ++l)
            acc[l] += static_cast<double>(x[i + l]) * static_cast<double>(y[i + l]);
    double s = 0;
    for (std::size_t i = n8; i < n; ++i) s += static_cast<double>(x[i]) * static_cast<double>(y[i]);
    for (double a : acc) s += a;
    return s;
}

std::optional<double> ratio(double num, double a, double b) {
    if (!(a > 0) || !(b > 0)) return std::nullopt;
    return num / (a * b);
}

}  // namespace

double linear_cka(const std::vector<double>& x, std::size_t dx, const std::vector<double>& y,
                  std::size_t dy, std::size_t n) {
    Eigen::Map<const RowMat> X(x.data(), static_cast<Eigen::Index>(n),
                               static_cast<Eigen::Index>(dx));
    Eigen::Map<const RowMat> Y(y.data(), static_cast<Eigen::Index>(n),
                               static_cast<Eigen::Index>(dy));
    const RowMat xc = X.rowwise() - X.colwise().mean(), yc = Y.rowwise() - Y.colwise().mean();
    const double xy = (xc.transpose() * yc).squaredNorm();
    const double xx = (xc.transpose() * xc).norm(), yy = (yc.transpose() * yc).norm();
    return ratio(xy, xx, yy).value_or(std::nan(""));
}

CkaResult cka(const Dump& dump, const CkaOptions& options, Progress& progress) {
    const Dump& other = options.other ? *options.other : dump;
    const StreamInfo& sa = dump.stream(options.stream);
    const StreamInfo& sb = other.stream(options.stream);
    const std::size_t T = sa.n_tokens();
    if (sb.n_tokens() != T)
        throw InputError("cka: " + dump.path() + " has " + std::to_string(T) + " tokens but " +
                         other.path() + " has " + std::to_string(sb.n_tokens()) +
                         "; CKA compares the same tokens");
    CkaResult r;
    r.stream = sa.name;
    r.file = dump.path();
    std::vector<Source> src;
    for (std::size_t st : analysed_states(sa, options.include_final_norm)) {
        src.push_back({&dump, &sa, st});
        r.layers.push_back(sa.state_names[st]);
    }
    const std::size_t na = src.size();
    if (options.other) {
        r.other_file = other.path();
        for (std::size_t st : analysed_states(sb, options.include_final_norm)) {
            src.push_back({&other, &sb, st});
            r.other_layers.push_back(sb.state_names[st]);
        }
    }
    const std::size_t n_src = src.size(), nb = options.other ? n_src - na : na;
    const std::size_t col0 = options.other ? na : 0;
    const bool gram = T <= std::min(sa.d, sb.d);
    r.method = gram ? "gram" : "cross_covariance";
    // The Gram path keeps one T x T Gram per layer (float32: 33 layers x 4096 tokens is 2.2 GB,
    // not 4.4) plus a float64 one being built: refuse before pass 1.
    if (gram)
        numerics::require_memory(static_cast<double>(n_src + 2) * static_cast<double>(T) *
                                     static_cast<double>(T) * sizeof(float),
                                 std::to_string(n_src) + " Gram matrices of " + std::to_string(T) +
                                     " x " + std::to_string(T) + " tokens",
                                 "cka: " + dump.path() + ": ");

    // Pass 1: finite mask over every layer; Gram path: each layer's Gram over its finite rows,
    // centred on their mean (non-finite rows zero), re-centred below on the common rows.
    std::vector<unsigned char> valid(T, 1);
    std::vector<std::vector<float>> grams(gram ? n_src : 0);
    StateCache cache(options.cache_bytes, progress);
    for (std::size_t i = 0; i < n_src; ++i) {
        progress.report(0.6 * static_cast<double>(i) / static_cast<double>(n_src),
                        layer_message(i, n_src, "cka gram"));
        const std::size_t d = src[i].stream->d;
        const std::vector<float>& x = cache.get(src[i], i);
        const std::vector<std::size_t> rows = finite_rows(x.data(), T, d);
        std::vector<unsigned char> ok(T, 0);
        for (std::size_t t : rows) ok[t] = 1;
        for (std::size_t t = 0; t < T; ++t) valid[t] &= ok[t];
        if (!gram) continue;
        const std::vector<double> g = numerics::gram_of_rows(x.data(), d, rows, true);
        std::vector<float> full(T * T, 0.0f);
        for (std::size_t a = 0; a < rows.size(); ++a)
            for (std::size_t b = 0; b < rows.size(); ++b)
                full[rows[a] * T + rows[b]] = static_cast<float>(g[a * rows.size() + b]);
        grams[i] = std::move(full);
        progress.check();
    }
    std::vector<std::size_t> rows;
    for (std::size_t t = 0; t < T; ++t)
        if (valid[t]) rows.push_back(t);
    r.tokens = rows.size();
    r.excluded_tokens = T - rows.size();
    if (rows.size() < 2)
        throw InputError(dump.where() +
                         "cka needs at least 2 tokens finite in every layer, found " +
                         std::to_string(rows.size()));
    const std::size_t n = rows.size();
    r.matrix.assign(na, std::vector<std::optional<double>>(nb));
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
    for (std::size_t i = 0; i < na; ++i)
        for (std::size_t j = options.other ? 0 : i; j < nb; ++j) pairs.emplace_back(i, col0 + j);

    if (gram) {
        // Double-centre each Gram on the common rows: H G H, exact since G is already centred.
        // Means and norms in float64, the centred Gram stored in float32 (relative error 6e-8
        // per entry, ~1e-7 on CKA), inner products accumulated in float64.
        std::vector<std::vector<float>> k(n_src);
        std::vector<double> norms(n_src);
        for (std::size_t i = 0; i < n_src; ++i) {
            std::vector<float> g(n * n);
            for (std::size_t a = 0; a < n; ++a)
                for (std::size_t b = 0; b < n; ++b) g[a * n + b] = grams[i][rows[a] * T + rows[b]];
            std::vector<float>().swap(grams[i]);
            std::vector<double> col(n, 0.0), row(n, 0.0);
            for (std::size_t a = 0; a < n; ++a)
                for (std::size_t b = 0; b < n; ++b) col[b] += g[a * n + b];
            for (double& v : col) v /= static_cast<double>(n);
            for (std::size_t a = 0; a < n; ++a)
                for (std::size_t b = 0; b < n; ++b) row[a] += g[a * n + b] - col[b];
            for (double& v : row) v /= static_cast<double>(n);
            for (std::size_t a = 0; a < n; ++a)
                for (std::size_t b = 0; b < n; ++b)
                    g[a * n + b] =
                        static_cast<float>(static_cast<double>(g[a * n + b]) - col[b] - row[a]);
            norms[i] = std::sqrt(frobenius_dot(g, g));  // of the stored values: CKA(X, X) = 1
            k[i] = std::move(g);
        }
        std::vector<std::optional<double>> out(pairs.size());
        util::parallel_for(pairs.size(), util::resolve_threads(options.threads),
                           [&](std::size_t b, std::size_t e) {
                               for (std::size_t p = b; p < e; ++p) {
                                   progress.check();
                                   const auto [i, j] = pairs[p];
                                   out[p] = ratio(frobenius_dot(k[i], k[j]), norms[i], norms[j]);
                               }
                           });
        for (std::size_t p = 0; p < pairs.size(); ++p)
            r.matrix[pairs[p].first][pairs[p].second - col0] = out[p];
    } else {
        std::vector<double> self(n_src);
        for (std::size_t i = 0; i < n_src; ++i) {
            const RowMat x = centred(cache.get(src[i], i), src[i].stream->d, rows);
            self[i] = (x.transpose() * x).norm();
        }
        for (std::size_t p = 0; p < pairs.size(); ++p) {
            progress.report(
                0.6 + 0.4 * static_cast<double>(p) / static_cast<double>(pairs.size()),
                "cka pair " + std::to_string(p + 1) + "/" + std::to_string(pairs.size()));
            const auto [i, j] = pairs[p];
            const RowMat x = centred(cache.get(src[i], i), src[i].stream->d, rows);
            const RowMat y = centred(cache.get(src[j], j), src[j].stream->d, rows);
            r.matrix[i][j - col0] = ratio((x.transpose() * y).squaredNorm(), self[i], self[j]);
        }
    }
    if (!options.other)
        for (std::size_t i = 0; i < na; ++i)
            for (std::size_t j = 0; j < i; ++j) r.matrix[i][j] = r.matrix[j][i];
    progress.report(1.0, "cka done");
    return r;
}

nlohmann::json to_json(const CkaResult& r) {
    nlohmann::json m = nlohmann::json::array();
    for (const auto& row : r.matrix) m.push_back(nums(row));
    nlohmann::json j = {{"stream", r.stream},
                        {"file", r.file},
                        {"layers", r.layers},
                        {"tokens", r.tokens},
                        {"excluded_tokens", r.excluded_tokens},
                        {"method", r.method},
                        {"matrix", m}};
    if (!r.other_file.empty()) {
        j["other_file"] = r.other_file;
        j["other_layers"] = r.other_layers;
    }
    return j;
}

std::string to_csv(const CkaResult& r) {
    std::ostringstream os;
    const auto& cols = r.other_file.empty() ? r.layers : r.other_layers;
    os << "layer";
    for (const auto& c : cols) os << ',' << csv_text(c);
    os << '\n';
    for (std::size_t i = 0; i < r.matrix.size(); ++i) {
        os << csv_text(r.layers[i]);
        for (const auto& v : r.matrix[i]) os << ',' << csv_num(v);
        os << '\n';
    }
    return os.str();
}

}  // namespace es::analysis
