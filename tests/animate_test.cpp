// Procedural clips (anim/): the rig map read from joint names, the leg IK, the motion checks on
// rigged synth creatures and real meshes, and `flexforge animate` through the real CLI with the
// glTF validator and Blender 3.4 reading the clips back.
#include "test_support.h"

#include "flexforge/anim/clip_metrics.h"
#include "flexforge/anim/clips.h"
#include "flexforge/anim/pose.h"
#include "flexforge/anim/rig_map.h"
#include "flexforge/core/error.h"
#include "flexforge/io/import.h"
#include "flexforge/rig/rig.h"
#include "flexforge/synth/synth.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

using namespace flexforge;
using namespace flexforge::test;

namespace {

// A stick figure with the rigger's standard names (or Mixamo's), each joint carrying a small
// triangle fully bound to it: enough mesh for the skinning and the metrics.
Scene stick_biped(bool mixamo_names) {
  struct J {
    const char* name;
    const char* mixamo;
    int parent;
    Vec3 p;
  };
  const std::vector<J> joints = {
      {"Hips", "mixamorig:Hips", -1, {0, 1.0f, 0}},
      {"Spine", "mixamorig:Spine", 0, {0, 1.2f, 0}},
      {"Chest", "mixamorig:Spine1", 1, {0, 1.4f, 0}},
      {"Neck", "mixamorig:Neck", 2, {0, 1.55f, 0}},
      {"Head", "mixamorig:Head", 3, {0, 1.75f, 0}},
      {"LeftUpperLeg", "mixamorig:LeftUpLeg", 0, {0.1f, 0.95f, 0}},
      {"LeftLowerLeg", "mixamorig:LeftLeg", 5, {0.1f, 0.5f, 0.02f}},
      {"LeftFoot", "mixamorig:LeftFoot", 6, {0.1f, 0.08f, 0}},
      {"LeftToes", "mixamorig:LeftToeBase", 7, {0.1f, 0.0f, 0.15f}},
      {"RightUpperLeg", "mixamorig:RightUpLeg", 0, {-0.1f, 0.95f, 0}},
      {"RightLowerLeg", "mixamorig:RightLeg", 9, {-0.1f, 0.5f, 0.02f}},
      {"RightFoot", "mixamorig:RightFoot", 10, {-0.1f, 0.08f, 0}},
      {"RightToes", "mixamorig:RightToeBase", 11, {-0.1f, 0.0f, 0.15f}},
      {"LeftUpperArm", "mixamorig:LeftArm", 2, {0.2f, 1.45f, 0}},
      {"LeftLowerArm", "mixamorig:LeftForeArm", 13, {0.22f, 1.15f, 0}},
      {"LeftHand", "mixamorig:LeftHand", 14, {0.24f, 0.9f, 0}},
      {"RightUpperArm", "mixamorig:RightArm", 2, {-0.2f, 1.45f, 0}},
      {"RightLowerArm", "mixamorig:RightForeArm", 16, {-0.22f, 1.15f, 0}},
      {"RightHand", "mixamorig:RightHand", 17, {-0.24f, 0.9f, 0}},
  };
  Scene scene;
  Part part;
  part.name = "body";
  for (std::size_t j = 0; j < joints.size(); ++j) {
    Joint joint;
    joint.name = mixamo_names ? joints[j].mixamo : joints[j].name;
    joint.parent = joints[j].parent;
    joint.bind_world.block<3, 1>(0, 3) = joints[j].p;
    scene.skeleton.joints.push_back(joint);
    const auto base = static_cast<std::uint32_t>(part.mesh.positions.size());
    for (const Vec3& d : {Vec3(0, 0, 0), Vec3(0.02f, 0, 0), Vec3(0, 0, 0.02f)}) {
      part.mesh.positions.push_back(joints[j].p + d);
      part.mesh.skin.push_back({SkinInfluence{static_cast<std::uint32_t>(j), 1.0f}});
    }
    part.mesh.triangles.push_back({base, base + 1, base + 2});
  }
  scene.parts.push_back(part);
  return scene;
}

int joint_named(const Scene& s, const std::string& name) {
  for (std::size_t j = 0; j < s.skeleton.joints.size(); ++j)
    if (s.skeleton.joints[j].name == name) return static_cast<int>(j);
  return -1;
}

}  // namespace

TEST(AnimRigMap, StandardAndMixamoNamesGiveTheSameBiped) {
  EXPECT_EQ(anim::standard_joint_name("mixamorig:LeftUpLeg"), "LeftUpperLeg");
  EXPECT_EQ(anim::standard_joint_name("mixamorig:RightForeArm"), "RightLowerArm");
  EXPECT_EQ(anim::standard_joint_name("LeftUpperLeg_2"), "LeftUpperLeg_2");
  EXPECT_EQ(anim::standard_joint_name("joint_07"), "joint_07");
  for (bool mixamo : {false, true}) {
    const Scene s = stick_biped(mixamo);
    const anim::RigMap map = anim::map_rig(s);
    EXPECT_EQ(map.kind, anim::RigKind::Biped) << mixamo;
    ASSERT_EQ(map.legs.size(), 2u);
    EXPECT_EQ(map.legs[0].hip, 5);
    EXPECT_EQ(map.legs[0].knee, 6);
    EXPECT_EQ(map.legs[0].ankle, 7);
    EXPECT_EQ(map.arms.size(), 2u);
    EXPECT_NEAR(map.forward.z(), 1.0f, 1e-5f);  // left is +X: the figure faces +Z
    EXPECT_EQ(anim::applicable_clips(map), (std::vector<std::string>{"idle", "walk", "run", "jump", "wiggle"}));
  }
}

TEST(AnimClips, BipedWalkPlantsTheStanceFootAndLiftsTheSwingFoot) {
  const Scene s = stick_biped(false);
  const anim::RigMap map = anim::map_rig(s);
  const anim::BuiltClip walk = anim::build_clip(s, map, "walk");
  const int left_foot = joint_named(s, "LeftFoot"), right_foot = joint_named(s, "RightFoot");
  float highest_swing = 0, stance_error = 0, travel = 0;
  for (std::size_t k = 0; k < walk.clip.times.size(); ++k) {
    const std::vector<Mat4> world = anim::joint_world_at(s.skeleton, walk.clip, walk.clip.times[k]);
    for (int foot : {left_foot, right_foot}) {
      const float dy = world[foot](1, 3) - s.skeleton.joints[foot].bind_world(1, 3);
      const bool planted = std::count(walk.contacts[k].begin(), walk.contacts[k].end(), foot) > 0;
      if (planted) stance_error = std::max(stance_error, std::abs(dy));
      else highest_swing = std::max(highest_swing, dy);
      travel = std::max(travel, std::abs(world[foot](2, 3) - s.skeleton.joints[foot].bind_world(2, 3)));
    }
  }
  EXPECT_LT(stance_error, 1e-3f);   // planted: at rest height (the figure is 1.75 tall)
  EXPECT_GT(highest_swing, 0.05f);  // the swing foot leaves the ground
  EXPECT_GT(travel, 0.1f);          // and steps along the walking direction (+Z)
  const anim::ClipMetrics m = anim::measure_clip(s, map, walk);
  EXPECT_LE(m.contact_height, 1e-3f);
  EXPECT_LE(m.seam, 1e-6f);
  EXPECT_LE(m.box_excess, 0.5f);
}

TEST(AnimClips, MixamoRigAnimatesLikeTheStandardOne) {
  const Scene standard = stick_biped(false), mixamo = stick_biped(true);
  const anim::BuiltClip a = anim::build_clip(standard, anim::map_rig(standard), "run");
  const anim::BuiltClip b = anim::build_clip(mixamo, anim::map_rig(mixamo), "run");
  ASSERT_EQ(a.clip.times.size(), b.clip.times.size());
  for (std::size_t k = 0; k < a.clip.times.size(); k += 5) {
    const auto wa = anim::joint_world_at(standard.skeleton, a.clip, a.clip.times[k]);
    const auto wb = anim::joint_world_at(mixamo.skeleton, b.clip, b.clip.times[k]);
    for (std::size_t j = 0; j < wa.size(); ++j) EXPECT_LT((wa[j] - wb[j]).cwiseAbs().maxCoeff(), 1e-5f);
  }
}

TEST(AnimClips, UnknownAndInapplicableClipsAreRefusedByName) {
  const Scene s = stick_biped(false);
  const anim::RigMap map = anim::map_rig(s);
  try {
    anim::parse_clip_list("walk,trot", map);
    FAIL() << "trot applies to quadrupeds only";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::Usage);
    EXPECT_NE(std::string(e.what()).find("'trot'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(anim::parse_clip_list("moonwalk", map), Error);
  EXPECT_THROW(anim::parse_clip_list(" , ", map), Error);
  EXPECT_EQ(anim::parse_clip_list("all,walk", map).size(), 5u);
}

// Rigged by flexforge, then every applicable clip: they loop, keep within the rest box, plant
// the walking feet, and actually move the mesh.
struct AnimCase {
  const char* name;
  anim::RigKind kind;  // expected; Generic: whatever the rigger decides
};

class AnimRigged : public ::testing::TestWithParam<AnimCase> {};

TEST_P(AnimRigged, EveryClipLoopsStaysInTheBoxAndMoves) {
  const AnimCase c = GetParam();
  Scene scene;
  if (std::string(c.name) == "cow") {
    scene = io::load_scene(cgal_mesh("cow.off"));
  } else {
    synth::SynthConfig config;
    config.views = 0;
    config.part_meshes = false;
    const synth::SynthAsset a = synth::generate_category_asset(config, c.name, 2, 0);
    scene.parts.push_back(Part{"body", a.mesh, ""});
    scene.parts[0].mesh.skin.clear();
  }
  const rig::RigResult rigged = rig::rig_scene(scene);
  const anim::RigMap map = anim::map_rig(scene);
  // The clips read back the rig type the rigger chose from the names it wrote.
  EXPECT_EQ(anim::rig_kind_name(map.kind), rig::rig_type_name(rigged.type)) << c.name;
  if (c.kind != anim::RigKind::Generic) ASSERT_EQ(map.kind, c.kind) << c.name;
  for (const std::string& clip : anim::applicable_clips(map)) {
    const anim::BuiltClip built = anim::build_clip(scene, map, clip);
    const anim::ClipMetrics m = anim::measure_clip(scene, map, built);
    EXPECT_LE(m.box_excess, 0.5f) << c.name << " " << clip;
    EXPECT_LE(m.seam, 1e-3f) << c.name << " " << clip;
    if (clip == "walk") {
      EXPECT_GE(m.contact_height, 0.0f) << "walk plants feet";
      EXPECT_LE(m.contact_height, 0.02f) << c.name;
    }
    // Somewhere in the clip the mesh moves by more than 1% of its height.
    const std::vector<Vec3> rest = anim::skinned_positions(scene, anim::joint_world_at(scene.skeleton, {}, 0));
    float moved = 0;
    for (std::size_t k = 0; k < built.clip.times.size(); k += 3) {
      const std::vector<Vec3> posed =
          anim::skinned_positions(scene, anim::joint_world_at(scene.skeleton, built.clip, built.clip.times[k]));
      for (std::size_t v = 0; v < posed.size(); ++v) moved = std::max(moved, (posed[v] - rest[v]).norm());
    }
    EXPECT_GT(moved, 0.01f * map.height) << c.name << " " << clip;
    scene.animations.push_back(built.clip);
  }
  EXPECT_NO_THROW(scene.validate());
}

INSTANTIATE_TEST_SUITE_P(Creatures, AnimRigged,
                         ::testing::Values(AnimCase{"humanoid", anim::RigKind::Biped},
                                           AnimCase{"cow", anim::RigKind::Quadruped},
                                           AnimCase{"snake", anim::RigKind::Generic},
                                           AnimCase{"octopus", anim::RigKind::Generic}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(AnimateCli, GlbAndFbxOpenInBlenderWithOneActionPerClip) {
  TempDir dir;
  const std::string cow = cgal_mesh("cow.off").string();
  ASSERT_EQ(run_cli({"-q", "synth", "--count", "1", "--seed", "2", "--categories", "humanoid", "--views", "0",
                     "--out", (dir / "synth").string()}).exit_code, 0);
  const std::string human = (dir / "synth" / "humanoid_000000.glb").string();
  std::map<std::string, std::vector<std::string>> expected_clips = {
      {"cow", {"idle", "walk", "trot", "wiggle"}}, {"human", {"idle", "walk", "run", "jump", "wiggle"}}};
  std::vector<std::filesystem::path> files;
  std::map<std::string, nlohmann::json> reports;
  for (const auto& [name, input] : {std::pair{std::string("cow"), cow}, {std::string("human"), human}}) {
    for (const char* ext : {".glb", ".fbx"}) {
      const auto out = dir / (name + ext);
      const auto report = dir / (name + ext + ".json");
      const CommandResult r = run_cli({"-q", "animate", input, "-o", out.string(), "--clips", "all", "--rerig",
                                       "--report", report.string()});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      reports[out.filename().string()] = nlohmann::json::parse(read_text(report));
      files.push_back(out);
    }
    const auto& rep = reports[name + ".glb"];
    std::vector<std::string> clips;
    for (const auto& c : rep["clips"]) clips.push_back(c["clip"]);
    EXPECT_EQ(clips, expected_clips[name]) << rep.dump();
  }
  if (gltf_validator_installed()) {
    for (const auto& f : files) {
      if (f.extension() != ".glb") continue;
      const GltfValidation v = validate_gltf(f);
      ASSERT_TRUE(v.ran) << v.raw;
      EXPECT_EQ(v.errors, 0) << v.raw;
    }
  }
  if (!have_program("blender")) GTEST_SKIP() << "blender not installed (scripts/setup.sh --with-blender)";
  const std::vector<BlenderImport> imports = blender_import(files);
  ASSERT_EQ(imports.size(), files.size());
  for (const BlenderImport& b : imports) {
    ASSERT_TRUE(b.ok) << b.file << ": " << b.error;
    EXPECT_EQ(b.armatures, 1) << b.file;
    const nlohmann::json& rep = reports[std::filesystem::path(b.file).filename().string()];
    EXPECT_EQ(b.actions.size(), rep["clips"].size()) << b.file;
    for (const auto& c : rep["clips"]) {
      const std::string clip = c["clip"];
      // Blender names glTF actions "<clip>_<armature>" and FBX ones "<armature>|<clip>|<layer>".
      std::vector<const BlenderAction*> found;
      for (const BlenderAction& a : b.actions)
        if (a.name.rfind(clip + "_", 0) == 0 || a.name.find("|" + clip + "|") != std::string::npos) found.push_back(&a);
      ASSERT_EQ(found.size(), 1u) << b.file << " " << clip;
      EXPECT_EQ(found[0]->keyframes, c["keys"].get<long>()) << b.file << " " << clip;
      EXPECT_TRUE(found[0]->play_error.empty()) << found[0]->play_error;
      EXPECT_GT(found[0]->moved, 1e-4) << b.file << " " << clip << " does not deform the mesh mid-clip";
    }
  }
}

TEST(AnimateCli, ExitCodesAndClipList) {
  TempDir dir;
  const std::string cow = cgal_mesh("cow.off").string(), out = (dir / "cow.glb").string();
  const CommandResult list = run_cli({"-q", "animate", cow, "--list-clips"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("quadruped"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("trot"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find("jump"), std::string::npos) << list.out;

  const CommandResult jump = run_cli({"-q", "animate", cow, "-o", out, "--clips", "walk,jump"});
  EXPECT_EQ(jump.exit_code, 2);
  EXPECT_NE(jump.err.find("'jump'"), std::string::npos) << jump.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  const CommandResult unknown = run_cli({"-q", "animate", cow, "-o", out, "--clips", "moonwalk"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("moonwalk"), std::string::npos) << unknown.err;
  EXPECT_EQ(run_cli({"-q", "animate", cow, "-o", (dir / "cow.obj").string()}).exit_code, 2);
  EXPECT_EQ(run_cli({"-q", "animate", cow}).exit_code, 2);  // no output, no --list-clips
  EXPECT_EQ(run_cli({"-q", "animate", cow, "-o", out, "--speed", "0"}).exit_code, 2);
  EXPECT_EQ(run_cli({"-q", "animate", (dir / "missing.off").string(), "-o", out}).exit_code, 3);
  EXPECT_EQ(run_cli({"-q", "animate", cow, "-o", (dir / "no" / "such" / "cow.glb").string()}).exit_code, 5);
  EXPECT_FALSE(std::filesystem::exists(out));
}
