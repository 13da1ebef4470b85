// flexforge batch: bad lines fail alone, shards in parallel processes produce every output exactly
// once, a SIGKILLed shard resumes without duplicates or partial files, ids cannot escape.
#include "test_support.h"

#include "flexforge/core/error.h"
#include "flexforge/pipeline/batch.h"
#include "flexforge/pipeline/manifest.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <thread>

namespace fs = std::filesystem;
using namespace flexforge;
using namespace flexforge::pipeline;
using namespace flexforge::test;
using json = nlohmann::json;

namespace {

// `good` mesh jobs plus three kinds of bad line: a missing image, an empty prompt, invalid JSON.
fs::path write_manifest(const fs::path& dir, int good, const std::string& extra_options = "") {
  const std::string mesh = cgal_mesh("pig.off").string();
  std::string text;
  for (int i = 0; i < good; ++i) {
    text += R"({"id": "pig)" + std::to_string(i) + R"(", "input": ")" + mesh + R"(", "formats": ["glb", "stl"])" +
            extra_options + "}\n";
    if (i == 3) text += R"({"id": "needs_image", "image": "no/such/image.png"})" "\n";
    if (i == 6) text += R"({"id": "empty_prompt", "prompt": "   "})" "\n";
    if (i == 9) text += "{\"id\": \"broken\", \"input\": \n";
  }
  write_text(dir / "jobs.jsonl", text);
  return dir / "jobs.jsonl";
}

// Six jobs bunny0..bunny5 whose retopology takes long enough for a run to be killed in the middle.
void write_retopo_jobs(const fs::path& dir) {
  const fs::path mesh = cgal_mesh("bunny00.off");
  std::string text;
  for (int i = 0; i < 6; ++i) {
    text += R"({"id": "bunny)" + std::to_string(i) + R"(", "input": ")" + mesh.string() +
            R"(", "stages": ["retopo"], "options": {"retopo": {"faces": )" + std::to_string(3000 + i) + "}}}\n";
  }
  write_text(dir / "jobs.jsonl", text);
}

}  // namespace

TEST(BatchManifest, IdsCannotEscapeTheOutputDirectory) {
  EXPECT_EQ(id_problem("chair_01.v2"), "");
  for (const std::string& bad : std::vector<std::string>{"../x", "/etc/passwd", "a/b", ".hidden", "a..b", "", std::string(200, 'a'),
                                std::string("a\0b", 3), "sp ace"}) {
    EXPECT_NE(id_problem(bad), "") << bad;
  }
  const JobSpec nul = parse_job_line(std::string("{\"id\": \"x\", \"prompt\": \"a\0b\"}", 27), 1, ".");
  EXPECT_NE(nul.error, "");
  const JobSpec unknown = parse_job_line(R"({"id": "x", "promt": "typo"})", 2, ".");
  EXPECT_NE(unknown.error.find("promt"), std::string::npos);
  const JobSpec anonymous = parse_job_line(R"({"input": "a.obj", "seed": 3})", 3, "/data");
  EXPECT_EQ(anonymous.error, "");
  EXPECT_EQ(anonymous.name.rfind("job-", 0), 0u);
  EXPECT_EQ(*anonymous.input, "/data/a.obj");
  // The content hash is stable: the same line names the same outputs on every run.
  EXPECT_EQ(parse_job_line(R"({"input": "a.obj", "seed": 3})", 9, "/data").name, anonymous.name);
}

TEST(BatchShard, ContiguousAndHashedAssignmentsPartitionTheJobs) {
  for (bool hashed : {false, true}) {
    std::map<std::size_t, int> owners;
    for (std::size_t k = 0; k < 4; ++k) {
      ShardSpec s{k, 4, hashed};
      for (std::size_t i = 0; i < 43; ++i) {
        if (s.owns(i, 43, "job" + std::to_string(i))) ++owners[i];
      }
    }
    ASSERT_EQ(owners.size(), 43u);
    for (const auto& [i, n] : owners) EXPECT_EQ(n, 1) << i;
  }
  EXPECT_THROW(ShardSpec::parse("4/4"), Error);
  EXPECT_THROW(ShardSpec::parse("x/2"), Error);
  EXPECT_EQ(ShardSpec::parse("3/16").index, 3u);
}

TEST(Batch, FourShardsInParallelProduceEveryOutputOnce) {
  TempDir dir;
  // 40 lines (docs/batch.md, "Tests and throughput"): 37 mesh jobs and the three bad lines
  // (the generation-job variant is in generation_batch_test.cpp).
  const fs::path manifest = write_manifest(dir.path(), 37);
  const fs::path out = dir / "out";
  // Four processes at once, as four array tasks of a cluster job would run; each must exit 0
  // or 6 (its shard holds some of the bad lines).
  const auto rows = run_four_shards_and_merge(
      [&](int k) {
        return shell_quote(FLEXFORGE_CLI_PATH) + " -q --threads 1 batch " + shell_quote(manifest.string()) +
               " --out-dir " + shell_quote(out.string()) + " --shard " + std::to_string(k) + "/4";
      },
      out);
  ASSERT_EQ(rows.size(), 40u);
  int ok = 0;
  std::map<std::string, int> seen;
  for (const json& row : rows) {
    // The results schema documented in docs/batch.md.
    ASSERT_TRUE(row.at("name").is_string() && row.at("line").is_number_unsigned() &&
                row.at("status").is_string() && row.at("seconds").is_number() &&
                row.at("seed").is_number_unsigned()) << row;
    if (row["status"] == "ok") {
      ASSERT_TRUE(row.at("outputs").is_array() && row.at("stages").is_array() &&
                  row.at("faces").is_number_unsigned() && row.at("parts").is_number_unsigned()) << row;
    } else {
      ASSERT_EQ(row.at("status"), "failed") << row;
      ASSERT_TRUE(row.at("error").is_string() && row.at("exit_code").is_number_integer()) << row;
    }
    ++seen[row["name"].get<std::string>()];
    if (row["status"] == "ok") {
      ++ok;
      for (const json& p : row["outputs"]) EXPECT_TRUE(fs::is_regular_file(p.get<std::string>())) << p;
    } else {
      EXPECT_FALSE(row["error"].get<std::string>().empty());
    }
  }
  EXPECT_EQ(ok, 37);
  for (const auto& [name, n] : seen) EXPECT_EQ(n, 1) << name;
  // Each shard wrote only its own results file, each job exactly once across them.
  std::size_t lines = 0;
  for (int k = 0; k < 4; ++k) {
    lines += read_jsonl(out / ("results.shard-" + std::to_string(k) + "-of-4.jsonl")).size();
  }
  EXPECT_EQ(lines, 40u);
  // 37 jobs x 2 formats + the results files; nothing else (no temporaries).
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(out)) ++files;
  EXPECT_EQ(files, 74u + 4u + 1u);
}

TEST(Batch, KilledShardResumesWithoutDuplicatesOrPartialFiles) {
  TempDir dir;
  write_retopo_jobs(dir.path());
  const fs::path out = dir / "out";
  const std::string cmd = shell_quote(FLEXFORGE_CLI_PATH) + " -q --threads 1 batch " +
                          shell_quote((dir / "jobs.jsonl").string()) + " --out-dir " + shell_quote(out.string());
  // Start it, wait for the first finished job (up to 300 s: minutes under AddressSanitizer beside
  // other tests), then SIGKILL it mid-run and resume.
  const KilledAndResumed run = kill_then_resume(cmd, out / "results.jsonl", dir / "pid", 6,
                                                std::chrono::seconds(300), std::chrono::milliseconds(300));
  ASSERT_TRUE(run.killed_mid_run);
  const std::size_t done_before = run.done_before;
  const CommandResult& resumed = run.resumed;
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto rows = read_jsonl(out / "results.jsonl");
  ASSERT_EQ(rows.size(), 6u);  // no job recorded twice
  std::map<std::string, int> seen;
  for (const json& row : rows) {
    EXPECT_EQ(row["status"], "ok");
    ++seen[row["name"].get<std::string>()];
  }
  EXPECT_EQ(seen.size(), 6u);
  for (const auto& e : fs::directory_iterator(out)) {
    EXPECT_NE(e.path().filename().string()[0], '.') << "leftover temporary " << e.path();
  }
  EXPECT_NE(resumed.out.find(std::to_string(done_before) + " skipped"), std::string::npos) << resumed.out;
}

namespace {

// `count` quick mesh jobs through the complete stage (the pig is closed: nothing to fill).
fs::path write_complete_jobs(const fs::path& dir, int count, const std::string& mesh_file) {
  const std::string mesh = cgal_mesh(mesh_file).string();
  std::string text;
  for (int i = 0; i < count; ++i) {
    text += R"({"id": "job)" + std::to_string(i) + R"(", "input": ")" + mesh +
            R"(", "stages": ["complete"]})" "\n";
  }
  write_text(dir / "jobs.jsonl", text);
  return dir / "jobs.jsonl";
}

}  // namespace

// A job that crashes its worker fails alone: the other jobs finish, the crash is recorded once
// with the signal and stage, --resume neither reruns it nor writes a line twice, and
// --retry-failed runs it again.
TEST(Batch, ACrashingJobFailsAloneAndIsNotRetriedOnResume) {
  TempDir dir;
  const fs::path manifest = write_complete_jobs(dir.path(), 5, "pig.off");
  const fs::path out = dir / "out";
  const std::string base = shell_quote(FLEXFORGE_CLI_PATH) + " -q batch " + shell_quote(manifest.string()) +
                           " --out-dir " + shell_quote(out.string());
  const std::string faulty = "FLEXFORGE_TEST_FAULT=complete@job2 " + base;
  const CommandResult first = run_shell(faulty);
  EXPECT_EQ(first.exit_code, 6) << first.err;
  EXPECT_NE(first.out.find("4 ok, 1 failed"), std::string::npos) << first.out;
  auto rows = read_jsonl(out / "results.jsonl");
  ASSERT_EQ(rows.size(), 5u);
  for (const json& row : rows) {
    if (row["name"] == "job2") {
      EXPECT_EQ(row["status"], "failed");
      EXPECT_EQ(row["error"], "crashed: SIGSEGV in stage complete");
      EXPECT_EQ(row["exit_code"], 8);
      EXPECT_EQ(row["crashed"], true);
    } else {
      EXPECT_EQ(row["status"], "ok") << row.dump();
    }
  }
  const CommandResult resumed = run_shell(faulty + " --resume");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("0 ok, 0 failed, 5 skipped"), std::string::npos) << resumed.out;
  EXPECT_EQ(read_jsonl(out / "results.jsonl").size(), 5u);

  const CommandResult retried = run_shell(base + " --resume --retry-failed");
  EXPECT_EQ(retried.exit_code, 0) << retried.err;
  EXPECT_NE(retried.out.find("1 ok, 0 failed, 4 skipped"), std::string::npos) << retried.out;
  ASSERT_EQ(merge_results(out), 5u);
  for (const json& row : read_jsonl(out / "results.jsonl")) EXPECT_EQ(row["status"], "ok") << row.dump();

  // An abort (std::abort, a failed assertion) is isolated the same way.
  const fs::path out2 = dir / "out2";
  const CommandResult aborted = run_shell("FLEXFORGE_TEST_FAULT=complete@job0 FLEXFORGE_TEST_FAULT_SIGNAL=SIGABRT " +
                                          shell_quote(FLEXFORGE_CLI_PATH) + " -q batch " +
                                          shell_quote(manifest.string()) + " --out-dir " + shell_quote(out2.string()));
  EXPECT_EQ(aborted.exit_code, 6);
  EXPECT_NE(aborted.out.find("4 ok, 1 failed"), std::string::npos) << aborted.out;
  EXPECT_NE(read_text(out2 / "results.jsonl").find("crashed: SIGABRT in stage complete"), std::string::npos);
}

// The whole shard SIGKILLed mid-run, with a crashing job in it, then resumed: every job has
// exactly one line, the crash among them, and no temporary file is left.
TEST(Batch, KilledShardWithACrashingJobResumesWithoutDuplicates) {
  TempDir dir;
  write_retopo_jobs(dir.path());
  const fs::path out = dir / "out";
  const std::string cmd = "FLEXFORGE_TEST_FAULT=retopo@bunny4 " + shell_quote(FLEXFORGE_CLI_PATH) +
                          " -q --threads 1 batch " + shell_quote((dir / "jobs.jsonl").string()) +
                          " --out-dir " + shell_quote(out.string());
  // 300 s for the first job: a retopo job takes seconds, minutes under AddressSanitizer beside
  // other tests.
  const KilledAndResumed run = kill_then_resume(cmd, out / "results.jsonl", dir / "pid", 6,
                                                std::chrono::seconds(300), std::chrono::milliseconds(300));
  ASSERT_TRUE(run.killed_mid_run);
  EXPECT_EQ(run.resumed.exit_code, 6) << run.resumed.err;
  const auto rows = read_jsonl(out / "results.jsonl");
  ASSERT_EQ(rows.size(), 6u);
  std::map<std::string, int> seen;
  for (const json& row : rows) {
    ++seen[row["name"].get<std::string>()];
    EXPECT_EQ(row["status"], row["name"] == "bunny4" ? "failed" : "ok") << row.dump();
  }
  EXPECT_EQ(seen.size(), 6u);
  for (const auto& e : fs::directory_iterator(out)) {
    EXPECT_NE(e.path().filename().string()[0], '.') << "leftover temporary " << e.path();
  }
}

// Two processes given the same shard of the same output directory never both run it.
TEST(Batch, ASecondProcessOnTheSameShardIsRefused) {
  TempDir dir;
  const fs::path manifest = write_complete_jobs(dir.path(), 1, "pig.off");
  const fs::path out = dir / "out";
  fs::create_directories(out);
  // Hold the shard's lock the way a running batch does (flock on the lock file) until the second
  // process has finished, however slowly it starts (under AddressSanitizer, on a loaded machine,
  // loading takes seconds): flock -o keeps the lock in the flock process alone, so killing it
  // releases it.
  const std::string lock = shell_quote((out / "results.shard-1-of-2.jsonl").string());
  const std::string hold = "flock -o " + lock + " sleep 600 & holder=$!; until ! flock -n " + lock +
                           " true; do sleep 0.1; done; ";
  const CommandResult second = run_shell("( " + hold + shell_quote(FLEXFORGE_CLI_PATH) + " -q batch " +
                                         shell_quote(manifest.string()) + " --out-dir " +
                                         shell_quote(out.string()) +
                                         " --shard 1/2; st=$?; pkill -P $holder; kill $holder; wait; exit $st )");
  EXPECT_EQ(second.exit_code, 7) << second.err;
  EXPECT_NE(second.err.find("another flexforge batch is running this shard"), std::string::npos) << second.err;
  EXPECT_TRUE(read_jsonl(out / "results.shard-1-of-2.jsonl").empty()) << "the refused run wrote a line";
}

TEST(BatchManifest, RigFieldIsCheckedPerLine) {
  EXPECT_EQ(parse_job_line(R"({"prompt": "a cat", "rig": "never"})", 1, ".").rig, "never");
  EXPECT_EQ(parse_job_line(R"({"prompt": "a cat"})", 1, ".").rig, "auto");
  EXPECT_NE(parse_job_line(R"({"prompt": "a cat", "rig": "sometimes"})", 1, ".").error.find("\"rig\""),
            std::string::npos);
  EXPECT_NE(parse_job_line(R"({"input": "a.obj", "rig": "always"})", 1, ".").error.find("only to prompt"),
            std::string::npos);
}
