// The procedural dataset (flexforge synth): every category yields closed oriented meshes (asset
// and every complete part), labels on every face, skeleton joints inside the solid and skin
// weights summing to 1; the files pass the Khronos validator; the bytes depend only on the seed.
#include "test_support.h"

#include "flexforge/core/mesh_ops.h"
#include "flexforge/synth/dataset.h"
#include "flexforge/synth/synth.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>

namespace fs = std::filesystem;
using namespace flexforge;
using namespace flexforge::synth;
using namespace flexforge::test;

namespace {

bool closed(const Mesh& m, std::string* why) {
  const TopologyReport t = analyze_topology(m);
  if (t.watertight && t.oriented && t.degenerate_faces == 0) return true;
  *why = "boundary " + std::to_string(t.boundary_edges) + " nm-edges " +
         std::to_string(t.non_manifold_edges) + " nm-vertices " +
         std::to_string(t.non_manifold_vertices) + " degenerate " + std::to_string(t.degenerate_faces);
  return false;
}

// FNV-1a over every file's name and bytes, in name order.
std::map<std::string, std::uint64_t> hash_dir(const fs::path& dir) {
  std::map<std::string, std::uint64_t> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string bytes = read_text(e.path());
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ULL;
    out[e.path().filename().string()] = h;
  }
  return out;
}

}  // namespace

TEST(SynthCategories, AtLeastThirtyIncludingTheDesignList) {
  std::set<std::string> names;
  for (const Category& c : all_categories()) {
    names.insert(c.name);
    EXPECT_GE(c.synonyms.size(), 3u) << c.name;
  }
  EXPECT_GE(names.size(), 30u);
  for (const char* required :
       {"chair", "stool", "table", "bed", "shelf", "lamp", "mug", "bottle", "vase", "bucket",
        "sword", "axe", "hammer", "car", "airplane", "rocket", "boat", "tree", "mushroom", "cactus",
        "flower", "rock", "house", "tower", "humanoid", "cat", "dog", "horse", "cow", "bird",
        "fish", "snake", "octopus", "spider", "dragon", "hand_bottle", "hand_cup", "figure_sword"}) {
    EXPECT_TRUE(names.count(required)) << required;
  }
}

// Two assets of every category (different seeds, so articulated ones appear in rest and random
// poses across runs), at a reduced resolution to keep the suite fast.
TEST(SynthCategories, EveryCategoryIsClosedLabelledAndRigged) {
  SynthConfig config;
  config.resolution = 40;
  config.views = 1;
  config.image_size = 48;
  std::size_t joints = 0, joints_inside = 0;
  std::set<std::string> poses;
  std::size_t index = 0;
  for (const Category& cat : all_categories()) {
    ++index;
    for (std::uint64_t seed : {3u, 11u}) {
      const SynthAsset a = generate_category_asset(config, cat.name, seed, index);
      const std::string id = cat.name + " seed " + std::to_string(seed);
      std::string why;
      EXPECT_TRUE(closed(a.mesh, &why)) << id << ": " << why;
      ASSERT_EQ(a.mesh.face_parts.size(), a.mesh.face_count()) << id;
      for (std::int32_t p : a.mesh.face_parts) {
        ASSERT_TRUE(p >= 0 && p < static_cast<std::int32_t>(a.parts.size())) << id;
      }
      ASSERT_EQ(a.mesh.colors.size(), a.mesh.vertex_count()) << id;
      std::set<std::string> part_names;
      for (const SynthPart& part : a.parts) {
        EXPECT_TRUE(part_names.insert(part.name).second) << id << " duplicate part " << part.name;
        EXPECT_FALSE(part.semantic.empty()) << id;
        EXPECT_FALSE(part.complete.empty()) << id << " " << part.name;
        EXPECT_TRUE(closed(part.complete, &why)) << id << " part " << part.name << ": " << why;
      }
      EXPECT_GE(a.captions.size(), 3u) << id;
      EXPECT_EQ(std::set<std::string>(a.captions.begin(), a.captions.end()).size(),
                a.captions.size()) << id;
      ASSERT_EQ(a.views.size(), 1u);
      EXPECT_EQ(a.views[0].image.width, 48);
      if (cat.articulated) {
        ASSERT_FALSE(a.skeleton.empty()) << id;
        poses.insert(a.pose);
        EXPECT_NO_THROW(a.skeleton.validate()) << id;
        std::set<std::string> joint_names;
        for (const Joint& j : a.skeleton.joints) {
          EXPECT_TRUE(joint_names.insert(j.name).second) << id << " duplicate joint " << j.name;
          ++joints;
          const Vec3 p = j.bind_world.block<3, 1>(0, 3);
          if (a.sdf(p) < 0.0f) {
            ++joints_inside;
          } else {
            ADD_FAILURE() << id << ": joint " << j.name << " outside (sdf " << a.sdf(p) << ")";
          }
        }
        ASSERT_EQ(a.mesh.skin.size(), a.mesh.vertex_count()) << id;
        for (const auto& influences : a.mesh.skin) {
          double sum = 0.0;
          for (const SkinInfluence& s : influences) {
            ASSERT_LT(s.joint, a.skeleton.joints.size());
            ASSERT_GE(s.weight, 0.0f);
            sum += s.weight;
          }
          ASSERT_NEAR(sum, 1.0, 1e-5) << id;
        }
      } else {
        EXPECT_TRUE(a.skeleton.empty()) << id;
      }
    }
  }
  ASSERT_GT(joints, 0u);
  EXPECT_GE(static_cast<double>(joints_inside) / joints, 0.99);
  EXPECT_TRUE(poses.count("rest") && poses.count("random"));
}

TEST(SynthCategories, ColourWordsMatchVertexColours) {
  SynthConfig config;
  config.resolution = 32;
  config.views = 0;
  config.part_meshes = false;
  for (const char* name : {"chair", "car", "cat", "mug"}) {
    const SynthAsset a = generate_category_asset(config, name, 5, 0);
    // The largest part's colour name appears in the first caption and is that part's vertex colour.
    std::size_t best = 0;
    for (std::size_t i = 0; i < a.parts.size(); ++i)
      if (a.parts[i].surface_area > a.parts[best].surface_area) best = i;
    bool found_color_word = false;
    for (const NamedColor& c : color_palette())
      if (a.captions[0].find(c.name) != std::string::npos) found_color_word = true;
    EXPECT_TRUE(found_color_word) << a.captions[0];
    EXPECT_NE(a.captions[0].find(a.parts[best].color), std::string::npos)
        << a.captions[0] << " should name the largest part's colour " << a.parts[best].color;
    std::size_t matching = 0, total = 0;
    for (std::size_t v = 0; v < a.mesh.vertex_count(); ++v) {
      const Vec3 rgb = a.mesh.colors[v].head<3>();
      for (const SynthPart& p : a.parts) {
        if ((rgb - p.rgb).norm() < 1e-6f) {
          ++matching;
          break;
        }
      }
      ++total;
    }
    EXPECT_EQ(matching, total) << name << ": every vertex colour is a part's palette colour";
  }
}

TEST(SynthLibrary, AssetDependsOnlyOnSeedAndIndex) {
  SynthConfig config;
  config.resolution = 32;
  config.views = 1;
  config.image_size = 32;
  const SynthAsset a = generate_asset(config, 42, 12);
  const SynthAsset b = generate_asset(config, 42, 12);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.mesh.positions.size(), b.mesh.positions.size());
  EXPECT_TRUE(a.mesh.positions == b.mesh.positions);
  EXPECT_EQ(a.views[0].image.rgba, b.views[0].image.rgba);
  EXPECT_EQ(a.metadata().dump(), b.metadata().dump());
  const SynthAsset c = generate_asset(config, 43, 12);
  EXPECT_EQ(c.category, a.category);  // category follows the index
  EXPECT_NE(c.metadata().dump(), a.metadata().dump());
}

// Runs the CLI twice with the same seed and different thread counts, once with another seed,
// and once as a shard; checks byte identity, difference, and the Khronos validator.
TEST(SynthCli, DeterministicFilesValidGlbAndShards) {
  TempDir tmp;
  const std::vector<std::string> common = {"--views", "1", "--image-size", "32", "--resolution", "28"};
  auto synth = [&](const std::string& dir, const std::string& seed, const std::string& threads,
                   const std::string& start, const std::string& count) {
    std::vector<std::string> args = {"synth", "--count", count, "--seed", seed, "--out",
                                     (tmp / dir).string(), "--threads", threads, "--start", start};
    args.insert(args.end(), common.begin(), common.end());
    const CommandResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  };
  const std::string n = std::to_string(all_categories().size());
  synth("a", "9", "2", "0", n);
  synth("b", "9", "1", "0", n);
  synth("c", "10", "2", "0", "4");
  synth("shard", "9", "1", "5", "2");
  const auto ha = hash_dir(tmp / "a"), hb = hash_dir(tmp / "b"), hc = hash_dir(tmp / "c");
  EXPECT_EQ(ha, hb) << "same seed, different thread count: files differ";
  ASSERT_EQ(ha.size(), all_categories().size() * 3 + 1);  // glb, parts glb, one view; + jsonl
  std::size_t differing = 0;
  for (const auto& [name, h] : hc) {
    if (name != "metadata.jsonl" && ha.count(name) && ha.at(name) != h) ++differing;
  }
  EXPECT_EQ(differing, hc.size() - 1) << "another seed must change every asset file";
  for (const auto& [name, h] : hash_dir(tmp / "shard")) {
    if (name == "metadata.jsonl") continue;
    EXPECT_EQ(ha.at(name), h) << name << ": a shard must reproduce the same asset";
  }

  // metadata.jsonl: one line per asset, in index order, every category once.
  std::ifstream jsonl(tmp / "a" / "metadata.jsonl");
  std::string line;
  std::size_t index = 0;
  std::set<std::string> categories;
  while (std::getline(jsonl, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j.at("index").get<std::size_t>(), index++);
    categories.insert(j.at("category").get<std::string>());
    EXPECT_TRUE(fs::exists(tmp / "a" / j.at("files").at("glb").get<std::string>()));
    EXPECT_EQ(j.at("cameras").size(), 1u);
    EXPECT_GE(j.at("captions").size(), 3u);
  }
  EXPECT_EQ(categories.size(), all_categories().size());

  // Every GLB through the Khronos validator, in one node process (start-up dominates).
  if (!gltf_validator_installed()) GTEST_SKIP() << "gltf-validator missing: run scripts/setup.sh";
  const std::string script = R"JS(
const fs = require('fs'), path = require('path');
const v = require(path.join(process.argv[2], '.tools', 'node_modules', 'gltf-validator'));
const dir = process.argv[3];
(async () => {
  const out = {};
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.glb')).sort()) {
    const r = await v.validateBytes(new Uint8Array(fs.readFileSync(path.join(dir, f))), {uri: f});
    out[f] = {errors: r.issues.numErrors, first: r.issues.messages.filter((m) => m.severity === 0).slice(0, 3).map((m) => m.code + ' ' + m.pointer)};
  }
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(String(e)); process.exit(2); });
)JS";
  write_text(tmp / "validate_all.js", script);
  const CommandResult r = run_shell("node " + shell_quote((tmp / "validate_all.js").string()) + " " +
                                    shell_quote(source_dir().string()) + " " +
                                    shell_quote((tmp / "a").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report.size(), all_categories().size() * 2);
  for (const auto& [file, result] : report.items()) {
    EXPECT_EQ(result.at("errors").get<int>(), 0) << file << ": " << result.at("first").dump();
  }
}

TEST(SynthCli, BadOptionsExitTwoWithAClearMessage) {
  TempDir tmp;
  const std::string out = (tmp / "o").string();
  auto expect_usage = [&](std::vector<std::string> args, const std::string& needle) {
    args.insert(args.begin(), "synth");
    const CommandResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  };
  expect_usage({"--count", "3", "--out", out, "--categories", "chair,unicorn"}, "unicorn");
  expect_usage({"--count", "3", "--out", out, "--categories", "unicorn"}, "dragon");  // lists valid
  expect_usage({"--count", "0", "--out", out}, "--count");
  expect_usage({"--count", "99999999999", "--out", out}, "--count");
  expect_usage({"--count", "3", "--out", out, "--resolution", "4"}, "--resolution");
  expect_usage({"--count", "3", "--out", out, "--resolution", "100000"}, "--resolution");
  expect_usage({"--count", "3", "--out", out, "--image-size", "0"}, "--image-size");
  expect_usage({"--count", "3", "--out", out, "--views", "-1"}, "--views");
  expect_usage({"--count", "3"}, "--out");
  EXPECT_FALSE(fs::exists(out)) << "a rejected command must not create output";
  const CommandResult list = run_cli({"synth", "--list-categories"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("figure_sword"), std::string::npos);
}
