// flexforge batch MANIFEST --out-dir DIR: many jobs, sharded, resumable; `batch merge DIR`
// combines the shards' results files.
#include "command.h"

#include "flexforge/core/error.h"
#include "flexforge/pipeline/batch.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>

namespace flexforge::cli {

using namespace pipeline;

namespace {

// The shard from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX with
// --num-shards (Kubernetes Indexed Jobs); {0,1} when neither is set.
ShardSpec shard_from_environment(std::size_t num_shards) {
  ShardSpec s;
  const char* slurm_id = std::getenv("SLURM_ARRAY_TASK_ID");
  const char* slurm_count = std::getenv("SLURM_ARRAY_TASK_COUNT");
  const char* k8s_index = std::getenv("JOB_COMPLETION_INDEX");
  if (slurm_id && slurm_count) {
    // Slurm arrays may start at any index; assume the common 0..N-1 (or --array=0-(N-1)).
    s.index = ShardSpec::parse_count(slurm_id, "SLURM_ARRAY_TASK_ID");
    s.count = ShardSpec::parse_count(slurm_count, "SLURM_ARRAY_TASK_COUNT");
  } else if (k8s_index) {
    if (num_shards == 0) {
      throw Error(ExitCode::Usage, "JOB_COMPLETION_INDEX is set: pass --num-shards N as well");
    }
    s.index = ShardSpec::parse_count(k8s_index, "JOB_COMPLETION_INDEX");
    s.count = num_shards;
  } else if (num_shards > 0) {
    throw Error(ExitCode::Usage, "--num-shards needs JOB_COMPLETION_INDEX (or use --shard K/N)");
  }
  if (s.count == 0 || s.index >= s.count) {
    throw CliError(ExitCode::Usage, "shard " + std::to_string(s.index) + " of " +
                                     std::to_string(s.count) + " from the environment is out of range");
  }
  return s;
}

class BatchCommand : public Command {
 public:
  std::string name() const override { return "batch"; }
  std::string summary() const override {
    return "Run a JSONL manifest of jobs (sharded, resumable); 'batch merge DIR' joins results";
  }
  void declare(CLI::App& sub) override {
    sub_ = &sub;
    sub.add_option("manifest", options_.manifest, "JSONL manifest, one job per line");
    sub.add_option("--out-dir", options_.out_dir, "Directory for outputs and results*.jsonl");
    sub.add_option("--shard", shard_, "Run shard K of N (0-based), e.g. 3/16; default from "
                                      "SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX");
    sub.add_option("--num-shards", num_shards_,
                   "Shard count for Kubernetes Indexed Jobs (with JOB_COMPLETION_INDEX)");
    sub.add_option("--assign", assign_, "How jobs map to shards")
        ->check(CLI::IsMember({"contiguous", "hashed"}))
        ->capture_default_str();
    sub.add_flag("--resume", options_.resume,
                 "Skip jobs whose results line is ok and outputs exist, and jobs that crashed");
    sub.add_flag("--retry-failed", options_.retry_failed,
                 "With --resume: rerun jobs that crashed as well");
    sub.add_option("--model", options_.model,
                   "Model for prompt/image jobs (directory or installed name), loaded once")
        ->capture_default_str();
    sub.add_option("--steps", options_.steps, "Sampler steps per stage for jobs without \"steps\"")
        ->capture_default_str();
    sub.add_option("--guidance", options_.guidance,
                   "Guidance scale for jobs without \"guidance\" (latent stage uses 0.4x)")
        ->capture_default_str();
    sub.add_option("--gen-batch", options_.gen_batch,
                   "Prompt/image jobs sampled together per sampler pass (1 = one at a time)")
        ->capture_default_str();
    merge_ = sub.add_subcommand("merge", "Combine results.shard-*.jsonl into results.jsonl");
    merge_->add_option("dir", merge_dir_, "The batch output directory")->required();
    sub.require_subcommand(0, 1);
  }
  void validate() override {
    if (merge_->parsed()) return;
    if (options_.manifest.empty()) throw Error(ExitCode::Usage, "batch: a MANIFEST is required");
    if (options_.out_dir.empty()) throw Error(ExitCode::Usage, "batch: --out-dir is required");
    options_.shard = shard_.empty() ? shard_from_environment(num_shards_) : ShardSpec::parse(shard_);
    options_.shard.hashed = assign_ == "hashed";
  }
  int execute(const GlobalOptions& global) override {
    if (merge_->parsed()) {
      const std::size_t n = merge_results(merge_dir_);
      std::printf("merged %zu jobs into %s/results.jsonl\n", n, merge_dir_.c_str());
      return 0;
    }
    options_.device = global.resolved_device;
    const BatchReport r = run_batch(options_);
    std::printf("%zu jobs in shard %zu/%zu: %zu ok, %zu failed, %zu skipped (resume); results in %s\n",
                r.jobs_in_shard, options_.shard.index, options_.shard.count, r.ok, r.failed,
                r.skipped, r.results.c_str());
    return r.failed > 0 ? static_cast<int>(ExitCode::StageFailed) : 0;
  }

 private:
  CLI::App* sub_ = nullptr;
  CLI::App* merge_ = nullptr;
  BatchOptions options_;
  std::string shard_;
  std::size_t num_shards_ = 0;
  std::string assign_ = "contiguous";
  std::string merge_dir_;
};

}  // namespace

std::unique_ptr<Command> make_batch_command() { return std::make_unique<BatchCommand>(); }

}  // namespace flexforge::cli
