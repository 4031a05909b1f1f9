// The points of the 3-D projection, their colours and the legend of those colours: plain data
// from an analysis::ProjectResult, for Projection3dScene (projection3d_scene.h declares them).
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>

#include "colormaps.h"
#include "projection3d_scene.h"
#include "util/token_text.h"

namespace es::widgets {

namespace {

double length(const std::array<double, 3>& p) {
    return std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
}

Projection3dScene::Rgb rgb_of(const QColor& c) {
    return {static_cast<unsigned char>(c.red()), static_cast<unsigned char>(c.green()),
            static_cast<unsigned char>(c.blue())};
}

// "Other" categories and missing values: a mid grey that reads on light and dark backgrounds
// and is not in the palette.
const Projection3dScene::Rgb kOther{150, 150, 150};

}  // namespace

Projection3dCloud projection3d_cloud(const analysis::ProjectResult& result) {
    Projection3dCloud cloud;
    const std::size_t n_tokens = result.tokens;
    for (std::size_t row = 0; row < result.coordinates.size(); ++row) {
        const auto& layer = result.coordinates[row];
        for (std::size_t t = 0; t < layer.size() && t < n_tokens; ++t) {
            if (!layer[t]) continue;
            std::array<double, 3> p = *layer[t];
            // Spherized: the states are unit vectors in model space; their 3-D projections lie
            // inside the unit ball. Scaled to unit length they show direction only, on the sphere.
            const double n = length(p);
            if (result.spherized && n > 1e-12)
                for (double& x : p) x /= n;
            cloud.points.push_back(p);
            cloud.states.push_back(static_cast<int>(row * n_tokens + t));
        }
    }
    return cloud;
}

std::vector<Projection3dScene::Rgb> projection3d_colors(const analysis::ProjectResult& result,
                                                        const std::vector<int>& states,
                                                        const std::vector<TokenInfo>& tokens,
                                                        Projection3dColoring by) {
    std::array<double, 2> norms{std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity()};
    for (const auto& layer : result.coordinates) {
        for (const auto& p : layer) {
            if (!p) continue;
            norms[0] = std::min(norms[0], length(*p));
            norms[1] = std::max(norms[1], length(*p));
        }
    }
    const std::size_t rows = result.coordinates.size();
    double axis_max = 0;  // largest |coordinate on axis 1|, for the diverging map
    for (const auto& layer : result.coordinates)
        for (const auto& p : layer)
            if (p) axis_max = std::max(axis_max, std::abs((*p)[0]));
    std::size_t last_position = 0;
    for (const TokenInfo& t : tokens) last_position = std::max(last_position, t.position);
    std::vector<Projection3dScene::Rgb> out;
    out.reserve(states.size());
    for (const int s : states) {
        const std::size_t row = static_cast<std::size_t>(s) / result.tokens;
        const std::size_t token = static_cast<std::size_t>(s) % result.tokens;
        QColor c;
        switch (by) {
            case Projection3dColoring::Layer:
                c = colors::sample(colors::Map::Viridis,
                                   rows > 1 ? double(row) / double(rows - 1) : 0.5);
                break;
            case Projection3dColoring::Prompt:
                c = colors::categorical(
                    token < tokens.size() ? static_cast<int>(tokens[token].prompt) : 0);
                break;
            case Projection3dColoring::Norm: {
                const double n = length(*result.coordinates[row][token]);
                c = colors::sample(
                    colors::Map::Viridis,
                    norms[1] > norms[0] ? (n - norms[0]) / (norms[1] - norms[0]) : 0.5);
                break;
            }
            case Projection3dColoring::Position:
                c = colors::sample(colors::Map::Viridis,
                                   token < tokens.size() && last_position > 0
                                       ? double(tokens[token].position) / double(last_position)
                                       : 0.5);
                break;
            case Projection3dColoring::Axis1:
                c = colors::sample(colors::Map::Diverging,
                                   axis_max > 0
                                       ? 0.5 + (*result.coordinates[row][token])[0] / (2 * axis_max)
                                       : 0.5);
                break;
        }
        out.push_back(rgb_of(c));
    }
    return out;
}

Projection3dScene::Legend projection3d_legend(const analysis::ProjectResult& result,
                                              const std::vector<TokenInfo>& tokens,
                                              Projection3dColoring by) {
    Projection3dScene::Legend legend;
    const auto viridis_ramp = [&legend] {
        constexpr int kSteps = 64;
        for (int i = 0; i < kSteps; ++i)
            legend.ramp.push_back(rgb_of(colors::sample(colors::Map::Viridis, i / (kSteps - 1.0))));
    };
    switch (by) {
        case Projection3dColoring::Layer: {
            // The colour runs over the projected rows; their layers are the states' indices when
            // those are evenly spaced (every layer, or every k-th), else the rows are numbered.
            const std::vector<std::size_t>& st = result.states;
            const std::size_t rows = result.coordinates.size();
            bool even = st.size() == rows && rows >= 1;
            for (std::size_t r = 2; even && r < rows; ++r)
                even = st[r] - st[r - 1] == st[1] - st[0];
            legend.title = even ? "layer" : "layer (row)";
            legend.low = even ? double(st.front()) : 0.0;
            legend.high = even ? double(st.back()) : double(rows > 0 ? rows - 1 : 0);
            legend.integers = true;
            viridis_ramp();
            break;
        }
        case Projection3dColoring::Prompt: {
            // The palette has eight colours and repeats: a swatch per colour in use, naming the
            // prompts it stands for.
            std::set<std::size_t> prompts;
            for (std::size_t t = 0; t < result.tokens; ++t)
                prompts.insert(t < tokens.size() ? tokens[t].prompt : 0);
            constexpr std::size_t kColors = 8;
            std::vector<std::vector<std::size_t>> by_color(kColors);
            for (std::size_t p : prompts) by_color[p % kColors].push_back(p);
            legend.title = "prompt";
            for (std::size_t c = 0; c < kColors; ++c) {
                const auto& ps = by_color[c];
                if (ps.empty()) continue;
                std::string name = std::to_string(ps[0]);
                if (ps.size() == 2) name += ", " + std::to_string(ps[1]);
                if (ps.size() > 2) name += ", " + std::to_string(ps[1]) + ", ...";
                legend.categories.emplace_back(
                    name, rgb_of(colors::categorical(static_cast<int>(ps[0]))));
            }
            break;
        }
        case Projection3dColoring::Norm: {
            double lo = std::numeric_limits<double>::infinity(), hi = -lo;
            for (const auto& layer : result.coordinates)
                for (const auto& p : layer) {
                    if (!p) continue;
                    lo = std::min(lo, length(*p));
                    hi = std::max(hi, length(*p));
                }
            legend.title = "projected norm";
            legend.low = std::isfinite(lo) ? lo : 0.0;
            legend.high = std::isfinite(hi) ? hi : 1.0;
            viridis_ramp();
            break;
        }
        case Projection3dColoring::Position: {
            std::size_t last = 0;
            for (const TokenInfo& t : tokens) last = std::max(last, t.position);
            legend.title = "position in prompt";
            legend.low = 0;
            legend.high = double(last);
            legend.integers = true;
            viridis_ramp();
            break;
        }
        case Projection3dColoring::Axis1: {
            double m = 0;
            for (const auto& layer : result.coordinates)
                for (const auto& p : layer)
                    if (p) m = std::max(m, std::abs((*p)[0]));
            legend.title =
                (result.axis_labels.empty() ? std::string("axis 1") : result.axis_labels[0]) +
                " projection";
            legend.low = -m;
            legend.high = m > 0 ? m : 1.0;
            constexpr int kSteps = 64;
            for (int i = 0; i < kSteps; ++i)
                legend.ramp.push_back(
                    rgb_of(colors::sample(colors::Map::Diverging, i / (kSteps - 1.0))));
            break;
        }
    }
    return legend;
}

std::vector<Projection3dScene::Rgb> projection3d_token_colors(
    const analysis::ProjectResult& result, const std::vector<int>& states,
    const analysis::TokenColoring& coloring) {
    std::vector<Projection3dScene::Rgb> out;
    out.reserve(states.size());
    const double span = coloring.high - coloring.low;
    for (const int s : states) {
        const std::size_t token = static_cast<std::size_t>(s) % result.tokens;
        if (coloring.categorical) {
            const int c = token < coloring.category.size() ? coloring.category[token] : -1;
            out.push_back(c < 0 ? kOther : rgb_of(colors::categorical(c)));
            continue;
        }
        const double v = token < coloring.values.size() ? coloring.values[token] : NAN;
        out.push_back(!std::isfinite(v)
                          ? kOther
                          : rgb_of(colors::sample(colors::Map::Viridis,
                                                  span > 0 ? (v - coloring.low) / span : 0.5)));
    }
    return out;
}

Projection3dScene::Legend projection3d_token_legend(const analysis::TokenColoring& coloring) {
    Projection3dScene::Legend legend;
    legend.title = coloring.title;
    if (!coloring.categorical) {
        legend.low = coloring.low;
        legend.high = coloring.high;
        constexpr int kSteps = 64;
        for (int i = 0; i < kSteps; ++i)
            legend.ramp.push_back(rgb_of(colors::sample(colors::Map::Viridis, i / (kSteps - 1.0))));
        return legend;
    }
    for (std::size_t i = 0; i < coloring.categories.size(); ++i) {
        // Token strings as they read on screen (a space is a visible mark, not nothing).
        const std::string name = coloring.title == "token" ? display_token(coloring.categories[i])
                                                           : coloring.categories[i];
        legend.categories.emplace_back(name + " (" + std::to_string(coloring.counts[i]) + ")",
                                       rgb_of(colors::categorical(static_cast<int>(i))));
    }
    if (coloring.other_kinds > 0)
        legend.categories.emplace_back("other: " + std::to_string(coloring.other_kinds) +
                                           " kinds (" + std::to_string(coloring.other_count) + ")",
                                       kOther);
    return legend;
}

}  // namespace es::widgets
