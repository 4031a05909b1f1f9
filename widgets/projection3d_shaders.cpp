#include "projection3d_shaders.h"

#include <algorithm>
#include <limits>
#include <sstream>

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkShaderProperty.h>
#include <vtkUniforms.h>

#include "es_point_sprite_frag.h"  // shaders/point_sprite.frag.glsl
#include "es_point_sprite_vert.h"  // shaders/point_sprite.vert.glsl

namespace es::widgets {

std::vector<std::pair<std::string, std::string>> glsl_snippets(const std::string& text) {
    std::vector<std::pair<std::string, std::string>> out;
    std::istringstream in(text);
    std::string line;
    const std::string marker = "//@at ";
    while (std::getline(in, line)) {
        if (line.rfind(marker, 0) == 0) {
            out.emplace_back(line.substr(marker.size()), std::string());
        } else if (!out.empty()) {
            out.back().second += line + "\n";
        }
    }
    return out;
}

void use_point_sprites(vtkActor* actor, bool on) {
    vtkShaderProperty* sp = actor->GetShaderProperty();
    sp->ClearAllShaderReplacements();
    if (!on) {
        actor->GetProperty()->SetRenderPointsAsSpheres(true);
        actor->GetProperty()->LightingOn();
        return;
    }
    // Before VTK's own substitutions (replaceFirst), keeping the tag for them.
    for (const auto& [tag, code] : glsl_snippets(es_point_sprite_vert))
        sp->AddVertexShaderReplacement(tag, true, code + tag, false);
    for (const auto& [tag, code] : glsl_snippets(es_point_sprite_frag))
        sp->AddFragmentShaderReplacement(tag, true, code + tag, false);
    actor->GetProperty()->SetRenderPointsAsSpheres(false);
    actor->GetProperty()->LightingOff();
}

std::array<double, 2> view_depth_range(vtkCamera* camera, const std::array<double, 6>& bounds) {
    double pos[3], dir[3];
    camera->GetPosition(pos);
    camera->GetDirectionOfProjection(dir);
    std::array<double, 2> range{std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity()};
    for (int c = 0; c < 8; ++c) {
        const double p[3] = {bounds[c & 1], bounds[2 + ((c >> 1) & 1)], bounds[4 + ((c >> 2) & 1)]};
        const double dist =
            (p[0] - pos[0]) * dir[0] + (p[1] - pos[1]) * dir[1] + (p[2] - pos[2]) * dir[2];
        range[0] = std::min(range[0], dist);
        range[1] = std::max(range[1], dist);
    }
    return range;
}

void update_point_sprites(vtkActor* actor, vtkRenderer* renderer,
                          const std::array<double, 6>& bounds,
                          const std::array<double, 3>& background, double depth_cue) {
    vtkCamera* camera = renderer->GetActiveCamera();
    const std::array<double, 2> range = view_depth_range(camera, bounds);
    vtkUniforms* vs = actor->GetShaderProperty()->GetVertexCustomUniforms();
    vs->SetUniformi("esParallel", camera->GetParallelProjection() ? 1 : 0);
    vs->SetUniformf("esNear", static_cast<float>(range[0]));
    vs->SetUniformf("esFar", static_cast<float>(range[1]));
    vtkUniforms* fs = actor->GetShaderProperty()->GetFragmentCustomUniforms();
    const float bg[3] = {static_cast<float>(background[0]), static_cast<float>(background[1]),
                         static_cast<float>(background[2])};
    fs->SetUniform3f("esBackground", bg);
    fs->SetUniformf("esDepthCue", static_cast<float>(depth_cue));
}

}  // namespace es::widgets
