// Crash isolation for batch jobs: a job runs in a forked worker process, so a crash, an abort or
// an out-of-memory kill inside it ends only that worker. Whatever the parent has loaded before
// the fork (the generator's weights) is shared copy-on-write, so a worker costs no model load.
//
// The worker sends each finished job's results line to the parent through a pipe; the parent is
// the only writer of the results file. When the worker dies before it has sent every line, the
// parent learns the signal (or exit status) and the stage and job it was in from the shared
// crash state (core/crash_guard.h).
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

namespace flexforge::pipeline {

using ResultSink = std::function<void(const nlohmann::json&)>;

struct WorkerOutcome {
  std::size_t lines = 0;   // results lines the worker sent before it ended
  bool crashed = false;    // ended by a signal or an unexpected exit status
  std::string error;       // "crashed: SIGSEGV in stage complete", when crashed
  std::string job;         // the job the worker was running when it crashed ("" = none/unknown)
};

// Runs `work` in a forked child. `work` calls the sink it is given once per finished job; each
// line is passed to `on_line` in the parent, in order, as soon as the worker sends it. The child
// is killed if the parent dies (so a SIGKILLed shard leaves no orphan writing behind it).
// Throws Error(Resource) when no process can be forked.
WorkerOutcome run_in_worker(const std::function<void(const ResultSink&)>& work,
                            const ResultSink& on_line);

}  // namespace flexforge::pipeline
