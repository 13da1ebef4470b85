// Import -> export -> re-import on real meshes (Debian's libcgal-demo), checked by the Khronos glTF
// validator and, where Blender is installed, by Blender's own importers.
#include "test_support.h"

#include "flexforge/io/export.h"
#include "flexforge/io/import.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using namespace flexforge;
using namespace flexforge::test;

namespace {
// A few real meshes of different kinds: animals, a CAD part, a genus-1 knot.
const std::vector<std::string> kRealMeshes = {"elephant.off", "cow.off", "fandisk.off",
                                              "knot1.off"};
const std::vector<std::string> kFormats = {".glb", ".gltf", ".fbx", ".obj", ".stl", ".ply",
                                           ".3mf"};

struct OffCounts {
  std::size_t faces = 0;
  std::size_t distinct_positions = 0;  // what welding identical vertices leaves
};

// Reads the counts straight from the OFF text, independently of Assimp.
OffCounts read_off_counts(const fs::path& off) {
  std::istringstream in(read_text(off));
  std::string keyword;
  std::size_t v = 0, f = 0, e = 0;
  in >> keyword >> v >> f >> e;
  const bool colored = keyword == "COFF";
  std::set<std::array<double, 3>> positions;
  for (std::size_t i = 0; i < v; ++i) {
    std::array<double, 3> p{};
    in >> p[0] >> p[1] >> p[2];
    if (colored) {
      double c;
      for (int k = 0; k < 4; ++k) in >> c;
    }
    positions.insert(p);
  }
  return {f, positions.size()};
}
}  // namespace

TEST(IoRoundTrip, RealMeshesKeepCountsInEveryFormat) {
  TempDir dir;
  for (const std::string& name : kRealMeshes) {
    const fs::path input = cgal_mesh(name);
    const Scene scene = io::load_scene(input);
    const OffCounts counts = read_off_counts(input);
    ASSERT_EQ(scene.vertex_count(), counts.distinct_positions) << name;
    ASSERT_EQ(scene.face_count(), counts.faces) << name;
    for (const std::string& ext : kFormats) {
      const fs::path out = dir / (fs::path(name).stem().string() + ext);
      io::save_scene(scene, out);
      const Scene back = io::load_scene(out);
      EXPECT_EQ(back.face_count(), scene.face_count()) << out;
      EXPECT_EQ(back.vertex_count(), scene.vertex_count()) << out;
    }
  }
}

TEST(IoRoundTrip, CliConvertedGlbsPassTheKhronosValidator) {
  ASSERT_TRUE(gltf_validator_installed()) << "run scripts/setup.sh (installs gltf-validator)";
  TempDir dir;
  for (const std::string& name : kRealMeshes) {
    const fs::path out = dir / (fs::path(name).stem().string() + ".glb");
    const auto r = run_cli({"-q", "convert", cgal_mesh(name).string(), "-o", out.string(),
                            "--center", "--up-axis", "z"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const GltfValidation v = validate_gltf(out);
    ASSERT_TRUE(v.ran) << v.raw;
    EXPECT_EQ(v.errors, 0) << v.raw;
  }
  // .gltf + .bin too.
  const fs::path gltf = dir / "cow.gltf";
  ASSERT_EQ(run_cli({"-q", "convert", cgal_mesh("cow.off").string(), "-o", gltf.string()}).exit_code, 0);
  EXPECT_TRUE(fs::exists(dir / "cow.bin"));
  const GltfValidation v = validate_gltf(gltf);
  EXPECT_TRUE(v.ran && v.errors == 0) << v.raw;
}

TEST(IoRoundTrip, BlenderImportsConvertedGlbAndFbx) {
  if (!have_program("blender")) {
    GTEST_SKIP() << "blender not installed (scripts/setup.sh --with-blender installs it)";
  }
  TempDir dir;
  std::vector<fs::path> files;
  std::vector<const Scene*> sources;
  std::vector<Scene> scenes;
  scenes.reserve(kRealMeshes.size());
  for (const std::string& name : kRealMeshes) {
    scenes.push_back(io::load_scene(cgal_mesh(name)));
    for (const char* ext : {".glb", ".fbx"}) {
      files.push_back(dir / (fs::path(name).stem().string() + ext));
      io::save_scene(scenes.back(), files.back());
      sources.push_back(&scenes.back());
    }
  }
  const auto results = blender_import(files);
  ASSERT_EQ(results.size(), files.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    EXPECT_TRUE(results[i].ok) << files[i] << ": " << results[i].error;
    EXPECT_EQ(results[i].faces, static_cast<long>(sources[i]->face_count())) << files[i];
    EXPECT_EQ(results[i].vertices, static_cast<long>(sources[i]->vertex_count())) << files[i];
  }
}

TEST(IoRoundTrip, EmptyAndDegenerateMeshesAreReportedNotFatal) {
  TempDir dir;
  // An object with no faces, a polyline (no surface), a zero-area triangle and a real one.
  write_text(dir / "odd.obj",
             "o nothing\n"
             "o wire\nv 0 0 0\nv 1 0 0\nv 2 0 0\nv 0 1 0\nl 1 2\n"
             "o tris\nf 1 2 3\nf 1 2 4\n");
  io::ImportReport report;
  const Scene scene = io::load_scene(dir / "odd.obj", {}, &report);
  EXPECT_EQ(scene.face_count(), 2u);
  const auto r = run_cli({"inspect", "--json", (dir / "odd.obj").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["parts"][0]["degenerate_faces"].get<int>(), 1);
  // The surface-less file on its own is an input error, not an empty output.
  write_text(dir / "wire.obj", "v 0 0 0\nv 1 0 0\nl 1 2\n");
  const auto w = run_cli({"convert", (dir / "wire.obj").string(), "-o", (dir / "w.glb").string()});
  EXPECT_EQ(w.exit_code, 3) << w.err;
  EXPECT_FALSE(fs::exists(dir / "w.glb"));
}
