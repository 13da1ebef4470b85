// safetensors reader/writer (layout in safetensors.h). The reader maps the file read-only and
// validates the header completely before returning, so a truncated or corrupt file fails at open
// with one message naming the file, never later with a crash. Byte order: the format is little-
// endian and so are the hosts flexforge targets (x86-64, aarch64); the length prefix is decoded
// byte by byte regardless.
#include "flexforge/nn/safetensors.h"
#include "flexforge/nn/safetensors_header.h"

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
  if (size < 8) {  // mmap of an empty file fails; the parser words the message
    ::close(fd);
    (void)parse_safetensors_header(nullptr, size, path.string());
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) fail(path, std::string("cannot map weights file: ") + std::strerror(errno));
  mapping_ = map;
  mapping_size_ = size;
  const auto* bytes = static_cast<const uint8_t*>(map);

  try {
    auto header = parse_safetensors_header(bytes, size, path.string());
    data_ = bytes + header.data_offset;
    metadata_ = std::move(header.metadata);
    for (auto& r : header.tensors) {
      SafetensorsEntry e;
      e.name = std::move(r.name);
      e.dtype = std::find_if(std::begin(kDtypes), std::end(kDtypes),
                             [&](const DtypeName& d) { return r.dtype == d.name; })
                    ->type;  // the parser accepts only the names in kDtypes
      e.shape = std::move(r.shape);
      e.begin = r.begin;
      e.end = r.end;
      index_[e.name] = entries_.size();
      entries_.push_back(std::move(e));
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
