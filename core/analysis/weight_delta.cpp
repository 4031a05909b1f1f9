#include "analysis/weight_delta.h"

#include <cmath>
#include <sstream>

#include "analysis/matrix_source.h"
#include "io/h5.h"
#include "numerics/principal_angles.h"
#include "util/error.h"
#include "util/number_text.h"
#include "util/supervise.h"

namespace es::analysis {

namespace {

bool ends_with(const std::string& s, const std::string& t) {
    return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

std::optional<double> lora_alpha(const Dump& dump, const WeightInfo& a, const WeightInfo& b) {
    std::string text;
    const util::ReadingStep step(dump.path());  // its lora_alpha attributes
    h5::silence_errors();
    h5::Id fapl(H5Pcreate(H5P_FILE_ACCESS));
    H5Pset_file_locking(fapl.get(), false, true);  // as the reader opens it (read-only media)
    h5::Id f(H5Fopen(dump.path().c_str(), H5F_ACC_RDONLY, fapl.get()));
    if (f) {
        for (const WeightInfo* w : {&a, &b}) {
            h5::Id d(H5Dopen2(f.get(), w->dataset.c_str(), H5P_DEFAULT));
            if (d && h5::read_attribute_text(d.get(), "lora_alpha", text)) break;
            text.clear();
        }
    }
    h5::take_error_message();
    if (text.empty())
        for (const auto& [k, v] : dump.attributes())
            if (k == "lora_alpha") text = v;
    if (text.empty()) return std::nullopt;
    if (const auto alpha = util::parse_number(text)) return alpha;
    throw InputError(dump.where(a.dataset) + "lora_alpha '" + text + "' is not a number");
}

Eigen::MatrixXd to_matrix(const Tensor& t) {
    return Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
               t.data.data(), static_cast<Eigen::Index>(t.shape[0]),
               static_cast<Eigen::Index>(t.shape[1]))
        .cast<double>();
}

void finish(DeltaMatrix& m, double frob2) {
    m.frobenius = std::sqrt(frob2);
    m.effective_rank = effective_rank(m.singular_values);
    if (!(frob2 > 0))
        m.captured_left = m.captured_right = m.captured_both = NAN;
    else {
        m.captured_left /= frob2;
        m.captured_right /= frob2;
        m.captured_both /= frob2;
    }
}

}  // namespace

double effective_rank(const std::vector<double>& s) {
    double sum = 0;
    for (double v : s) sum += v;
    if (!(sum > 0)) return NAN;
    double h = 0;
    for (double v : s)
        if (v > 0) h -= (v / sum) * std::log(v / sum);
    return std::exp(h);
}

void factored_delta(DeltaMatrix& m, const Eigen::MatrixXd& f, const Eigen::MatrixXd& g,
                    double scale, const RowSource& base, std::size_t top, Progress& progress) {
    const numerics::FactoredSvd s = numerics::factored_svd(f * scale, g, true);
    m.singular_values.assign(s.s.data(), s.s.data() + s.s.size());
    const double frob2 = s.s.squaredNorm();
    const std::size_t k = std::min(top, std::min(base.rows, base.cols));
    const GramSvd bs = gram_svd(base, k, k, progress);
    m.k = static_cast<std::size_t>(std::min(bs.u.cols(), bs.v.cols()));
    const Eigen::MatrixXd uk = bs.u.leftCols(static_cast<Eigen::Index>(m.k)),
                          vk = bs.v.leftCols(static_cast<Eigen::Index>(m.k));
    const Eigen::MatrixXd left = (uk.transpose() * s.u) * s.s.asDiagonal();   // U_k^T U S
    const Eigen::MatrixXd right = s.s.asDiagonal() * (s.v.transpose() * vk);  // S V^T V_k
    m.captured_left = left.squaredNorm();
    m.captured_right = right.squaredNorm();
    m.captured_both = ((uk.transpose() * s.u) * right).squaredNorm();
    finish(m, frob2);
}

WeightDeltaResult weight_delta(const Dump& base, const Dump& other,
                               const WeightDeltaOptions& options, Progress& progress) {
    WeightDeltaResult r;
    r.base = base.path();
    r.other = other.path();
    r.top = options.top;
    std::vector<std::string> dense, lora;
    for (const auto& [name, w] : base.weights()) {
        if (w.shape.size() != 2 || name.find(".lora_") != std::string::npos) continue;
        const WeightInfo* o = other.find_weight(name);
        if (!o) continue;
        if (o->shape != w.shape)
            r.skipped.push_back({name, "shapes differ: " + shape_to_string(w.shape) + " vs " +
                                           shape_to_string(o->shape)});
        else
            dense.push_back(name);
    }
    for (const auto& [name, w] : other.weights())
        if (ends_with(name, ".lora_A")) lora.push_back(name.substr(0, name.size() - 7));
    const std::size_t total = dense.size() + lora.size();
    std::size_t done = 0;
    const auto step = [&](const std::string& what) {
        progress.check();
        progress.report(
            total ? static_cast<double>(done) / static_cast<double>(total) : 0.0,
            "matrix " + std::to_string(done + 1) + "/" + std::to_string(total) + ": " + what);
        ++done;
    };
    for (const std::string& name : dense) {
        step(name);
        const RowSource b = weight_rows(base, name), o = weight_rows(other, name);
        const RowSource d = difference_rows(b, o);
        DeltaMatrix m;
        m.name = name;
        m.kind = "dense";
        m.shape = {b.rows, b.cols};
        const GramSvd ds = gram_svd(d, 0, 0, progress);
        m.singular_values = ds.s;
        const std::size_t k = std::min(options.top, std::min(b.rows, b.cols));
        const GramSvd bs = gram_svd(b, k, k, progress);
        m.k = static_cast<std::size_t>(std::min(bs.u.cols(), bs.v.cols()));
        const Eigen::MatrixXd uk = bs.u.leftCols(static_cast<Eigen::Index>(m.k)),
                              vk = bs.v.leftCols(static_cast<Eigen::Index>(m.k));
        Eigen::MatrixXd utd = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(m.k),
                                                    static_cast<Eigen::Index>(b.cols));
        Eigen::MatrixXd x;
        const std::size_t blk = block_rows(b.cols);
        for (std::size_t r0 = 0; r0 < b.rows; r0 += blk) {
            progress.check();
            const std::size_t r1 = std::min(b.rows, r0 + blk);
            d.read(r0, r1, x);
            m.captured_right += (x * vk).squaredNorm();
            utd += uk.middleRows(static_cast<Eigen::Index>(r0), static_cast<Eigen::Index>(r1 - r0))
                       .transpose() *
                   x;
        }
        m.captured_left = utd.squaredNorm();
        m.captured_both = (utd * vk).squaredNorm();
        finish(m, ds.frob2);
        r.matrices.push_back(std::move(m));
    }
    for (const std::string& name : lora) {
        step(name + " (LoRA)");
        const WeightInfo* wa = other.find_weight(name + ".lora_A");
        const WeightInfo* wb = other.find_weight(name + ".lora_B");
        const WeightInfo* w = base.find_weight(name);
        if (!wb) {
            r.skipped.push_back({name, "has lora_A but no lora_B"});
            continue;
        }
        if (!w || w->shape.size() != 2) {
            r.skipped.push_back(
                {name, "LoRA factors for a weight the base dump lacks (or not 2-D)"});
            continue;
        }
        if (wa->shape.size() != 2 || wb->shape.size() != 2) {
            r.skipped.push_back({name, "LoRA factors are not matrices"});
            continue;
        }
        const std::size_t in = w->shape[0], out = w->shape[1];
        const Eigen::MatrixXd a = to_matrix(other.read_weight(wa->name)),
                              bm = to_matrix(other.read_weight(wb->name));
        Eigen::MatrixXd f, g;  // Delta = f g^T, f [in, r], g [out, r]
        std::size_t rank = 0;
        if (a.cols() == static_cast<Eigen::Index>(in) &&
            bm.rows() == static_cast<Eigen::Index>(out) && a.rows() == bm.cols()) {  // PEFT
            f = a.transpose();
            g = bm;
            rank = static_cast<std::size_t>(a.rows());
        } else if (a.rows() == static_cast<Eigen::Index>(in) &&
                   bm.cols() == static_cast<Eigen::Index>(out) && a.cols() == bm.rows()) {  // TL
            f = a;
            g = bm.transpose();
            rank = static_cast<std::size_t>(a.cols());
        } else {
            r.skipped.push_back(
                {name, "LoRA shapes " + shape_to_string(wa->shape) + " / " +
                           shape_to_string(wb->shape) + " do not fit weight " +
                           shape_to_string(w->shape) +
                           " (expected A [r, in], B [out, r] or A [in, r], B [r, out])"});
            continue;
        }
        DeltaMatrix m;
        m.name = name;
        m.kind = "lora";
        m.shape = w->shape;
        m.lora_rank = rank;
        if (const auto alpha = lora_alpha(other, *wa, *wb))
            m.lora_scale = *alpha / static_cast<double>(rank);
        factored_delta(m, f, g, m.lora_scale, weight_rows(base, name), options.top, progress);
        r.matrices.push_back(std::move(m));
    }
    progress.report(1.0, "delta done");
    return r;
}

nlohmann::json to_json(const WeightDeltaResult& r) {
    nlohmann::json a = nlohmann::json::array(), sk = nlohmann::json::array();
    for (const auto& m : r.matrices)
        a.push_back(
            {{"name", m.name},
             {"source", m.source.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.source)},
             {"kind", m.kind},
             {"shape", m.shape},
             {"lora_rank",
              m.kind == "lora" ? nlohmann::json(m.lora_rank) : nlohmann::json(nullptr)},
             {"lora_scale", m.kind == "lora" ? jnum(m.lora_scale) : nlohmann::json(nullptr)},
             {"singular_values", jnums(m.singular_values)},
             {"frobenius", jnum(m.frobenius)},
             {"effective_rank", jnum(m.effective_rank)},
             {"k", m.k},
             {"captured_left", jnum(m.captured_left)},
             {"captured_right", jnum(m.captured_right)},
             {"captured_both", jnum(m.captured_both)}});
    for (const auto& [n, why] : r.skipped) sk.push_back({{"name", n}, {"reason", why}});
    return {{"base", r.base}, {"other", r.other}, {"top", r.top}, {"matrices", a}, {"skipped", sk}};
}

std::string to_csv(const WeightDeltaResult& r) {
    std::ostringstream os;
    os << "name,kind,rows,cols,lora_rank,frobenius,effective_rank,k,captured_left,captured_right,"
          "captured_both,s0\n";
    for (const auto& m : r.matrices)
        os << m.name << "," << m.kind << "," << m.shape[0] << "," << m.shape[1] << ","
           << m.lora_rank << "," << cnum(m.frobenius) << "," << cnum(m.effective_rank) << "," << m.k
           << "," << cnum(m.captured_left) << "," << cnum(m.captured_right) << ","
           << cnum(m.captured_both) << ","
           << (m.singular_values.empty() ? "" : cnum(m.singular_values[0])) << "\n";
    return os.str();
}

}  // namespace es::analysis
