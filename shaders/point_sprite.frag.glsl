// Point sprites with depth shading: fragment stage.
// A round sprite shaded like a lit ball (bright centre, darker rim) whose colour fades towards
// the background with depth, so that the front of a dense cloud reads in front of its back.
// Unlike VTK's RenderPointsAsSpheres it does not write gl_FragDepth, so the rasteriser keeps
// its early depth test.

//@at //VTK::CustomUniforms::Dec
in float esDepth;

//@at //VTK::TCoord::Impl
{
  vec2 esP = 2.0 * gl_PointCoord - 1.0;
  float esR2 = dot(esP, esP);
  if (esR2 > 1.0) discard;
  float esBall = 0.35 + 0.65 * sqrt(1.0 - esR2);
  vec3 esLit = gl_FragData[0].rgb * esBall;
  gl_FragData[0].rgb = mix(esLit, esBackground, esDepthCue * esDepth);
}
