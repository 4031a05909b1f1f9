//VTK::System::Dec
// The CPU-rasterised point cloud (widgets/projection3d_raster.cpp) put on screen: one
// full-screen quad (vtkOpenGLQuadHelper supplies the vertex stage and texCoord) that copies each
// pixel's colour and writes its depth, so that the paths, the selection and the axes drawn
// through OpenGL are hidden by the points in front of them and hide the points behind them.
// Empty pixels are left to whatever is there.

in vec2 texCoord;
uniform sampler2D colors;  // RGBA8, alpha 0 where no point was drawn
uniform sampler2D depths;  // R32F, window depth in [0, 1]
//VTK::Output::Dec

void main()
{
  vec4 c = texture(colors, texCoord);
  if (c.a < 0.5) discard;
  gl_FragDepth = texture(depths, texCoord).r;
  gl_FragData[0] = vec4(c.rgb, 1.0);
}
