// The SDF mesher's contract: closed, oriented 2-manifold output with outward normals, also when
// the field is exactly zero on grid points; and the primitives' distances are exact.
#include "flexforge/core/mesh_ops.h"
#include "flexforge/synth/mesher.h"
#include "flexforge/synth/sdf.h"

#include <Eigen/Geometry>
#include <gtest/gtest.h>

#include <cmath>

using namespace flexforge;
using namespace flexforge::synth;

namespace {

double signed_volume(const Mesh& m) {
  double v = 0.0;
  for (const Triangle& t : m.triangles) {
    const Eigen::Vector3d a = m.positions[t[0]].cast<double>(), b = m.positions[t[1]].cast<double>(),
                          c = m.positions[t[2]].cast<double>();
    v += a.dot(b.cross(c)) / 6.0;
  }
  return v;
}

void expect_closed(const Mesh& m, const char* what) {
  const TopologyReport t = analyze_topology(m);
  EXPECT_TRUE(t.watertight) << what << ": boundary " << t.boundary_edges << " nm-edges "
                            << t.non_manifold_edges << " nm-vertices " << t.non_manifold_vertices;
  EXPECT_TRUE(t.oriented) << what;
  EXPECT_EQ(t.degenerate_faces, 0u) << what;
}

}  // namespace

TEST(SynthMesher, SphereIsClosedOrientedOutwardWithRightVolume) {
  const Primitive s = sphere(Vec3(0.1f, 0.2f, 0.3f), 0.5f);
  const Mesh m = mesh_field([&](const Vec3& p) { return s.distance(p); }, s.bounds(), 0.02f);
  expect_closed(m, "sphere");
  EXPECT_EQ(analyze_topology(m).components, 1u);
  const double exact = 4.0 / 3.0 * M_PI * 0.125;
  EXPECT_NEAR(signed_volume(m), exact, 0.02 * exact);  // positive: normals point outward
}

TEST(SynthMesher, ExactZerosOnGridPointsStayManifold) {
  // Box faces at multiples of the cell size: many grid values are exactly 0 (counted outside).
  const float cell = 0.125f;
  const Primitive b = box(Vec3::Zero(), Vec3(0.5f, 0.25f, 0.375f));
  Aabb bounds = b.bounds();
  const Mesh m = mesh_field([&](const Vec3& p) { return b.distance(p); }, bounds, cell);
  expect_closed(m, "grid-aligned box");
  EXPECT_GT(signed_volume(m), 0.0);
  // Two touching spheres meet in one point: still manifold (the PL surface separates or joins).
  const Primitive s0 = sphere(Vec3(-0.25f, 0, 0), 0.25f), s1 = sphere(Vec3(0.25f, 0, 0), 0.25f);
  Aabb both = s0.bounds();
  both.expand(s1.bounds().min);
  both.expand(s1.bounds().max);
  const Mesh touching = mesh_field(
      [&](const Vec3& p) { return std::min(s0.distance(p), s1.distance(p)); }, both, 0.0625f);
  expect_closed(touching, "touching spheres");
}

TEST(SynthMesher, ThinAndHollowShapesAreClosed) {
  PartShape mug;
  mug.primitives.push_back(cylinder(Vec3(0, 0, 0), Vec3(0, 1, 0), 0.4f));
  Primitive cut = cylinder(Vec3(0, 0.1f, 0), Vec3(0, 1.1f, 0), 0.35f);
  cut.subtract = true;
  mug.primitives.push_back(cut);
  const Mesh m = mesh_field([&](const Vec3& p) { return mug.distance(p); }, mug.bounds(), 0.03f);
  expect_closed(m, "hollow cylinder with sub-cell walls");
  const Primitive t = torus(Vec3::Zero(), 0.5f, 0.1f, rotation_x(0.3f));
  expect_closed(mesh_field([&](const Vec3& p) { return t.distance(p); }, t.bounds(), 0.05f), "torus");
}

TEST(SynthSdf, PrimitiveDistancesAreExact) {
  EXPECT_NEAR(box(Vec3::Zero(), Vec3(1, 2, 3)).distance(Vec3(2, 0, 0)), 1.0f, 1e-6f);
  EXPECT_NEAR(box(Vec3::Zero(), Vec3(1, 2, 3)).distance(Vec3(0, 0, 0)), -1.0f, 1e-6f);
  EXPECT_NEAR(box(Vec3::Zero(), Vec3(1, 1, 1)).distance(Vec3(2, 2, 1)), std::sqrt(2.0f), 1e-6f);
  EXPECT_NEAR(cylinder(Vec3(0, 0, 0), Vec3(0, 2, 0), 1).distance(Vec3(0, 1, 0)), -1.0f, 1e-6f);
  EXPECT_NEAR(cylinder(Vec3(0, 0, 0), Vec3(0, 2, 0), 1).distance(Vec3(2, 3, 0)), std::sqrt(2.0f), 1e-6f);
  EXPECT_NEAR(capsule(Vec3(0, 0, 0), Vec3(0, 2, 0), 0.5f).distance(Vec3(0, 3, 0)), 0.5f, 1e-6f);
  EXPECT_NEAR(torus(Vec3::Zero(), 1.0f, 0.25f).distance(Vec3(1, 0, 0)), -0.25f, 1e-6f);
  EXPECT_NEAR(torus(Vec3::Zero(), 1.0f, 0.25f).distance(Vec3(0, 1, 0)), std::sqrt(2.0f) - 0.25f, 1e-6f);
  // Cone: base radius 1 at y=0, apex at y=1. The slanted side is at 45 degrees.
  EXPECT_NEAR(cone(Vec3(0, 0, 0), Vec3(0, 1, 0), 1, 0).distance(Vec3(0, -1, 0)), 1.0f, 1e-6f);
  EXPECT_NEAR(cone(Vec3(0, 0, 0), Vec3(0, 1, 0), 1, 0).distance(Vec3(1, 1, 0)), std::sqrt(0.5f), 1e-6f);
  // Round cone = capsule for equal radii; with different radii the side is tangent to both.
  EXPECT_NEAR(round_cone(Vec3(0, 0, 0), Vec3(0, 2, 0), 0.5f, 0.5f).distance(Vec3(1, 1, 0)), 0.5f, 1e-6f);
  EXPECT_NEAR(round_cone(Vec3(0, 0, 0), Vec3(0, 2, 0), 1.0f, 0.5f).distance(Vec3(0, -2, 0)), 1.0f, 1e-6f);
  EXPECT_NEAR(round_cone(Vec3(0, 0, 0), Vec3(0, 2, 0), 1.0f, 0.5f).distance(Vec3(0, 3, 0)), 0.5f, 1e-6f);
  // Ellipsoid: exact on the surface and a lower bound elsewhere.
  const Primitive e = ellipsoid(Vec3::Zero(), Vec3(2, 1, 1));
  EXPECT_NEAR(e.distance(Vec3(2, 0, 0)), 0.0f, 1e-6f);
  EXPECT_LE(e.distance(Vec3(3, 0, 0)), 1.0f + 1e-6f);
  EXPECT_LT(smooth_min(1.0f, 1.0f, 0.5f), 1.0f);
  EXPECT_EQ(smooth_min(1.0f, 3.0f, 0.5f), 1.0f);
}
