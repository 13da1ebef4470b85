// safetensors header validation. Everything a later read relies on is checked here, once, so
// the reader can copy byte ranges without further bounds checks.
#include "flexforge/nn/safetensors_header.h"

#include "flexforge/core/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace flexforge::nn {

namespace {

constexpr uint64_t kMaxHeaderBytes = 100ull << 20;  // the format's own limit

[[noreturn]] void fail(const std::string& source, const std::string& why) {
  throw Error(ExitCode::Model, source + ": " + why);
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

uint64_t safetensors_element_size(const std::string& dtype) {
  static const std::map<std::string, uint64_t> sizes = {
      {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8},
      {"I32", 4}, {"I16", 2}, {"I8", 1},  {"U8", 1},   {"BOOL", 1}};
  const auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

SafetensorsHeader parse_safetensors_header(const uint8_t* bytes, uint64_t size,
                                           const std::string& source) {
  if (size < 8) {
    fail(source, "truncated safetensors file (" + std::to_string(size) +
                     " bytes, shorter than the 8-byte header length)");
  }
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | bytes[i];
  if (header_len > kMaxHeaderBytes) {
    fail(source, "corrupt safetensors header (claims " + std::to_string(header_len) +
                     " header bytes)");
  }
  if (header_len > size - 8) {
    fail(source, "truncated safetensors file (header needs " + std::to_string(header_len) +
                     " bytes, file has " + std::to_string(size - 8) + " after the length)");
  }
  const std::string header_text(reinterpret_cast<const char*>(bytes + 8), header_len);
  const auto header = nlohmann::json::parse(header_text, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) {
    fail(source, "corrupt safetensors header (not a JSON object)");
  }
  SafetensorsHeader out;
  out.data_offset = 8 + header_len;
  const uint64_t data_size = size - out.data_offset;

  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") {
      if (!info.is_object()) fail(source, "corrupt safetensors header (__metadata__ not an object)");
      for (const auto& [key, value] : info.items()) {
        if (!value.is_string()) {
          fail(source, "corrupt safetensors header (__metadata__." + key + " is not a string)");
        }
        out.metadata[key] = value.get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + name + "'";
    if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") ||
        !info.contains("data_offsets") || !info["dtype"].is_string() ||
        !info["shape"].is_array() || !info["data_offsets"].is_array() ||
        info["data_offsets"].size() != 2) {
      fail(source, "corrupt safetensors header (" + where + " lacks dtype/shape/data_offsets)");
    }
    SafetensorsRecord r;
    r.name = name;
    r.dtype = info["dtype"].get<std::string>();
    const uint64_t element_size = safetensors_element_size(r.dtype);
    if (element_size == 0) fail(source, where + " has unsupported dtype " + r.dtype);
    // The byte count is computed without overflow: an unchecked product of dimensions can wrap
    // 64 bits around to a small number that matches the offsets. A single dimension is bounded
    // as well, even next to a zero, so that no stride computation downstream can overflow.
    constexpr uint64_t kMaxDim = 1ull << 40;
    uint64_t numel = 1;
    for (const auto& dim : info["shape"]) {
      if (!dim.is_number_unsigned() || dim.get<uint64_t>() > kMaxDim) {
        fail(source, "corrupt safetensors header (" + where + " shape)");
      }
      r.shape.push_back(dim.get<int64_t>());
    }
    for (const int64_t d : r.shape) {
      if (d == 0) numel = 0;
    }
    for (const int64_t d : r.shape) {
      if (numel == 0) break;
      if (numel > (UINT64_MAX / element_size) / static_cast<uint64_t>(d)) {
        fail(source, "corrupt safetensors header (" + where + " shape " + shape_string(r.shape) +
                         " overflows a 64-bit byte count)");
      }
      numel *= static_cast<uint64_t>(d);
    }
    for (const auto& off : info["data_offsets"]) {
      if (!off.is_number_unsigned()) {
        fail(source, "corrupt safetensors header (" + where + " data_offsets)");
      }
    }
    r.begin = info["data_offsets"][0].get<uint64_t>();
    r.end = info["data_offsets"][1].get<uint64_t>();
    const uint64_t expected = numel * element_size;
    if (r.end < r.begin || r.end - r.begin != expected) {
      fail(source, "corrupt safetensors header (" + where + " " + r.dtype + " " +
                       shape_string(r.shape) + " needs " + std::to_string(expected) +
                       " bytes, offsets give " + std::to_string(r.end - r.begin) + ")");
    }
    if (r.end > data_size) {
      fail(source, "truncated safetensors file (" + where + " ends at byte " +
                       std::to_string(r.end) + " of a " + std::to_string(data_size) +
                       "-byte data section)");
    }
    out.tensors.push_back(std::move(r));
  }
  std::vector<const SafetensorsRecord*> by_offset;
  for (const auto& r : out.tensors) by_offset.push_back(&r);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const auto* a, const auto* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    if (by_offset[i]->begin < by_offset[i - 1]->end) {
      fail(source, "corrupt safetensors header (tensors '" + by_offset[i - 1]->name + "' and '" +
                       by_offset[i]->name + "' overlap)");
    }
  }
  return out;
}

}  // namespace flexforge::nn
