// The numbers behind each figure: the view's last result through the same to_json/to_csv the
// CLI verbs print, so an exported CSV or JSON equals `eigenscope-cli VERB --json` by construction.
#include <QJsonArray>
#include <QJsonDocument>
#include <sstream>

#include "angles_view.h"
#include "attention_view.h"
#include "checkpoint_view.h"
#include "cka_view.h"
#include "equaliser_view.h"
#include "export/figure_export.h"
#include "heads_view.h"
#include "lens_view.h"
#include "projection3d_view.h"
#include "spectrum_view.h"
#include "timescales_view.h"
#include "trajectory_view.h"
#include "weight_spectrum_view.h"

namespace es::widgets {

namespace {

struct Numbers {
    nlohmann::json json;
    std::string csv;
};

template <typename V, typename Fn>
std::optional<Numbers> from(const View* view, Fn fn) {
    const auto* v = qobject_cast<const V*>(view);
    if (!v) return std::nullopt;
    return fn(*v);
}

template <typename R>
std::optional<Numbers> pair_of(const std::optional<R>& r) {
    if (!r) return std::nullopt;
    return Numbers{analysis::to_json(*r), analysis::to_csv(*r)};
}

std::optional<Numbers> attention_numbers(const AttentionView& v) {
    const auto& p = v.pattern();
    if (!p) return std::nullopt;
    Numbers n;
    n.json = {
        {"layer", p->layer}, {"head", p->head}, {"prompt", p->prompt}, {"positions", p->positions}};
    nlohmann::json rows = nlohmann::json::array();
    std::ostringstream csv;
    csv.precision(17);
    csv << "query,key,weight\n";
    for (int q = 0; q < p->positions; ++q) {
        nlohmann::json row = nlohmann::json::array();
        for (int k = 0; k < p->positions; ++k) {
            const float w = p->values[static_cast<std::size_t>(q * p->positions + k)];
            row.push_back(w);
            csv << q << ',' << k << ',' << w << '\n';
        }
        rows.push_back(row);
    }
    n.json["weights"] = rows;
    nlohmann::json tokens = nlohmann::json::array();
    for (const QString& t : p->tokens) tokens.push_back(t.toStdString());
    n.json["tokens"] = tokens;
    n.csv = csv.str();
    return n;
}

std::optional<Numbers> weight_numbers(const WeightSpectrumView& v) {
    const auto& s = v.spectrum();
    if (!s) return std::nullopt;
    Numbers n{analysis::to_json(*s), {}};
    std::ostringstream csv;
    csv.precision(17);
    csv << "index,singular_value\n";
    for (std::size_t i = 0; i < s->singular_values.size(); ++i)
        csv << i << ',' << s->singular_values[i] << '\n';
    n.csv = csv.str();
    return n;
}

std::optional<Numbers> numbers_of(const View* view, const QString& figure) {
    if (figure == QLatin1String("trajectory"))
        return from<TrajectoryView>(view, [](const TrajectoryView& v) -> std::optional<Numbers> {
            if (!v.result()) return std::nullopt;
            return Numbers{analysis::to_json(*v.result()), analysis::to_csv(*v.result())};
        });
    if (figure == QLatin1String("spectrum") || figure == QLatin1String("spectrogram"))
        return from<SpectrumView>(view, [](const SpectrumView& v) { return pair_of(v.result()); });
    if (figure == QLatin1String("cka"))
        return from<CkaView>(view, [](const CkaView& v) { return pair_of(v.result()); });
    if (figure == QLatin1String("heads"))
        return from<HeadsView>(view, [](const HeadsView& v) { return pair_of(v.result()); });
    if (figure == QLatin1String("angles"))
        return from<AnglesView>(view, [](const AnglesView& v) { return pair_of(v.result()); });
    if (figure == QLatin1String("checkpoints"))
        return from<CheckpointView>(view,
                                    [](const CheckpointView& v) { return pair_of(v.result()); });
    if (figure == QLatin1String("equaliser"))
        return from<EqualiserView>(view,
                                   [](const EqualiserView& v) { return pair_of(v.result()); });
    if (figure == QLatin1String("lens"))
        return from<LensView>(view, [](const LensView& v) { return pair_of(v.result()); });
    if (figure == QLatin1String("timescales"))
        return from<TimescalesView>(view,
                                    [](const TimescalesView& v) { return pair_of(v.result()); });
    if (figure == QLatin1String("projection3d"))
        return from<Projection3dView>(
            view, [](const Projection3dView& v) { return pair_of(v.result()); });
    if (figure == QLatin1String("attention")) return from<AttentionView>(view, attention_numbers);
    if (figure == QLatin1String("weight_spectrum"))
        return from<WeightSpectrumView>(view, weight_numbers);
    return std::nullopt;
}

}  // namespace

bool figure_ready(const View* view, const QString& figure) {
    return view && numbers_of(view, figure).has_value();
}

bool figure_numbers(const View* view, const QString& figure, QJsonObject* json, QString* csv,
                    QString* error) {
    const auto n = view ? numbers_of(view, figure) : std::nullopt;
    if (!n) {
        if (error) *error = QStringLiteral("the %1 view has nothing to export yet").arg(figure);
        return false;
    }
    if (json) {
        // Through text: nlohmann prints doubles round-trip exact and Qt parses them back exactly.
        const QByteArray text = QByteArray::fromStdString(n->json.dump());
        const QJsonDocument doc = QJsonDocument::fromJson(text);
        *json = doc.isObject() ? doc.object() : QJsonObject{{"values", doc.array()}};
    }
    if (csv) *csv = QString::fromStdString(n->csv);
    return true;
}

}  // namespace es::widgets
