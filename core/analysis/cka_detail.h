#pragma once
// Internals of analysis::cka shared by its two Gram schemes (cka.cpp: blocks of Gram rows;
// cka_panels.cpp: whole Grams held a panel at a time). Not a public interface.
#include <cstddef>
#include <functional>
#include <list>
#include <vector>

#include "analysis/common.h"
#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis::cka_detail {

struct Source {
    const Dump* dump;
    const StreamInfo* stream;
    std::size_t state;
};

// Whole float32 states kept up to a byte budget (least recently used dropped; two at least).
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
    void clear() {
        items_.clear();
        bytes_ = 0;
    }

private:
    std::size_t budget_, bytes_ = 0;
    Progress& progress_;
    std::list<std::pair<std::size_t, std::vector<float>>> items_;
};

// Rows `rows` of x (d columns), centred on their mean (computed in float64), stored as S.
template <typename S>
std::vector<S> centred_rows(const std::vector<float>& x, std::size_t d,
                            const std::vector<std::size_t>& rows) {
    std::vector<double> mean(d, 0.0);
    for (std::size_t t : rows)
        for (std::size_t j = 0; j < d; ++j) mean[j] += x[t * d + j];
    for (double& m : mean) m /= static_cast<double>(rows.size());
    std::vector<S> xc(rows.size() * d);
    for (std::size_t r = 0; r < rows.size(); ++r)
        for (std::size_t j = 0; j < d; ++j)
            xc[r * d + j] = static_cast<S>(static_cast<double>(x[rows[r] * d + j]) - mean[j]);
    return xc;
}

// The panel scheme (cka_panels.cpp): the centred Gram K_i of a layer over the common rows is
// computed whole (BLAS syrk, half the flops of a product) and kept packed, its upper triangle
// with the off-diagonal entries scaled by sqrt(2), so that one dot product of two packed Grams
// is <K_i, K_j>. A panel of `capacity` Grams is held at once; every layer paired with the panel
// that is not in it is computed, paired with all of it and dropped. Pairs are exact as soon as
// both Grams have met, which is what makes CKA fill in pair by pair.
struct PanelPlan {
    std::vector<std::size_t> rows_order;  // sources whose Grams are held, in this order (panels)
    // Single dump: sources paired among themselves (cols empty). Two dumps: rows_order are the
    // first dump's layers, cols_order the second's, and only row x col pairs are computed.
    std::vector<std::size_t> cols_order;
    std::size_t capacity = 1;  // Grams held at once
};

// Bytes of one packed Gram of n rows in S.
inline double packed_gram_bytes(std::size_t n, std::size_t scalar) {
    return static_cast<double>(n) * static_cast<double>(n + 1) / 2 * static_cast<double>(scalar);
}

// How many Grams the panel scheme computes in all (each panel's own, and each paired layer once
// per panel it meets): the cost the plan is chosen by.
std::size_t panel_gram_count(std::size_t rows, std::size_t cols, std::size_t capacity);

// <K_i, K_j> for the pairs of `plan` (L x L over all sources, row-major; `known` marks the
// entries computed, both (i, j) and (j, i)). `on_pairs(inner, known)` runs after each Gram
// computed with new pairs, on the calling thread.
using PairsDone =
    std::function<void(const std::vector<double>& inner, const std::vector<unsigned char>& known)>;
template <typename S>
std::vector<double> gram_panels(const std::vector<Source>& src, StateCache& cache,
                                const std::vector<std::size_t>& rows, const PanelPlan& plan,
                                int threads, const PairsDone& on_pairs, Progress& progress,
                                std::vector<unsigned char>& known);

}  // namespace es::analysis::cka_detail
