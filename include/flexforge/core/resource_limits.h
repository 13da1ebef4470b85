// Process-wide resource limits, so that absurd inputs end with exit 7 and a message naming the
// limit instead of an out-of-memory kill:
//   - max_input_faces: a mesh file with more faces is refused by io::load_scene before any
//     stage touches it (default 5,000,000; 0 = no limit);
//   - max_memory_bytes: the address-space limit (RLIMIT_AS) of the process, so that an
//     allocation past it fails (std::bad_alloc, reported as exit 7) rather than the kernel
//     killing the process (default: 90% of physical memory; 0 = no limit). Not applied under
//     AddressSanitizer, which reserves terabytes of address space by design.
#pragma once

#include <cstddef>
#include <string>

namespace flexforge {

inline constexpr std::size_t kDefaultMaxInputFaces = 5000000;

struct ResourceLimits {
  std::size_t max_input_faces = kDefaultMaxInputFaces;
  std::size_t max_memory_bytes = 0;  // 0 = none (apply_resource_limits fills the default)
};

ResourceLimits& resource_limits();

// "0", "512M", "8G", "1.5G", "1073741824" -> bytes; Error(Usage) naming `what` otherwise.
std::size_t parse_byte_size(const std::string& text, const std::string& what);

// 90% of physical memory (0 when unknown).
std::size_t default_memory_limit();

// Sets RLIMIT_AS to limits.max_memory_bytes (when non-zero). Error(Resource) when the kernel
// refuses.
void apply_resource_limits(const ResourceLimits& limits);

// Error(Resource) naming the file and the limit when `faces` is above max_input_faces.
void check_input_faces(const std::string& file, std::size_t faces);

}  // namespace flexforge
