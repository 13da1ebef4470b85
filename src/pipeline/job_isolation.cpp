#include "flexforge/pipeline/job_isolation.h"

#include "flexforge/core/crash_guard.h"
#include "flexforge/core/error.h"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace flexforge::pipeline {

namespace {

// Frames on the pipe: 8-byte little-endian length, then that many bytes of JSON.
bool write_frame(int fd, const std::string& payload) {
  const std::uint64_t size = payload.size();
  std::string frame(reinterpret_cast<const char*>(&size), sizeof(size));
  frame += payload;
  const char* p = frame.data();
  std::size_t left = frame.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

// Reads exactly `size` bytes; false at end of file or on error (a worker that died mid-frame).
bool read_exact(int fd, char* buffer, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::read(fd, buffer, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

[[noreturn]] void run_child(int write_fd, const std::function<void(const ResultSink&)>& work) {
  // Die with the parent: a SIGKILLed shard must not leave a worker that writes on behind it.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The parent reports this worker's crashes; the default action makes them visible as signals.
  reset_crash_handler();
  int status = 0;
  try {
    work([&](const nlohmann::json& line) {
      if (!write_frame(write_fd, line.dump())) {
        throw Error(ExitCode::OutputFailed, "batch worker: lost the pipe to its parent");
      }
    });
  } catch (const std::exception& e) {
    spdlog::error("batch worker: {}", e.what());
    status = static_cast<int>(ExitCode::StageFailed);
  }
  spdlog::default_logger()->flush();
  std::fflush(nullptr);
  // No static destructors or atexit handlers: they belong to the parent's state.
  ::_exit(status);
}

}  // namespace

WorkerOutcome run_in_worker(const std::function<void(const ResultSink&)>& work,
                            const ResultSink& on_line) {
  prepare_crash_state_for_fork();
  set_current_job("");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw Error(ExitCode::Resource, std::string("batch: cannot create a pipe: ") + std::strerror(errno));
  }
  spdlog::default_logger()->flush();
  std::fflush(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw Error(ExitCode::Resource, std::string("batch: cannot fork a worker: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(fds[0]);
    if (::getppid() != parent) ::_exit(static_cast<int>(ExitCode::StageFailed));  // parent gone
    run_child(fds[1], work);
  }
  ::close(fds[1]);

  WorkerOutcome outcome;
  for (;;) {
    std::uint64_t size = 0;
    if (!read_exact(fds[0], reinterpret_cast<char*>(&size), sizeof(size))) break;
    std::string payload(size, '\0');
    if (!read_exact(fds[0], payload.data(), payload.size())) break;
    nlohmann::json line;
    try {
      line = nlohmann::json::parse(payload);
    } catch (const nlohmann::json::exception&) {
      break;  // cannot happen with write_frame; treat as a worker that died mid-frame
    }
    ++outcome.lines;
    on_line(line);
  }
  ::close(fds[0]);

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw Error(ExitCode::StageFailed, std::string("batch: lost a worker: ") + std::strerror(errno));
    }
  }
  const std::string stage = current_stage();
  outcome.job = current_job();
  if (WIFSIGNALED(status)) {
    outcome.crashed = true;
    outcome.error = describe_crash(WTERMSIG(status), stage);
    if (WTERMSIG(status) == SIGKILL) outcome.error += " (killed: out of memory?)";
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    // A sanitizer's own crash report, or a worker that could not talk to its parent.
    outcome.crashed = true;
    outcome.error = "crashed: exit status " + std::to_string(WEXITSTATUS(status)) +
                    (stage.empty() ? std::string(" outside any stage") : " in stage " + stage);
  }
  set_current_job("");
  return outcome;
}

}  // namespace flexforge::pipeline
