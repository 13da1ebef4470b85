// flexforge rig through the real CLI: a skinned GLB the Khronos validator accepts and Blender
// opens with an armature of the same joint count, --json output, FBX, and documented exit codes
// for bad input (README "Exit codes").
#include "test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using namespace flexforge::test;

namespace {

TEST(RigCli, CowGlbValidatesAndBlenderSeesTheArmature) {
  TempDir dir;
  const CommandResult r = run_cli({"rig", cgal_mesh("cow.off").string(), "-o", (dir / "cow.glb").string(), "--json", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  const std::size_t joints = j.at("joints").size();
  EXPECT_GE(joints, 5u);
  int roots = 0;
  for (const auto& joint : j.at("joints")) {
    EXPECT_TRUE(joint.contains("name") && joint.contains("parent") && joint.contains("position"));
    if (joint.at("parent").is_null()) ++roots;
  }
  EXPECT_EQ(roots, 1);
  const GltfValidation v = validate_gltf(dir / "cow.glb");
  if (!v.ran) GTEST_SKIP() << "glTF validator unavailable: " << v.raw;
  EXPECT_EQ(v.errors, 0) << v.raw;
  if (!have_program("blender")) GTEST_SKIP() << "blender not installed";
  ASSERT_EQ(run_cli({"rig", cgal_mesh("cow.off").string(), "-o", (dir / "cow.fbx").string(), "-q"}).exit_code, 0);
  const auto imports = blender_import({dir / "cow.glb", dir / "cow.fbx"});
  ASSERT_EQ(imports.size(), 2u);
  for (const auto& b : imports) {
    ASSERT_TRUE(b.ok) << b.file << ": " << b.error;
    EXPECT_EQ(b.armatures, 1) << b.file;
    EXPECT_EQ(b.bones, static_cast<long>(joints)) << b.file;
  }
}

TEST(RigCli, StlSoupRigs) {
  TempDir dir;
  const CommandResult r = run_cli({"rig", cgal_mesh("pig.stl").string(), "-o", (dir / "pig.glb").string(), "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir / "pig.glb"));
}

TEST(RigCli, BadInputsGiveDocumentedExitCodes) {
  TempDir dir;
  const std::string pig = cgal_mesh("pig.off").string();
  const std::string out = (dir / "o.glb").string();
  EXPECT_EQ(run_cli({"rig", (dir / "missing.obj").string(), "-o", out}).exit_code, 3);
  write_text(dir / "empty.stl", "");
  EXPECT_EQ(run_cli({"rig", (dir / "empty.stl").string(), "-o", out}).exit_code, 3);
  EXPECT_EQ(run_cli({"rig", pig, "-o", out, "--rig-type", "octopod"}).exit_code, 2);
  EXPECT_EQ(run_cli({"rig", pig, "-o", out, "--joints", "many"}).exit_code, 2);
  EXPECT_EQ(run_cli({"rig", pig, "-o", out, "--joints", "1"}).exit_code, 2);
  EXPECT_EQ(run_cli({"rig", pig, "-o", out, "--symmetry", "y"}).exit_code, 2);
  EXPECT_EQ(run_cli({"rig", pig, "-o", (dir / "o.obj").string()}).exit_code, 2);
  EXPECT_EQ(run_cli({"rig", pig, "-o", (dir / "no" / "such" / "o.glb").string()}).exit_code, 5);
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace

namespace {

// A requested rig type is honoured or refused with the reason, never silently replaced: the
// cow is a quadruped, so "biped" is refused (exit 6) and "quadruped" gives a quadruped.
TEST(RigCli, RequestedRigTypeIsHonouredOrRefused) {
  TempDir dir;
  const CommandResult biped = run_cli({"rig", cgal_mesh("cow.off").string(), "-o", (dir / "b.glb").string(),
                                       "--rig-type", "biped"});
  EXPECT_EQ(biped.exit_code, 6) << biped.err;
  EXPECT_NE(biped.err.find("requested rig type biped does not fit"), std::string::npos) << biped.err;
  EXPECT_FALSE(fs::exists(dir / "b.glb"));
  const CommandResult quad = run_cli({"rig", cgal_mesh("cow.off").string(), "-o", (dir / "q.glb").string(),
                                      "--rig-type", "quadruped", "--json", "-q"});
  ASSERT_EQ(quad.exit_code, 0) << quad.err;
  EXPECT_EQ(nlohmann::json::parse(quad.out).at("rig_type"), "quadruped");
}

}  // namespace
