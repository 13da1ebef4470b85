// A skinned asset written by flexforge's own glTF writer: valid per Khronos, re-importable with
// its skeleton and weights, and opened by Blender as an armature with the same joint count.
#include "test_support.h"

#include "flexforge/io/export.h"
#include "flexforge/io/import.h"
#include "flexforge/core/skin_weights.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace fs = std::filesystem;
using namespace flexforge;
using namespace flexforge::test;

namespace {

// A closed square tube along +Y (height 3) bound to a 4-joint chain; each ring is weighted
// between its two nearest joints, like a simple limb.
Scene make_skinned_tube() {
  Scene scene;
  const int rings = 13, sides = 8;
  Part part;
  part.name = "tube";
  Mesh& m = part.mesh;
  for (int r = 0; r < rings; ++r) {
    const float y = 3.0f * r / (rings - 1);
    for (int s = 0; s < sides; ++s) {
      const float a = 2.0f * static_cast<float>(M_PI) * s / sides;
      m.positions.emplace_back(0.3f * std::cos(a), y, 0.3f * std::sin(a));
      const float joint_pos = y;  // joints at y = 0, 1, 2, 3
      const auto lower = static_cast<std::uint32_t>(std::min(2.0f, std::floor(joint_pos)));
      const float t = joint_pos - lower;
      m.skin.push_back({{lower, 1.0f - t}, {lower + 1, t}, {0, 0.0f}});
    }
  }
  for (int r = 0; r + 1 < rings; ++r) {
    for (int s = 0; s < sides; ++s) {
      const std::uint32_t a = r * sides + s, b = r * sides + (s + 1) % sides;
      const std::uint32_t c = a + sides, d = b + sides;
      m.triangles.push_back({a, c, b});
      m.triangles.push_back({b, c, d});
    }
  }
  // Caps.
  for (int cap = 0; cap < 2; ++cap) {
    const std::uint32_t center = static_cast<std::uint32_t>(m.positions.size());
    const float y = cap == 0 ? 0.0f : 3.0f;
    m.positions.emplace_back(0.0f, y, 0.0f);
    m.skin.push_back({{cap == 0 ? 0u : 3u, 1.0f}});
    const std::uint32_t ring = cap == 0 ? 0 : (rings - 1) * sides;
    for (int s = 0; s < sides; ++s) {
      const std::uint32_t a = ring + s, b = ring + (s + 1) % sides;
      if (cap == 0) {
        m.triangles.push_back({center, a, b});
      } else {
        m.triangles.push_back({center, b, a});
      }
    }
  }
  scene.parts.push_back(std::move(part));
  const char* names[] = {"Root", "Upper", "Lower", "Tip"};
  for (int j = 0; j < 4; ++j) {
    Joint joint;
    joint.name = names[j];
    joint.parent = j - 1;
    joint.bind_world = Mat4::Identity();
    joint.bind_world(1, 3) = static_cast<float>(j);
    scene.skeleton.joints.push_back(joint);
  }
  scene.metadata = {{"generator", "skinned_export_test"}, {"seed", 7}};
  return scene;
}

}  // namespace

TEST(SkinWeights, Top4KeepsLargestAndSumsToOne) {
  const FourInfluences f = top4_normalized(
      {{3, 0.1f}, {1, 0.4f}, {2, 0.2f}, {5, 0.05f}, {1, 0.1f}, {7, 0.3f}}, 0);
  EXPECT_EQ(f.joints[0], 1);  // 0.4 + 0.1 merged
  EXPECT_EQ(f.joints[1], 7);
  EXPECT_EQ(f.joints[2], 2);
  EXPECT_EQ(f.joints[3], 3);
  EXPECT_FLOAT_EQ(f.weights[0] + f.weights[1] + f.weights[2] + f.weights[3], 1.0f);
  EXPECT_NEAR(f.weights[0], 0.5f / 1.1f, 1e-6f);
  const FourInfluences none = top4_normalized({}, 2);
  EXPECT_EQ(none.joints[0], 2);
  EXPECT_EQ(none.weights[0], 1.0f);
}

TEST(SkinnedExport, GlbValidatesAndReimportsWithSkeleton) {
  ASSERT_TRUE(gltf_validator_installed()) << "run scripts/setup.sh (installs gltf-validator)";
  TempDir dir;
  const Scene scene = make_skinned_tube();
  const fs::path glb = dir / "tube.glb";
  io::save_scene(scene, glb);
  const GltfValidation v = validate_gltf(glb);
  ASSERT_TRUE(v.ran) << v.raw;
  EXPECT_EQ(v.errors, 0) << v.raw;
  EXPECT_EQ(v.warnings, 0) << v.raw;

  const Scene back = io::load_scene(glb);
  ASSERT_EQ(back.skeleton.joints.size(), 4u);
  EXPECT_EQ(back.skeleton.joints[0].name, "Root");
  EXPECT_EQ(back.skeleton.joints[3].parent, 2);
  EXPECT_NEAR(back.skeleton.joints[3].bind_world(1, 3), 3.0f, 1e-5f);
  ASSERT_EQ(back.parts.size(), 1u);
  ASSERT_TRUE(back.parts[0].mesh.has_skin());
  for (const auto& influences : back.parts[0].mesh.skin) {
    float sum = 0;
    for (const auto& inf : influences) sum += inf.weight;
    EXPECT_NEAR(sum, 1.0f, 1e-5f);
  }
}

TEST(SkinnedExport, BlenderSeesArmatureWithAllJoints) {
  if (!have_program("blender")) {
    GTEST_SKIP() << "blender not installed (scripts/setup.sh --with-blender installs it)";
  }
  TempDir dir;
  const Scene scene = make_skinned_tube();
  const fs::path glb = dir / "tube.glb";
  io::save_scene(scene, glb);
  const auto results = blender_import({glb});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].ok) << results[0].error;
  EXPECT_EQ(results[0].armatures, 1);
  EXPECT_EQ(results[0].bones, 4);
  EXPECT_EQ(results[0].faces, static_cast<long>(scene.face_count()));
}

TEST(SkinnedExport, CliConvertsSkinnedFbxToValidGlbKeepingTheSkeleton) {
  ASSERT_TRUE(gltf_validator_installed()) << "run scripts/setup.sh (installs gltf-validator)";
  TempDir dir;
  io::save_scene(make_skinned_tube(), dir / "tube.fbx");
  const auto r = run_cli({"-q", "convert", (dir / "tube.fbx").string(), "-o",
                          (dir / "tube.glb").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const GltfValidation v = validate_gltf(dir / "tube.glb");
  EXPECT_TRUE(v.ran && v.errors == 0) << v.raw;
  const auto inspect = run_cli({"inspect", "--json", (dir / "tube.glb").string()});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  const auto j = nlohmann::json::parse(inspect.out);
  EXPECT_EQ(j["skeleton"]["joints"].get<int>(), 4);
  EXPECT_TRUE(j["parts"][0]["skinned"].get<bool>());
  EXPECT_LE(j["parts"][0]["max_influences"].get<int>(), 4);
  // --drop-skin removes it.
  ASSERT_EQ(run_cli({"-q", "convert", (dir / "tube.fbx").string(), "-o",
                     (dir / "bare.glb").string(), "--drop-skin"}).exit_code, 0);
  const auto bare = nlohmann::json::parse(run_cli({"inspect", "--json", (dir / "bare.glb").string()}).out);
  EXPECT_EQ(bare["skeleton"]["joints"].get<int>(), 0);
}
