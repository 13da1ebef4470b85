// Generation in `generate` and `batch`: the report and results-line schemas documented in
// docs/batch.md (read from that page itself, so the documentation and the files cannot drift
// apart), prompt/image jobs batched in one process with bad lines failing alone, a model that
// does not load, four parallel shards and a SIGKILLed shard resumed.
//
// The tests that sample need a model with the generator networks: models/default (the trained
// default model), or the directory in FLEXFORGE_TEST_MODEL. Without one they skip, saying so.
#include "test_support.h"

#include "flexforge/io/import.h"
#include "flexforge/pipeline/asset_outputs.h"
#include "flexforge/pipeline/manifest.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using namespace flexforge;
using namespace flexforge::pipeline;
using namespace flexforge::test;
using json = nlohmann::json;

namespace {

fs::path test_model() {
  if (const char* env = std::getenv("FLEXFORGE_TEST_MODEL"); env && *env) return fs::path(env);
  return source_dir() / "models" / "default";
}

// "" when `model` has every network the generator loads, else why not.
std::string generator_missing(const fs::path& model) {
  const fs::path config = model / "config.json";
  if (!fs::is_regular_file(config)) return config.string() + " does not exist";
  json j;
  try {
    j = json::parse(read_text(config));
  } catch (const json::exception& e) {
    return config.string() + " is not JSON: " + e.what();
  }
  for (const char* key : {"vae", "structure_vae", "structure_flow", "latent_flow"}) {
    if (!j.contains("networks") || !j["networks"].contains(key)) {
      return config.string() + " lacks the generator network '" + key + "'";
    }
  }
  return "";
}

#define REQUIRE_GENERATOR_MODEL()                                                              \
  do {                                                                                         \
    const std::string why = generator_missing(test_model());                                   \
    if (!why.empty()) {                                                                        \
      GTEST_SKIP() << "no trained generator model: " << why                                    \
                   << " (the default model is not committed yet; set FLEXFORGE_TEST_MODEL to " \
                      "a model directory to run this test)";                                   \
    }                                                                                          \
  } while (0)

// --- the schema tables in docs/batch.md -------------------------------------------------------

struct SchemaField {
  std::string key, type, when;
};

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

// The rows of the markdown table that follows "<!-- schema: NAME -->": | `key`, `key2` | type | when | meaning |
std::vector<SchemaField> readme_schema(const std::string& name) {
  const std::string text = read_text(source_dir() / "docs" / "batch.md");
  const std::string marker = "<!-- schema: " + name + " -->";
  const auto at = text.find(marker);
  if (at == std::string::npos) {
    ADD_FAILURE() << "docs/batch.md has no " << marker;
    return {};
  }
  std::istringstream in(text.substr(at + marker.size()));
  std::string line;
  std::vector<SchemaField> fields;
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.empty() && rows == 0) continue;
    if (line.empty() || line[0] != '|') break;
    if (++rows <= 2) continue;  // header and separator
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    std::string cell;
    while (std::getline(ss, cell, '|')) cells.push_back(trim(cell));
    if (cells.size() < 4) {
      ADD_FAILURE() << "schema row with too few cells: " << line;
      continue;
    }
    for (std::size_t p = cells[0].find('`'); p != std::string::npos; p = cells[0].find('`', p)) {
      const std::size_t q = cells[0].find('`', p + 1);
      fields.push_back({cells[0].substr(p + 1, q - p - 1), cells[1], cells[2]});
      p = q + 1;
    }
  }
  if (fields.empty()) ADD_FAILURE() << "docs/batch.md: the " << name << " table is empty";
  return fields;
}

bool has_type(const json& v, const std::string& type) {
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_number_unsigned();
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "object") return v.is_object();
  if (type == "array of strings" || type == "array of objects") {
    if (!v.is_array()) return false;
    for (const json& e : v) {
      if (type == "array of strings" ? !e.is_string() : !e.is_object()) return false;
    }
    return true;
  }
  ADD_FAILURE() << "docs/batch.md schema uses an unknown type '" << type << "'";
  return false;
}

// Every field the schema requires under `conditions` is there with its type, and the object has
// no field the schema does not document.
void expect_schema(const json& object, const std::string& schema, const std::set<std::string>& conditions) {
  static const std::set<std::string> known_when = {"always", "if given", "ok", "failed", "crashed", "generation",
                                                   "generation ok"};
  ASSERT_TRUE(object.is_object()) << object;
  std::set<std::string> documented;
  for (const SchemaField& f : readme_schema(schema)) {
    documented.insert(f.key);
    EXPECT_TRUE(known_when.count(f.when)) << schema << ": unknown 'when' " << f.when;
    const bool required = f.when == "always" || conditions.count(f.when);
    if (object.contains(f.key)) {
      EXPECT_TRUE(has_type(object[f.key], f.type))
          << schema << ": '" << f.key << "' should be " << f.type << " in " << object.dump();
    } else {
      EXPECT_FALSE(required) << schema << ": '" << f.key << "' missing from " << object.dump();
    }
  }
  for (const auto& [key, value] : object.items()) {
    EXPECT_TRUE(documented.count(key)) << schema << ": undocumented field '" << key << "'";
  }
}

void expect_results_schema(const json& row) {
  const bool ok = row.value("status", "") == "ok";
  const bool generation = !row.contains("input") && row.contains("model_hash");
  std::set<std::string> when = {ok ? "ok" : "failed"};
  if (generation) when.insert("generation");
  if (generation && ok) when.insert("generation ok");
  expect_schema(row, "batch-result", when);
}

// An image prompt: a thumbnail of a real mesh, as a user's reference render would be.
fs::path write_reference_image(const fs::path& dir) {
  const fs::path png = dir / "ref.png";
  write_preview(io::load_scene(cgal_mesh("pig.off")), png, 128);
  return png;
}

std::string batch_command(const fs::path& manifest, const fs::path& out, const std::string& extra) {
  return shell_quote(FLEXFORGE_CLI_PATH) + " --threads 1 batch " + shell_quote(manifest.string()) +
         " --out-dir " + shell_quote(out.string()) + " --model " + shell_quote(test_model().string()) +
         " --steps 2 " + extra;
}

struct Rows : std::map<std::string, json> {
  // The row of job `name`; an empty object (and a test failure naming the jobs seen) if absent.
  const json& at(const std::string& name) const {
    static const json none = json::object();
    const auto it = find(name);
    if (it != end()) return it->second;
    std::string names;
    for (const auto& [n, row] : *this) names += " " + n;
    ADD_FAILURE() << "no results line for job '" << name << "'; jobs:" << names;
    return none;
  }
};

Rows by_name(const std::vector<json>& rows) {
  Rows out;
  for (const json& r : rows) out[r["name"].get<std::string>()] = r;
  return out;
}

}  // namespace

TEST(GenerationManifest, SamplerFieldsAreCheckedPerLine) {
  const JobSpec good = parse_job_line(
      R"({"id": "v", "prompt": "a vase", "steps": 20, "guidance": 5.5, "image_weight": 1.5, "preview": true})", 1, ".");
  ASSERT_EQ(good.error, "");
  EXPECT_EQ(*good.steps, 20);
  EXPECT_DOUBLE_EQ(*good.guidance, 5.5);
  EXPECT_DOUBLE_EQ(good.image_weight, 1.5);
  EXPECT_TRUE(good.preview);
  EXPECT_FALSE(good.stages_given);
  EXPECT_TRUE(parse_job_line(R"({"prompt": "a vase", "stages": []})", 2, ".").stages_given);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"prompt": "a vase", "steps": 0})", "steps"},
      {R"({"prompt": "a vase", "steps": 2.5})", "steps"},
      {R"({"prompt": "a vase", "guidance": -1})", "guidance"},
      {R"({"prompt": "a vase", "image_weight": 3})", "image_weight"},
      {R"({"prompt": "a vase", "preview": "yes"})", "preview"},
      {R"({"input": "a.obj", "steps": 4})", "only to prompt/image jobs"},
      {R"({"input": "a.obj", "structure": "b.obj"})", "only to prompt/image jobs"},
      {R"({"prompt": "a vase", "structure": 3})", "structure"},
  };
  for (const auto& [line, word] : bad) {
    const JobSpec j = parse_job_line(line, 3, ".");
    EXPECT_NE(j.error.find(word), std::string::npos) << line << " -> " << j.error;
  }
}

// "structure" (generate --structure): resolved against the manifest, echoed in the results line;
// a structure file that does not load fails only its own job.
TEST(GenerationBatch, StructureJobsKeepTheirMeshAndABadOneFailsAlone) {
  const JobSpec parsed = parse_job_line(R"({"prompt": "a pig", "structure": "shapes/pig.obj"})", 1, "/data");
  ASSERT_EQ(parsed.error, "");
  EXPECT_EQ(*parsed.structure, "/data/shapes/pig.obj");
  REQUIRE_GENERATOR_MODEL();
  TempDir dir;
  const std::string pig = cgal_mesh("pig.off").string();
  write_text(dir / "jobs.jsonl",
             R"({"id": "shaped", "prompt": "a cow", "structure": ")" + pig + R"(", "stages": []})" "\n"
             R"({"id": "unshaped", "prompt": "a cow", "structure": "missing.obj", "stages": []})" "\n");
  const fs::path out = dir / "out";
  const CommandResult r = run_shell(batch_command(dir / "jobs.jsonl", out, ""));
  EXPECT_EQ(r.exit_code, 6) << r.err;
  const auto jobs = by_name(read_jsonl(out / "results.jsonl"));
  ASSERT_EQ(jobs.size(), 2u);
  for (const auto& [name, row] : jobs) expect_results_schema(row);
  EXPECT_EQ(jobs.at("shaped")["status"], "ok") << jobs.at("shaped");
  EXPECT_EQ(jobs.at("shaped")["structure"], pig);
  EXPECT_EQ(jobs.at("unshaped")["exit_code"], 3) << jobs.at("unshaped");
  EXPECT_NE(jobs.at("unshaped").value("error", "").find("missing.obj"), std::string::npos);
  EXPECT_FALSE(fs::exists(out / "unshaped.glb"));
}

TEST(GenerationBatch, ModelThatFailsToLoadFailsOnlyTheGenerationJobs) {
  TempDir dir;
  const std::string mesh = cgal_mesh("pig.off").string();
  write_text(dir / "jobs.jsonl", R"({"id": "pig", "input": ")" + mesh + R"("})" "\n"
                                 R"({"id": "dragon", "prompt": "a red dragon"})" "\n");
  const fs::path missing = dir / "no-such-model";
  const CommandResult r = run_cli({"-q", "batch", (dir / "jobs.jsonl").string(), "--out-dir",
                                   (dir / "out").string(), "--model", missing.string()});
  EXPECT_EQ(r.exit_code, 6) << r.err;
  const auto rows = by_name(read_jsonl(dir / "out" / "results.jsonl"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows.at("pig")["status"], "ok");
  EXPECT_EQ(rows.at("dragon")["status"], "failed");
  EXPECT_EQ(rows.at("dragon")["exit_code"], 4);
  EXPECT_NE(rows.at("dragon")["error"].get<std::string>().find("no-such-model"), std::string::npos)
      << rows.at("dragon");
  for (const auto& [name, row] : rows) expect_results_schema(row);
}

TEST(GenerateReport, MatchesTheDocumentedSchema) {
  REQUIRE_GENERATOR_MODEL();
  TempDir dir;
  const CommandResult r =
      run_cli({"--threads", "1", "generate", "a tall red bottle", "--model", test_model().string(),
               "--steps", "2", "--seed", "11", "--num", "2", "--stages", "segment", "--formats", "stl",
               "--preview", (dir / "thumb.png").string(), "--report", (dir / "report.json").string(),
               "-o", (dir / "bottle.glb").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json report = json::parse(read_text(dir / "report.json"));
  expect_schema(report, "generate-report", {});
  EXPECT_EQ(report["stages"], json::array({"segment"}));
  EXPECT_EQ(report["steps"], 2);
  EXPECT_FALSE(report["model_hash"].get<std::string>().empty());
  ASSERT_EQ(report["assets"].size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const json& asset = report["assets"][i];
    expect_schema(asset, "generate-asset", {});
    EXPECT_EQ(asset["seed"], 11 + i);
    // Variant K of --num is OUT_K.ext (and likewise for the preview); every output is written.
    const std::string k = "_" + std::to_string(i);
    EXPECT_EQ(asset["outputs"], json::array({(dir / ("bottle" + k + ".glb")).string(),
                                             (dir / ("bottle" + k + ".stl")).string(),
                                             (dir / ("thumb" + k + ".png")).string()}));
    for (const json& f : asset["outputs"]) EXPECT_GT(fs::file_size(f.get<std::string>()), 100u) << f;
    for (const char* step : {"prompt", "structure", "latent", "decode", "extract", "segment", "export"}) {
      EXPECT_TRUE(asset["timings"].contains(step)) << step << " in " << asset["timings"];
    }
    // The planned stage, then the colour the prompt names ("red"), painted after the stages.
    ASSERT_EQ(asset["stages"].size(), 2u);
    EXPECT_EQ(asset["stages"][0]["name"], "segment");
    EXPECT_EQ(asset["stages"][1]["name"], "colour");
    EXPECT_EQ(asset["colour"]["source"], "colour word");
    EXPECT_GT(asset["faces"].get<std::size_t>(), 0u);
  }
}

TEST(GenerationBatch, MixedManifestBadLinesFailAloneAndGoodOutputsAppearOnce) {
  REQUIRE_GENERATOR_MODEL();
  TempDir dir;
  const std::string mesh = cgal_mesh("pig.off").string();
  write_reference_image(dir.path());
  // Mesh and generation jobs interleaved, with the three bad lines (docs/batch.md). The image path
  // is relative: it resolves against the manifest's directory.
  const std::string text =
      R"({"id": "pig0", "input": ")" + mesh + R"("})" "\n"
      R"({"id": "g_text", "prompt": "a tall red bottle", "seed": 1, "stages": ["segment"], "formats": ["glb", "stl"]})" "\n"
      R"({"id": "needs_image", "image": "no/such/image.png"})" "\n"
      R"({"id": "g_image", "image": "ref.png", "seed": 2, "stages": []})" "\n"
      R"({"id": "pig1", "input": ")" + mesh + R"(", "preview": true})" "\n"
      R"({"id": "empty_prompt", "prompt": "  "})" "\n"
      R"({"id": "g_both", "prompt": "a small brown cup", "image": "ref.png", "image_weight": 1.5, "seed": 3, "stages": [], "preview": true})" "\n"
      "{\"id\": \"broken\", \"prompt\": \n"
      R"({"prompt": "a white mug", "seed": 4, "stages": []})" "\n";
  write_text(dir / "jobs.jsonl", text);
  const fs::path out = dir / "out";
  const CommandResult r = run_shell(batch_command(dir / "jobs.jsonl", out, "--gen-batch 4"));
  ASSERT_EQ(r.exit_code, 6) << r.err;
  // One model load for the whole process, even though the jobs took two sampler passes.
  std::size_t loads = 0;
  for (std::size_t p = r.err.find("loaded model"); p != std::string::npos; p = r.err.find("loaded model", p + 1)) ++loads;
  EXPECT_EQ(loads, 1u) << r.err;

  const auto rows = read_jsonl(out / "results.jsonl");
  ASSERT_EQ(rows.size(), 9u);
  const auto jobs = by_name(rows);
  ASSERT_EQ(jobs.size(), 9u);
  for (const json& row : rows) expect_results_schema(row);
  const auto failure = [&](const std::string& name) {
    const json& row = jobs.at(name);
    EXPECT_EQ(row["status"], "failed") << row;
    EXPECT_EQ(row["exit_code"], 3) << row;
    return row.value("error", "");
  };
  EXPECT_NE(failure("needs_image").find("no/such/image.png: image not found"), std::string::npos);
  // A line that fails to parse is named by its line number, not by an id it may not have.
  EXPECT_NE(failure("line-6").find("\"prompt\" is empty"), std::string::npos);
  EXPECT_NE(failure("line-8").find("manifest line 8"), std::string::npos);

  std::size_t ok = 0;
  for (const char* name : {"pig0", "pig1", "g_text", "g_image", "g_both"}) {
    ASSERT_EQ(jobs.at(name).value("status", ""), "ok") << jobs.at(name);
  }
  for (const json& row : rows) ok += row["status"] == "ok";
  ASSERT_EQ(ok, 6u) << "the anonymous prompt job too";
  std::set<std::string> expected_files = {"results.jsonl"};
  std::size_t batched = 0;
  for (const json& row : rows) {
    if (row["status"] != "ok") continue;
    for (const json& f : row["outputs"]) {
      const fs::path p = f.get<std::string>();
      EXPECT_EQ(p.parent_path(), out);
      EXPECT_GT(fs::file_size(p), 100u) << p;
      expected_files.insert(p.filename().string());
    }
    if (!row.contains("input")) {
      EXPECT_EQ(row["model_hash"], jobs.at("g_text")["model_hash"]);
      if (row["batch_size"].get<std::size_t>() >= 2) ++batched;
    }
  }
  EXPECT_EQ(jobs.at("g_text")["stages"][0]["name"], "segment");
  EXPECT_EQ(jobs.at("g_text")["outputs"].size(), 2u);
  EXPECT_EQ(jobs.at("g_both")["outputs"][1], (out / "g_both.png").string());
  EXPECT_GE(batched, 2u) << "the text jobs of the first group were sampled together";
  // 6 good jobs: pig0, pig1 (+png), g_text (+stl), g_image, g_both (+png), the anonymous one.
  EXPECT_EQ(expected_files.size(), 1u + 9u);
  std::set<std::string> present;
  for (const auto& e : fs::directory_iterator(out)) present.insert(e.path().filename().string());
  EXPECT_EQ(present, expected_files);

  // A rerun with --resume redoes only the failed lines: every good output stays written once.
  std::map<std::string, fs::file_time_type> written;
  for (const std::string& f : expected_files) written[f] = fs::last_write_time(out / f);
  const CommandResult again = run_shell(batch_command(dir / "jobs.jsonl", out, "--resume"));
  EXPECT_EQ(again.exit_code, 6) << again.err;
  EXPECT_NE(again.out.find("0 ok, 3 failed, 6 skipped"), std::string::npos) << again.out;
  for (const auto& [f, t] : written) {
    if (f != "results.jsonl") EXPECT_EQ(fs::last_write_time(out / f), t) << f << " was rewritten";
  }
  EXPECT_EQ(again.err.find("loaded model"), std::string::npos)
      << "no generation job was left to run, so the model must not load";
}

TEST(GenerationBatch, FortyJobsInFourParallelShards) {
  REQUIRE_GENERATOR_MODEL();
  TempDir dir;
  const std::string mesh = cgal_mesh("pig.off").string();
  std::string text;
  std::set<std::string> good;
  for (int i = 0; i < 40; ++i) {
    const std::string id = "j" + std::to_string(i);
    if (i == 4 || i == 6 || i == 27) {
      // Two generation jobs in shard 0 (sampled together), one in shard 2.
      text += R"({"id": ")" + id + R"(", "prompt": "a short green vase", "seed": )" + std::to_string(i) +
              R"(, "stages": []})" "\n";
    } else if (i == 12) {
      text += R"({"id": ")" + id + R"(", "image": "missing.png"})" "\n";
    } else if (i == 21) {
      text += R"({"id": ")" + id + R"(", "prompt": ""})" "\n";
    } else if (i == 33) {
      text += "not json at all\n";
      continue;
    } else {
      text += R"({"id": ")" + id + R"(", "input": ")" + mesh + R"("})" "\n";
    }
    if (i != 12 && i != 21) good.insert(id);
  }
  write_text(dir / "jobs.jsonl", text);
  const fs::path out = dir / "out";
  // Shard 0 is all good (exit 0); shards 1-3 each hold one bad line (exit 6).
  const auto rows = run_four_shards_and_merge(
      [&](int k) {
        return batch_command(dir / "jobs.jsonl", out, "-q --shard " + std::to_string(k) + "/4");
      },
      out);
  ASSERT_EQ(rows.size(), 40u);
  std::size_t files = 0, lines = 0;
  std::map<std::string, int> seen;
  for (const json& row : rows) {
    expect_results_schema(row);
    const std::string name = row["name"];
    ++seen[name];
    if (good.count(name)) {
      EXPECT_EQ(row["status"], "ok") << row;
      files += row.value("outputs", json::array()).size();
    } else {
      EXPECT_EQ(row["status"], "failed") << row;
    }
  }
  EXPECT_EQ(seen.size(), 40u);
  for (int k = 0; k < 4; ++k) lines += read_jsonl(out / ("results.shard-" + std::to_string(k) + "-of-4.jsonl")).size();
  EXPECT_EQ(lines, 40u) << "every job recorded exactly once across the shards";
  // j4 and j6 share shard 0 and its sampler pass.
  EXPECT_EQ(by_name(rows).at("j6").value("batch_size", 0), 2);
  EXPECT_EQ(files, 37u);
  std::size_t present = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(out)) ++present;
  EXPECT_EQ(present, 37u + 4u + 1u) << "outputs, four shard results files, merged results; no temporaries";
}

TEST(GenerationBatch, KilledShardWithGenerationJobsResumes) {
  REQUIRE_GENERATOR_MODEL();
  TempDir dir;
  std::string text;
  // Eight jobs in four sampler passes, so a fast model is still mid-run when the kill comes.
  for (int i = 0; i < 8; ++i) {
    text += R"({"id": "g)" + std::to_string(i) + R"(", "prompt": "a tall red bottle", "seed": )" +
            std::to_string(i) + R"(, "stages": [], "formats": ["glb", "stl"]})" "\n";
  }
  write_text(dir / "jobs.jsonl", text);
  const fs::path out = dir / "out";
  const std::string cmd = batch_command(dir / "jobs.jsonl", out, "-q --gen-batch 2");
  // Killed while the next sampler pass runs (or while it writes the group's second job).
  const KilledAndResumed run = kill_then_resume(cmd, out / "results.jsonl", dir / "pid", 8,
                                                std::chrono::seconds(240), std::chrono::milliseconds(200));
  ASSERT_TRUE(run.killed_mid_run);
  const std::size_t done_before = run.done_before;
  const CommandResult& resumed = run.resumed;
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto rows = read_jsonl(out / "results.jsonl");
  ASSERT_EQ(rows.size(), 8u) << "no job recorded twice";
  EXPECT_EQ(by_name(rows).size(), 8u);
  for (const json& row : rows) {
    EXPECT_EQ(row["status"], "ok") << row;
    expect_results_schema(row);
  }
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(out)) {
    EXPECT_NE(e.path().filename().string()[0], '.') << "leftover temporary " << e.path();
    ++files;
  }
  EXPECT_EQ(files, 8u * 2u + 1u);
  EXPECT_NE(resumed.out.find(std::to_string(done_before) + " skipped"), std::string::npos) << resumed.out;
}

// The reliability scenario end to end: eight prompt jobs and the four kinds of bad line (an empty
// prompt, a missing image, a broken line, an id that climbs out with "../") in two shards run at
// once; one shard is SIGKILLed after its first result and resumed. Every good job is ok once,
// every bad line fails once with its reason, nothing lands outside the output directory and no
// temporary file is left.
TEST(GenerationBatch, TwoShardsOneKilledAndResumedGiveEveryJobOnce) {
  REQUIRE_GENERATOR_MODEL();
  TempDir dir;
  std::string text;
  const char* prompts[] = {"a tall red bottle", "a wooden chair", "a small vase", "a white mug",
                           "a table",           "a cat",          "a lamp",       "a bowl"};
  for (int i = 0; i < 8; ++i) {
    text += R"({"id": "g)" + std::to_string(i) + R"(", "prompt": ")" + prompts[i] + R"(", "seed": )" +
            std::to_string(i) + R"(, "stages": [], "formats": ["glb"]})" "\n";
    if (i == 1) text += R"({"id": "empty_prompt", "prompt": ""})" "\n";
    if (i == 3) text += R"({"id": "needs_image", "image": "no/such/image.png"})" "\n";
    if (i == 5) text += "{\"id\": \"broken\", \"prompt\": \n";
    if (i == 6) text += R"({"id": "../escaped", "prompt": "a cup"})" "\n";
  }
  write_text(dir / "jobs.jsonl", text);
  const fs::path out = dir / "work" / "out";
  const auto shard = [&](int k) {
    return batch_command(dir / "jobs.jsonl", out, "-q --gen-batch 1 --shard " + std::to_string(k) + "/2");
  };
  // Shard 1 runs to the end in the background while shard 0 is killed and resumed beside it.
  const CommandResult background = run_shell("(" + shard(1) + " & echo $! > " +
                                             shell_quote((dir / "pid1").string()) + ")");
  ASSERT_EQ(background.exit_code, 0) << background.err;
  const KilledAndResumed run = kill_then_resume(shard(0), out / "results.shard-0-of-2.jsonl", dir / "pid0", 6,
                                                std::chrono::seconds(240), std::chrono::milliseconds(200));
  ASSERT_TRUE(run.killed_mid_run);
  EXPECT_TRUE(run.resumed.exit_code == 0 || run.resumed.exit_code == 6) << run.resumed.err;
  // Wait for shard 1 (it is not this shell's child: poll its pid).
  const CommandResult waited = run_shell("p=$(cat " + shell_quote((dir / "pid1").string()) +
                                         "); for i in $(seq 2400); do kill -0 $p 2>/dev/null || exit 0; "
                                         "sleep 0.1; done; exit 1");
  ASSERT_EQ(waited.exit_code, 0) << "shard 1 did not finish within 240 s";
  ASSERT_EQ(run_cli({"batch", "merge", out.string()}).exit_code, 0);

  const auto rows = read_jsonl(out / "results.jsonl");
  ASSERT_EQ(rows.size(), 12u) << "every job exactly once";
  const auto jobs = by_name(rows);
  ASSERT_EQ(jobs.size(), 12u);
  std::size_t ok = 0;
  for (int i = 0; i < 8; ++i) {
    const json& row = jobs.at("g" + std::to_string(i));
    EXPECT_EQ(row.value("status", ""), "ok") << row;
    ok += row.value("status", "") == "ok";
    ASSERT_EQ(row["outputs"].size(), 1u);
    EXPECT_EQ(fs::path(row["outputs"][0].get<std::string>()).parent_path(), out);
  }
  EXPECT_EQ(ok, 8u);
  std::size_t failed = 0;
  for (const json& row : rows) {
    if (row["status"] == "ok") continue;
    ++failed;
    EXPECT_EQ(row["exit_code"], 3) << row;
    EXPECT_FALSE(row.value("error", "").empty()) << row;
  }
  EXPECT_EQ(failed, 4u);
  EXPECT_NE(read_text(out / "results.jsonl").find("image not found"), std::string::npos);
  EXPECT_NE(read_text(out / "results.jsonl").find("\\\"prompt\\\" is empty"), std::string::npos);
  EXPECT_NE(read_text(out / "results.jsonl").find("id starts with '.'"), std::string::npos);
  // Nothing outside the output directory: its parent holds only `out`.
  std::size_t beside = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir / "work")) ++beside;
  EXPECT_EQ(beside, 1u);
  // 8 GLBs, 2 shard results files, the merged results; no temporaries, no lock leftovers.
  std::set<std::string> present;
  for (const auto& e : fs::directory_iterator(out)) {
    const std::string name = e.path().filename().string();
    EXPECT_NE(name[0], '.') << "leftover temporary " << name;
    present.insert(name);
  }
  EXPECT_EQ(present.size(), 8u + 2u + 1u) << [&] {
    std::string s;
    for (const auto& p : present) s += p + " ";
    return s;
  }();
}

// Prompt jobs at more than one thread: the parent loads the model before forking its workers,
// and GNU OpenMP's thread team does not survive a fork (every prompt job hung at --threads 2).
// The same manifest adds clips ("animate") to a prompt job and to mesh jobs.
TEST(GenerationBatch, TwoThreadsPromptJobsFinishAndAnimateFieldAddsClips) {
  REQUIRE_GENERATOR_MODEL();
  TempDir dir;
  const std::string cow = cgal_mesh("cow.off").string();
  write_text(dir / "jobs.jsonl",
             R"({"id": "gen", "prompt": "a horse", "seed": 3, "stages": ["rig"], "animate": "all"})" "\n"
             R"({"id": "cow", "input": ")" + cow + R"(", "stages": ["rig"], "animate": ["walk", "idle"]})" "\n"
             R"({"id": "cowjump", "input": ")" + cow + R"(", "stages": ["rig"], "animate": "jump"})" "\n"
             R"({"id": "never", "prompt": "a horse", "rig": "never", "animate": "all"})" "\n");
  const fs::path out = dir / "out";
  const CommandResult r = run_shell("timeout 600 " + shell_quote(FLEXFORGE_CLI_PATH) + " --threads 2 batch " +
                                    shell_quote((dir / "jobs.jsonl").string()) + " --out-dir " +
                                    shell_quote(out.string()) + " --model " + shell_quote(test_model().string()) +
                                    " --steps 2");
  ASSERT_NE(r.exit_code, 124) << "batch hung at --threads 2";
  EXPECT_EQ(r.exit_code, 6) << r.err;  // two jobs fail on purpose
  const auto jobs = by_name(read_jsonl(out / "results.jsonl"));
  ASSERT_EQ(jobs.size(), 4u);
  for (const auto& [name, row] : jobs) expect_results_schema(row);
  EXPECT_EQ(jobs.at("gen")["status"], "ok") << jobs.at("gen");
  EXPECT_FALSE(jobs.at("gen")["animation"]["clips"].empty()) << jobs.at("gen");
  EXPECT_EQ(jobs.at("cow")["status"], "ok") << jobs.at("cow");
  EXPECT_EQ(jobs.at("cow")["animation"]["rig_type"], "quadruped");
  EXPECT_EQ(jobs.at("cow")["animation"]["clips"].size(), 2u);
  EXPECT_EQ(jobs.at("cowjump")["exit_code"], 2) << jobs.at("cowjump");
  EXPECT_NE(jobs.at("cowjump").value("error", "").find("'jump'"), std::string::npos);
  EXPECT_FALSE(fs::exists(out / "cowjump.glb"));
  EXPECT_EQ(jobs.at("line-4")["exit_code"], 3) << jobs.at("line-4");  // a line that cannot run is named by its number
}
