// Point sprites with depth shading: vertex stage.
// Snippets spliced into VTK 9.1's polydata vertex shader (vtkPolyDataVS.glsl) through
// vtkShaderProperty replacements. Each "//@at TAG" starts the code inserted before that tag
// (the tag stays, so VTK still fills it in afterwards). See widgets/projection3d_shaders.cpp.

//@at //VTK::CustomUniforms::Dec
// 0 at the nearest point of the scene, 1 at the farthest (from the camera's clipping range).
out float esDepth;

//@at //VTK::CustomEnd::Impl
// gl_Position.w is the distance along the view direction in a perspective projection; in a
// parallel one it is 1 and the normalised depth z/w is already linear.
if (esParallel == 1)
  esDepth = clamp(0.5 * gl_Position.z / gl_Position.w + 0.5, 0.0, 1.0);
else
  esDepth = clamp((gl_Position.w - esNear) / max(esFar - esNear, 1e-12), 0.0, 1.0);
