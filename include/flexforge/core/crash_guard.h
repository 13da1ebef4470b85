// Crash reporting: a user never sees a bare signal.
//
// Every pipeline stage runs inside a StageScope, which records the stage's name (and, in batch,
// the job's name) in a small block of memory shared with any process forked afterwards. Two
// readers use it:
//   - the crash handler of a single command (install_crash_handler) prints one line,
//     "flexforge: error: crashed: SIGSEGV in stage complete", and exits with ExitCode::Crashed;
//   - `batch`, which runs each job in a forked worker, reads the dead worker's stage and job from
//     the shared block to record "crashed: SIGSEGV in stage complete" for that job alone.
// The block is a fixed-size MAP_SHARED page, written with plain stores: the handler only reads
// it, and a torn name after a crash mid-write can at worst print a shorter stage name.
#pragma once

#include <string>

namespace flexforge {

// Marks the calling code as running `stage` until the scope ends (nested scopes restore the
// outer name). Thread-compatible: stages that run parts in parallel all report the same name.
class StageScope {
 public:
  explicit StageScope(const std::string& stage);
  ~StageScope();
  StageScope(const StageScope&) = delete;
  StageScope& operator=(const StageScope&) = delete;

 private:
  std::string previous_;
};

// The stage running now ("" when none) and the batch job running now ("" when none).
std::string current_stage();
std::string current_job();
void set_current_job(const std::string& job);

// Called before fork(): creates the shared block (so that parent and worker see one copy) and
// clears the stage and job a previous worker may have left in it.
void prepare_crash_state_for_fork();

// "SIGSEGV", "SIGABRT", ... ("signal N" for others).
std::string signal_name(int signal);

// "crashed: SIGSEGV in stage complete" (or "... outside any stage").
std::string describe_crash(int signal, const std::string& stage);

// Installs handlers for SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT (on an alternate stack, so
// a stack overflow is reported too) that print the one-line error above, in the log format in
// use, and _exit with `exit_code`. Not installed under AddressSanitizer, whose own report is
// the better one there.
void install_crash_handler(int exit_code);

// Restores the default action of those signals (a batch worker: its parent reports the crash).
void reset_crash_handler();

// Test-only fault hook. When FLEXFORGE_TEST_FAULT is "STAGE" or "STAGE@JOB" and the stage (and
// batch job) being entered match, raises the signal named by FLEXFORGE_TEST_FAULT_SIGNAL
// (SIGSEGV by default; SIGABRT and SIGKILL are accepted). Called by StageScope; a no-op when the
// variable is unset, which is always the case outside the tests.
void inject_test_fault(const std::string& stage);

}  // namespace flexforge
