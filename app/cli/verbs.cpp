#include "verbs.h"

#include <cctype>
#include <cstring>
#include <string>

namespace es::cli {

const std::vector<Verb>& verbs() {
    static const std::vector<Verb> table = {
        {"info", "info FILE [--weights DIR] [--json] [--no-health]",
         "layout, model dimensions, streams, weights, tokens and data health of a dump", verb_info},
        {"weights", "weights FILE (--json | --csv [--heads]) [--matrix NAME] [--weights DIR]",
         "singular values, stable rank and power-law alpha of every 2-D weight and head circuit",
         verb_weights},
        {"heads",
         "heads FILE (--layer N | --all-layers) --metric M [--rank R] [--weights DIR] "
         "(--json | --csv)",
         "head-by-head similarity (qk_cosine, ov_cosine, subspace_overlap, pattern_corr, ...)",
         verb_heads},
        {"angles", "angles FILE --a SPEC --b SPEC [--weights DIR] (--json | --csv)",
         "principal angles between two subspaces SOURCE:SIDE:RANGE", verb_angles},
        {"series",
         "series DIR --matrix SOURCE[:SIDE:RANGE] [--top K] [--side left|right] (--json | --csv)",
         "singular values and subspace drift of one matrix over a checkpoint series", verb_series},
        {"delta", "delta BASE OTHER [--top K] (--json | --csv)",
         "spectra of weight differences and LoRA updates between two dumps", verb_delta},
        {"trajectory",
         "trajectory FILE [--stream NAME] [--include-final-norm] [--per-token] [--threads N] "
         "(--json | --csv)",
         "per-layer norm and cosine (to previous / first state) statistics of every token",
         verb_trajectory},
        {"spectrum",
         "spectrum FILE [--stream NAME] (--layer N | --all-layers) [--uncentered] [--top K] "
         "(--json | --csv)",
         "singular values, explained variance, effective rank and principal directions of "
         "activations",
         verb_spectrum},
        {"equaliser",
         "equaliser FILE --layer N --token T [--basis dims|pca] [--pooled] [--basis-layer N] "
         "[--bands B] [--directions D1,D2] [--normalize] (--json | --csv)",
         "one token's energy per principal component / band or along directions, with per-layer "
         "frames",
         verb_equaliser},
        {"project",
         "project FILE [--method pca|umap] [--layer L] [--dims 2|3] [--seed S] "
         "[--trustworthiness N] [--spherize] [--axes A-B[@L],C-D,E-F] [--axes-layer N] "
         "[--color-by token|COLUMN] (--json | --csv)",
         "coordinates of every (layer, token) state: pooled exact PCA, custom axes or UMAP",
         verb_project},
        {"cka", "cka FILE [OTHER] [--stream NAME] [--memory MB] (--json | --csv)",
         "linear CKA between every pair of layers (of one dump, or of two dumps with the same "
         "tokens)",
         verb_cka},
        {"timescales", "timescales FILE [--layer N] [--components K] (--json | --csv)",
         "autocorrelation half-lives of principal directions and subspace persistence across "
         "layers",
         verb_timescales},
        {"lens", "lens FILE --token T [--top K] [--weights DIR] (--json | --csv)",
         "logit lens: top next tokens and probabilities at every layer for one token", verb_lens},
        {"attention", "attention FILE --layer N --head H [--prompt P] [--scores] (--json | --csv)",
         "one head's query x key attention pattern (or scores) for one prompt, with its tokens",
         verb_attention},
        {"directions",
         "directions FILE [--pairs A:B,C:D | --group-a A,B --group-b C,D] [--weight W_U[T] | "
         "--vector FILE.npy | --pc K[@L]] [--null-draws R] [--seed S] [--projection] (--json | "
         "--csv)",
         "consistency, null baseline, turning and separation of a semantic direction per layer",
         verb_directions},
        {"analogy",
         "analogy FILE \"A - B + C\" [--layer L | --all-layers | --source embed.W_E] [--normalize] "
         "[--top K] [--expect T] (--json | --csv)",
         "nearest tokens (by cosine) to a sum and difference of token states or embedding rows",
         verb_analogy},
        {"neighbours",
         "neighbours FILE --token T --layer L [--k K] [--metric cosine|euclidean] [--method "
         "auto|exact|hnsw] [--index FILE] [--recall] (--json | --csv)",
         "the k token states nearest to one token's state, exact (BLAS) or by an HNSW index",
         verb_neighbours},
        {"bundle",
         "bundle FILE|FOLDER --out RESULTS.h5 [--stream NAME] [--sample N] [--top K] [--no-cka] "
         "[--no-lens]",
         "every analysis the views show, with a sample of token states, in one HDF5 file that "
         "opens without the dump",
         verb_bundle,
         "The sample is N evenly spaced tokens (default 20000); the bundle records the dump's "
         "path, SHA-256 and size. Under mpirun the analyses are shared among the ranks."},
#ifdef EIGENSCOPE_WITH_REPORT
        {"report", "report FILE [--out report.pdf]",
         "multi-page PDF report: summary, trajectory, spectra, head similarity, CKA, weight alphas",
         verb_report,
         "The head similarity covers every layer, and each page has a caption. Without --out the "
         "report is written to FILE-stem-report.pdf in the current directory."},
#endif
    };
    return table;
}

namespace {

// Text for roff: backslashes doubled and option dashes as \- (minus signs, so that "--json" reads
// and copies as typed): in a usage line every dash, in prose those that start a word or follow
// one (not the hyphen of "2-D"). Metavariables of a usage line (words in capitals: FILE, N,
// SOURCE) in italics.
std::string roff(const std::string& text, bool usage) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        std::size_t caps = i;
        while (usage && caps < text.size() &&
               (std::isupper(static_cast<unsigned char>(text[caps])) ||
                (caps > i &&
                 (std::isdigit(static_cast<unsigned char>(text[caps])) || text[caps] == '_'))))
            ++caps;
        if (caps > i) {
            out += "\\fI" + text.substr(i, caps - i) + "\\fR";
            i = caps;
            continue;
        }
        if (c == '\\')
            out += "\\\\";
        else if (c == '-' && (usage || i == 0 || std::strchr(" ([|-", text[i - 1])))
            out += "\\-";
        else
            out += c;
        ++i;
    }
    return out;
}

}  // namespace

std::string man_verbs() {
    std::string out = ".SH VERBS\n";
    for (const Verb& v : verbs()) {
        std::string text = v.summary;
        text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
        text += ".";
        if (v.details) text += std::string(" ") + v.details;
        out += ".TP\n.B " + roff(v.usage, true) + "\n" + roff(text, false) + "\n";
    }
    return out;
}

}  // namespace es::cli
