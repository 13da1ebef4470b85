#include "flexforge/core/progress.h"

#include "flexforge/core/log.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>

namespace flexforge {

Progress::Progress(std::string label, std::size_t total)
    : label_(std::move(label)), total_(std::max<std::size_t>(total, 1)) {
  const LogSettings& s = log_settings();
  if (s.verbosity < 0) {
    mode_ = Mode::Silent;
  } else if (s.format == LogFormat::Json) {
    mode_ = Mode::Json;
  } else {
    mode_ = isatty(STDERR_FILENO) ? Mode::Bar : Mode::Silent;
  }
  start_ = last_render_ = std::chrono::steady_clock::now();
}

Progress::~Progress() {
  if (std::uncaught_exceptions() > 0) {
    // Unwinding from a failure: do not report the work as finished; just end the bar's line.
    std::lock_guard<std::mutex> lock(mutex_);
    if (!finished_ && mode_ == Mode::Bar) std::fprintf(stderr, "\n");
    finished_ = true;
    return;
  }
  finish();
}

void Progress::advance(std::size_t steps) {
  const std::size_t done = done_.fetch_add(steps) + steps;
  if (mode_ == Mode::Silent) return;
  const auto now = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock() || finished_) return;
  const auto min_gap = mode_ == Mode::Json ? std::chrono::milliseconds(500)
                                           : std::chrono::milliseconds(100);
  if (now - last_render_ < min_gap && done < total_) return;
  last_render_ = now;
  render(std::min(done, total_), false);
}

void Progress::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (mode_ != Mode::Silent) render(std::min(done_.load(), total_), true);
}

void Progress::render(std::size_t done, bool final) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (mode_ == Mode::Json) {
    nlohmann::json event = {{"event", "progress"}, {"label", label_}, {"done", done},
                            {"total", total_},     {"seconds", seconds}, {"final", final}};
    emit_json_event(event.dump());
    return;
  }
  constexpr int width = 30;
  const double fraction = static_cast<double>(done) / static_cast<double>(total_);
  const int filled = static_cast<int>(fraction * width);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(width, '-');
  std::fprintf(stderr, "\r%-24s [%s] %3d%% %6.1fs", label_.c_str(), bar.c_str(),
               static_cast<int>(fraction * 100.0), seconds);
  if (final) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

}  // namespace flexforge
