// Errors that reach the user. Every failure the CLI reports carries one of these exit codes,
// documented in README.md ("Exit codes"); the message is one line naming the file and the reason.
#pragma once

#include <stdexcept>
#include <string>

namespace flexforge {

enum class ExitCode : int {
  Ok = 0,
  Usage = 2,          // bad command line or option value (CLI11's own 100-114 map here)
  InvalidInput = 3,   // input missing, unreadable, corrupt or semantically invalid
  Model = 4,          // model weights or config missing, corrupt or mismatched
  OutputFailed = 5,   // output path not writable
  StageFailed = 6,    // a pipeline stage failed on valid input (batch: some jobs failed)
  Resource = 7,       // a resource limit was hit or a requested device is unavailable
  Crashed = 8,        // a stage crashed (a signal: a bug); the message names the signal and stage
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

}  // namespace flexforge
