// `flexforge batch`: many jobs from a manifest, sharded across processes or cluster tasks,
// resumable after a crash, with one results line per job.
//
// Crash safety: every output file is written atomically, and a job's results line is appended
// (one write(2) of a whole line, O_APPEND, fsync) only after all its outputs exist. A process
// killed at any moment therefore leaves only complete outputs and complete lines; `--resume`
// skips the jobs whose line says "ok" and whose outputs are all present, and the jobs that
// crashed (unless retry_failed).
//
// Crash isolation: every job (or group of generation jobs sampled together) runs in a forked
// worker process (pipeline/job_isolation.h), so a crash, abort or out-of-memory kill fails only
// the job it happened in: its line says "status":"failed", "crashed":true, "exit_code":8 and
// "error":"crashed: SIGSEGV in stage complete". The other jobs of the shard carry on.
//
// A lock on the shard's results file (flock) keeps two processes from running the same shard of
// one output directory at once: the second one fails with Error(Resource).
#pragma once

#include "flexforge/pipeline/manifest.h"

#include <filesystem>
#include <string>

namespace flexforge::pipeline {

struct ShardSpec {
  std::size_t index = 0;  // 0-based
  std::size_t count = 1;
  bool hashed = false;    // false: contiguous blocks of the manifest; true: by job-name hash

  // "K/N" with 0 <= K < N. Throws Error(Usage). (The CLI also takes the shard from Slurm's or
  // Kubernetes' environment variables; the library reads none.)
  static ShardSpec parse(const std::string& text);
  // One non-negative integer of a shard spec or of a cluster variable; Error(Usage) naming
  // `what` and the text otherwise.
  static std::size_t parse_count(const std::string& text, const std::string& what);
  bool owns(std::size_t job_index, std::size_t job_total, const std::string& job_name) const;
  std::string tag() const;  // "" for a single shard, else ".shard-K-of-N"
};

struct BatchOptions {
  std::filesystem::path manifest;
  std::filesystem::path out_dir;
  ShardSpec shard;
  bool resume = false;
  // With resume: also rerun jobs whose worker crashed (by default a crash is recorded once and
  // not retried, since it would recur).
  bool retry_failed = false;
  // Generation jobs: one model per process, loaded at the first generation job (a batch of mesh
  // jobs never pays for it); a model that fails to load fails only the generation jobs.
  std::string model = "default";
  std::string device = "cpu";
  int steps = 12;           // per job unless its line sets "steps"
  double guidance = model::kDefaultGuidance;  // per job unless its line sets "guidance"
  // Up to this many pending generation jobs with the same sampler settings are sampled together
  // (one batched sampler pass); 1 = one job at a time.
  std::size_t gen_batch = 4;
};

struct BatchReport {
  std::size_t jobs_in_shard = 0, ok = 0, failed = 0, skipped = 0;
  std::size_t sampler_batches = 0;  // batched sampler passes run for generation jobs
  std::filesystem::path results;  // the results file this shard wrote
};

// Runs this shard's jobs. Never throws for a failing job (it is recorded); throws
// Error(InvalidInput) for an unreadable manifest, Error(OutputFailed) for an unusable out_dir and
// Error(Usage) for bad options.
//
// Order: jobs run in manifest order, except that when a generation job comes up, the next
// pending generation jobs of the shard with the same sampler settings (up to gen_batch in all,
// mesh jobs in between do not end the group) are sampled with it; each job's outputs and results
// line are then written one job at a time, so a kill loses at most the unwritten ones.
BatchReport run_batch(const BatchOptions& options);

// Combines every results*.jsonl in `out_dir` into results.jsonl (the last line per job wins,
// ordered by manifest line). Returns the number of jobs.
std::size_t merge_results(const std::filesystem::path& out_dir);

}  // namespace flexforge::pipeline
