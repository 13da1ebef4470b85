// Sparse FlexiCubes extraction and the mesh -> field direct path (docs/reconstruct.md).
#include "flexforge/core/error.h"
#include "flexforge/core/metrics.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/scene_ops.h"
#include "flexforge/extract/flexicubes.h"
#include "flexforge/extract/mesh_to_field.h"
#include "flexforge/io/import.h"
#include "test_support.h"

#include <Eigen/Geometry>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <set>

namespace flexforge::extract {
namespace {

using SdfFn = std::function<float(const Vec3&)>;

Vec3 grid_point(int R, int x, int y, int z) {
  return Vec3(float(double(x) / R - 0.5), float(double(y) / R - 0.5), float(double(z) / R - 0.5));
}

// Field of an analytic SDF: every voxel of the R^3 grid whose corners change sign (with `all`,
// every voxel), corners sampled from f.
SparseVoxelField field_from_sdf(int R, const SdfFn& f, bool all = false) {
  std::vector<float> values(std::size_t(R + 1) * (R + 1) * (R + 1));
  auto at = [&](int x, int y, int z) -> float& {
    return values[(std::size_t(x) * (R + 1) + y) * (R + 1) + z];
  };
  for (int x = 0; x <= R; ++x)
    for (int y = 0; y <= R; ++y)
      for (int z = 0; z <= R; ++z) at(x, y, z) = f(grid_point(R, x, y, z));
  SparseVoxelField field;
  field.resolution = R;
  for (int x = 0; x < R; ++x)
    for (int y = 0; y < R; ++y)
      for (int z = 0; z < R; ++z) {
        float s[8];
        int inside = 0;
        for (int c = 0; c < 8; ++c) {
          s[c] = at(x + kCubeCorners[c][0], y + kCubeCorners[c][1], z + kCubeCorners[c][2]);
          inside += s[c] < 0.0f;
        }
        if (!all && (inside == 0 || inside == 8)) continue;
        field.voxels.push_back({x, y, z});
        field.sdf.insert(field.sdf.end(), s, s + 8);
      }
  return field;
}

SdfFn sphere(const Vec3& c, float r) {
  return [c, r](const Vec3& p) { return (p - c).norm() - r; };
}

SdfFn box(const Vec3& c, const Vec3& half) {
  return [c, half](const Vec3& p) {
    const Vec3 q = (p - c).cwiseAbs() - half;
    return q.cwiseMax(0.0f).norm() + std::min(q.maxCoeff(), 0.0f);
  };
}

double signed_volume(const Mesh& m) {
  double v = 0.0;
  for (const Triangle& t : m.triangles) {
    v += m.positions[t[0]].cast<double>().dot(
             m.positions[t[1]].cast<double>().cross(m.positions[t[2]].cast<double>())) / 6.0;
  }
  return v;
}

void expect_closed_manifold(const Mesh& m, const std::string& what) {
  const TopologyReport r = analyze_topology(m);
  EXPECT_TRUE(r.manifold) << what << ": non-manifold edges " << r.non_manifold_edges
                          << ", vertices " << r.non_manifold_vertices;
  EXPECT_TRUE(r.watertight) << what << ": boundary edges " << r.boundary_edges;
  EXPECT_TRUE(r.oriented) << what << ": inconsistent edges " << r.inconsistent_edges;
  EXPECT_EQ(r.vertices, m.vertex_count()) << what << ": duplicate vertices";
}

TEST(ExtractFlexiCubes, SphereAndBoxAreClosedOrientedAndOnTheSurface) {
  const float pi = 3.14159265f;
  for (int R : {32, 64}) {
    const Vec3 c(0.013f, -0.021f, 0.007f);
    const float r = 0.31f;
    const Mesh m = extract_flexicubes(field_from_sdf(R, sphere(c, r)));
    SCOPED_TRACE("sphere R=" + std::to_string(R));
    expect_closed_manifold(m, "sphere");
    EXPECT_EQ(analyze_topology(m).components, 1u);
    double worst = 0.0;
    for (const Vec3& p : m.positions) worst = std::max(worst, double(std::abs((p - c).norm() - r)));
    // Dual vertices average crossing points on a curved patch: they sit a fraction of a cell
    // inside the sphere.
    EXPECT_LT(worst, 0.06 / R) << "worst radial error";
    // Vertices sit slightly inside, so the volume is a little low: within 0.5/R of it.
    const double volume = 4.0 / 3.0 * pi * r * r * r;
    EXPECT_NEAR(signed_volume(m), volume, 0.5 / R * volume);
    EXPECT_LT(signed_volume(m), volume);
    ASSERT_EQ(m.normals.size(), m.positions.size());
    // Normals point outwards.
    double outward = 0.0;
    for (std::size_t i = 0; i < m.positions.size(); ++i) {
      outward += m.normals[i].dot((m.positions[i] - c).normalized());
    }
    EXPECT_GT(outward / m.positions.size(), 0.99);

    const Vec3 half(0.27f, 0.19f, 0.33f);
    const Mesh b = extract_flexicubes(field_from_sdf(R, box(c, half)));
    SCOPED_TRACE("box");
    expect_closed_manifold(b, "box");
    const SdfFn bf = box(c, half);
    double box_worst = 0.0;
    for (const Vec3& p : b.positions) box_worst = std::max(box_worst, double(std::abs(bf(p))));
    // Sharp edges and corners are cut by dual vertices that average crossings on both faces.
    EXPECT_LT(box_worst, 0.6 / R);
    EXPECT_NEAR(signed_volume(b), 8.0 * half.prod(), 0.03 * 8.0 * half.prod());
  }
}

TEST(ExtractFlexiCubes, AmbiguousConfigurationsStayManifold) {
  // Two spheres touching diagonally across grid edges (faces with four crossings).
  const int R = 32;
  const float r = 0.16f;
  const Vec3 a(-0.151f, -0.151f, 0.0f), b(0.151f, 0.151f, 0.0f);
  const SdfFn blobs = [&](const Vec3& p) { return std::min(sphere(a, r)(p), sphere(b, r)(p)); };
  const Mesh m = extract_flexicubes(field_from_sdf(R, blobs));
  expect_closed_manifold(m, "two blobs");

  // Checkerboard corner signs with random magnitudes: every face of every voxel has four
  // crossings. The inner voxels are surrounded, so apart from the outer boundary it must be a
  // clean oriented 2-manifold; with watertight it must close.
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> mag(0.05f, 1.0f);
  for (int trial = 0; trial < 100; ++trial) {
    const int n = 6;
    std::vector<float> point(std::size_t(n + 1) * (n + 1) * (n + 1));
    for (int x = 0; x <= n; ++x)
      for (int y = 0; y <= n; ++y)
        for (int z = 0; z <= n; ++z) {
          const bool in = (x + y + z) % 2 == 0 && x > 0 && y > 0 && z > 0 && x < n && y < n && z < n;
          point[(std::size_t(x) * (n + 1) + y) * (n + 1) + z] = in ? -mag(rng) : mag(rng);
        }
    SparseVoxelField f;
    f.resolution = n;
    for (int x = 0; x < n; ++x)
      for (int y = 0; y < n; ++y)
        for (int z = 0; z < n; ++z) {
          f.voxels.push_back({x, y, z});
          for (int c = 0; c < 8; ++c) {
            f.sdf.push_back(point[(std::size_t(x + kCubeCorners[c][0]) * (n + 1) + y +
                                   kCubeCorners[c][1]) *
                                      (n + 1) +
                                  z + kCubeCorners[c][2]]);
          }
        }
    const Mesh cm = extract_flexicubes(f);
    const TopologyReport rep = analyze_topology(cm);
    EXPECT_GT(cm.face_count(), 0u);
    EXPECT_TRUE(rep.manifold) << "trial " << trial << ": non-manifold edges "
                              << rep.non_manifold_edges << " vertices "
                              << rep.non_manifold_vertices;
    EXPECT_TRUE(rep.oriented) << "trial " << trial;
    ExtractOptions wt;
    wt.watertight = true;
    expect_closed_manifold(extract_flexicubes(f, wt), "checkerboard trial " + std::to_string(trial));
  }
}

TEST(ExtractFlexiCubes, MissingVoxelOpensTheSurfaceAndWatertightClosesIt) {
  const int R = 32;
  SparseVoxelField f = field_from_sdf(R, sphere(Vec3(0.01f, 0.02f, -0.03f), 0.3f));
  const std::size_t closed_faces = extract_flexicubes(f).face_count();
  // Drop one voxel from the middle of the list.
  const std::size_t drop = f.voxels.size() / 2;
  f.voxels.erase(f.voxels.begin() + drop);
  f.sdf.erase(f.sdf.begin() + 8 * drop, f.sdf.begin() + 8 * drop + 8);
  const Mesh open = extract_flexicubes(f);
  const TopologyReport r = analyze_topology(open);
  EXPECT_TRUE(r.manifold);
  EXPECT_TRUE(r.oriented);
  EXPECT_GT(r.boundary_edges, 0u);
  EXPECT_LT(open.face_count(), closed_faces);
  ExtractOptions wt;
  wt.watertight = true;
  const Mesh closed = extract_flexicubes(f, wt);
  expect_closed_manifold(closed, "watertight after a dropped voxel");
  EXPECT_EQ(closed.face_count(), closed_faces);

  // A thin band with a wide hole: remove every voxel in a slab through the sphere's top cap.
  SparseVoxelField g = field_from_sdf(R, sphere(Vec3(0.0f, 0.0f, 0.0f), 0.3f));
  SparseVoxelField cut;
  cut.resolution = R;
  for (std::size_t i = 0; i < g.voxels.size(); ++i) {
    if (g.voxels[i][2] >= 24) continue;
    cut.voxels.push_back(g.voxels[i]);
    cut.sdf.insert(cut.sdf.end(), g.sdf.begin() + 8 * i, g.sdf.begin() + 8 * i + 8);
  }
  EXPECT_GT(analyze_topology(extract_flexicubes(cut)).boundary_edges, 0u);
  expect_closed_manifold(extract_flexicubes(cut, wt), "watertight after a cut cap");
}

TEST(ExtractFlexiCubes, DeformationMovesVerticesAtMostHalfACell) {
  const int R = 32;
  SparseVoxelField f = field_from_sdf(R, sphere(Vec3(0.0f, 0.01f, 0.0f), 0.28f));
  const Mesh plain = extract_flexicubes(f);
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> raw(-6.0f, 6.0f);
  f.deform.resize(24 * f.voxels.size());
  for (float& d : f.deform) d = raw(rng);
  const Mesh moved = extract_flexicubes(f);
  ASSERT_EQ(moved.vertex_count(), plain.vertex_count());
  ASSERT_EQ(moved.triangles, plain.triangles);
  double largest = 0.0;
  for (std::size_t i = 0; i < plain.vertex_count(); ++i) {
    const Vec3 d = (moved.positions[i] - plain.positions[i]).cwiseAbs();
    largest = std::max(largest, double(d.maxCoeff()));
  }
  EXPECT_LE(largest, 0.5 / R + 1e-6);
  EXPECT_GT(largest, 0.1 / R);  // the deformation is used at all
}

TEST(ExtractFlexiCubes, NeutralWeightsGiveLinearCrossingsAndWeightsChangeTheResult) {
  // A tilted plane: with neutral weights every dual vertex is the plain mean of the linear edge
  // crossings, which for an exactly linear SDF lie on the plane.
  const int R = 16;
  const Vec3 n = Vec3(0.2f, -0.3f, 1.0f).normalized();
  const SdfFn plane = [&](const Vec3& p) { return n.dot(p) - 0.0371f; };
  SparseVoxelField f = field_from_sdf(R, plane);
  const Mesh none = extract_flexicubes(f);
  f.weights.assign(21 * f.voxels.size(), 0.0f);
  const Mesh neutral = extract_flexicubes(f);
  ASSERT_EQ(neutral.triangles, none.triangles);
  ASSERT_EQ(neutral.positions, none.positions);
  for (const Vec3& p : neutral.positions) EXPECT_NEAR(plane(p), 0.0f, 1e-5f);
  // The normals face the positive side.
  for (const Vec3& nn : neutral.normals) EXPECT_GT(nn.dot(n), 0.99f);

  // Independent check of one voxel: the mean of the linear crossings of its edges.
  {
    SparseVoxelField one;
    one.resolution = 1;
    one.voxels = {{0, 0, 0}};
    const float s[8] = {-0.3f, 0.7f, -0.2f, 0.4f, -0.6f, 0.1f, -0.5f, 0.9f};
    one.sdf.assign(s, s + 8);
    // A lone voxel has no complete edge ring, so it gives no face; watertight mode adds the
    // neighbours (neutral, from the same corner values) and leaves this voxel's patch as it is.
    Vec3 expected = Vec3::Zero();
    int count = 0;
    for (const auto& e : kCubeEdges) {
      const float sa = s[e[0]], sb = s[e[1]];
      if ((sa < 0) == (sb < 0)) continue;
      const Vec3 pa = grid_point(1, kCubeCorners[e[0]][0], kCubeCorners[e[0]][1], kCubeCorners[e[0]][2]);
      const Vec3 pb = grid_point(1, kCubeCorners[e[1]][0], kCubeCorners[e[1]][1], kCubeCorners[e[1]][2]);
      expected += pa + (pb - pa) * (sa / (sa - sb));
      ++count;
    }
    expected /= float(count);
    one.resolution = 4;
    one.voxels = {{1, 1, 1}};
    // Rescale: the same voxel at R=4 sits at (1,1,1)..(2,2,2).
    expected = (expected + Vec3::Constant(0.5f)) / 4.0f + Vec3::Constant(1.0f / 4.0f - 0.5f);
    ExtractOptions wt;
    wt.watertight = true;
    const Mesh m = extract_flexicubes(one, wt);
    double best = std::numeric_limits<double>::infinity();
    for (const Vec3& p : m.positions) best = std::min(best, double((p - expected).norm()));
    EXPECT_LT(best, 1e-6);
  }

  // Random weights move vertices off the plane (alpha) and along it (beta), and gamma can flip
  // quad diagonals.
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> raw(-3.0f, 3.0f);
  for (float& w : f.weights) w = raw(rng);
  const Mesh weighted = extract_flexicubes(f);
  ASSERT_EQ(weighted.vertex_count(), none.vertex_count());
  double moved = 0.0;
  for (std::size_t i = 0; i < none.vertex_count(); ++i) {
    moved = std::max(moved, double((weighted.positions[i] - none.positions[i]).norm()));
  }
  EXPECT_GT(moved, 0.05 / R);
  EXPECT_NE(weighted.triangles, none.triangles);
  const TopologyReport rep = analyze_topology(weighted);
  EXPECT_TRUE(rep.manifold);
  EXPECT_TRUE(rep.oriented);
}

TEST(ExtractFlexiCubes, BadFieldsAreInvalidInput) {
  const SparseVoxelField good = field_from_sdf(8, sphere(Vec3::Zero(), 0.3f));
  ASSERT_NO_THROW(good.validate());
  auto expect_invalid = [](const SparseVoxelField& f, const std::string& what) {
    try {
      extract_flexicubes(f);
      ADD_FAILURE() << what << ": no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::InvalidInput) << what;
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << what;
    }
  };
  SparseVoxelField f = good;
  f.resolution = 0;
  expect_invalid(f, "resolution 0");
  f = good;
  f.sdf.pop_back();
  expect_invalid(f, "short sdf");
  f = good;
  f.sdf[5] = std::numeric_limits<float>::quiet_NaN();
  expect_invalid(f, "NaN sdf");
  f = good;
  f.deform.assign(24 * f.voxels.size(), 0.0f);
  f.deform[7] = std::numeric_limits<float>::infinity();
  expect_invalid(f, "infinite deform");
  f = good;
  f.weights.assign(20 * f.voxels.size(), 0.0f);
  expect_invalid(f, "wrong weight count");
  f = good;
  f.voxels[2] = {8, 0, 0};
  expect_invalid(f, "voxel out of range");
  f = good;
  f.voxels[3] = {-1, 2, 2};
  expect_invalid(f, "negative voxel");
  f = good;
  f.voxels[3] = f.voxels[4];
  expect_invalid(f, "duplicate voxel");
}

TEST(ExtractFlexiCubes, DeterministicAcrossThreadCounts) {
  SparseVoxelField f = field_from_sdf(48, box(Vec3(0.02f, 0.0f, 0.01f), Vec3(0.3f, 0.2f, 0.25f)));
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> raw(-2.0f, 2.0f);
  f.deform.resize(24 * f.voxels.size());
  for (float& d : f.deform) d = raw(rng);
  f.weights.resize(21 * f.voxels.size());
  for (float& w : f.weights) w = raw(rng);
  ExtractOptions one, two;
  one.threads = 1;
  two.threads = 2;
  const Mesh a = extract_flexicubes(f, one), b = extract_flexicubes(f, two);
  EXPECT_EQ(a.positions, b.positions);
  EXPECT_EQ(a.triangles, b.triangles);
}

// A cube mesh: the sign at points whose closest feature is an edge or a corner is where a plain
// face-normal test fails; the pseudo-normal must get every point right.
TEST(ExtractMeshToField, SignedDistanceIsExactOnAClosedCube) {
  Mesh cube;
  for (int i = 0; i < 8; ++i) {
    cube.positions.emplace_back((i >> 2 & 1) ? 0.3f : -0.3f, (i >> 1 & 1) ? 0.3f : -0.3f,
                                (i & 1) ? 0.3f : -0.3f);
  }
  // Outward-facing triangles (two per face).
  const int quads[6][4] = {{0, 1, 3, 2}, {4, 6, 7, 5}, {0, 4, 5, 1},
                           {2, 3, 7, 6}, {0, 2, 6, 4}, {1, 5, 7, 3}};
  for (const auto& q : quads) {
    cube.triangles.push_back({std::uint32_t(q[0]), std::uint32_t(q[1]), std::uint32_t(q[2])});
    cube.triangles.push_back({std::uint32_t(q[0]), std::uint32_t(q[2]), std::uint32_t(q[3])});
  }
  ASSERT_GT(signed_volume(cube), 0.0);
  const MeshSignedDistance sdf(cube);
  const SdfFn exact = box(Vec3::Zero(), Vec3::Constant(0.3f));
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-0.6f, 0.6f);
  std::vector<Vec3> q;
  for (int i = 0; i < 4000; ++i) q.emplace_back(u(rng), u(rng), u(rng));
  // Points straight out from edges and corners.
  q.emplace_back(0.4f, 0.4f, 0.0f);
  q.emplace_back(0.4f, 0.4f, 0.4f);
  q.emplace_back(-0.35f, 0.31f, -0.5f);
  const std::vector<float> got = sdf.evaluate(q, 2);
  for (std::size_t i = 0; i < q.size(); ++i) {
    EXPECT_NEAR(got[i], exact(q[i]), 2e-6f) << q[i].transpose();
  }
}

Mesh load_cgal(const std::string& name) {
  return join_parts(io::load_scene(test::cgal_mesh(name + ".off")));
}

TEST(ExtractMeshToField, DirectExtractOfRealMeshesIsCloseAndClosed) {
  for (const std::string name : {"elephant", "bunny00"}) {
    SCOPED_TRACE(name);
    const Mesh input = load_cgal(name);
    const Mesh out = direct_extract(input, 128);
    // Surface voxels of a closed mesh contain all four voxels of every crossing edge, so the plain
    // (not watertight) extraction is already closed.
    const TopologyReport rep = analyze_topology(out);
    EXPECT_TRUE(rep.watertight) << "boundary edges " << rep.boundary_edges;
    EXPECT_TRUE(rep.oriented);
    EXPECT_EQ(rep.non_manifold_edges, 0u);
    MetricOptions mo;
    mo.samples = 50000;
    const MeshDistance d = compare_meshes(out, input, mo);
    // Measured 0.99+ for both (see the extract bench); the floor leaves room for sampling.
    EXPECT_GE(d.fscore[0], 0.98) << "F@0.01";
    EXPECT_LT(d.chamfer_l1, 0.004);
    EXPECT_GT(d.normal_consistency, 0.9);
    // Same answer with a different thread count.
    const Mesh again = direct_extract(input, 128, false, 0.05, 1);
    EXPECT_EQ(again.positions, out.positions);
    EXPECT_EQ(again.triangles, out.triangles);
  }
}

TEST(ExtractMeshToField, OpenMeshGivesOpenOrWatertightResult) {
  // The pig has 55 boundary edges. Plain extraction keeps the surface near the mesh (open where
  // the sign flips beyond the rim); watertight closes it.
  const Mesh pig = load_cgal("pig");
  MetricOptions mo;
  mo.samples = 30000;
  const Mesh open = direct_extract(pig, 64);
  EXPECT_GT(compare_meshes(open, pig, mo).fscore[0], 0.9);
  const Mesh closed = direct_extract(pig, 64, true);
  expect_closed_manifold(closed, "watertight pig");
  // Measured 0.89 (100k samples): the caps and the lips on the open rims cost a little.
  EXPECT_GT(compare_meshes(closed, pig, mo).fscore[0], 0.85);
}

TEST(ExtractMeshToField, SurfaceVoxelsCoverEveryCrossingEdge) {
  // A closed 2-manifold (the cow has non-manifold edges, where pseudo-normal signs are not exact).
  Mesh m = load_cgal("homer");
  transform(m, normalize_for_field(m, 0.1).forward());
  const Aabb b = bounding_box(m);
  EXPECT_NEAR(b.extent().maxCoeff(), 0.9f, 1e-5f);
  EXPECT_LT(b.center().norm(), 1e-5f);
  const int R = 64;
  const SparseVoxelField f = direct_field(m, R);
  ASSERT_NO_THROW(f.validate());
  std::set<std::array<std::int32_t, 3>> set(f.voxels.begin(), f.voxels.end());
  ASSERT_EQ(set.size(), f.voxels.size());
  std::size_t crossings = 0;
  for (std::size_t i = 0; i < f.voxels.size(); ++i) {
    for (const auto& e : kCubeEdges) {
      if ((f.sdf[8 * i + e[0]] < 0) == (f.sdf[8 * i + e[1]] < 0)) continue;
      ++crossings;
      // The grid edge's 4 voxels: vary the two axes the edge does not run along.
      int axis = 0;
      for (int a = 0; a < 3; ++a) {
        if (kCubeCorners[e[0]][a] != kCubeCorners[e[1]][a]) axis = a;
      }
      const auto& v = f.voxels[i];
      const std::array<int, 3> g{v[0] + kCubeCorners[e[0]][0], v[1] + kCubeCorners[e[0]][1],
                                 v[2] + kCubeCorners[e[0]][2]};
      for (int du = 0; du < 2; ++du) {
        for (int dv = 0; dv < 2; ++dv) {
          std::array<std::int32_t, 3> w{g[0], g[1], g[2]};
          w[(axis + 1) % 3] -= du;
          w[(axis + 2) % 3] -= dv;
          EXPECT_TRUE(set.count(w)) << "voxel missing next to a crossing edge";
        }
      }
    }
  }
  EXPECT_GT(crossings, 1000u);
  // Every surface voxel's cube touches the mesh: its centre is within half a cell diagonal.
  const MeshSignedDistance sdf(m);
  for (std::size_t i = 0; i < f.voxels.size(); i += 7) {
    const auto& v = f.voxels[i];
    const Vec3 centre = grid_point(R, v[0], v[1], v[2]) + Vec3::Constant(0.5f / R);
    EXPECT_LE(std::abs(sdf(centre)), std::sqrt(3.0f) * 0.5f / R + 1e-5f);
  }
}

}  // namespace
}  // namespace flexforge::extract
