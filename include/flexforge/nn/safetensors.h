// safetensors files (https://github.com/huggingface/safetensors, format description only):
//
//   u64 little-endian N | N bytes of JSON header | data
//   header: {"<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
//            "__metadata__": {"key": "string", ...}}   (offsets relative to the data section)
//
// Reading memory-maps the file and validates everything before a tensor is touched: header length
// within the file, JSON well-formed, known dtype, shape x element size == byte range, ranges
// inside the data section and not overlapping. Any violation — including a truncated file —
// throws Error(ExitCode::Model) naming the file and the problem. Tensors are returned on the CPU;
// callers move them with .to(device).
//
// Writing lays tensors out in name order, pads the header with spaces to a multiple of 8 bytes
// (so every tensor starts 8-byte aligned) and writes atomically (temp file + rename).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace flexforge::nn {

using TensorMap = std::map<std::string, torch::Tensor>;

// Supported dtypes: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL.
std::string safetensors_dtype_name(torch::ScalarType type);

struct SafetensorsEntry {
  std::string name;
  torch::ScalarType dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets within the data section
  uint64_t end = 0;
};

class SafetensorsFile {
 public:
  // Maps and validates `path`; throws Error(Model) on any problem.
  explicit SafetensorsFile(const std::filesystem::path& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::vector<SafetensorsEntry>& entries() const { return entries_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool contains(const std::string& name) const;

  // A CPU tensor holding a copy of the named tensor's bytes, converted to `as` when given.
  torch::Tensor tensor(const std::string& name,
                       c10::optional<torch::ScalarType> as = c10::nullopt) const;
  TensorMap all(c10::optional<torch::ScalarType> as = c10::nullopt) const;

 private:
  std::filesystem::path path_;
  const uint8_t* data_ = nullptr;  // start of the data section inside the mapping
  void* mapping_ = nullptr;
  size_t mapping_size_ = 0;
  std::vector<SafetensorsEntry> entries_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

// Reads every tensor (CPU). Throws Error(Model) naming the file on any problem.
TensorMap load_safetensors(const std::filesystem::path& path);

// Writes tensors (any device; copied to CPU, made contiguous) and string metadata atomically.
// Throws Error(OutputFailed) when the file cannot be written, Error(Model) for an unsupported dtype.
void save_safetensors(const std::filesystem::path& path, const TensorMap& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace flexforge::nn
