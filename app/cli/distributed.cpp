#include "distributed.h"

#include <exception>

#include "analysis/common.h"
#include "cache/part_codec.h"
#include "distribute.h"
#include "verb_support.h"

namespace es::cli {

namespace {

// Whether the spectrum goes by token blocks: states with more tokens than dimensions (the
// streamed scatter) and fewer states than ranks, where blocks of states would leave ranks idle.
// With as many states as ranks a block of states per rank is faster: its eigensolves run on all
// ranks at once, where token blocks run every eigensolve on rank 0 (docs/SCALING.md). Decided on
// every rank alike from the same file, after a collective open.
bool by_tokens(const StreamInfo& s, std::size_t states, int ranks) {
    return s.n_tokens() > s.d && states < static_cast<std::size_t>(ranks);
}

}  // namespace

std::optional<analysis::SpectrumResult> distributed_spectrum(const std::string& file,
                                                             const analysis::SpectrumOptions& o) {
    parallel::Comm& comm = ranks();
    if (comm.size() == 1) return analysis::spectrum(*Dump::open(file), o, no_progress());
    std::shared_ptr<Dump> dump;
    std::vector<std::size_t> states;
    parallel::gather_parts(comm, [&] {
        dump = Dump::open(file);
        const StreamInfo& s = dump->stream(o.stream);
        states = o.layers.empty() ? analysis::analysed_states(s, o.include_final_norm) : o.layers;
        for (std::size_t st : states) analysis::check_state(*dump, s, static_cast<long long>(st));
        return std::string();
    });
    const StreamInfo& s = dump->stream(o.stream);
    if (!by_tokens(s, states.size(), comm.size()))
        return gather_results<analysis::SpectrumResult>(
            [&](int rank, int size) {
                analysis::SpectrumOptions mine = o;
                mine.layers = parallel::block_items(states, rank, size);
                if (mine.layers.empty()) {  // more ranks than layers
                    analysis::SpectrumResult none;
                    none.stream = s.name;
                    return none;
                }
                return analysis::spectrum(*dump, mine, no_progress());
            },
            [](analysis::SpectrumResult& into, analysis::SpectrumResult&& part) {
                for (auto& l : part.layers) into.layers.push_back(std::move(l));
            });
    analysis::SpectrumResult r;
    r.stream = s.name;
    // A state's eigensolve runs on rank 0 after the gather; if it fails, the other ranks are
    // already in the next state's gather: rank 0 fails its part of that one, so all stop.
    std::exception_ptr failed;
    const parallel::Block mine = parallel::block(s.n_tokens(), comm.rank(), comm.size());
    for (std::size_t st : states) {
        numerics::Scatter merged(0, o.centred);
        parallel::gather_parts_each(
            comm,
            [&] {
                if (failed) std::rethrow_exception(failed);
                return cache::encode(analysis::spectrum_scatter(*dump, s, st, o.centred, mine.begin,
                                                                mine.end, no_progress()));
            },
            [&](int rank, std::string&& bytes) {
                numerics::Scatter part(0, o.centred);
                if (!cache::decode(bytes, part))
                    throw InternalError("a rank's scatter could not be decoded");
                bytes.clear();
                if (rank == 0)
                    merged = std::move(part);
                else
                    merged.merge(part);
            });
        if (!comm.root()) continue;
        try {
            r.layers.push_back(analysis::spectrum_of_scatter(*dump, s, st, o, std::move(merged)));
        } catch (...) {
            failed = std::current_exception();
        }
    }
    if (failed) std::rethrow_exception(failed);
    if (!comm.root()) return std::nullopt;
    return r;
}

std::optional<analysis::CkaResult> distributed_cka(const std::string& file,
                                                   const std::string& other,
                                                   analysis::CkaOptions o) {
    const auto merged = gather_results<analysis::CkaPart>(
        [&](int rank, int size) {
            auto dump = Dump::open(file);
            std::shared_ptr<Dump> second = other.empty() ? nullptr : Dump::open(other);
            o.other = second.get();
            return analysis::cka_part(*dump, o, rank, size, no_progress());
        },
        [](analysis::CkaPart& into, analysis::CkaPart&& part) { analysis::cka_merge(into, part); });
    if (!merged) return std::nullopt;
    return analysis::cka_finish(*merged);
}

std::optional<analysis::TrajectoryResult> distributed_trajectory(
    const std::string& file, const analysis::TrajectoryOptions& o) {
    std::shared_ptr<Dump> dump;
    std::vector<analysis::TrajectoryResult> parts;
    const auto joined = gather_results<analysis::TrajectoryResult>(
        [&](int rank, int size) {
            dump = Dump::open(file);
            analysis::TrajectoryOptions mine = o;
            const parallel::Block b =
                parallel::block(dump->stream(o.stream).n_tokens(), rank, size);
            if (size > 1) {
                mine.token_begin = b.begin;
                mine.token_end = b.end;
            }
            return analysis::trajectory(*dump, mine, no_progress());
        },
        [&](analysis::TrajectoryResult& into, analysis::TrajectoryResult&& part) {
            if (parts.empty()) parts.push_back(std::move(into));
            parts.push_back(std::move(part));
        });
    if (!joined) return std::nullopt;
    if (parts.empty()) return joined;
    return analysis::trajectory_merge(std::move(parts), dump->stream(o.stream));
}

std::optional<analysis::WeightSpectraResult> distributed_weight_spectra(
    const std::string& file, const std::string& weights, const analysis::WeightSpectraOptions& o) {
    return gather_results<analysis::WeightSpectraResult>(
        [&](int rank, int size) {
            auto dump = Dump::open(file, weights);
            analysis::WeightSpectraOptions mine = o;
            if (size > 1) {
                std::vector<std::string> names =
                    o.only.empty() ? analysis::weight_spectra_names(*dump) : o.only;
                const parallel::Block b = parallel::block(names.size(), rank, size);
                mine.only.assign(names.begin() + static_cast<long>(b.begin),
                                 names.begin() + static_cast<long>(b.end));
                if (mine.only.empty()) {
                    analysis::WeightSpectraResult none;
                    none.file = dump->path();
                    return none;
                }
            }
            return analysis::weight_spectra(*dump, mine, no_progress());
        },
        [](analysis::WeightSpectraResult& into, analysis::WeightSpectraResult&& part) {
            for (auto& m : part.matrices) into.matrices.push_back(std::move(m));
            into.sources.insert(part.sources.begin(), part.sources.end());
        });
}

std::optional<std::vector<std::string>> distributed_items(
    std::size_t n, const std::function<std::string(std::size_t)>& compute) {
    parallel::Comm& comm = ranks();
    const auto size = static_cast<std::size_t>(comm.size()),
               rank = static_cast<std::size_t>(comm.rank());
    std::vector<std::string> out;
    for (std::size_t round = 0; round * size < n; ++round) {
        const std::size_t i = round * size + rank;
        // One tag byte: a rank without an item this round sends "-", so an empty result and
        // no result are told apart.
        parallel::gather_parts_each(
            comm, [&] { return i < n ? "+" + compute(i) : std::string("-"); },
            [&](int, std::string&& b) {
                if (!b.empty() && b[0] == '+') out.push_back(b.substr(1));
            });
    }
    if (!comm.root()) return std::nullopt;
    return out;
}

}  // namespace es::cli
