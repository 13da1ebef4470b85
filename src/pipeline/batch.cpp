#include "flexforge/pipeline/batch.h"

#include "flexforge/core/atomic_file.h"
#include "flexforge/core/crash_guard.h"
#include "flexforge/core/error.h"
#include "flexforge/core/hash.h"
#include "flexforge/core/progress.h"
#include "flexforge/core/scene_ops.h"
#include "flexforge/io/export.h"
#include "flexforge/io/import.h"
#include "flexforge/model/generate.h"
#include "flexforge/nn/runtime.h"
#include "flexforge/pipeline/asset_outputs.h"
#include "flexforge/pipeline/generation_job.h"
#include "flexforge/pipeline/job_isolation.h"
#include "flexforge/pipeline/stages.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace flexforge::pipeline {

namespace {


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

// A job that crashed its worker: recorded once, and not retried by --resume unless
// --retry-failed is given (on a cluster the same crash would otherwise recur on every retry).
bool crashed(const json& result) {
  return result.value("status", "") == "failed" && result.value("crashed", false);
}

bool outputs_complete(const json& result) {
  if (result.value("status", "") != "ok" || !result.contains("outputs")) return false;
  for (const json& path : result["outputs"]) {
    if (!fs::is_regular_file(path.get<std::string>())) return false;
  }
  return true;
}

// The fields every results line starts with: what the job was.
json job_header(const JobSpec& job) {
  json result = {{"name", job.name}, {"line", job.line}, {"id", job.id}, {"seed", job.seed}};
  if (job.input) result["input"] = *job.input;
  if (job.prompt) result["prompt"] = *job.prompt;
  if (job.image) result["image"] = *job.image;
  if (job.structure) result["structure"] = *job.structure;
  return result;
}

void mark_failed(json& result, const std::exception& e) {
  result["status"] = "failed";
  if (const auto* error = dynamic_cast<const Error*>(&e)) {
    result["error"] = error->what();
    result["exit_code"] = static_cast<int>(error->code());
  } else if (dynamic_cast<const std::bad_alloc*>(&e)) {
    result["error"] = "out of memory (--max-memory)";
    result["exit_code"] = static_cast<int>(ExitCode::Resource);
  } else {
    result["error"] = std::string("internal error: ") + e.what();
    result["exit_code"] = static_cast<int>(ExitCode::StageFailed);
  }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Where a job's files go: NAME.<first format> is the main file, the other formats sit next to it
// with their own extension, NAME.png is the preview. Usage error for unknown formats, before any
// work is done.
struct JobOutputs {
  fs::path main;
  std::vector<std::string> extra_formats;
  fs::path preview;
};

JobOutputs job_outputs(const JobSpec& job, const fs::path& out_dir) {
  JobOutputs o;
  for (const std::string& format : job.formats) {
    const fs::path target = out_dir / (job.name + "." + format);
    io::output_format_for(target);
    if (o.main.empty()) {
      o.main = target;
    } else {
      o.extra_formats.push_back(format);
    }
  }
  if (job.preview) o.preview = out_dir / (job.name + ".png");
  return o;
}

// A job's "animate" field: the animate stage joins its stages, with the clips as its option
// (clips given in "options" win).
void add_animation(const JobSpec& job, std::vector<std::string>& stages, json& options) {
  if (job.animate.empty()) return;
  if (std::find(stages.begin(), stages.end(), "animate") == stages.end()) stages.push_back("animate");
  if (options.is_null()) options = json::object();
  if (!options.is_object()) return;  // run_stages names the problem
  json& animate = options["animate"];
  if (animate.is_null()) animate = json::object();
  if (animate.is_object() && !animate.contains("clips")) animate["clips"] = job.animate;
}

// A mesh job, or any line that is unusable as it stands.
json run_single_job(const JobSpec& job, const fs::path& out_dir) {
  const auto start = std::chrono::steady_clock::now();
  json result = job_header(job);
  set_current_job(job.name);
  try {
    if (!job.error.empty()) throw Error(ExitCode::InvalidInput, job.error);
    if (!job.input) throw Error(ExitCode::InvalidInput, "job has no \"input\" mesh");
    const JobOutputs targets = job_outputs(job, out_dir);
    std::vector<std::string> wanted = job.stages;
    json options = job.options;
    add_animation(job, wanted, options);
    const std::vector<std::string> planned = plan_stages(wanted);
    std::vector<StageRun> runs;
    Scene scene = io::load_scene(*job.input);
    scene = run_stages(std::move(scene), planned, options, &runs);
    json stages = json::array();
    for (const StageRun& r : runs) {
      stages.push_back({{"name", r.name}, {"seconds", r.seconds}, {"faces", r.faces}, {"parts", r.parts}});
    }
    json outputs = json::array();
    for (const fs::path& f : write_formats(scene, targets.main, targets.extra_formats)) {
      outputs.push_back(f.string());
    }
    if (!targets.preview.empty()) {
      write_preview(scene, targets.preview);
      outputs.push_back(targets.preview.string());
    }
    result["status"] = "ok";
    result["outputs"] = outputs;
    result["stages"] = stages;
    result["faces"] = scene.face_count();
    result["parts"] = scene.parts.size();
    if (json clips = animation_report(scene); !clips.is_null()) result["animation"] = clips;
  } catch (const std::exception& e) {
    mark_failed(result, e);
  }
  result["seconds"] = seconds_since(start);
  return result;
}

// One Generator per process, created when the first generation job needs it. A load failure is
// remembered, so every later generation job fails with the same reason without retrying a slow
// load, while mesh jobs carry on.
class LazyGenerator {
 public:
  LazyGenerator(std::string model, std::string device)
      : model_(std::move(model)), device_(std::move(device)) {}
  model::Generator& get() {
    if (generator_) return *generator_;
    if (failure_) throw *failure_;
    try {
      const auto start = std::chrono::steady_clock::now();
      // The parent forks every worker after this load. GNU OpenMP cannot survive a fork once it
      // has started its thread team: the worker's first parallel region then waits forever for
      // threads that do not exist in it (at --threads 2 every prompt job hung). Loading on one
      // thread starts no team; the workers start their own with the configured count.
      const int threads = nn::thread_count();
      nn::set_thread_count(1);
      struct Restore {
        int threads;
        ~Restore() { nn::set_thread_count(threads); }
      } restore{threads};
      generator_ = std::make_unique<model::Generator>(model_, device_);
      spdlog::info("loaded model {} (hash {}) in {:.1f} s", generator_->directory().string(),
                   generator_->model_hash(), seconds_since(start));
      return *generator_;
    } catch (const Error& e) {
      failure_ = e;
    } catch (const std::exception& e) {
      failure_ = Error(ExitCode::Model, "model '" + model_ + "': " + e.what());
    }
    throw *failure_;
  }

 private:
  std::string model_, device_;
  std::unique_ptr<model::Generator> generator_;
  std::optional<Error> failure_;
};

struct SamplerSettings {
  int steps = 12;
  double guidance = model::kDefaultGuidance;
  bool operator==(const SamplerSettings& o) const { return steps == o.steps && guidance == o.guidance; }
};

SamplerSettings sampler_settings(const JobSpec& job, const BatchOptions& options) {
  return {job.steps.value_or(options.steps), job.guidance.value_or(options.guidance)};
}

// Samples a group of generation jobs (same sampler settings) together, then finishes and records
// them one at a time. `record` receives each job's results line as soon as its files exist.
void run_generation_group(const std::vector<const JobSpec*>& group, const fs::path& out_dir,
                          const BatchOptions& options, LazyGenerator& lazy,
                          const std::function<void(const json&)>& record) {
  const auto start = std::chrono::steady_clock::now();
  struct Item {
    const JobSpec* job;
    json result;
    AssetRequest request;
    model::GeneratedMesh mesh;
    Mesh structure;  // the job's "structure" mesh, loaded; empty = none
  };
  std::vector<Item> items;
  for (const JobSpec* job : group) {
    json result = job_header(*job);
    try {
      // Checked here too (the generator would say it as well) so that a missing image fails
      // with its own reason even when the model cannot be loaded.
      std::error_code ec;
      if (job->image && !fs::is_regular_file(*job->image, ec)) {
        throw Error(ExitCode::InvalidInput, *job->image + ": image not found");
      }
      Mesh structure;
      if (job->structure) structure = join_parts(io::load_scene(*job->structure));
      const JobOutputs targets = job_outputs(*job, out_dir);
      AssetRequest request;
      request.prompt = job->prompt.value_or("");
      request.image = job->image.value_or("");
      std::vector<std::string> stages = job->stages_given ? job->stages : default_generation_stages();
      json options = job->options;
      add_animation(*job, stages, options);
      request.stages = plan_stages(stages);
      request.stage_options = with_generation_defaults(options, request.stages);
      request.output = targets.main;
      request.extra_formats = targets.extra_formats;
      request.preview = targets.preview;
      request.rig_mode = parse_rig_mode(job->rig);
      items.push_back({job, std::move(result), std::move(request), {}, std::move(structure)});
    } catch (const std::exception& e) {
      // Nothing to sample for this one: record it now rather than after the group.
      mark_failed(result, e);
      result["seconds"] = seconds_since(start);
      record(result);
    }
  }
  if (items.empty()) return;

  std::vector<model::Prompt> prompts;
  for (const Item& item : items) {
    model::Prompt p;
    p.text = item.job->prompt.value_or("");
    p.image = item.job->image.value_or("");
    p.image_weight = item.job->image_weight;
    p.seed = item.job->seed;
    p.structure = item.structure;
    prompts.push_back(std::move(p));
  }
  const SamplerSettings settings = sampler_settings(*items.front().job, options);
  const model::GenerateOptions sampler = generation_options(settings.steps, settings.guidance);
  std::vector<std::string> errors(items.size());
  // generate_each reports prompt problems (empty or unknown text, unreadable image) as text;
  // they are all invalid input. A job sampled alone after a failed batch keeps its own code.
  std::vector<ExitCode> codes(items.size(), ExitCode::InvalidInput);
  std::vector<bool> sampled(items.size(), false);
  std::string model_hash;
  std::filesystem::path model_dir;
  set_current_job("");  // a crash while sampling belongs to the whole group
  try {
    model::Generator& generator = lazy.get();
    model_hash = generator.model_hash();
    model_dir = generator.directory();
    std::vector<model::GeneratedMesh> meshes;
    try {
      meshes = generator.generate_each(prompts, sampler, &errors);
    } catch (const std::exception& e) {
      // Something failed inside the shared sampler pass (e.g. one asset over the voxel budget).
      // Sample each prompt on its own so that one job's problem cannot fail its neighbours.
      if (items.size() == 1) throw;
      spdlog::warn("batched sampling of {} jobs failed ({}); sampling them one at a time",
                   items.size(), e.what());
      meshes.assign(items.size(), {});
      for (std::size_t k = 0; k < items.size(); ++k) {
        try {
          std::vector<std::string> one_error;
          meshes[k] = std::move(generator.generate_each({prompts[k]}, sampler, &one_error).front());
          errors[k] = one_error.front();
        } catch (const Error& single) {
          errors[k] = single.what();
          codes[k] = single.code();
        } catch (const std::exception& single) {
          errors[k] = std::string("internal error: ") + single.what();
          codes[k] = ExitCode::StageFailed;
        }
      }
    }
    for (std::size_t k = 0; k < items.size(); ++k) {
      items[k].mesh = std::move(meshes[k]);
      sampled[k] = errors[k].empty();
    }
  } catch (const std::exception& e) {
    for (Item& item : items) {
      mark_failed(item.result, e);
      item.result["seconds"] = seconds_since(start);
      record(item.result);
    }
    return;
  }
  const std::size_t batch_size = static_cast<std::size_t>(std::count(sampled.begin(), sampled.end(), true));
  // Each job is charged an equal share of the shared sampler pass plus its own stages/export.
  const double sampling_share = batch_size > 0 ? seconds_since(start) / static_cast<double>(batch_size) : 0.0;
  for (std::size_t k = 0; k < items.size(); ++k) {
    Item& item = items[k];
    const auto own_start = std::chrono::steady_clock::now();
    set_current_job(item.job->name);
    item.result["model_hash"] = model_hash;
    if (!sampled[k]) {
      mark_failed(item.result, Error(codes[k], errors[k]));
      item.result["seconds"] = seconds_since(start);
    } else {
      try {
        item.request.model_hash = model_hash;
        item.request.model_dir = model_dir;
        json asset = finish_generated_asset(item.mesh, item.request);
        item.result.update(asset);
        item.result["status"] = "ok";
        item.result["batch_size"] = batch_size;
      } catch (const std::exception& e) {
        mark_failed(item.result, e);
      }
      item.result["seconds"] = sampling_share + seconds_since(own_start);
    }
    item.mesh = {};  // release the generated mesh before the next job's stages
    record(item.result);
  }
  set_current_job("");
}

// Holds an exclusive lock on the shard's results file for the life of the run, so that two
// processes given the same shard of one output directory never both run its jobs. flock() locks
// are released by the kernel when the holder dies, so a SIGKILLed shard never leaves a stale
// lock, and locking the results file itself adds no file to the output directory.
class ShardLock {
 public:
  explicit ShardLock(const fs::path& file) {
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      throw Error(ExitCode::OutputFailed, file.string() + ": cannot open to lock: " +
                                              std::strerror(errno));
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw Error(ExitCode::Resource, file.string() +
                                          ": another flexforge batch is running this shard in this "
                                          "output directory");
    }
  }
  ~ShardLock() { ::close(fd_); }
  ShardLock(const ShardLock&) = delete;
  ShardLock& operator=(const ShardLock&) = delete;

 private:
  int fd_ = -1;
};

// Runs `jobs` in forked workers until each has a results line. A worker that crashes fails the
// job it was in (recorded with "crashed": true and the signal and stage); the jobs it had not
// reached yet run again in a new worker. A crash in the shared sampler pass of a group belongs
// to no single job, so the group's jobs are then run one per worker to find it.
void run_jobs_isolated(std::vector<const JobSpec*> pending,
                       const std::function<void(const std::vector<const JobSpec*>&, const ResultSink&)>& work,
                       const ResultSink& record) {
  while (!pending.empty()) {
    std::set<std::string> recorded;
    const WorkerOutcome outcome = run_in_worker(
        [&](const ResultSink& sink) { work(pending, sink); },
        [&](const json& line) {
          recorded.insert(line.value("name", ""));
          record(line);
        });
    std::vector<const JobSpec*> left;
    for (const JobSpec* job : pending) {
      if (!recorded.count(job->name)) left.push_back(job);
    }
    if (left.empty()) return;
    const JobSpec* culprit = nullptr;
    for (const JobSpec* job : left) {
      if (job->name == outcome.job) culprit = job;
    }
    if (!culprit && left.size() > 1) {
      for (const JobSpec* job : left) run_jobs_isolated({job}, work, record);
      return;
    }
    if (!culprit) culprit = left.front();
    json result = job_header(*culprit);
    result["status"] = "failed";
    result["error"] = outcome.crashed ? outcome.error : "worker ended without recording the job";
    result["exit_code"] = static_cast<int>(ExitCode::Crashed);
    result["crashed"] = true;
    record(result);
    left.erase(std::find(left.begin(), left.end(), culprit));
    pending = std::move(left);
  }
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

std::size_t ShardSpec::parse_count(const std::string& text, const std::string& what) {
  std::size_t used = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || text[0] == '-') {
    throw Error(ExitCode::Usage, what + " '" + text + "' is not a non-negative integer");
  }
  return static_cast<std::size_t>(v);
}

ShardSpec ShardSpec::parse(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) throw Error(ExitCode::Usage, "shard '" + text + "' is not K/N");
  ShardSpec s;
  s.index = parse_count(text.substr(0, slash), "shard index");
  s.count = parse_count(text.substr(slash + 1), "shard count");
  if (s.count == 0 || s.index >= s.count) {
    throw Error(ExitCode::Usage, "shard '" + text + "': need 0 <= K < N");
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
  if (options.gen_batch < 1 || options.gen_batch > 256) {
    throw Error(ExitCode::Usage, "gen_batch must be in 1..256");
  }
  generation_options(options.steps, options.guidance);  // Usage error for bad defaults, up front
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
  const ShardLock lock(report.results);

  std::set<std::string> done;
  if (options.resume) {
    for (const json& r : read_results(report.results)) {
      const std::string name = r["name"].get<std::string>();
      if (outputs_complete(r) || (crashed(r) && !options.retry_failed)) {
        done.insert(name);
      } else {
        done.erase(name);  // a later line (a retry) decides
      }
    }
  }
  std::vector<const JobSpec*> mine;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (options.shard.owns(i, jobs.size(), jobs[i].name)) mine.push_back(&jobs[i]);
  }
  report.jobs_in_shard = mine.size();
  remove_stale_temporaries(out_dir, mine);
  Progress progress("batch", mine.size());
  const auto record = [&](const json& result) {
    append_line(report.results, result.dump());
    if (result["status"] == "ok") {
      ++report.ok;
    } else {
      ++report.failed;
      spdlog::warn("job {}: {}", result["name"].get<std::string>(), result["error"].get<std::string>());
    }
    progress.advance();
  };
  LazyGenerator lazy(options.model, options.device);
  std::vector<bool> handled(mine.size(), false);
  for (std::size_t i = 0; i < mine.size(); ++i) {
    if (handled[i]) continue;
    const JobSpec* job = mine[i];
    if (done.count(job->name)) {
      ++report.skipped;
      progress.advance();
      continue;
    }
    if (!job->is_generation() || !job->error.empty()) {
      if (!job->error.empty()) {
        record(run_single_job(*job, out_dir));  // a line that cannot run: nothing to isolate
      } else {
        run_jobs_isolated({job},
                          [&](const std::vector<const JobSpec*>& jobs, const ResultSink& sink) {
                            sink(run_single_job(*jobs.front(), out_dir));
                          },
                          record);
      }
      continue;
    }
    // Gather this job's sampler batch from the pending generation jobs that follow.
    const SamplerSettings settings = sampler_settings(*job, options);
    std::vector<const JobSpec*> group = {job};
    for (std::size_t j = i + 1; j < mine.size() && group.size() < options.gen_batch; ++j) {
      const JobSpec* next = mine[j];
      if (handled[j] || done.count(next->name) || !next->is_generation() || !next->error.empty() ||
          !(sampler_settings(*next, options) == settings)) {
        continue;
      }
      group.push_back(next);
      handled[j] = true;
    }
    ++report.sampler_batches;
    // Loaded here, before the fork, so that every worker shares the weights copy-on-write; a
    // load failure is remembered and fails the group's jobs inside the worker with its reason.
    // A group whose every job will fail its own checks first (no prompt text, no image) does
    // not load it; were that guess wrong, the worker would load the model itself.
    const bool may_sample = std::any_of(group.begin(), group.end(), [](const JobSpec* j) {
      std::error_code ec;
      const bool text = j->prompt && j->prompt->find_first_not_of(" \t\r\n") != std::string::npos;
      return text || (j->image && fs::is_regular_file(*j->image, ec));
    });
    if (may_sample) {
      try {
        lazy.get();
      } catch (const std::exception&) {
      }
    }
    run_jobs_isolated(group,
                      [&](const std::vector<const JobSpec*>& jobs, const ResultSink& sink) {
                        run_generation_group(jobs, out_dir, options, lazy, sink);
                      },
                      record);
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

}  // namespace flexforge::pipeline
