// Parallel loops for flexforge's own CPU code, sized by the global --threads setting.
//
// Determinism contract: work is handed out in fixed index chunks and `body(i)` may only write
// to outputs owned by index i, so results never depend on the thread count or on scheduling.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace flexforge {

// 0 = every hardware thread. Set once by the CLI from --threads (nn/runtime.h also passes it to
// libtorch).
void set_worker_threads(int threads);
// The effective count, at least 1.
unsigned worker_threads();

// Runs body(i) for i in [0, n) on `threads` workers (0 = worker_threads()). The first exception
// thrown by any body stops the hand-out of new chunks and is rethrown on the calling thread.
template <typename Body>
void parallel_for(std::size_t n, const Body& body, unsigned threads = 0,
                  std::size_t chunk = 1024) {
  if (threads == 0) threads = worker_threads();
  chunk = std::max<std::size_t>(chunk, 1);
  const std::size_t chunks = (n + chunk - 1) / chunk;
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, chunks));
  if (threads <= 1) {
    for (std::size_t i = 0; i < n; ++i) body(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto worker = [&]() {
    for (std::size_t c = next++; c < chunks; c = next++) {
      try {
        const std::size_t end = std::min(n, (c + 1) * chunk);
        for (std::size_t i = c * chunk; i < end; ++i) body(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = chunks;  // stop handing out work
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace flexforge
