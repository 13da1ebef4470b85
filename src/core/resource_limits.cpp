#include "flexforge/core/resource_limits.h"

#include "flexforge/core/error.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

namespace flexforge {

ResourceLimits& resource_limits() {
  static ResourceLimits limits;
  return limits;
}

std::size_t parse_byte_size(const std::string& text, const std::string& what) {
  std::size_t used = 0;
  double value = 0.0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  double scale = 1.0;
  if (used > 0 && used + 1 == text.size()) {
    switch (text.back()) {
      case 'K': case 'k': scale = 1024.0; break;
      case 'M': case 'm': scale = 1024.0 * 1024.0; break;
      case 'G': case 'g': scale = 1024.0 * 1024.0 * 1024.0; break;
      case 'T': case 't': scale = 1024.0 * 1024.0 * 1024.0 * 1024.0; break;
      default: used = 0;
    }
    if (used > 0) ++used;
  }
  if (used == 0 || used != text.size() || !std::isfinite(value) || value < 0 || value * scale > 1e18) {
    throw Error(ExitCode::Usage, what + " '" + text + "' is not a size (e.g. 0, 512M, 8G)");
  }
  return static_cast<std::size_t>(value * scale);
}

std::size_t default_memory_limit() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return 0;
  return static_cast<std::size_t>(0.9 * static_cast<double>(pages) * static_cast<double>(page));
}

void apply_resource_limits(const ResourceLimits& limits) {
#if defined(__SANITIZE_ADDRESS__)
  (void)limits;
  return;
#else
  if (limits.max_memory_bytes == 0) return;
  rlimit r{};
  r.rlim_cur = r.rlim_max = static_cast<rlim_t>(limits.max_memory_bytes);
  if (::setrlimit(RLIMIT_AS, &r) != 0) {
    throw Error(ExitCode::Resource, std::string("cannot set the memory limit: ") + std::strerror(errno));
  }
#endif
}

void check_input_faces(const std::string& file, std::size_t faces) {
  const std::size_t limit = resource_limits().max_input_faces;
  if (limit > 0 && faces > limit) {
    throw Error(ExitCode::Resource, file + ": " + std::to_string(faces) + " faces is over the limit of " +
                                        std::to_string(limit) + " (raise it with max_input_faces)");
  }
}

}  // namespace flexforge
