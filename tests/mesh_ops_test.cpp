// Tests for flexforge/core/mesh_ops.h: bounds, normals, transforms, welding, components,
// boundary edges and the topology report, on small meshes with known answers plus one real mesh.
#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "test_support.h"
#include "flexforge/io/import.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

namespace flexforge {
namespace {

// Unit cube [0,1]^3, 8 shared vertices, 12 outward-facing triangles. Vertex i sits at
// (i & 1, (i >> 1) & 1, (i >> 2) & 1).
Mesh make_cube(const Vec3& offset = Vec3::Zero(), float size = 1.0f) {
  Mesh m;
  for (int i = 0; i < 8; ++i) {
    m.positions.push_back(offset + size * Vec3(float(i & 1), float((i >> 1) & 1), float((i >> 2) & 1)));
  }
  // Each quad listed counter-clockwise as seen from outside.
  const int quads[6][4] = {
      {0, 4, 6, 2},  // x = 0
      {1, 3, 7, 5},  // x = 1
      {0, 1, 5, 4},  // y = 0
      {2, 6, 7, 3},  // y = 1
      {0, 2, 3, 1},  // z = 0
      {4, 5, 7, 6},  // z = 1
  };
  for (const auto& q : quads) {
    m.triangles.push_back({std::uint32_t(q[0]), std::uint32_t(q[1]), std::uint32_t(q[2])});
    m.triangles.push_back({std::uint32_t(q[0]), std::uint32_t(q[2]), std::uint32_t(q[3])});
  }
  return m;
}

// The same cube as a triangle soup: 36 vertices, no index shared between faces.
Mesh make_soup(const Mesh& welded) {
  Mesh m;
  for (const Triangle& t : welded.triangles) {
    const std::uint32_t base = static_cast<std::uint32_t>(m.positions.size());
    for (std::uint32_t v : t) m.positions.push_back(welded.positions[v]);
    m.triangles.push_back({base, base + 1, base + 2});
  }
  return m;
}

Mesh concat(const Mesh& a, const Mesh& b) {
  Mesh m = a;
  const std::uint32_t base = static_cast<std::uint32_t>(a.positions.size());
  m.positions.insert(m.positions.end(), b.positions.begin(), b.positions.end());
  for (Triangle t : b.triangles) m.triangles.push_back({t[0] + base, t[1] + base, t[2] + base});
  return m;
}

// Tiny OFF reader (triangulates polygons as fans) for the real-mesh test.
// Real meshes come through the project's importer (one part for these OFF files).
Mesh read_off(const std::string& path) { return io::load_scene(path).parts.at(0).mesh; }

TEST(MeshOps, AabbOfEmptyAndPointSets) {
  Aabb box;
  EXPECT_FALSE(box.valid());
  EXPECT_EQ(box.diagonal(), 0.0f);
  EXPECT_TRUE(box.extent().isZero());
  box.expand(Vec3(1, 2, 3));
  EXPECT_TRUE(box.valid());
  EXPECT_EQ(box.diagonal(), 0.0f);
  box.expand(Vec3(4, 6, 3));
  EXPECT_FLOAT_EQ(box.diagonal(), 5.0f);
  EXPECT_TRUE(box.center().isApprox(Vec3(2.5f, 4.0f, 3.0f)));
  EXPECT_FALSE(bounding_box(Mesh{}).valid());
}

TEST(MeshOps, BoundingBoxAndUnitDiagonalNormalisation) {
  Mesh cube = make_cube(Vec3(10, -2, 5), 2.0f);
  const Aabb box = bounding_box(cube);
  EXPECT_TRUE(box.min.isApprox(Vec3(10, -2, 5)));
  EXPECT_TRUE(box.max.isApprox(Vec3(12, 0, 7)));
  EXPECT_TRUE(box.extent().isApprox(Vec3(2, 2, 2)));
  EXPECT_NEAR(box.diagonal(), 2.0f * std::sqrt(3.0f), 1e-5f);
  EXPECT_TRUE(box.center().isApprox(Vec3(11, -1, 6)));

  transform(cube, normalize_to_unit_diagonal_transform(box));
  const Aabb unit = bounding_box(cube);
  EXPECT_NEAR(unit.diagonal(), 1.0f, 1e-6f);
  EXPECT_NEAR(unit.center().norm(), 0.0f, 1e-6f);

  Aabb flat;
  flat.expand(Vec3(1, 1, 1));
  EXPECT_THROW(normalize_to_unit_diagonal_transform(flat), Error);
  EXPECT_THROW(normalize_to_unit_diagonal_transform(Aabb{}), Error);
}

TEST(MeshOps, CubeVertexNormalsPointOutward) {
  Mesh cube = make_cube();
  compute_vertex_normals(cube);
  ASSERT_EQ(cube.normals.size(), 8u);
  const Vec3 center(0.5f, 0.5f, 0.5f);
  for (std::size_t v = 0; v < 8; ++v) {
    const Vec3 outward = (cube.positions[v] - center).normalized();
    EXPECT_NEAR(cube.normals[v].norm(), 1.0f, 1e-6f);
    // Each corner has two triangles on one of its faces and one on each of the other two (or
    // the reverse), so the area-weighted normal is not exactly the diagonal, but it must point
    // out of the cube on every axis.
    EXPECT_GT(cube.normals[v].dot(outward), 0.9f) << "vertex " << v;
    for (int a = 0; a < 3; ++a) EXPECT_GT(cube.normals[v][a] * outward[a], 0.0f);
  }
  const std::vector<Vec3> fn = face_normals(cube);
  ASSERT_EQ(fn.size(), 12u);
  EXPECT_TRUE(fn[0].isApprox(Vec3(-1, 0, 0)));  // x = 0 quad
  EXPECT_TRUE(fn[3].isApprox(Vec3(1, 0, 0)));   // x = 1 quad
  EXPECT_TRUE(fn[10].isApprox(Vec3(0, 0, 1)));  // z = 1 quad
}

TEST(MeshOps, VertexNormalFallbackIsFiniteUnit) {
  Mesh m;
  m.positions = {Vec3(0, 0, 0), Vec3(1, 0, 0), Vec3(2, 0, 0), Vec3(5, 5, 5)};
  m.triangles = {{0, 1, 2}};  // collinear: zero area; vertex 3 unreferenced
  compute_vertex_normals(m);
  ASSERT_EQ(m.normals.size(), 4u);
  for (const Vec3& n : m.normals) {
    EXPECT_TRUE(n.allFinite());
    EXPECT_NEAR(n.norm(), 1.0f, 1e-6f);
  }
  EXPECT_TRUE(face_normals(m)[0].isZero());
  EXPECT_EQ(degenerate_faces(m), std::vector<std::uint32_t>{0});
}

TEST(MeshOps, TransformRotatesNormalsAndMirrorKeepsOrientation) {
  Mesh cube = make_cube(Vec3(-0.5f, -0.5f, -0.5f));
  compute_vertex_normals(cube);
  Mat4 rot = Mat4::Identity();
  rot(0, 0) = 0; rot(0, 1) = -1; rot(1, 0) = 1; rot(1, 1) = 0;  // 90 degrees about z
  rot(0, 3) = 3.0f;
  Mesh r = cube;
  transform(r, rot);
  for (std::size_t v = 0; v < 8; ++v) {
    const Vec3 p = cube.positions[v];
    EXPECT_TRUE(r.positions[v].isApprox(Vec3(-p.y() + 3.0f, p.x(), p.z())));
    const Vec3 n = cube.normals[v];
    EXPECT_TRUE(r.normals[v].isApprox(Vec3(-n.y(), n.x(), n.z()), 1e-5f));
  }
  // Mirror x: winding is reversed so that faces still face outward.
  Mat4 mirror = Mat4::Identity();
  mirror(0, 0) = -1.0f;
  Mesh m = cube;
  transform(m, mirror);
  const TopologyReport rep = analyze_topology(m);
  EXPECT_TRUE(rep.watertight);
  EXPECT_TRUE(rep.oriented);
  Mesh renormal = m;
  compute_vertex_normals(renormal);
  for (std::size_t v = 0; v < 8; ++v) {
    EXPECT_GT(renormal.normals[v].dot(m.positions[v]), 0.0f) << "vertex " << v;
    EXPECT_GT(m.normals[v].dot(m.positions[v]), 0.0f) << "vertex " << v;
  }
}

TEST(MeshOps, WeldTriangleSoupCubeGivesEightVerticesAndWatertight) {
  const Mesh soup = make_soup(make_cube());
  ASSERT_EQ(soup.positions.size(), 36u);
  const TopologyReport before = analyze_topology(soup);  // welds internally
  EXPECT_TRUE(before.watertight);
  EXPECT_EQ(before.vertices, 8u);

  const std::vector<std::uint32_t> map = weld_map(soup, 0.0f);
  ASSERT_EQ(map.size(), 36u);
  EXPECT_EQ(map[0], 0u);  // numbered in order of first occurrence
  const Mesh welded = weld(soup, 0.0f);
  EXPECT_EQ(welded.positions.size(), 8u);
  EXPECT_EQ(welded.triangles.size(), 12u);
  const TopologyReport rep = analyze_topology(welded);
  EXPECT_TRUE(rep.manifold);
  EXPECT_TRUE(rep.watertight);
  EXPECT_TRUE(rep.oriented);
  EXPECT_EQ(rep.boundary_edges, 0u);
  EXPECT_EQ(rep.components, 1u);
  EXPECT_EQ(connected_components(soup).count, 12);   // soup: nothing shared
  EXPECT_EQ(connected_components(welded).count, 1);
  EXPECT_TRUE(boundary_edges(welded).empty());
  EXPECT_EQ(boundary_edges(soup).size(), 36u);
}

TEST(MeshOps, WeldWithToleranceMergesNearbyVerticesOnly) {
  Mesh soup = make_soup(make_cube());
  // Jitter every copy by up to 1e-5; the nearest distinct corners are 1 apart.
  for (std::size_t i = 0; i < soup.positions.size(); ++i) {
    soup.positions[i] += 1e-5f * Vec3(std::sin(float(i)), std::cos(float(3 * i)), std::sin(float(7 * i + 1)));
  }
  EXPECT_GT(weld(soup, 0.0f).positions.size(), 8u);
  const Mesh welded = weld(soup, 1e-3f);
  EXPECT_EQ(welded.positions.size(), 8u);
  EXPECT_EQ(welded.triangles.size(), 12u);
  EXPECT_TRUE(analyze_topology(welded).watertight);
  // A tolerance as large as the cube collapses corners and drops the collapsed faces.
  EXPECT_LT(weld(soup, 1.0f).triangles.size(), 12u);
  EXPECT_THROW(weld_map(soup, -1.0f), Error);
  EXPECT_THROW(weld_map(soup, std::nanf("")), Error);
}

TEST(MeshOps, WeldKeepsFirstAttributesAndDropsCollapsedFaces) {
  Mesh m;
  m.positions = {Vec3(0, 0, 0), Vec3(1, 0, 0), Vec3(0, 1, 0), Vec3(1, 0, 0), Vec3(-0.0f, 0, 0)};
  m.normals = {Vec3(0, 0, 1), Vec3(0, 0, 1), Vec3(0, 0, 1), Vec3(1, 0, 0), Vec3(0, 1, 0)};
  m.colors = {Vec4(0, 0, 0, 1), Vec4(1, 0, 0, 1), Vec4(0, 1, 0, 1), Vec4(0, 0, 1, 1), Vec4(1, 1, 1, 1)};
  m.triangles = {{0, 1, 2}, {0, 3, 2}, {4, 1, 3}};  // face 2 collapses (4 == 0 and 3 == 1)
  m.face_parts = {7, 8, 9};
  const Mesh w = weld(m, 0.0f);
  ASSERT_EQ(w.positions.size(), 3u);  // -0.0 welds with +0.0
  EXPECT_TRUE(w.normals[1].isApprox(Vec3(0, 0, 1)));  // vertex 1 wins over vertex 3
  EXPECT_TRUE(w.colors[1].isApprox(Vec4(1, 0, 0, 1)));
  ASSERT_EQ(w.triangles.size(), 2u);
  EXPECT_EQ(w.face_parts, (std::vector<std::int32_t>{7, 8}));
  EXPECT_EQ(w.triangles[1], (Triangle{0, 1, 2}));
}

TEST(MeshOps, CubeWithOneFaceRemovedHasFourBoundaryEdges) {
  Mesh open = make_cube();
  open.triangles.erase(open.triangles.begin() + 10, open.triangles.begin() + 12);  // z = 1 quad
  const std::vector<Edge> edges = boundary_edges(open);
  EXPECT_EQ(edges.size(), 4u);
  for (const Edge& e : edges) {
    EXPECT_EQ(open.positions[e[0]].z(), 1.0f);
    EXPECT_EQ(open.positions[e[1]].z(), 1.0f);
  }
  const TopologyReport rep = analyze_topology(open);
  EXPECT_EQ(rep.boundary_edges, 4u);
  EXPECT_TRUE(rep.manifold);
  EXPECT_FALSE(rep.watertight);
  EXPECT_TRUE(rep.oriented);
  // The same through a soup with seams: welding first must not invent holes.
  EXPECT_EQ(analyze_topology(make_soup(open)).boundary_edges, 4u);
}

TEST(MeshOps, FinFaceMakesNonManifoldEdge) {
  Mesh m;
  m.positions = {Vec3(0, 0, 0), Vec3(1, 0, 0), Vec3(0.5f, 1, 0), Vec3(0.5f, -1, 0),
                 Vec3(0.5f, 0, 1)};
  m.triangles = {{0, 1, 2}, {1, 0, 3}, {0, 1, 4}};  // edge 0-1 used by three faces
  const TopologyReport rep = analyze_topology(m);
  EXPECT_EQ(rep.non_manifold_edges, 1u);
  EXPECT_EQ(rep.non_manifold_vertices, 0u);
  EXPECT_FALSE(rep.manifold);
  EXPECT_FALSE(rep.watertight);
  EXPECT_EQ(rep.boundary_edges, 6u);
}

TEST(MeshOps, BowTieVertexIsNonManifold) {
  Mesh m;
  m.positions = {Vec3(0, 0, 0), Vec3(1, 1, 0), Vec3(1, -1, 0), Vec3(-1, 1, 0), Vec3(-1, -1, 0)};
  m.triangles = {{0, 2, 1}, {0, 3, 4}};  // touch only at vertex 0
  const TopologyReport rep = analyze_topology(m);
  EXPECT_EQ(rep.non_manifold_vertices, 1u);
  EXPECT_EQ(rep.non_manifold_edges, 0u);
  EXPECT_FALSE(rep.manifold);
  EXPECT_EQ(rep.components, 1u);  // connected through the shared vertex

  // Two closed cubes touching at one corner: every edge is fine, the corner is a pinch.
  Mesh pinch = concat(make_cube(), make_cube(Vec3(1, 1, 1)));
  const TopologyReport p = analyze_topology(pinch);
  EXPECT_EQ(p.vertices, 15u);
  EXPECT_EQ(p.non_manifold_vertices, 1u);
  EXPECT_EQ(p.non_manifold_edges, 0u);
  EXPECT_EQ(p.boundary_edges, 0u);
  EXPECT_FALSE(p.watertight);
}

TEST(MeshOps, FlippedFaceIsNotOriented) {
  Mesh cube = make_cube();
  std::swap(cube.triangles[4][1], cube.triangles[4][2]);
  const TopologyReport rep = analyze_topology(cube);
  EXPECT_FALSE(rep.oriented);
  EXPECT_EQ(rep.inconsistent_edges, 3u);
  EXPECT_TRUE(rep.manifold);
  EXPECT_TRUE(rep.watertight);  // closed 2-manifold, just not consistently oriented
}

TEST(MeshOps, TwoDisjointCubesAreTwoComponents) {
  const Mesh two = concat(make_cube(), make_cube(Vec3(3, 0, 0)));
  const Components c = connected_components(two);
  EXPECT_EQ(c.count, 2);
  ASSERT_EQ(c.face_component.size(), 24u);
  for (int f = 0; f < 12; ++f) EXPECT_EQ(c.face_component[f], 0);
  for (int f = 12; f < 24; ++f) EXPECT_EQ(c.face_component[f], 1);
  const TopologyReport rep = analyze_topology(two);
  EXPECT_EQ(rep.components, 2u);
  EXPECT_TRUE(rep.watertight);
  EXPECT_EQ(connected_components(Mesh{}).count, 0);
}

// A big closed box with a speck beside it: the speck (1/10000 of the area) is debris, removed
// with its vertices and counted; the box keeps its faces in order; a closed surface check then passes.
TEST(MeshOps, DropSmallComponentsRemovesDebrisOnly) {
  const Mesh big = make_cube(Vec3::Zero(), 1.0f);
  Mesh scene = concat(big, make_cube(Vec3(3, 0, 0), 0.01f));
  const ClosedSurfaceCheck before = check_closed_surface(scene);
  EXPECT_TRUE(before.watertight && before.oriented);
  EXPECT_EQ(before.components, 2u);
  EXPECT_NEAR(before.smallest_share, 1e-4 / (1 + 1e-4), 1e-7);
  EXPECT_FALSE(before.closed(0.01));
  EXPECT_TRUE(before.closed(1e-5));
  EXPECT_EQ(drop_small_components(scene, 0.01), 1u);
  ASSERT_EQ(scene.positions.size(), big.positions.size());
  ASSERT_EQ(scene.triangles.size(), big.triangles.size());
  for (std::size_t f = 0; f < big.triangles.size(); ++f)  // same faces in order, same corners
    for (int k = 0; k < 3; ++k) EXPECT_EQ(scene.positions[scene.triangles[f][k]], big.positions[big.triangles[f][k]]);
  EXPECT_TRUE(check_closed_surface(scene).closed(0.01));
  // Two equal boxes both stay; an open box is not closed; an empty mesh is not closed.
  Mesh two = concat(big, make_cube(Vec3(3, 0, 0), 1.0f));
  EXPECT_EQ(drop_small_components(two, 0.01), 0u);
  EXPECT_EQ(two.triangles.size(), 24u);
  Mesh open = big;
  open.triangles.pop_back();
  EXPECT_FALSE(check_closed_surface(open).closed());
  EXPECT_FALSE(check_closed_surface(Mesh{}).closed());
}

// A double-sided cube (every face stored again reversed, as artist models do for single-sided
// panes) has four faces on every edge; dropping the second copy of each face gives back the
// cube, each face in its first orientation, watertight and oriented, with its part labels.
TEST(MeshOps, DropDuplicateFacesKeepsTheFirstOfEachSide) {
  const Mesh cube = make_cube();
  Mesh twice = cube;
  for (std::size_t f = 0; f < cube.triangles.size(); ++f) {
    const Triangle& t = cube.triangles[f];
    twice.triangles.push_back({t[0], t[2], t[1]});
  }
  twice.triangles.push_back(cube.triangles[3]);  // the same side stored twice
  twice.face_parts.assign(twice.triangles.size(), 0);
  for (std::size_t f = 0; f < cube.triangles.size(); ++f) twice.face_parts[f] = static_cast<std::int32_t>(f);
  EXPECT_GT(analyze_topology(twice).non_manifold_edges, 0u);
  EXPECT_EQ(drop_duplicate_faces(twice), cube.triangles.size() + 1);
  ASSERT_EQ(twice.triangles, cube.triangles);
  ASSERT_EQ(twice.face_parts.size(), cube.triangles.size());
  for (std::size_t f = 0; f < cube.triangles.size(); ++f) EXPECT_EQ(twice.face_parts[f], static_cast<std::int32_t>(f));
  EXPECT_EQ(twice.positions.size(), cube.positions.size());
  EXPECT_TRUE(check_closed_surface(twice).closed());
  EXPECT_EQ(drop_duplicate_faces(twice), 0u);
}

TEST(MeshOps, DegenerateFacesAreCountedAndSkipped) {
  Mesh cube = make_cube();
  cube.triangles.push_back({0, 0, 1});  // repeated index: ignored by the edge analysis
  cube.positions.push_back(Vec3(0.5f, 0, 0));
  cube.triangles.push_back({0, 1, 8});  // zero area, distinct indices: adds a fin on edge 0-1
  const TopologyReport rep = analyze_topology(cube);
  EXPECT_EQ(rep.degenerate_faces, 2u);
  EXPECT_EQ(rep.non_manifold_edges, 1u);
  EXPECT_EQ(degenerate_faces(cube), (std::vector<std::uint32_t>{12, 13}));
  EXPECT_TRUE(analyze_topology(Mesh{}).oriented);
  EXPECT_FALSE(analyze_topology(Mesh{}).watertight);
}

TEST(MeshOps, InvalidMeshThrows) {
  Mesh m = make_cube();
  m.triangles.push_back({0, 1, 99});
  EXPECT_THROW(analyze_topology(m), Error);
  EXPECT_THROW(weld(m, 0.0f), Error);
  EXPECT_THROW(connected_components(m), Error);
}

constexpr float kPi = 3.14159265358979f;

// A closed, subdivided grid torus has a known topology; used to check scale and time.
Mesh make_torus(int nu, int nv) {
  Mesh m;
  for (int i = 0; i < nu; ++i)
    for (int j = 0; j < nv; ++j) {
      const float u = 2.0f * kPi * i / nu, v = 2.0f * kPi * j / nv;
      m.positions.emplace_back((2 + std::cos(v)) * std::cos(u), (2 + std::cos(v)) * std::sin(u),
                               std::sin(v));
    }
  auto id = [&](int i, int j) { return std::uint32_t(((i + nu) % nu) * nv + (j + nv) % nv); };
  for (int i = 0; i < nu; ++i)
    for (int j = 0; j < nv; ++j) {
      m.triangles.push_back({id(i, j), id(i + 1, j), id(i + 1, j + 1)});
      m.triangles.push_back({id(i, j), id(i + 1, j + 1), id(i, j + 1)});
    }
  return m;
}

TEST(MeshOps, TorusTopologyAtScale) {
  const Mesh torus = make_torus(400, 250);  // 200k faces
  const auto t0 = std::chrono::steady_clock::now();
  const TopologyReport rep = analyze_topology(torus);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[ timing ] analyze_topology, " << torus.face_count() << " faces: " << ms
            << " ms\n";
  EXPECT_EQ(rep.vertices, 100000u);
  EXPECT_EQ(rep.faces, 200000u);
  EXPECT_TRUE(rep.watertight);
  EXPECT_TRUE(rep.oriented);
  EXPECT_EQ(rep.components, 1u);
  EXPECT_EQ(rep.degenerate_faces, 0u);
}


TEST(MeshOps, RealMeshBunny) {
  const std::filesystem::path path = test::cgal_mesh("bunny00.off");
  if (!std::filesystem::exists(path)) return;  // cgal_mesh() already failed the test
  const Mesh bunny = read_off(path.string());
  ASSERT_EQ(bunny.face_count(), 75408u);
  const auto t0 = std::chrono::steady_clock::now();
  const TopologyReport rep = analyze_topology(bunny);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[ timing ] analyze_topology, bunny00.off (" << bunny.face_count()
            << " faces): " << ms << " ms\n";
  EXPECT_EQ(rep.vertices, 37706u);
  EXPECT_TRUE(rep.manifold);
  EXPECT_TRUE(rep.oriented);
  EXPECT_EQ(rep.components, 1u);
  // Euler characteristic V - E + F with E = (3F + boundary) / 2.
  const long long edges = (3 * (long long)rep.faces + (long long)rep.boundary_edges) / 2;
  std::cout << "[ info ] bunny boundary edges " << rep.boundary_edges << ", Euler characteristic "
            << (long long)rep.vertices - edges + (long long)rep.faces << "\n";
}

}  // namespace
}  // namespace flexforge
