//VTK::System::Dec
// Density splatting, second pass: the accumulated sums (one float per pixel: every point's
// splat added up, widgets/projection3d_density.cpp) through a colour map. Drawn over the
// background as one full-screen quad (vtkOpenGLQuadHelper supplies the vertex stage and
// texCoord). The scale is logarithmic, from the faintest splat to the densest pixel: a million
// points pile up in a few pixels, and a linear scale would show only those. Empty pixels are
// left to the background.

in vec2 texCoord;
uniform sampler2D counts;    // R32F
uniform sampler2D colormap;  // 256 x 1 RGBA, low to high density
uniform float logLow;        // log of the sum shown in the first colour
uniform float logSpan;       // log(high) - log(low), > 0
//VTK::Output::Dec

void main()
{
  float c = texture(counts, texCoord).r;
  if (c <= 0.0) discard;
  float t = clamp((log(c) - logLow) / logSpan, 0.0, 1.0);
  // Sample the centres of the first and last texels so the ends are the ramp's ends.
  gl_FragData[0] = vec4(texture(colormap, vec2((0.5 + 255.0 * t) / 256.0, 0.5)).rgb, 1.0);
}
