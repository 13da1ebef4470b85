#include "flexforge/core/atomic_file.h"

#include "flexforge/core/error.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <vector>

namespace fs = std::filesystem;

namespace flexforge {

namespace {
std::string random_suffix() {
  std::random_device rd;
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 8; ++i) s += digits[rd() % 16];
  return s;
}

fs::path parent_or_cwd(const fs::path& target) {
  return target.has_parent_path() ? target.parent_path() : fs::path(".");
}

[[noreturn]] void fail(const fs::path& path, const std::string& reason) {
  throw Error(ExitCode::OutputFailed, path.string() + ": cannot write: " + reason);
}
}  // namespace

void require_writable_parent(const fs::path& target) {
  const fs::path dir = parent_or_cwd(target);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail(target, "directory '" + dir.string() + "' does not exist");
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    fail(target, "directory '" + dir.string() + "' is not writable (" + std::strerror(errno) + ")");
  }
  if (fs::is_directory(target, ec)) fail(target, "it is a directory");
}

void write_file_atomic(const fs::path& target, std::string_view bytes) {
  require_writable_parent(target);
  const fs::path temp =
      parent_or_cwd(target) / ("." + target.filename().string() + ".tmp-" + random_suffix());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail(target, std::strerror(errno));
  const char* data = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string reason = std::strerror(errno);
      ::close(fd);
      ::unlink(temp.c_str());
      fail(target, reason);
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    fail(target, reason);
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    fail(target, reason);
  }
}

void write_files_atomic(const fs::path& target,
                        const std::function<void(const fs::path& staged)>& produce) {
  require_writable_parent(target);
  const fs::path dir = parent_or_cwd(target);
  const fs::path staging = dir / ("." + target.filename().string() + ".staging-" + random_suffix());
  std::error_code ec;
  if (!fs::create_directory(staging, ec)) fail(target, ec.message());
  try {
    produce(staging / target.filename());
    std::vector<fs::path> produced;
    for (const auto& entry : fs::directory_iterator(staging)) produced.push_back(entry.path());
    if (!fs::exists(staging / target.filename())) fail(target, "the writer produced no file");
    // Side files (.mtl, .bin) first, so the main file never points at something missing.
    for (const fs::path& p : produced) {
      if (p.filename() == target.filename()) continue;
      fs::rename(p, dir / p.filename());
    }
    fs::rename(staging / target.filename(), target);
    fs::remove_all(staging, ec);
  } catch (...) {
    fs::remove_all(staging, ec);
    throw;
  }
}

}  // namespace flexforge
