#include "analysis/peft_delta.h"

#include <map>

#include "analysis/matrix_source.h"
#include "util/error.h"

namespace es::analysis {

namespace {

bool ends_with(const std::string& s, const std::string& end) {
    return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
}

// One name is the other with leading dotted components dropped ("transformer.h.0.attn.c_attn"
// and "h.0.attn.c_attn"): a base saved from the bare model, an adapter made on the LM head model.
bool dotted_suffix(const std::string& a, const std::string& b) {
    const std::string& longer = a.size() >= b.size() ? a : b;
    const std::string& shorter = a.size() >= b.size() ? b : a;
    return longer == shorter || ends_with(longer, "." + shorter);
}

// A base weight as a matrix: its own shape when 2-D, per-head weights merged over the heads.
// element(a, b) is its stored element's index.
struct RoleMatrix {
    std::size_t rows = 0, cols = 0;
    const WeightInfo* w = nullptr;
    bool heads_in_rows = false;  // W_O [H, d_head, D] -> [H d_head, D]
    std::size_t element(std::size_t a, std::size_t b) const {
        const auto& st = w->source_strides;
        if (w->shape.size() == 2) return w->source_offset + a * st[0] + b * st[1];
        const std::size_t x = w->shape[1], y = w->shape[2];
        if (heads_in_rows) return w->source_offset + (a / x) * st[0] + (a % x) * st[1] + b * st[2];
        return w->source_offset + (b / y) * st[0] + a * st[1] + (b % y) * st[2];
    }
};

RoleMatrix role_matrix(const WeightInfo& w) {
    RoleMatrix m;
    m.w = &w;
    if (w.shape.size() == 2) {
        m.rows = w.shape[0];
        m.cols = w.shape[1];
    } else {
        m.heads_in_rows = ends_with(w.name, "W_O");
        m.rows = m.heads_in_rows ? w.shape[0] * w.shape[1] : w.shape[1];
        m.cols = m.heads_in_rows ? w.shape[2] : w.shape[0] * w.shape[2];
    }
    return m;
}

// The base weight's merged matrix as a row source (per-head weights are at most d_model^2
// values: read whole).
RowSource role_rows(const Dump& base, const RoleMatrix& m) {
    if (m.w->shape.size() == 2) return weight_rows(base, m.w->name);
    const Tensor t = base.read_weight(m.w->name);
    auto merged = std::make_shared<Eigen::MatrixXd>(static_cast<Eigen::Index>(m.rows),
                                                    static_cast<Eigen::Index>(m.cols));
    const std::size_t h = m.w->shape[0], x = m.w->shape[1], y = m.w->shape[2];
    for (std::size_t i = 0; i < h; ++i)
        for (std::size_t j = 0; j < x; ++j)
            for (std::size_t k = 0; k < y; ++k) {
                const float v = t.data[(i * x + j) * y + k];
                if (m.heads_in_rows)
                    (*merged)(static_cast<Eigen::Index>(i * x + j), static_cast<Eigen::Index>(k)) =
                        v;
                else
                    (*merged)(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(i * y + k)) =
                        v;
            }
    RowSource src;
    src.name = m.w->name;
    src.rows = m.rows;
    src.cols = m.cols;
    src.read = [merged](std::size_t b, std::size_t e, Eigen::MatrixXd& out) {
        out = merged->middleRows(static_cast<Eigen::Index>(b), static_cast<Eigen::Index>(e - b));
    };
    return src;
}

Eigen::MatrixXd to_matrix(const Tensor& t) {
    return Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
               t.data.data(), static_cast<Eigen::Index>(t.shape[0]),
               static_cast<Eigen::Index>(t.shape[1]))
        .cast<double>();
}

}  // namespace

WeightDeltaResult peft_delta(const Dump& base, const io::PeftAdapter& adapter,
                             const WeightDeltaOptions& options, Progress& progress) {
    WeightDeltaResult r;
    r.base = base.path();
    r.other = adapter.folder;
    r.top = options.top;
    for (const std::string& n : adapter.notes) r.skipped.push_back({adapter.weights_file, n});
    std::map<std::string, std::vector<const WeightInfo*>> by_source;
    for (const auto& [name, w] : base.weights())
        if (!w.source.empty()) by_source[w.source].push_back(&w);
    std::size_t done = 0;
    for (const io::LoraModule& mod : adapter.modules) {
        progress.check();
        ++done;
        progress.report(static_cast<double>(done - 1) / static_cast<double>(adapter.modules.size()),
                        "adapter module " + std::to_string(done) + "/" +
                            std::to_string(adapter.modules.size()) + ": " + mod.module);
        const std::string tensor = mod.module + ".weight";
        std::vector<std::string> found;
        for (const auto& [source, roles] : by_source)
            if (dotted_suffix(source, tensor)) found.push_back(source);
        if (found.size() != 1) {
            r.skipped.push_back(
                {mod.module, found.empty()
                                 ? "the base has no weight " + tensor +
                                       (by_source.empty() ? " (open the base as a Hugging "
                                                            "Face model folder)"
                                                          : "")
                                 : "several base tensors end in " + tensor});
            continue;
        }
        const Eigen::MatrixXd a = to_matrix(mod.a), b = to_matrix(mod.b);  // [r, in], [out, r]
        for (const WeightInfo* w : by_source.at(found[0])) {
            if (w->source_shape.size() != 2 || (w->shape.size() != 2 && w->shape.size() != 3)) {
                r.skipped.push_back({w->name, "the adapted tensor " + found[0] + " is " +
                                                  shape_to_string(w->source_shape) +
                                                  ", not a matrix"});
                continue;
            }
            // The stored tensor is [out, in], or [in, out] with fan_in_fan_out (Conv1D).
            const std::size_t out_axis = adapter.fan_in_fan_out ? 1 : 0;
            const std::size_t n_out = w->source_shape[out_axis],
                              n_in = w->source_shape[1 - out_axis], ncols = w->source_shape[1];
            if (static_cast<std::size_t>(b.rows()) != n_out ||
                static_cast<std::size_t>(a.cols()) != n_in) {
                r.skipped.push_back(
                    {w->name, mod.a_name + " " + shape_to_string(mod.a.shape) + " / " + mod.b_name +
                                  " " + shape_to_string(mod.b.shape) + " do not fit " + found[0] +
                                  " " + shape_to_string(w->source_shape) + " with fan_in_fan_out " +
                                  (adapter.fan_in_fan_out ? "true" : "false")});
                continue;
            }
            const RoleMatrix m = role_matrix(*w);
            const auto coords = [&](std::size_t e) {
                const std::size_t i0 = e / ncols, i1 = e % ncols;
                return out_axis == 0 ? std::make_pair(i0, i1) : std::make_pair(i1, i0);
            };  // (out, in)
            std::vector<std::size_t> row_idx(m.rows), col_idx(m.cols);
            bool consistent = true;
            // TransformerLens orientation first (rows = in, cols = out), else the tensor's own (an
            // unmapped tensor: rows = out, cols = in); every element is checked against it.
            for (int attempt = 0; attempt < 2; ++attempt) {
                const bool tl = attempt == 0;
                for (std::size_t i = 0; i < m.rows; ++i) {
                    const auto c = coords(m.element(i, 0));
                    row_idx[i] = tl ? c.second : c.first;
                }
                for (std::size_t j = 0; j < m.cols; ++j) {
                    const auto c = coords(m.element(0, j));
                    col_idx[j] = tl ? c.first : c.second;
                }
                consistent = true;
                for (std::size_t i = 0; i < m.rows && consistent; ++i)
                    for (std::size_t j = 0; j < m.cols; ++j) {
                        const auto c = coords(m.element(i, j));
                        if ((tl ? c.second : c.first) != row_idx[i] ||
                            (tl ? c.first : c.second) != col_idx[j]) {
                            consistent = false;
                            break;
                        }
                    }
                if (!consistent) continue;
                // Delta_role = f g^T: rows from one factor, columns from the other.
                const Eigen::Index rank = a.rows();
                Eigen::MatrixXd f(static_cast<Eigen::Index>(m.rows), rank),
                    g(static_cast<Eigen::Index>(m.cols), rank);
                for (std::size_t i = 0; i < m.rows; ++i)
                    f.row(static_cast<Eigen::Index>(i)) =
                        tl ? a.col(static_cast<Eigen::Index>(row_idx[i])).transpose()
                           : Eigen::RowVectorXd(b.row(static_cast<Eigen::Index>(row_idx[i])));
                for (std::size_t j = 0; j < m.cols; ++j)
                    g.row(static_cast<Eigen::Index>(j)) =
                        tl ? Eigen::RowVectorXd(b.row(static_cast<Eigen::Index>(col_idx[j])))
                           : a.col(static_cast<Eigen::Index>(col_idx[j])).transpose();
                DeltaMatrix d;
                d.name = w->name;
                d.source = mod.module;
                d.kind = "lora";
                d.shape = {m.rows, m.cols};
                d.lora_rank = mod.rank;
                d.lora_scale = mod.scale;
                factored_delta(d, f, g, mod.scale, role_rows(base, m), options.top, progress);
                r.matrices.push_back(std::move(d));
                break;
            }
            if (!consistent)
                r.skipped.push_back(
                    {w->name, "its view of " + found[0] + " does not keep whole rows and columns"});
        }
    }
    progress.report(1.0, "delta done");
    return r;
}

}  // namespace es::analysis
