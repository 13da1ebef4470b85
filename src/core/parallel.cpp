#include "flexforge/core/parallel.h"

#include "flexforge/core/error.h"

namespace flexforge {

namespace {
std::atomic<int> g_worker_threads{0};
}

void set_worker_threads(int threads) {
  if (threads < 0) throw Error(ExitCode::Usage, "threads must be 0 (all cores) or positive");
  g_worker_threads = threads;
}

unsigned worker_threads() {
  const int t = g_worker_threads;
  return t > 0 ? static_cast<unsigned>(t) : std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace flexforge
