#pragma once
// The point sprites of the 3-D projection (shaders/point_sprite.{vert,frag}.glsl): round
// sprites shaded like small balls, fading towards the background with depth. They replace VTK's
// RenderPointsAsSpheres for the point clouds; the GLSL is embedded by the build
// (vtk_encode_string) and spliced into VTK's polydata shaders as vtkShaderProperty replacements.
#include <array>
#include <string>
#include <utility>
#include <vector>

class vtkActor;
class vtkCamera;
class vtkRenderer;

namespace es::widgets {

// The snippets of an embedded shader file: (tag, code) for each "//@at TAG" section, in order.
std::vector<std::pair<std::string, std::string>> glsl_snippets(const std::string& text);

// Gives the actor's points the sprite shaders (their lighting off: the sprite shades itself),
// or with `on` false takes them away again and draws VTK's own lit spheres (the A/B of
// bench_projection3d).
void use_point_sprites(vtkActor* actor, bool on = true);
// The per-frame uniforms: the depth range of `bounds` (x0, x1, y0, y1, z0, z1) seen from
// `renderer`'s camera, the colour the far points fade to (RGB in [0, 1]) and how far they fade
// (0: not at all, 1: to the background). The range comes from the bounds, not from the camera's
// clipping range, which VTK may adjust after this is called: the same camera must give the same
// picture (a re-export from provenance is compared pixel for pixel).
void update_point_sprites(vtkActor* actor, vtkRenderer* renderer,
                          const std::array<double, 6>& bounds,
                          const std::array<double, 3>& background, double depth_cue);
// The distances along `camera`'s view direction of the nearest and farthest corner of `bounds`:
// the range the sprites' depth fade runs over (here and in projection3d_raster.h).
std::array<double, 2> view_depth_range(vtkCamera* camera, const std::array<double, 6>& bounds);

}  // namespace es::widgets
