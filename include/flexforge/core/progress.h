// Progress reporting for long work. A bar on stderr when stderr is a terminal; nothing when it is
// not (logs and CI stay clean) or with -q; JSON events ({"event":"progress",...}) with
// --log-format json so pipelines can follow a job.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace flexforge {

class Progress {
 public:
  Progress(std::string label, std::size_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Thread-safe; output is throttled so hot loops may call it freely.
  void advance(std::size_t steps = 1);
  void finish();

 private:
  enum class Mode { Silent, Bar, Json };
  void render(std::size_t done, bool final);

  std::string label_;
  std::size_t total_;
  std::atomic<std::size_t> done_{0};
  Mode mode_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_, last_render_;
  bool finished_ = false;
};

}  // namespace flexforge
