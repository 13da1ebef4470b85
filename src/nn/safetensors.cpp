// safetensors reader/writer (layout in safetensors.h). The reader maps the file read-only and
// validates the header completely before returning, so a truncated or corrupt file fails at open
// with one message naming the file, never later with a crash. Byte order: the format is little-
// endian and so are the hosts flexforge targets (x86-64, aarch64); the length prefix is decoded
// byte by byte regardless.
#include "flexforge/nn/safetensors.h"

#include "flexforge/core/atomic_file.h"
#include "flexforge/core/error.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>

namespace flexforge::nn {

namespace {

constexpr uint64_t kMaxHeaderBytes = 100ull << 20;  // the format's own limit

struct DtypeName {
  const char* name;
  torch::ScalarType type;
};
constexpr DtypeName kDtypes[] = {
    {"F64", torch::kDouble}, {"F32", torch::kFloat},  {"F16", torch::kHalf},
    {"BF16", torch::kBFloat16}, {"I64", torch::kLong}, {"I32", torch::kInt},
    {"I16", torch::kShort},  {"I8", torch::kChar},    {"U8", torch::kByte},
    {"BOOL", torch::kBool},
};

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& why) {
  throw Error(ExitCode::Model, path.string() + ": " + why);
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

std::string safetensors_dtype_name(torch::ScalarType type) {
  for (const auto& d : kDtypes) {
    if (d.type == type) return d.name;
  }
  throw Error(ExitCode::Model, std::string("safetensors: unsupported dtype ") +
                                   c10::toString(type));
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, std::string("cannot open weights file: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(path, "not a regular file");
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size < 8) {
    ::close(fd);
    fail(path, "truncated safetensors file (" + std::to_string(size) +
                   " bytes, shorter than the 8-byte header length)");
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) fail(path, std::string("cannot map weights file: ") + std::strerror(errno));
  mapping_ = map;
  mapping_size_ = size;
  const auto* bytes = static_cast<const uint8_t*>(map);

  try {
    uint64_t header_len = 0;
    for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | bytes[i];
    if (header_len > kMaxHeaderBytes) {
      fail(path, "corrupt safetensors header (claims " + std::to_string(header_len) +
                     " header bytes)");
    }
    if (header_len > size - 8) {
      fail(path, "truncated safetensors file (header needs " + std::to_string(header_len) +
                     " bytes, file has " + std::to_string(size - 8) + " after the length)");
    }
    const std::string header_text(reinterpret_cast<const char*>(bytes + 8), header_len);
    const auto header = nlohmann::json::parse(header_text, nullptr, /*allow_exceptions=*/false);
    if (header.is_discarded() || !header.is_object()) {
      fail(path, "corrupt safetensors header (not a JSON object)");
    }
    data_ = bytes + 8 + header_len;
    const uint64_t data_size = size - 8 - header_len;

    for (const auto& [name, info] : header.items()) {
      if (name == "__metadata__") {
        if (!info.is_object()) fail(path, "corrupt safetensors header (__metadata__ not an object)");
        for (const auto& [key, value] : info.items()) {
          if (!value.is_string()) fail(path, "corrupt safetensors header (__metadata__." + key +
                                                 " is not a string)");
          metadata_[key] = value.get<std::string>();
        }
        continue;
      }
      const std::string where = "tensor '" + name + "'";
      if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") ||
          !info.contains("data_offsets") || !info["dtype"].is_string() ||
          !info["shape"].is_array() || !info["data_offsets"].is_array() ||
          info["data_offsets"].size() != 2) {
        fail(path, "corrupt safetensors header (" + where + " lacks dtype/shape/data_offsets)");
      }
      SafetensorsEntry e;
      e.name = name;
      const auto dtype = info["dtype"].get<std::string>();
      const auto* found = std::find_if(std::begin(kDtypes), std::end(kDtypes),
                                       [&](const DtypeName& d) { return dtype == d.name; });
      if (found == std::end(kDtypes)) fail(path, where + " has unsupported dtype " + dtype);
      e.dtype = found->type;
      uint64_t numel = 1;
      for (const auto& dim : info["shape"]) {
        if (!dim.is_number_unsigned()) fail(path, "corrupt safetensors header (" + where + " shape)");
        e.shape.push_back(dim.get<int64_t>());
        numel *= dim.get<uint64_t>();
      }
      for (const auto& off : info["data_offsets"]) {
        if (!off.is_number_unsigned()) {
          fail(path, "corrupt safetensors header (" + where + " data_offsets)");
        }
      }
      e.begin = info["data_offsets"][0].get<uint64_t>();
      e.end = info["data_offsets"][1].get<uint64_t>();
      const uint64_t expected = numel * c10::elementSize(e.dtype);
      if (e.end < e.begin || e.end - e.begin != expected) {
        fail(path, "corrupt safetensors header (" + where + " " + dtype + " " +
                       shape_string(e.shape) + " needs " + std::to_string(expected) +
                       " bytes, offsets give " + std::to_string(e.end - e.begin) + ")");
      }
      if (e.end > data_size) {
        fail(path, "truncated safetensors file (" + where + " ends at byte " +
                       std::to_string(e.end) + " of a " + std::to_string(data_size) +
                       "-byte data section)");
      }
      index_[name] = entries_.size();
      entries_.push_back(std::move(e));
    }
    std::vector<const SafetensorsEntry*> by_offset;
    for (const auto& e : entries_) by_offset.push_back(&e);
    std::sort(by_offset.begin(), by_offset.end(),
              [](const auto* a, const auto* b) { return a->begin < b->begin; });
    for (size_t i = 1; i < by_offset.size(); ++i) {
      if (by_offset[i]->begin < by_offset[i - 1]->end) {
        fail(path, "corrupt safetensors header (tensors '" + by_offset[i - 1]->name + "' and '" +
                       by_offset[i]->name + "' overlap)");
      }
    }
  } catch (...) {
    ::munmap(mapping_, mapping_size_);
    mapping_ = nullptr;
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping_ != nullptr) ::munmap(mapping_, mapping_size_);
}

bool SafetensorsFile::contains(const std::string& name) const { return index_.count(name) > 0; }

torch::Tensor SafetensorsFile::tensor(const std::string& name,
                                      c10::optional<torch::ScalarType> as) const {
  const auto it = index_.find(name);
  if (it == index_.end()) fail(path_, "no tensor named '" + name + "'");
  const auto& e = entries_[it->second];
  // Copy out of the mapping: the tensor outlives this object, and the data may be unaligned.
  auto t = torch::empty(e.shape, torch::TensorOptions().dtype(e.dtype));
  if (e.end > e.begin) std::memcpy(t.data_ptr(), data_ + e.begin, e.end - e.begin);
  return as && *as != e.dtype ? t.to(*as) : t;
}

TensorMap SafetensorsFile::all(c10::optional<torch::ScalarType> as) const {
  TensorMap out;
  for (const auto& e : entries_) out[e.name] = tensor(e.name, as);
  return out;
}

TensorMap load_safetensors(const std::filesystem::path& path) {
  return SafetensorsFile(path).all();
}

void save_safetensors(const std::filesystem::path& path, const TensorMap& tensors,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  std::vector<torch::Tensor> payload;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name == "__metadata__") throw Error(ExitCode::Model, "safetensors: reserved tensor name");
    auto t = tensor.detach().to(torch::kCPU).contiguous();
    const uint64_t bytes = t.numel() * t.element_size();
    header[name] = {{"dtype", safetensors_dtype_name(t.scalar_type())},
                    {"shape", t.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    payload.push_back(std::move(t));
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  uint8_t length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(uint64_t(text.size()) >> (8 * i));

  write_files_atomic(path, [&](const std::filesystem::path& staged) {
    std::ofstream out(staged, std::ios::binary);
    out.write(reinterpret_cast<const char*>(length), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& t : payload) {
      out.write(static_cast<const char*>(t.data_ptr()),
                static_cast<std::streamsize>(t.numel() * t.element_size()));
    }
    out.flush();
    if (!out) throw Error(ExitCode::OutputFailed, path.string() + ": cannot write weights file");
  });
}

}  // namespace flexforge::nn
