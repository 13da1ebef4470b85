// Retopology (`flexforge retopo`, retopo/retopo.h): face budget, closed 2-manifold output,
// distance floors measured on real meshes, parts, sharp features, quads, skin and colours, and
// the CLI's documented behaviour on bad values.
#include "test_support.h"

#include "flexforge/core/metrics.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/io/export.h"
#include "flexforge/io/import.h"
#include "flexforge/retopo/quad_pairing.h"
#include "flexforge/retopo/retopo.h"
#include "flexforge/synth/synth.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <map>
#include <set>

namespace fs = std::filesystem;
using namespace flexforge;
using namespace flexforge::retopo;
using namespace flexforge::test;

namespace {

Mesh load_mesh(const std::string& name) {
  Scene s = io::load_scene(cgal_mesh(name));
  EXPECT_EQ(s.parts.size(), 1u);
  return s.parts.at(0).mesh;
}

void expect_closed_manifold(const Mesh& m, const std::string& what) {
  const TopologyReport t = analyze_topology(m);
  EXPECT_TRUE(t.watertight) << what << ": boundary " << t.boundary_edges << " non-manifold edges "
                            << t.non_manifold_edges << " vertices " << t.non_manifold_vertices;
  EXPECT_TRUE(t.oriented) << what << ": " << t.inconsistent_edges << " inconsistent edges";
  EXPECT_EQ(t.degenerate_faces, 0u) << what;
  EXPECT_EQ(t.non_manifold_vertices, 0u) << what;
}

void expect_within_budget(std::size_t faces, std::size_t target, const std::string& what) {
  EXPECT_LE(std::abs(double(faces) - double(target)), 0.05 * double(target))
      << what << ": " << faces << " faces for a budget of " << target;
}

double chamfer_p2s(const Mesh& out, const Mesh& in, double* hausdorff = nullptr) {
  MetricOptions mo;
  mo.point_to_surface = true;
  mo.samples = 50000;
  const MeshDistance d = compare_meshes(out, in, mo);
  if (hausdorff) *hausdorff = d.hausdorff;
  return d.chamfer_l1;
}

// A closed tube along +Y (height 3) on a 4-joint chain, dense enough to simplify (2-ring
// weights, as in skinned_export_test.cpp but with 40 rings x 24 sides).
Scene make_skinned_tube() {
  Scene scene;
  Part part;
  part.name = "tube";
  Mesh& m = part.mesh;
  const int rings = 40, sides = 24;
  for (int r = 0; r < rings; ++r) {
    const float y = 3.0f * r / (rings - 1);
    for (int s = 0; s < sides; ++s) {
      const float a = 2.0f * static_cast<float>(M_PI) * s / sides;
      m.positions.emplace_back(0.3f * std::cos(a), y, 0.3f * std::sin(a));
      const auto lower = static_cast<std::uint32_t>(std::min(2.0f, std::floor(y)));
      const float t = y - lower;
      m.skin.push_back({{lower, 1.0f - t}, {lower + 1, t}});
    }
  }
  for (int r = 0; r + 1 < rings; ++r) {
    for (int s = 0; s < sides; ++s) {
      const std::uint32_t a = r * sides + s, b = r * sides + (s + 1) % sides;
      m.triangles.push_back({a, a + sides, b});
      m.triangles.push_back({b, a + sides, b + sides});
    }
  }
  for (int cap = 0; cap < 2; ++cap) {
    const auto center = static_cast<std::uint32_t>(m.positions.size());
    m.positions.emplace_back(0.0f, cap == 0 ? 0.0f : 3.0f, 0.0f);
    m.skin.push_back({{cap == 0 ? 0u : 3u, 1.0f}});
    const std::uint32_t ring = cap == 0 ? 0 : (rings - 1) * sides;
    for (int s = 0; s < sides; ++s) {
      const std::uint32_t a = ring + s, b = ring + (s + 1) % sides;
      if (cap == 0) m.triangles.push_back({center, a, b});
      else m.triangles.push_back({center, b, a});
    }
  }
  m.colors.assign(m.positions.size(), Vec4(0.8f, 0.2f, 0.1f, 1.0f));
  scene.parts.push_back(std::move(part));
  const char* names[] = {"Root", "Upper", "Lower", "Tip"};
  for (int j = 0; j < 4; ++j) {
    Joint joint;
    joint.name = names[j];
    joint.parent = j - 1;
    joint.bind_world(1, 3) = static_cast<float>(j);
    scene.skeleton.joints.push_back(joint);
  }
  return scene;
}

}  // namespace

TEST(Retopo, RealMeshesHitTheBudgetClosedAndManifold) {
  for (const std::string name : {"bunny00.off", "elephant.off"}) {
    const Mesh in = load_mesh(name);
    ASSERT_TRUE(analyze_topology(in).watertight) << name;
    for (std::size_t budget : {500u, 2000u}) {
      RetopoOptions o;
      o.target_faces = budget;
      RetopoReport rep;
      const Mesh out = retopologize(in, o, &rep);
      const std::string what = name + " @" + std::to_string(budget);
      expect_within_budget(out.face_count(), budget, what);
      EXPECT_TRUE(rep.budget_met) << what;
      EXPECT_EQ(rep.output_faces, out.face_count()) << what;
      expect_closed_manifold(out, what);
    }
  }
}

// Floors set about 1.5x above what was measured (bunny00 @2000: 2.8e-4 since the
// Lindstrom-Turk collapse, 3.1e-4 before; CGAL Lindstrom-Turk 3.1e-4), so a real regression
// trips them, noise does not.
TEST(Retopo, ChamferFloorsOnRealMeshes) {
  const Mesh bunny = load_mesh("bunny00.off");
  RetopoOptions o;
  o.target_faces = 2000;
  double h = 0;
  const double c = chamfer_p2s(retopologize(bunny, o), bunny, &h);
  EXPECT_LT(c, 4.2e-4);
  EXPECT_LT(h, 6e-3);
  // The fitting pass must pay for itself: without it the same collapse is measurably worse.
  RetopoOptions plain = o;
  plain.fit_iterations = 0;
  EXPECT_LT(c, chamfer_p2s(retopologize(bunny, plain), bunny));
}

// Synth assets (marching-tetrahedra meshes of unions of primitives: large flat regions meshed
// with slivers, sharp edges) are where the former plane-quadric collapse with a 60-degree
// crease lock and a triangle-shape floor lost 10-20x to CGAL Lindstrom-Turk. Floors about 1.5x
// above what was measured (chair_000000, resolution 64).
TEST(Retopo, SynthAssetFitsCloselyAndQuadModeHitsTheBudget) {
  synth::SynthConfig sc;
  sc.views = 0;
  sc.part_meshes = false;
  sc.resolution = 64;
  const synth::SynthAsset a = synth::generate_asset(sc, 2024, 0);
  Mesh in;
  in.positions = a.mesh.positions;
  in.triangles = a.mesh.triangles;
  ASSERT_TRUE(analyze_topology(in).watertight);
  RetopoOptions o;
  o.target_faces = 1000;
  const Mesh out = retopologize(in, o);
  expect_within_budget(out.face_count(), 1000, a.id);
  expect_closed_manifold(out, a.id);
  double h = 0;
  const double c = chamfer_p2s(out, in, &h);
  std::printf("synth %s @1000: chamfer %.3e hausdorff %.3e\n", a.id.c_str(), c, h);
  EXPECT_LT(c, 2.2e-5);  // measured 1.44e-5
  EXPECT_LT(h, 2.7e-3);  // measured 1.82e-3
  // Quad mode re-targets after fitting and flips: the budget holds on these too (it missed by
  // up to 27% before).
  for (std::size_t budget : {500u, 2000u}) {
    RetopoOptions q = o;
    q.target_faces = budget;
    q.quad = true;
    RetopoReport rep;
    const Mesh qm = retopologize(in, q, &rep);
    const std::string what = a.id + " quad @" + std::to_string(budget);
    std::printf("%s: %zu faces, %zu quads\n", what.c_str(), rep.output_faces, rep.quads);
    expect_within_budget(rep.output_faces, budget, what);
    EXPECT_TRUE(rep.budget_met) << what;
    EXPECT_GT(double(rep.quads) / double(rep.output_faces), 0.4) << what;
    expect_closed_manifold(qm, what);
  }
}

TEST(Retopo, SharpFeaturesOfABoxAreKept) {
  // cube-meshed.off: a finely triangulated cube. Its corners and edges must survive: the
  // bounding box is unchanged and every output vertex stays on the cube's surface.
  const Mesh in = load_mesh("cube-meshed.off");
  RetopoOptions o;
  o.target_faces = 200;
  const Mesh out = retopologize(in, o);
  expect_within_budget(out.face_count(), 200, "cube");
  expect_closed_manifold(out, "cube");
  const Aabb a = bounding_box(in), b = bounding_box(out);
  EXPECT_LT((a.min - b.min).norm(), 1e-4f * a.diagonal());
  EXPECT_LT((a.max - b.max).norm(), 1e-4f * a.diagonal());
  double h = 0;
  chamfer_p2s(out, in, &h);
  EXPECT_LT(h, 1e-3);
}

TEST(Retopo, QuadModeCountsQuadsAsFaces) {
  const Mesh in = load_mesh("elephant.off");
  RetopoOptions o;
  o.target_faces = 800;
  o.quad = true;
  RetopoReport rep;
  const Mesh out = retopologize(in, o, &rep);
  expect_within_budget(rep.output_faces, 800, "elephant quad");
  EXPECT_EQ(rep.output_faces, out.face_count() - rep.quads);
  EXPECT_GT(double(rep.quads) / double(rep.output_faces), 0.5);  // quad-dominant
  expect_closed_manifold(out, "elephant quad");
  // The first 2 * quads triangles come in pairs sharing an edge.
  for (std::size_t q = 0; q < rep.quads; ++q) {
    const auto c = retopo::quad_corners(out, static_cast<std::uint32_t>(2 * q),
                                        static_cast<std::uint32_t>(2 * q + 1));
    ASSERT_NE(c[0], 0xffffffffu) << "pair " << q;
  }
}

TEST(Retopo, PartsStayApartAndSeamsStaySeams) {
  // Two separate parts: both stay parts, closed, with the budget split by face count.
  Scene two;
  two.parts.push_back({"bunny", load_mesh("bunny00.off"), ""});
  two.parts.push_back({"elephant", load_mesh("elephant.off"), ""});
  RetopoOptions o;
  o.target_faces = 1000;
  RetopoReport rep;
  const Scene out = retopologize_scene(two, o, &rep);
  ASSERT_EQ(out.parts.size(), 2u);
  EXPECT_EQ(out.parts[0].name, "bunny");
  EXPECT_EQ(out.parts[1].name, "elephant");
  expect_within_budget(out.face_count(), 1000, "two parts");
  for (const Part& p : out.parts) expect_closed_manifold(p.mesh, p.name);
  EXPECT_EQ(out.metadata["retopo"]["faces"].get<std::size_t>(), rep.output_faces);

  // Face labels inside one mesh: with preserve_parts the seam between the two labels remains a
  // set of closed curves (every seam vertex has an even number of seam edges), and both labels
  // keep a sizeable share of the faces.
  Mesh bunny = load_mesh("bunny00.off");
  const float cx = bounding_box(bunny).center().x();
  for (const Triangle& t : bunny.triangles) {
    const float x = (bunny.positions[t[0]].x() + bunny.positions[t[1]].x() + bunny.positions[t[2]].x()) / 3;
    bunny.face_parts.push_back(x < cx ? 0 : 1);
  }
  o.target_faces = 600;
  o.preserve_parts = true;
  const Mesh m = retopologize(bunny, o);
  ASSERT_EQ(m.face_parts.size(), m.face_count());
  expect_closed_manifold(m, "labelled bunny");
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<int>> edge_labels;
  for (std::size_t f = 0; f < m.face_count(); ++f) {
    const Triangle& t = m.triangles[f];
    for (int k = 0; k < 3; ++k) {
      edge_labels[{std::min(t[k], t[(k + 1) % 3]), std::max(t[k], t[(k + 1) % 3])}].push_back(m.face_parts[f]);
    }
  }
  std::map<std::uint32_t, int> seam_degree;
  std::size_t seam_edges = 0;
  for (const auto& [e, labels] : edge_labels) {
    if (labels.size() == 2 && labels[0] != labels[1]) {
      ++seam_edges;
      ++seam_degree[e.first];
      ++seam_degree[e.second];
    }
  }
  EXPECT_GT(seam_edges, 10u);
  for (const auto& [v, d] : seam_degree) EXPECT_EQ(d % 2, 0) << "seam vertex " << v;
  const auto zeros = std::count(m.face_parts.begin(), m.face_parts.end(), 0);
  EXPECT_GT(zeros, 100);
  EXPECT_GT(static_cast<long>(m.face_count()) - zeros, 100);
}

TEST(Retopo, SkinnedTubeKeepsAValidSkinAndColours) {
  const Scene in = make_skinned_tube();
  RetopoOptions o;
  o.target_faces = 400;
  RetopoReport rep;
  const Scene out = retopologize_scene(in, o, &rep);
  ASSERT_EQ(out.parts.size(), 1u);
  const Mesh& m = out.parts[0].mesh;
  expect_within_budget(m.face_count(), 400, "tube");
  expect_closed_manifold(m, "tube");
  ASSERT_EQ(m.skin.size(), m.vertex_count());
  ASSERT_EQ(m.colors.size(), m.vertex_count());
  for (std::size_t v = 0; v < m.vertex_count(); ++v) {
    ASSERT_GE(m.skin[v].size(), 1u);
    ASSERT_LE(m.skin[v].size(), 4u);
    float sum = 0;
    for (const SkinInfluence& s : m.skin[v]) {
      EXPECT_LT(s.joint, 4u);
      sum += s.weight;
    }
    EXPECT_NEAR(sum, 1.0f, 1e-6f);
    EXPECT_NEAR(m.colors[v].x(), 0.8f, 1e-5f);
    // Weights follow height: a vertex at y is bound mostly to the joints around it.
    const float y = m.positions[v].y();
    float expected_top = 0;
    for (const SkinInfluence& s : m.skin[v]) expected_top = std::max(expected_top, s.weight);
    EXPECT_GE(expected_top, 0.5f - 1e-4f) << "y " << y;
  }
  TempDir dir;
  io::save_scene(out, dir / "tube.glb");
  if (!gltf_validator_installed()) GTEST_SKIP() << "glTF validator not installed (scripts/setup.sh)";
  const GltfValidation v = validate_gltf(dir / "tube.glb");
  ASSERT_TRUE(v.ran) << v.raw;
  EXPECT_EQ(v.errors, 0) << v.raw;
  const Scene back = io::load_scene(dir / "tube.glb");
  EXPECT_EQ(back.skeleton.joints.size(), 4u);
  EXPECT_TRUE(back.has_skin());
}

TEST(RetopoCli, WritesTheBudgetAndReportsBadValues) {
  TempDir dir;
  const std::string in = cgal_mesh("elephant.off").string();
  const std::string out = (dir / "e.glb").string();
  auto r = run_cli({"retopo", in, "-o", out, "--faces", "1000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Scene s = io::load_scene(out);
  expect_within_budget(s.face_count(), 1000, "cli");
  // The budget lands in the file's asset.extras (GLB: 12-byte header, then the JSON chunk).
  const std::string glb = read_text(out);
  ASSERT_GT(glb.size(), 20u);
  std::uint32_t json_len = 0;
  std::memcpy(&json_len, glb.data() + 12, 4);
  const auto gltf = nlohmann::json::parse(glb.substr(20, json_len));
  EXPECT_EQ(gltf["asset"]["extras"]["retopo"]["target_faces"].get<int>(), 1000);

  // Bad values are usage errors (exit 2) and write nothing.
  const fs::path none = dir / "none.glb";
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{"--faces", "0"}, {"--faces", "-5"}, {"--faces", "abc"},
        {"--faces", "99999999999"}, {"--faces", "100", "--feature-angle", "500"},
        {"--faces", "100", "--fit-iterations", "-1"}}) {
    std::vector<std::string> args = {"retopo", in, "-o", none.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << extra[0] << " " << extra[1] << ": " << r.err;
    EXPECT_FALSE(fs::exists(none));
  }
  r = run_cli({"retopo", in, "-o", out});  // --faces is required
  EXPECT_EQ(r.exit_code, 2);
  r = run_cli({"retopo", (dir / "missing.off").string(), "-o", out, "--faces", "10"});
  EXPECT_EQ(r.exit_code, 3);

  // A budget at or above the input's face count: written unchanged, with a warning.
  const std::string same = (dir / "same.glb").string();
  r = run_cli({"retopo", in, "-o", same, "--faces", "100000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("unchanged"), std::string::npos) << r.err;
  EXPECT_EQ(io::load_scene(same).face_count(), load_mesh("elephant.off").face_count());
}
