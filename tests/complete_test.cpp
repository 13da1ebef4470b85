// Part completion (issue 8): every output part is a closed, oriented 2-manifold, the visible
// faces stay put (<= 0.5% of the part's diagonal), on synth parts cut by their neighbours and on
// real meshes split by segment::segment_scene; plus the CLI's errors and the pipeline stage.
#include "test_support.h"

#include "flexforge/complete/complete.h"
#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/io/export.h"
#include "flexforge/io/import.h"
#include "flexforge/pipeline/stages.h"
#include "flexforge/segment/segment.h"
#include "flexforge/synth/synth.h"

#include <Eigen/Geometry>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

using namespace flexforge;

namespace {

double total_area(const Mesh& m) {
  double a = 0;
  for (const Triangle& t : m.triangles) {
    a += 0.5 * (m.positions[t[1]] - m.positions[t[0]])
                   .cross(m.positions[t[2]] - m.positions[t[0]])
                   .norm();
  }
  return a;
}

void expect_closed(const Mesh& m, const std::string& what) {
  const TopologyReport t = analyze_topology(m);
  EXPECT_TRUE(t.watertight) << what << ": boundary " << t.boundary_edges << ", non-manifold edges "
                            << t.non_manifold_edges << ", vertices " << t.non_manifold_vertices;
  EXPECT_TRUE(t.manifold) << what;
  EXPECT_TRUE(t.oriented) << what << ": " << t.inconsistent_edges << " inconsistent edges";
}

}  // namespace

TEST(Complete, SynthPartsCutByTheirNeighboursCloseAndKeepTheirFaces) {
  synth::SynthConfig config;
  config.resolution = 40;
  config.views = 0;
  std::size_t parts = 0, open_parts = 0;
  double worst = 0;
  for (const std::string category : {"chair", "mug", "hammer"}) {
    const synth::SynthAsset asset = synth::generate_category_asset(config, category, 11, 0);
    for (std::size_t p = 0; p < asset.parts.size(); ++p) {
      if (asset.parts[p].surface_faces == 0) continue;
      const Mesh in = asset.part_surface(p);
      open_parts += analyze_topology(in).boundary_edges > 0 ? 1 : 0;
      complete::PartReport report;
      const Mesh out = complete::complete_mesh(in, {}, &report);
      const std::string what = asset.id + "/" + asset.parts[p].name;
      expect_closed(out, what);
      const double dev = complete::visible_deviation(in, out);
      EXPECT_LE(dev, 0.005) << what << " closed by " << report.closed_by;
      worst = std::max(worst, dev);
      // The holes were filled with surface (not collapsed), and colours came along.
      EXPECT_GE(total_area(out), total_area(in) * 0.999) << what;
      EXPECT_EQ(out.colors.size(), out.positions.size()) << what;
      ++parts;
    }
  }
  EXPECT_GE(open_parts, 6u);  // the set really has cut parts
  std::printf("[ synth ] %zu parts (%zu open), max visible deviation %.5f of the diagonal\n", parts,
              open_parts, worst);
}

TEST(Complete, RealMeshesSegmentedIntoPartsAllCloseAndKeepTheirFaces) {
  segment::SegmentOptions seg;
  std::size_t parts = 0;
  double worst = 0;
  // Ten meshes that finish within the suite's time budget; the slow ones (parts that need the
  // alpha-wrap fallback at a finer alpha: man, femur, elephant, dino, cow) are measured in the
  // README instead.
  for (const std::string name : {"head.off", "elk.off", "triceratops.off", "bones.off",
                                 "mask_cone.off", "fandisk.off", "pig.off", "mushroom.off",
                                 "hand.off", "blobby.off"}) {
    const Scene segmented = segment::segment_scene(load_scene(test::cgal_mesh(name)), seg);
    ASSERT_GE(segmented.parts.size(), 1u) << name;
    std::vector<complete::PartReport> reports;
    const Scene out = complete::complete_scene(segmented, {}, &reports);
    ASSERT_EQ(out.parts.size(), segmented.parts.size()) << name;
    for (std::size_t p = 0; p < out.parts.size(); ++p) {
      const std::string what = name + "/" + out.parts[p].name;
      EXPECT_EQ(out.parts[p].name, segmented.parts[p].name);
      expect_closed(out.parts[p].mesh, what);
      const double dev = complete::visible_deviation(segmented.parts[p].mesh, out.parts[p].mesh);
      EXPECT_LE(dev, 0.005) << what << " closed by " << reports[p].closed_by;
      worst = std::max(worst, dev);
      ++parts;
    }
  }
  std::printf("[ real ] %zu parts, max visible deviation %.5f of the diagonal\n", parts, worst);
}

TEST(Complete, OptionsAndPipelineStageRejectBadValues) {
  complete::CompleteOptions o;
  o.fairing_continuity = 3;
  EXPECT_THROW(o.validate(), Error);
  EXPECT_THROW(complete::parse_fill_method("smooth"), Error);
  EXPECT_THROW(complete::complete_mesh(Mesh{}, {}), Error);
  const Scene cow = load_scene(test::cgal_mesh("cow.off"));
  try {
    run_stages(cow, {"complete"}, {{"complete", {{"fil", "flat"}}}});
    ADD_FAILURE() << "unknown complete option accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::Usage);
  }
  EXPECT_THROW(run_stages(cow, {"complete"}, {{"complete", {{"fill", "smooth"}}}}), Error);
}

TEST(Complete, PipelineStageClosesEveryPart) {
  // A synth stool as exported (one node per labelled part, each open where it meets the others).
  synth::SynthConfig config;
  config.resolution = 32;
  config.views = 0;
  config.part_meshes = false;
  const Scene in = synth::generate_category_asset(config, "stool", 3, 0).scene();
  std::vector<StageRun> runs;
  const Scene out = run_stages(in, plan_stages({"complete"}), {{"complete", {{"fill", "fair"}}}}, &runs);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].name, "complete");
  ASSERT_EQ(out.parts.size(), in.parts.size());
  for (std::size_t p = 0; p < out.parts.size(); ++p) {
    EXPECT_GT(analyze_topology(in.parts[p].mesh).boundary_edges, 0u) << in.parts[p].name;
    expect_closed(out.parts[p].mesh, "stool/" + out.parts[p].name);
    EXPECT_LE(complete::visible_deviation(in.parts[p].mesh, out.parts[p].mesh), 0.005);
    EXPECT_EQ(out.parts[p].semantic, in.parts[p].semantic);
  }
}

TEST(CompleteCli, WritesClosedPartsAndMapsErrorsToExitCodes) {
  test::TempDir dir;
  // A two-part scene from synth (a mug: body + handle, each open where they meet).
  synth::SynthConfig config;
  config.resolution = 24;
  config.views = 0;
  config.part_meshes = false;
  save_scene(synth::generate_category_asset(config, "mug", 5, 0).scene(), (dir / "mug.glb").string());

  const auto ok = test::run_cli({"complete", (dir / "mug.glb").string(), "-o",
                                 (dir / "out.glb").string(), "--json"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("closed_by"), std::string::npos);
  const Scene back = load_scene((dir / "out.glb").string());
  ASSERT_GE(back.parts.size(), 2u);
  for (const Part& p : back.parts) expect_closed(p.mesh, "cli/" + p.name);

  EXPECT_EQ(test::run_cli({"complete", (dir / "missing.glb").string(), "-o",
                           (dir / "x.glb").string()}).exit_code, 3);
  EXPECT_EQ(test::run_cli({"complete", (dir / "mug.glb").string(), "-o",
                           (dir / "x.xyz").string()}).exit_code, 2);
  EXPECT_EQ(test::run_cli({"complete", (dir / "mug.glb").string(), "-o", (dir / "x.glb").string(),
                           "--fill", "smooth"}).exit_code, 2);
  EXPECT_EQ(test::run_cli({"complete", (dir / "mug.glb").string(), "-o", (dir / "x.glb").string(),
                           "--continuity", "5"}).exit_code, 2);
  EXPECT_EQ(test::run_cli({"complete", (dir / "mug.glb").string(), "-o",
                           (dir / "no-such-dir" / "x.glb").string()}).exit_code, 5);
  test::write_text(dir / "junk.glb", "not a mesh");
  EXPECT_EQ(test::run_cli({"complete", (dir / "junk.glb").string(), "-o",
                           (dir / "x.glb").string()}).exit_code, 3);
  EXPECT_FALSE(std::filesystem::exists(dir / "x.glb"));
}
