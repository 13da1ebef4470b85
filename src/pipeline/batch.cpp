#include "flexforge/pipeline/batch.h"

#include "flexforge/core/atomic_file.h"
#include "flexforge/core/error.h"
#include "flexforge/core/hash.h"
#include "flexforge/core/progress.h"
#include "flexforge/io/export.h"
#include "flexforge/io/import.h"
#include "flexforge/pipeline/stages.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace flexforge {

namespace {

std::size_t parse_count(const std::string& text, const char* what) {
  std::size_t used = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || text[0] == '-') {
    throw Error(ExitCode::Usage, std::string(what) + " '" + text + "' is not a non-negative integer");
  }
  return static_cast<std::size_t>(v);
}

// Appends one complete line with a single write(2) on an O_APPEND descriptor, then fsyncs, so a
// crash leaves either the whole line or none of it.
void append_line(const fs::path& file, const std::string& line) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw Error(ExitCode::OutputFailed, file.string() + ": cannot write: " + std::strerror(errno));
  }
  const std::string text = line + "\n";
  const ssize_t n = ::write(fd, text.data(), text.size());
  const bool ok = n == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw Error(ExitCode::OutputFailed, file.string() + ": short write of a results line");
}

// Reads results lines, ignoring a torn last line (cannot happen with append_line, but a file
// copied mid-write could hold one).
std::vector<json> read_results(const fs::path& file) {
  std::vector<json> out;
  std::ifstream in(file);
  std::string text;
  while (std::getline(in, text)) {
    try {
      json j = json::parse(text);
      if (j.is_object() && j.contains("name")) out.push_back(std::move(j));
    } catch (const json::exception&) {
      spdlog::warn("{}: ignoring an unreadable results line", file.string());
    }
  }
  return out;
}

bool outputs_complete(const json& result) {
  if (result.value("status", "") != "ok" || !result.contains("outputs")) return false;
  for (const json& path : result["outputs"]) {
    if (!fs::is_regular_file(path.get<std::string>())) return false;
  }
  return true;
}

json run_job(const JobSpec& job, const fs::path& out_dir) {
  const auto start = std::chrono::steady_clock::now();
  json result = {{"name", job.name}, {"line", job.line}, {"id", job.id}, {"seed", job.seed}};
  if (job.input) result["input"] = *job.input;
  if (job.prompt) result["prompt"] = *job.prompt;
  if (job.image) result["image"] = *job.image;
  try {
    if (!job.error.empty()) throw Error(ExitCode::InvalidInput, job.error);
    std::vector<fs::path> targets;
    for (const std::string& format : job.formats) {
      const fs::path target = out_dir / (job.name + "." + format);
      output_format_for(target);  // Usage error for unknown formats, before any work
      targets.push_back(target);
    }
    const std::vector<std::string> planned = plan_stages(job.stages);
    if (!job.input) {
      throw Error(ExitCode::StageFailed,
                  "text/image generation is not available in this build yet (no generator model "
                  "has landed); only \"input\" mesh jobs run");
    }
    std::vector<StageRun> runs;
    Scene scene = load_scene(*job.input);
    scene = run_stages(std::move(scene), planned, job.options, &runs);
    json stages = json::array();
    for (const StageRun& r : runs) {
      stages.push_back({{"name", r.name}, {"seconds", r.seconds}, {"faces", r.faces}, {"parts", r.parts}});
    }
    json outputs = json::array();
    for (const fs::path& target : targets) {
      save_scene(scene, target);
      outputs.push_back(target.string());
    }
    result["status"] = "ok";
    result["outputs"] = outputs;
    result["stages"] = stages;
    result["faces"] = scene.face_count();
    result["parts"] = scene.parts.size();
  } catch (const Error& e) {
    result["status"] = "failed";
    result["error"] = e.what();
    result["exit_code"] = static_cast<int>(e.code());
  } catch (const std::exception& e) {
    result["status"] = "failed";
    result["error"] = std::string("internal error: ") + e.what();
    result["exit_code"] = static_cast<int>(ExitCode::StageFailed);
  }
  result["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

// A process killed while writing leaves its hidden temporary file or staging directory
// (".<target>.tmp-XXXX", ".<target>.staging-XXXX") behind; never a file under a real name. Only
// this shard's jobs' leftovers are removed, since other shards may be writing theirs right now.
void remove_stale_temporaries(const fs::path& out_dir, const std::vector<const JobSpec*>& mine) {
  std::set<std::string> owned;
  for (const JobSpec* job : mine) owned.insert(job->name);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(out_dir, ec)) {
    const std::string file = entry.path().filename().string();
    if (file.empty() || file[0] != '.') continue;
    std::size_t mark = file.rfind(".tmp-");
    if (mark == std::string::npos) mark = file.rfind(".staging-");
    if (mark == std::string::npos) continue;
    const std::string target = file.substr(1, mark - 1);  // e.g. "chair.glb"
    const std::string stem = target.substr(0, target.rfind('.'));
    if (owned.count(stem)) {
      spdlog::info("removing {} left by an interrupted run", entry.path().string());
      fs::remove_all(entry.path(), ec);
    }
  }
}

}  // namespace

ShardSpec ShardSpec::parse(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) throw Error(ExitCode::Usage, "--shard '" + text + "' is not K/N");
  ShardSpec s;
  s.index = parse_count(text.substr(0, slash), "--shard index");
  s.count = parse_count(text.substr(slash + 1), "--shard count");
  if (s.count == 0 || s.index >= s.count) {
    throw Error(ExitCode::Usage, "--shard '" + text + "': need 0 <= K < N");
  }
  return s;
}

ShardSpec ShardSpec::from_environment(std::size_t num_shards) {
  ShardSpec s;
  const char* slurm_id = std::getenv("SLURM_ARRAY_TASK_ID");
  const char* slurm_count = std::getenv("SLURM_ARRAY_TASK_COUNT");
  const char* k8s_index = std::getenv("JOB_COMPLETION_INDEX");
  if (slurm_id && slurm_count) {
    // Slurm arrays may start at any index; assume the common 0..N-1 (or --array=0-(N-1)).
    s.index = parse_count(slurm_id, "SLURM_ARRAY_TASK_ID");
    s.count = parse_count(slurm_count, "SLURM_ARRAY_TASK_COUNT");
  } else if (k8s_index) {
    if (num_shards == 0) {
      throw Error(ExitCode::Usage, "JOB_COMPLETION_INDEX is set: pass --num-shards N as well");
    }
    s.index = parse_count(k8s_index, "JOB_COMPLETION_INDEX");
    s.count = num_shards;
  } else if (num_shards > 0) {
    throw Error(ExitCode::Usage, "--num-shards needs JOB_COMPLETION_INDEX (or use --shard K/N)");
  }
  if (s.count == 0 || s.index >= s.count) {
    throw Error(ExitCode::Usage, "shard " + std::to_string(s.index) + " of " +
                                     std::to_string(s.count) + " from the environment is out of range");
  }
  return s;
}

bool ShardSpec::owns(std::size_t job_index, std::size_t job_total, const std::string& job_name) const {
  if (count <= 1) return true;
  if (hashed) return fnv1a64(job_name) % count == index;
  // Contiguous blocks whose sizes differ by at most one; stable for a given manifest.
  const std::size_t begin = job_total * index / count;
  const std::size_t end = job_total * (index + 1) / count;
  return job_index >= begin && job_index < end;
}

std::string ShardSpec::tag() const {
  return count <= 1 ? "" : ".shard-" + std::to_string(index) + "-of-" + std::to_string(count);
}

BatchReport run_batch(const BatchOptions& options) {
  const std::vector<JobSpec> jobs = read_manifest(options.manifest);
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (!fs::is_directory(options.out_dir)) {
    throw Error(ExitCode::OutputFailed, options.out_dir.string() + ": cannot create output directory");
  }
  // Absolute paths in results, so --resume and merge work from any working directory.
  const fs::path out_dir = fs::absolute(options.out_dir).lexically_normal();
  BatchReport report;
  report.results = out_dir / ("results" + options.shard.tag() + ".jsonl");
  require_writable_parent(report.results);

  std::set<std::string> done;
  if (options.resume) {
    for (const json& r : read_results(report.results)) {
      if (outputs_complete(r)) done.insert(r["name"].get<std::string>());
    }
  }
  std::vector<const JobSpec*> mine;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (options.shard.owns(i, jobs.size(), jobs[i].name)) mine.push_back(&jobs[i]);
  }
  report.jobs_in_shard = mine.size();
  remove_stale_temporaries(out_dir, mine);
  Progress progress("batch", mine.size());
  for (const JobSpec* job : mine) {
    if (done.count(job->name)) {
      ++report.skipped;
      progress.advance();
      continue;
    }
    const json result = run_job(*job, out_dir);
    append_line(report.results, result.dump());
    if (result["status"] == "ok") {
      ++report.ok;
    } else {
      ++report.failed;
      spdlog::warn("job {}: {}", job->name, result["error"].get<std::string>());
    }
    progress.advance();
  }
  progress.finish();
  return report;
}

std::size_t merge_results(const fs::path& out_dir) {
  std::map<std::string, json> latest;
  std::error_code ec;
  if (!fs::is_directory(out_dir, ec)) {
    throw Error(ExitCode::InvalidInput, out_dir.string() + ": not a directory");
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(out_dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("results.shard-", 0) == 0 && entry.path().extension() == ".jsonl") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  const fs::path single = out_dir / "results.jsonl";
  if (files.empty() && fs::exists(single)) files.push_back(single);
  if (files.empty()) throw Error(ExitCode::InvalidInput, out_dir.string() + ": no results files");
  for (const fs::path& f : files) {
    for (json& r : read_results(f)) {
      const std::string name = r["name"].get<std::string>();
      latest[name] = std::move(r);
    }
  }
  std::vector<json> rows;
  for (auto& [name, r] : latest) rows.push_back(std::move(r));
  std::sort(rows.begin(), rows.end(), [](const json& a, const json& b) {
    return a.value("line", 0) < b.value("line", 0);
  });
  std::string text;
  for (const json& r : rows) text += r.dump() + "\n";
  write_file_atomic(single, text);
  return rows.size();
}

}  // namespace flexforge
