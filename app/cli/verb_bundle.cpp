// eigenscope-cli bundle FILE|FOLDER --out RESULTS.h5 [--stream NAME] [--sample N] [--top K]
//                       [--no-cka] [--no-lens]
// Computes what the app's views show of a dump (bundle/bundle.h) into one HDF5 file a laptop can
// open without the dump. The work is a list of tasks (the trajectory in a token block per rank,
// the CKA, one spectrum per state, the weight spectra, the head circuits, the equaliser's basis,
// the sampled rows in a block of states per rank; rank 0 also hashes the files); under MPI each
// rank takes the tasks a deterministic longest-first assignment gives it, and rank 0 merges and
// writes.
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <numeric>

#include "analysis/cka.h"
#include "analysis/common.h"
#include "analysis/equaliser.h"
#include "analysis/head_circuits.h"
#include "analysis/head_similarity.h"
#include "analysis/matrix_source.h"
#include "analysis/spectrum.h"
#include "analysis/trajectory.h"
#include "analysis/weight_spectra.h"
#include "args.h"
#include "bundle/bundle.h"
#include "cache/part_codec.h"
#include "cache/result_codec.h"
#include "distribute.h"
#include "io/dump.h"
#include "util/sha256.h"
#include "verb_support.h"
#include "verbs.h"
#include "version.h"

namespace es::cli {

namespace {

enum class Kind { Trajectory, Cka, Spectrum, Weights, Heads, EqualiserBasis, Sample, HeadSim };

// The head-similarity metrics a bundle holds (the heads view's weight metrics without SVDs).
constexpr const char* kHeadMetrics[] = {"qk_cosine", "ov_cosine"};

struct Task {
    Kind kind;
    std::size_t state = 0;  // Spectrum: the state index; Trajectory, Sample: the block
    double cost = 0;        // relative, for the assignment only
};

// The tasks every rank derives alike from the dump's description.
std::vector<Task> tasks_of(const Dump& dump, const StreamInfo& s, bool with_cka, int ranks,
                           std::size_t n_sample) {
    const double T = static_cast<double>(s.n_tokens()), D = static_cast<double>(s.d);
    const std::vector<std::size_t> states = analysis::analysed_states(s, false);
    const double S = static_cast<double>(states.size());
    // Per state: a T x D read plus a min(T, D)^2 max(T, D) product and a min(T, D)^3 eigensolve.
    const double m = std::min(T, D), M = std::max(T, D);
    const double per_state = T * D + m * m * M + m * m * m;
    std::vector<Task> t;
    // The trajectory in one token block per rank (its cost is reading every state once).
    for (int b = 0; b < ranks; ++b)
        t.push_back({Kind::Trajectory, static_cast<std::size_t>(b), S * T * D * 4 / ranks});
    // CKA in one part per rank (cka_part: Gram row blocks or pairs), each reading every state.
    if (with_cka)
        for (int b = 0; b < ranks; ++b)
            t.push_back({Kind::Cka, static_cast<std::size_t>(b),
                         S * T * D + (S * per_state + S * S * T * std::min(T, D)) / ranks});
    for (std::size_t st : states) t.push_back({Kind::Spectrum, st, per_state});
    // The equaliser's default basis: the scatter of one state and a complete eigensolve.
    t.push_back({Kind::EqualiserBasis, 0, T * D * D + D * D * D});
    // The sampled rows of every state (the final norm's too), in one block of states per rank;
    // each row read costs its chunk.
    const double sampled = std::min(T, static_cast<double>(n_sample)) * D;
    const std::size_t all_states = analysis::analysed_states(s, true).size();
    for (int b = 0; b < ranks; ++b)
        t.push_back({Kind::Sample, static_cast<std::size_t>(b),
                     sampled * static_cast<double>(all_states) / ranks});
    double w = 0;
    for (const auto& name : analysis::weight_spectra_names(dump))
        if (const WeightInfo* wi = dump.find_weight(name)) {
            const double r = static_cast<double>(wi->shape[0]),
                         c = static_cast<double>(wi->shape[1]);
            w += r * c * std::min(r, c);
        }
    if (w > 0) t.push_back({Kind::Weights, 0, w});
    if (analysis::count_attention_layers(dump) > 0) {
        t.push_back({Kind::Heads, 0, w / 4 + 1});
        for (std::size_t m = 0; m < std::size(kHeadMetrics); ++m)
            t.push_back({Kind::HeadSim, m, w / 8 + 1});
    }
    return t;
}

// Longest task first to the least-loaded rank (ties: the lower rank). Rank 0 starts with the
// sample and the hashes it alone does. Returns each task's rank.
std::vector<int> assign(const std::vector<Task>& tasks, int size, double rank0_load) {
    std::vector<std::size_t> order(tasks.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return tasks[a].cost > tasks[b].cost; });
    std::vector<double> load(static_cast<std::size_t>(size), 0.0);
    load[0] = rank0_load;
    std::vector<int> owner(tasks.size(), 0);
    for (std::size_t i : order) {
        const auto r =
            static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
        owner[i] = static_cast<int>(r);
        load[r] += tasks[i].cost;
    }
    return owner;
}

// The trajectory as the bundle keeps it: the per-layer statistics of every token, the per-token
// values of the sampled tokens only, their indices renumbered into the sample (the bundle's own
// token list).
analysis::TrajectoryResult sampled(analysis::TrajectoryResult r,
                                   const std::vector<std::size_t>& sample) {
    analysis::TrajectoryResult out = r;
    out.token_index.clear();
    out.norm.clear();
    out.cos_prev.clear();
    out.cos_first.clear();
    std::size_t j = 0;
    for (std::size_t i = 0; i < r.token_index.size(); ++i) {
        while (j < sample.size() && sample[j] < r.token_index[i]) ++j;
        if (j == sample.size()) break;
        if (sample[j] != r.token_index[i]) continue;
        out.token_index.push_back(j);
        out.norm.push_back(std::move(r.norm[i]));
        out.cos_prev.push_back(std::move(r.cos_prev[i]));
        out.cos_first.push_back(std::move(r.cos_first[i]));
    }
    return out;
}

std::string pack(const std::vector<bundle::Entry>& entries) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& e : entries)
        a.push_back({e.key, nlohmann::json::binary(
                                std::vector<std::uint8_t>(e.bytes.begin(), e.bytes.end()))});
    const auto b = nlohmann::json::to_cbor(a);
    return std::string(b.begin(), b.end());
}

std::vector<bundle::Entry> unpack(const std::string& bytes) {
    std::vector<bundle::Entry> out;
    for (const auto& e : nlohmann::json::from_cbor(bytes)) {
        const auto& bin = e.at(1).get_binary();
        out.push_back({e.at(0).get<std::string>(), std::string(bin.begin(), bin.end())});
    }
    return out;
}

// The sampled tokens' rows of one state (N x D float32, as raw bytes), read in blocks of whole
// chunks.
std::string read_sample_state(const Dump& dump, const StreamInfo& s, std::size_t state,
                              const std::vector<std::size_t>& sample) {
    std::string out(sample.size() * s.d * sizeof(float), '\0');
    auto* dst = reinterpret_cast<float*>(out.data());
    const std::size_t step = analysis::chunk_read_tokens(s, std::size_t{16} << 20);
    std::vector<float> x;
    std::size_t j = 0;
    while (j < sample.size()) {
        // From this sampled token to the last sampled one within a read's reach: sparse samples
        // read one row each (their chunks), dense ones whole blocks.
        const std::size_t b = sample[j], reach = std::min(s.n_tokens(), b + step);
        std::size_t last = j;
        while (last + 1 < sample.size() && sample[last + 1] < reach) ++last;
        const std::size_t e = sample[last] + 1;
        x.resize((e - b) * s.d);
        dump.read_states(s, state, b, e, x.data());
        for (; j < sample.size() && sample[j] < e; ++j)
            std::copy_n(x.data() + (sample[j] - b) * s.d, s.d, dst + j * s.d);
    }
    return out;
}

// This rank's tasks, as entries (spectra as one-state parts, merged by rank 0).
std::vector<bundle::Entry> run_tasks(const Dump& dump, const StreamInfo& s,
                                     const std::vector<Task>& tasks, const std::vector<int>& owner,
                                     int rank, std::size_t top_k, std::size_t blocks,
                                     const std::vector<std::size_t>& sample) {
    std::vector<bundle::Entry> out;
    const std::string& sn = s.name;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        if (owner[i] != rank) continue;
        const Task& t = tasks[i];
        switch (t.kind) {
            case Kind::Trajectory: {
                analysis::TrajectoryOptions o;
                o.stream = sn;
                const parallel::Block b = parallel::block(s.n_tokens(), static_cast<int>(t.state),
                                                          static_cast<int>(blocks));
                o.token_begin = b.begin;
                o.token_end = b.end;
                out.push_back({"part/trajectory/" + std::to_string(t.state),
                               cache::encode(analysis::trajectory(dump, o, no_progress()))});
                break;
            }
            case Kind::Cka: {
                analysis::CkaOptions o;
                o.stream = sn;
                out.push_back(
                    {"part/cka/" + std::to_string(t.state),
                     cache::encode(analysis::cka_part(dump, o, static_cast<int>(t.state),
                                                      static_cast<int>(blocks), no_progress()))});
                break;
            }
            case Kind::Spectrum: {
                analysis::SpectrumOptions o;
                o.stream = sn;
                o.layers = {t.state};
                o.top_k = top_k;
                out.push_back({"part/spectrum/" + std::to_string(t.state),
                               cache::encode(analysis::spectrum(dump, o, no_progress()))});
                break;
            }
            case Kind::Weights:
                out.push_back(
                    {"weights", cache::encode(analysis::weight_spectra(dump, {}, no_progress()))});
                break;
            case Kind::Heads:
                out.push_back({"head_circuits",
                               cache::encode(analysis::head_circuits(dump, {}, no_progress()))});
                break;
            case Kind::HeadSim: {
                // Under the keys the heads view asks with: every block, and all layers at once.
                analysis::HeadSimilarityOptions o;
                o.metric = analysis::parse_head_metric(kHeadMetrics[t.state]);
                const std::string key = std::string("heads/") + kHeadMetrics[t.state] + "/layer=";
                const std::string rank = "/rank=" + std::to_string(o.rank);
                for (std::size_t l = 0; l < analysis::count_attention_layers(dump); ++l) {
                    o.layer = l;
                    out.push_back(
                        {key + std::to_string(l) + rank,
                         cache::encode(analysis::head_similarity(dump, o, no_progress()))});
                }
                o.layer.reset();
                out.push_back({key + "all" + rank,
                               cache::encode(analysis::head_similarity(dump, o, no_progress()))});
                break;
            }
            case Kind::EqualiserBasis: {
                analysis::EqualiserOptions o;
                o.stream = sn;
                out.push_back({"equaliser_basis/" + sn,
                               cache::encode(analysis::equaliser_basis(dump, o, no_progress()))});
                break;
            }
            case Kind::Sample: {
                const std::vector<std::size_t> all = analysis::analysed_states(s, true);
                const parallel::Block b = parallel::block(all.size(), static_cast<int>(t.state),
                                                          static_cast<int>(blocks));
                for (std::size_t k = b.begin; k < b.end; ++k)
                    out.push_back({"part/sample/" + std::to_string(k),
                                   read_sample_state(dump, s, all[k], sample)});
                break;
            }
        }
    }
    return out;
}

// Everything of the sample but its rows (which the ranks read, state by state): the datasets'
// names, the tokens, and what the logit lens needs besides the states (bundle::Sample).
bundle::Sample sample_frame(const Dump& dump, const StreamInfo& s,
                            const std::vector<std::size_t>& sample, bool lens) {
    bundle::Sample out;
    const std::vector<std::size_t> states = analysis::analysed_states(s, true);
    out.n = sample.size();
    out.d = s.d;
    out.stacked = s.sources.front().stacked.has_value();
    out.final_norm_applied = s.last_is_final_norm;
    for (std::size_t st : states) out.datasets.push_back(s.sources[st].dataset);
    out.states.resize(states.size() * out.n * out.d);
    for (std::size_t t : sample) {
        const TokenInfo& ti = dump.tokens().at(t);
        out.token_index.push_back(t);
        out.token_text.push_back(ti.text.empty() ? ti.label() : ti.text);
        if (ti.id) out.token_ids.push_back(*ti.id);
    }
    if (out.token_ids.size() != sample.size()) out.token_ids.clear();
    // The model's shape, so that the heads view of the bundle knows its layers and heads.
    for (const auto& [k, v] : dump.attributes())
        if (k == "n_layers" || k == "n_heads" || k == "n_kv_heads" || k == "d_head" ||
            k == "d_model")
            out.attributes.emplace_back(k, v);
    const WeightInfo* wu = dump.find_weight("unembed.W_U");
    if (!wu || !lens) return out;
    for (const char* name : {"unembed.W_U", "unembed.b_U", "ln_final.w", "ln_final.b"})
        if (dump.find_weight(name)) {
            Tensor t = dump.read_weight(name);
            out.weights.push_back({name, t.shape, std::move(t.data)});
        }
    for (const auto& [k, v] : dump.attributes())
        if (k == "eps" || k == "norm") out.attributes.emplace_back(k, v);
    // The vocabulary: the dump's, else the text each id shows first among the dump's tokens
    // (what the lens of the dump itself names them by).
    out.vocabulary = dump.vocabulary();
    if (out.vocabulary.empty() && wu->shape.size() == 2) {
        out.vocabulary.assign(wu->shape[1], std::string());
        std::vector<bool> seen(out.vocabulary.size(), false);
        for (const TokenInfo& t : dump.tokens())
            if (t.id && *t.id >= 0 && static_cast<std::size_t>(*t.id) < seen.size() &&
                !t.text.empty() && !seen[static_cast<std::size_t>(*t.id)]) {
                seen[static_cast<std::size_t>(*t.id)] = true;
                out.vocabulary[static_cast<std::size_t>(*t.id)] = t.text;
            }
    }
    return out;
}

std::vector<bundle::SourceFile> hash_sources(const std::string& path) {
    namespace fs = std::filesystem;
    std::vector<std::string> files;
    if (fs::is_directory(path)) {
        for (const auto& e : fs::directory_iterator(path))
            if (e.is_regular_file()) files.push_back(e.path().string());
        std::sort(files.begin(), files.end());
    } else {
        files.push_back(path);
    }
    std::vector<bundle::SourceFile> out;
    for (const auto& f : files) {
        bundle::SourceFile sf;
        sf.path = fs::absolute(f).lexically_normal().string();
        sf.sha256 = util::sha256_of_file(f, &sf.bytes);
        out.push_back(std::move(sf));
    }
    return out;
}

}  // namespace

int verb_bundle(const std::vector<std::string>& argv) {
    Args args(argv, {"no-cka", "no-lens"}, {"out", "stream", "sample", "top"});
    const std::string& file = only_positional(args, "bundle", "FILE or FOLDER");
    const auto out = args.option("out");
    if (!out) throw UsageError("--out RESULTS.h5 is required");
    const auto n_sample =
        static_cast<std::size_t>(args.integer("sample", 1, 1 << 26).value_or(20000));
    const auto top_k = static_cast<std::size_t>(args.integer("top", 0, 1 << 16).value_or(16));
    const std::string stream = args.option("stream").value_or("");
    parallel::Comm& comm = ranks();

    // Every rank: its tasks (the sampled rows among them, a block of states per rank). Rank 0
    // also hashes the files and reads the tokens (counted in its load, so the others take more
    // of the analyses). The parts reach rank 0 one rank at a time, in messages of at most
    // parallel::max_message_bytes(); rank 0 unpacks each as it arrives, the sampled rows into
    // the sample's place, so it holds the sample and one rank's part, never every part at once.
    std::shared_ptr<Dump> dump;
    std::vector<std::size_t> sample;
    bundle::Sample states;
    std::vector<bundle::SourceFile> files;
    std::vector<bundle::Entry> entries;
    std::map<std::size_t, analysis::LayerSpectrum> layers;
    std::map<std::size_t, analysis::TrajectoryResult> blocks;
    std::map<std::size_t, analysis::CkaPart> cka_parts;
    parallel::gather_parts_each(
        comm,
        [&] {
            dump = Dump::open(file);
            const StreamInfo& s = dump->stream(stream);
            sample = bundle::sample_tokens(s.n_tokens(), n_sample);
            const std::vector<Task> tasks =
                tasks_of(*dump, s, !args.flag("no-cka"), comm.size(), n_sample);
            const double hash_cost = static_cast<double>(s.n_tokens() * s.d * s.n_states());
            const std::vector<int> owner = assign(tasks, comm.size(), hash_cost);
            if (comm.root()) {
                states = sample_frame(*dump, s, sample, !args.flag("no-lens"));
                files = hash_sources(file);
            }
            return pack(run_tasks(*dump, s, tasks, owner, comm.rank(), top_k,
                                  static_cast<std::size_t>(comm.size()), sample));
        },
        [&](int, std::string&& part) {
            std::vector<bundle::Entry> got = unpack(part);
            part.clear();
            for (auto& e : got) {
                if (e.key.rfind("part/trajectory/", 0) == 0) {
                    analysis::TrajectoryResult one;
                    if (!cache::decode(e.bytes, one))
                        throw InternalError("a rank's trajectory could not be decoded");
                    blocks[std::stoul(e.key.substr(16))] = std::move(one);
                } else if (e.key.rfind("part/spectrum/", 0) == 0) {
                    analysis::SpectrumResult one;
                    if (!cache::decode(e.bytes, one) || one.layers.size() != 1)
                        throw InternalError("a rank's spectrum could not be decoded");
                    layers[one.layers.front().layer] = std::move(one.layers.front());
                } else if (e.key.rfind("part/cka/", 0) == 0) {
                    analysis::CkaPart one;
                    if (!cache::decode(e.bytes, one))
                        throw InternalError("a rank's CKA part could not be decoded");
                    cka_parts[std::stoul(e.key.substr(9))] = std::move(one);
                } else if (e.key.rfind("part/sample/", 0) == 0) {
                    const std::size_t k = std::stoul(e.key.substr(12)), n = states.n * states.d;
                    if (k >= states.datasets.size() || e.bytes.size() != n * sizeof(float))
                        throw InternalError("a rank's sampled rows do not fit the sample");
                    std::memcpy(states.states.data() + k * n, e.bytes.data(), e.bytes.size());
                } else {
                    entries.push_back(std::move(e));
                }
            }
        });
    if (!comm.root()) return 0;

    const StreamInfo& s = dump->stream(stream);
    analysis::SpectrumResult spectra;
    spectra.stream = s.name;
    for (auto& [st, l] : layers) spectra.layers.push_back(std::move(l));
    // CKA's parts summed in part order, whichever rank computed them.
    if (!cka_parts.empty()) {
        analysis::CkaPart sum = std::move(cka_parts.begin()->second);
        for (auto it = std::next(cka_parts.begin()); it != cka_parts.end(); ++it)
            analysis::cka_merge(sum, it->second);
        entries.push_back({"cka/" + s.name, cache::encode(analysis::cka_finish(sum))});
    }
    // The token blocks joined in order, statistics over every token; per-token values sampled.
    std::vector<analysis::TrajectoryResult> in_order;
    for (auto& [b, r] : blocks) in_order.push_back(std::move(r));
    entries.push_back(
        {"trajectory/" + s.name + "/final_norm=0",
         cache::encode(sampled(analysis::trajectory_merge(std::move(in_order), s), sample))});
    entries.push_back(
        {"spectrum/" + s.name + "/centred=1/top=" + std::to_string(top_k), cache::encode(spectra)});
    // The spectrum view asks for values only (top=0): the same spectra without directions.
    analysis::SpectrumResult values = spectra;
    for (auto& l : values.layers) l.components.clear();
    entries.push_back({"spectrum/" + s.name + "/centred=1/top=0", cache::encode(values)});
    // The weight-spectrum view asks per matrix.
    for (const auto& e : std::vector<bundle::Entry>(entries))
        if (e.key == "weights") {
            analysis::WeightSpectraResult w;
            if (!cache::decode(e.bytes, w)) throw InternalError("weight spectra not decodable");
            for (const auto& m : w.matrices) {
                analysis::WeightSpectraResult one;
                one.file = w.file;
                one.matrices = {m};
                if (auto it = w.sources.find(m.name); it != w.sources.end())
                    one.sources[m.name] = it->second;
                entries.push_back({"weight_spectrum/" + m.name, cache::encode(one)});
            }
        }
    std::sort(entries.begin(), entries.end(),
              [](const bundle::Entry& a, const bundle::Entry& b) { return a.key < b.key; });

    bundle::Provenance p;
    p.source = std::filesystem::absolute(file).lexically_normal().string();
    p.files = files;
    p.layout = layout_name(dump->layout());
    p.stream = s.name;
    p.tokens = s.n_tokens();
    p.sampled_tokens = sample.size();
    p.states = states.datasets.size();
    p.d = s.d;
    p.eigenscope_version = EIGENSCOPE_VERSION;
    p.ranks = comm.size();
    if (args.flag("no-cka")) p.lacks.push_back("CKA between layers (bundled with --no-cka)");
    if (args.flag("no-lens") && dump->find_weight("unembed.W_U"))
        p.lacks.push_back("the unembedding the logit lens needs (bundled with --no-lens)");
    p.lacks.insert(
        p.lacks.end(),
        {"token states beyond the sample (the equaliser and logit lens show sampled tokens only; "
         "the timescales, directions, neighbours and analogy views need the dump)",
         "streams other than " + s.name, "attention patterns",
         "head similarities other than qk_cosine and ov_cosine (rank 8)",
         states.weights.empty()
             ? "the weights themselves"
             : "the weights themselves, but for the unembedding and final norm the lens reads"});
    bundle::write(*out, p, states, entries);
    return print_text(nlohmann::json({{"bundle", *out},
                                      {"results", entries.size()},
                                      {"sampled_tokens", sample.size()},
                                      {"ranks", comm.size()}})
                          .dump(2) +
                      "\n");
}

}  // namespace es::cli
