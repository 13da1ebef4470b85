// The safetensors header, parsed and validated without libtorch (layout in safetensors.h). Kept
// apart from the tensor reader so that the part that reads untrusted bytes can be fuzzed and
// tested on its own, and so that tools that only list a file's tensors need no torch.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace flexforge::nn {

struct SafetensorsRecord {
  std::string name;
  std::string dtype;          // one of F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL
  std::vector<int64_t> shape;
  uint64_t begin = 0;         // byte offsets within the data section
  uint64_t end = 0;
};

struct SafetensorsHeader {
  std::vector<SafetensorsRecord> tensors;  // in header order
  std::map<std::string, std::string> metadata;
  uint64_t data_offset = 0;                // where the data section starts in the file
};

// Bytes per element of a safetensors dtype name; 0 when the name is not supported.
uint64_t safetensors_element_size(const std::string& dtype);

// Parses and validates the header of a whole file's bytes: header length within the file and the
// format's 100 MB limit, JSON well-formed, known dtypes, shapes whose element count cannot
// overflow, shape x element size == byte range, ranges inside the data section and not
// overlapping. Throws Error(ExitCode::Model) with "<source>: <problem>" on any violation.
SafetensorsHeader parse_safetensors_header(const uint8_t* bytes, uint64_t size,
                                           const std::string& source);

}  // namespace flexforge::nn
