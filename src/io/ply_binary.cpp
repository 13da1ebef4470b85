// Binary PLY reader: the header is parsed into elements and typed properties, then the data is
// walked element by element through a cursor that refuses to read past the end of the file.
// Counts from the header are only trusted after they are checked against the bytes left.
#include "ply_binary.h"

#include "flexforge/core/error.h"
#include "flexforge/core/resource_limits.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace fs = std::filesystem;

namespace flexforge::io::detail {

namespace {

// A header is text; a longer one is not a PLY file anyone writes.
constexpr std::size_t kMaxHeaderBytes = std::size_t(1) << 20;

[[noreturn]] void corrupt(const fs::path& path, const std::string& reason) {
  throw Error(ExitCode::InvalidInput, path.string() + ": corrupt binary PLY: " + reason);
}

// Header text in a message: one short printable line, whatever the file holds.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (std::size_t k = 0; k < text.size() && k < 80; ++k) {
    const unsigned char c = static_cast<unsigned char>(text[k]);
    out += c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?';
  }
  return out + (text.size() > 80 ? "...'" : "'");
}

enum class Type { Int8, UInt8, Int16, UInt16, Int32, UInt32, Float32, Float64 };

std::optional<Type> parse_type(const std::string& name) {
  static const std::pair<const char*, Type> kNames[] = {
      {"char", Type::Int8},     {"int8", Type::Int8},       {"uchar", Type::UInt8},
      {"uint8", Type::UInt8},   {"short", Type::Int16},     {"int16", Type::Int16},
      {"ushort", Type::UInt16}, {"uint16", Type::UInt16},   {"int", Type::Int32},
      {"int32", Type::Int32},   {"uint", Type::UInt32},     {"uint32", Type::UInt32},
      {"float", Type::Float32}, {"float32", Type::Float32}, {"double", Type::Float64},
      {"float64", Type::Float64}};
  for (const auto& [text, type] : kNames) {
    if (name == text) return type;
  }
  return std::nullopt;
}

std::size_t type_size(Type type) {
  switch (type) {
    case Type::Int8:
    case Type::UInt8: return 1;
    case Type::Int16:
    case Type::UInt16: return 2;
    case Type::Int32:
    case Type::UInt32:
    case Type::Float32: return 4;
    case Type::Float64: return 8;
  }
  return 1;
}

bool is_integer(Type type) { return type != Type::Float32 && type != Type::Float64; }

// The largest value of an integer type: colour channels of that type are divided by it.
double type_max(Type type) {
  switch (type) {
    case Type::Int8: return 127.0;
    case Type::UInt8: return 255.0;
    case Type::Int16: return 32767.0;
    case Type::UInt16: return 65535.0;
    case Type::Int32: return 2147483647.0;
    case Type::UInt32: return 4294967295.0;
    default: return 1.0;
  }
}

struct Property {
  std::string name;
  Type type = Type::Float32;  // of the value, or of each list item
  bool is_list = false;
  Type count_type = Type::UInt8;  // lists only
};

struct Element {
  std::string name;
  std::uint64_t count = 0;
  std::vector<Property> properties;

  // Bytes one item takes at least (lists empty).
  std::size_t min_item_bytes() const {
    std::size_t bytes = 0;
    for (const Property& p : properties) bytes += type_size(p.is_list ? p.count_type : p.type);
    return bytes;
  }
};

struct Header {
  bool big_endian = false;
  std::vector<Element> elements;
  std::size_t data_offset = 0;  // first byte after end_header's line end
};

std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// Strict decimal: digits only, no sign, no overflow.
std::optional<std::uint64_t> parse_count(const std::string& text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

// Calls `line(text, next)` for each '\n'-terminated line of data[0, size) (a trailing '\r'
// removed), `next` being the offset after its '\n', until it returns false.
template <class F>
void for_each_line(const unsigned char* data, std::size_t size, F&& line) {
  std::size_t at = 0;
  while (at < size) {
    const void* nl = std::memchr(data + at, '\n', size - at);
    if (nl == nullptr) return;
    const std::size_t end = static_cast<std::size_t>(static_cast<const unsigned char*>(nl) - data);
    std::size_t text_end = end;
    if (text_end > at && data[text_end - 1] == '\r') --text_end;
    const std::string text(reinterpret_cast<const char*>(data + at), text_end - at);
    at = end + 1;
    if (!line(text, at)) return;
  }
}

Header parse_header(const fs::path& path, const std::vector<unsigned char>& file) {
  Header header;
  bool format_seen = false;
  bool first = true;
  bool ended = false;
  std::string error;
  const std::size_t limit = std::min(file.size(), kMaxHeaderBytes);
  for_each_line(file.data(), limit, [&](const std::string& text, std::size_t next) {
    const std::vector<std::string> words = split_words(text);
    if (first) {
      first = false;
      if (words.size() != 1 || words[0] != "ply") error = "the file does not start with a 'ply' line";
    } else if (words.empty() || words[0] == "comment" || words[0] == "obj_info") {
      // nothing to read
    } else if (words[0] == "format") {
      if (format_seen || !header.elements.empty() || words.size() != 3 || words[2] != "1.0") {
        error = "bad format line " + quoted(text);
      } else if (words[1] == "binary_little_endian" || words[1] == "binary_big_endian") {
        header.big_endian = words[1] == "binary_big_endian";
        format_seen = true;
      } else {
        error = "format " + quoted(words[1]) + " is not binary_little_endian or binary_big_endian";
      }
    } else if (words[0] == "element") {
      const std::optional<std::uint64_t> count = words.size() == 3 ? parse_count(words[2]) : std::nullopt;
      if (!count) {
        error = "bad element line " + quoted(text);
      } else {
        header.elements.push_back({words[1], *count, {}});
      }
    } else if (words[0] == "property") {
      Property p;
      const bool list = words.size() == 5 && words[1] == "list";
      if (header.elements.empty()) {
        error = "property line before any element: " + quoted(text);
      } else if (list) {
        const std::optional<Type> count_type = parse_type(words[2]);
        const std::optional<Type> item_type = parse_type(words[3]);
        if (!count_type || !item_type || !is_integer(*count_type)) {
          error = "bad list property line " + quoted(text);
        } else {
          p = {words[4], *item_type, true, *count_type};
        }
      } else if (words.size() == 3 && parse_type(words[1])) {
        p = {words[2], *parse_type(words[1]), false, Type::UInt8};
      } else {
        error = "bad property line " + quoted(text);
      }
      if (error.empty()) header.elements.back().properties.push_back(std::move(p));
    } else if (words.size() == 1 && words[0] == "end_header") {
      ended = true;
      header.data_offset = next;
    } else {
      error = "unknown header line " + quoted(text);
    }
    return error.empty() && !ended;
  });
  if (!error.empty()) corrupt(path, error);
  if (!ended) corrupt(path, "no end_header line in the first " + std::to_string(limit) + " bytes");
  if (!format_seen) corrupt(path, "no 'format binary_...' line before end_header");
  return header;
}

// What is being read, for messages: "vertex 12", "face 3", "element 'material' item 0".
struct Where {
  const std::string& kind;
  std::uint64_t index;
  std::string str() const { return kind + " " + std::to_string(index); }
};

// Reads typed values from the data, never past its end.
class Cursor {
 public:
  Cursor(const fs::path& path, const std::vector<unsigned char>& data, std::size_t at, bool big_endian)
      : path_(path), data_(data), at_(at), big_endian_(big_endian) {}

  std::size_t remaining() const { return data_.size() - at_; }

  void need(std::size_t bytes, const Where& what) const {
    if (bytes > remaining()) {
      corrupt(path_, "the data ends in " + what.str() + " (" + std::to_string(remaining()) + " bytes left, " +
                         std::to_string(bytes) + " needed)");
    }
  }

  void skip(std::size_t bytes, const Where& what) {
    need(bytes, what);
    at_ += bytes;
  }

  // Any type as a double (exact for every integer type).
  double value(Type type, const Where& what) {
    const std::size_t n = type_size(type);
    need(n, what);
    std::uint64_t bits = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const std::uint64_t byte = data_[at_ + (big_endian_ ? k : n - 1 - k)];
      bits = bits << 8 | byte;
    }
    at_ += n;
    switch (type) {
      case Type::Int8: return static_cast<std::int8_t>(static_cast<std::uint8_t>(bits));
      case Type::UInt8: return static_cast<std::uint8_t>(bits);
      case Type::Int16: return static_cast<std::int16_t>(static_cast<std::uint16_t>(bits));
      case Type::UInt16: return static_cast<std::uint16_t>(bits);
      case Type::Int32: return static_cast<std::int32_t>(static_cast<std::uint32_t>(bits));
      case Type::UInt32: return static_cast<std::uint32_t>(bits);
      case Type::Float32: {
        const std::uint32_t b32 = static_cast<std::uint32_t>(bits);
        float f;
        std::memcpy(&f, &b32, sizeof f);
        return f;
      }
      case Type::Float64: {
        double d;
        std::memcpy(&d, &bits, sizeof d);
        return d;
      }
    }
    return 0.0;
  }

  // A list's item count, checked against the bytes left.
  std::size_t list_count(const Property& p, const Where& what) {
    const double count = value(p.count_type, what);
    if (count < 0) corrupt(path_, what.str() + " has a negative list length");
    const std::size_t n = static_cast<std::size_t>(count);
    if (n > remaining() / type_size(p.type)) {
      corrupt(path_, what.str() + " claims a list of " + std::to_string(n) + " items, more than the " +
                         std::to_string(remaining()) + " bytes left");
    }
    return n;
  }

 private:
  const fs::path& path_;
  const std::vector<unsigned char>& data_;
  std::size_t at_;
  bool big_endian_;
};

// Checks `element.count` items of at least `min_bytes` each against the bytes left.
void check_count(const fs::path& path, const Element& element, std::size_t min_bytes, const Cursor& in) {
  if (min_bytes > 0 && element.count > in.remaining() / min_bytes) {
    corrupt(path, "element " + quoted(element.name) + " claims " + std::to_string(element.count) +
                      " items, more than the " + std::to_string(in.remaining()) + " bytes left can hold");
  }
}

enum Role { kSkip, kX, kY, kZ, kNX, kNY, kNZ, kRed, kGreen, kBlue, kAlpha, kRoles };

Role vertex_role(const std::string& name) {
  static const std::pair<const char*, Role> kNames[] = {
      {"x", kX},   {"y", kY},     {"z", kZ},       {"nx", kNX},    {"ny", kNY},
      {"nz", kNZ}, {"red", kRed}, {"green", kGreen}, {"blue", kBlue}, {"alpha", kAlpha}};
  for (const auto& [text, role] : kNames) {
    if (name == text) return role;
  }
  return kSkip;
}

void read_vertices(const fs::path& path, const Element& element, Cursor& in, Mesh& mesh) {
  std::vector<Role> roles;
  std::array<bool, kRoles> present{};
  for (const Property& p : element.properties) {
    const Role role = p.is_list ? kSkip : vertex_role(p.name);
    if (p.is_list && vertex_role(p.name) != kSkip) {
      corrupt(path, "vertex property " + quoted(p.name) + " is a list");
    }
    roles.push_back(role);
    present[role] = true;
  }
  for (const auto& [role, name] : {std::pair{kX, "x"}, std::pair{kY, "y"}, std::pair{kZ, "z"}}) {
    if (!present[role]) corrupt(path, std::string("the vertex element has no '") + name + "' property");
  }
  const bool normals = present[kNX] || present[kNY] || present[kNZ];
  const bool colors = present[kRed] || present[kGreen] || present[kBlue];
  if (element.count > UINT32_MAX) {
    corrupt(path, std::to_string(element.count) + " vertices, more than 32-bit indices reach");
  }
  check_count(path, element, element.min_item_bytes(), in);
  const std::size_t n = static_cast<std::size_t>(element.count);
  mesh.positions.reserve(n);
  if (normals) mesh.normals.reserve(n);
  if (colors) mesh.colors.reserve(n);
  const std::string kind = "vertex";
  for (std::size_t v = 0; v < n; ++v) {
    const Where where{kind, v};
    std::array<double, kRoles> values{};
    values[kAlpha] = 1.0;
    for (std::size_t k = 0; k < roles.size(); ++k) {
      const Property& p = element.properties[k];
      if (p.is_list) {
        in.skip(in.list_count(p, where) * type_size(p.type), where);
        continue;
      }
      const double value = in.value(p.type, where);
      const Role role = roles[k];
      values[role] = role >= kRed && is_integer(p.type) ? value / type_max(p.type) : value;
    }
    for (Role r : {kX, kY, kZ}) {
      // Out of float's range is as unusable as infinite (and casting it would be undefined).
      if (!(std::fabs(values[r]) <= std::numeric_limits<float>::max())) {
        corrupt(path, where.str() + " has a NaN or infinite coordinate");
      }
    }
    mesh.positions.emplace_back(static_cast<float>(values[kX]), static_cast<float>(values[kY]),
                                static_cast<float>(values[kZ]));
    if (normals) {
      const double nx = values[kNX], ny = values[kNY], nz = values[kNZ];
      const double len = std::sqrt(nx * nx + ny * ny + nz * nz);
      mesh.normals.push_back(len > 0.0 && std::isfinite(len)
                                 ? Vec3(static_cast<float>(nx / len), static_cast<float>(ny / len),
                                        static_cast<float>(nz / len))
                                 : Vec3(0, 0, 1));
    }
    if (colors) {
      Vec4 c;
      for (int i = 0; i < 4; ++i) {
        const double x = values[kRed + i];
        c[i] = std::isfinite(x) ? static_cast<float>(std::clamp(x, 0.0, 1.0)) : 0.0f;
      }
      mesh.colors.push_back(c);
    }
  }
}

void read_faces(const fs::path& path, const Element& element, std::uint64_t vertex_count, Cursor& in, Mesh& mesh) {
  std::size_t indices = element.properties.size();
  for (std::size_t k = 0; k < element.properties.size() && indices == element.properties.size(); ++k) {
    const Property& p = element.properties[k];
    if (p.name == "vertex_indices" || p.name == "vertex_index") indices = k;
  }
  if (indices == element.properties.size()) corrupt(path, "the face element has no vertex_indices list");
  const Property& index_property = element.properties[indices];
  if (!index_property.is_list || !is_integer(index_property.type)) {
    corrupt(path, "the face property " + quoted(index_property.name) + " is not a list of integers");
  }
  check_count(path, element, element.min_item_bytes(), in);
  check_input_faces(path.string(), static_cast<std::size_t>(element.count));
  // A valid face holds at least 3 indices: no more faces than that fit are reserved.
  const std::size_t fit = in.remaining() / (element.min_item_bytes() + 3 * type_size(index_property.type));
  mesh.triangles.reserve(std::min(static_cast<std::size_t>(element.count), fit));
  std::vector<std::uint32_t> polygon;
  const std::string kind = "face";
  for (std::uint64_t f = 0; f < element.count; ++f) {
    const Where where{kind, f};
    for (std::size_t k = 0; k < element.properties.size(); ++k) {
      const Property& p = element.properties[k];
      if (!p.is_list) {
        in.skip(type_size(p.type), where);
      } else if (k != indices) {
        in.skip(in.list_count(p, where) * type_size(p.type), where);
      } else {
        const std::size_t n = in.list_count(p, where);
        if (n < 3) corrupt(path, where.str() + " has " + std::to_string(n) + " vertices, fewer than 3");
        polygon.clear();
        for (std::size_t c = 0; c < n; ++c) {
          const double index = in.value(p.type, where);
          if (index < 0 || index >= static_cast<double>(vertex_count)) {
            corrupt(path, where.str() + " refers to vertex " + std::to_string(static_cast<std::int64_t>(index)) +
                              ", but the file has " + std::to_string(vertex_count) + " vertices");
          }
          polygon.push_back(static_cast<std::uint32_t>(index));
        }
        // A polygon adds triangles beyond the face count checked above.
        if (n > 3) check_input_faces(path.string(), mesh.triangles.size() + n - 2);
        for (std::size_t c = 1; c + 1 < n; ++c) mesh.triangles.push_back({polygon[0], polygon[c], polygon[c + 1]});
      }
    }
  }
}

// Merges vertices whose position, normal and colour are exactly equal, as Assimp's
// JoinIdenticalVertices does for every file it reads (within a tolerance; exact here).
void merge_identical_vertices(Mesh& mesh) {
  using Key = std::array<std::uint32_t, 10>;
  struct KeyHash {
    std::size_t operator()(const Key& key) const {
      std::uint64_t h = 1469598103934665603ull;
      for (std::uint32_t word : key) h = (h ^ word) * 1099511628211ull;
      return static_cast<std::size_t>(h);
    }
  };
  const auto bits = [](float x) {
    if (x == 0.0f) x = 0.0f;  // -0 and +0 are the same vertex
    std::uint32_t b;
    std::memcpy(&b, &x, sizeof b);
    return b;
  };
  const std::size_t n = mesh.positions.size();
  std::unordered_map<Key, std::uint32_t, KeyHash> first_of;
  first_of.reserve(n);
  std::vector<std::uint32_t> remap(n);
  Mesh merged;
  for (std::size_t v = 0; v < n; ++v) {
    Key key{};
    for (int i = 0; i < 3; ++i) key[i] = bits(mesh.positions[v][i]);
    for (int i = 0; i < 3 && mesh.has_normals(); ++i) key[3 + i] = bits(mesh.normals[v][i]);
    for (int i = 0; i < 4 && mesh.has_colors(); ++i) key[6 + i] = bits(mesh.colors[v][i]);
    const auto [it, inserted] = first_of.emplace(key, static_cast<std::uint32_t>(merged.positions.size()));
    if (inserted) {
      merged.positions.push_back(mesh.positions[v]);
      if (mesh.has_normals()) merged.normals.push_back(mesh.normals[v]);
      if (mesh.has_colors()) merged.colors.push_back(mesh.colors[v]);
    }
    remap[v] = it->second;
  }
  if (merged.positions.size() == n) return;
  for (Triangle& t : mesh.triangles) {
    for (std::uint32_t& i : t) i = remap[i];
  }
  mesh.positions = std::move(merged.positions);
  mesh.normals = std::move(merged.normals);
  mesh.colors = std::move(merged.colors);
}

std::vector<unsigned char> read_bytes(const fs::path& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ExitCode::InvalidInput, path.string() + ": file is not readable");
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) throw Error(ExitCode::InvalidInput, path.string() + ": file is not readable");
  std::vector<unsigned char> bytes(static_cast<std::size_t>(std::min<std::uintmax_t>(size, limit)));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

}  // namespace

bool binary_ply_data_starts_with_line_end(const fs::path& path) {
  std::vector<unsigned char> head;
  try {
    head = read_bytes(path, 4);
    if (head.size() < 4 || std::memcmp(head.data(), "ply", 3) != 0 || (head[3] != '\n' && head[3] != '\r')) {
      return false;
    }
    head = read_bytes(path, kMaxHeaderBytes + 1);
  } catch (const Error&) {
    return false;
  }
  bool binary = false;
  std::size_t data = 0;
  for_each_line(head.data(), head.size(), [&](const std::string& text, std::size_t next) {
    const std::vector<std::string> words = split_words(text);
    if (words.size() >= 2 && words[0] == "format") binary = words[1].rfind("binary_", 0) == 0;
    if (words.size() == 1 && words[0] == "end_header") data = next;
    return data == 0;
  });
  return binary && data > 0 && data < head.size() && (head[data] == '\n' || head[data] == '\r');
}

Mesh read_binary_ply(const fs::path& path) {
  const std::vector<unsigned char> file = read_bytes(path, SIZE_MAX);
  const Header header = parse_header(path, file);
  const Element* vertex_element = nullptr;
  const Element* face_element = nullptr;
  for (const Element& e : header.elements) {
    const Element** slot = e.name == "vertex" ? &vertex_element : e.name == "face" ? &face_element : nullptr;
    if (slot != nullptr && *slot != nullptr) corrupt(path, "two " + quoted(e.name) + " elements");
    if (slot != nullptr) *slot = &e;
  }
  if (vertex_element == nullptr) corrupt(path, "no vertex element");

  Mesh mesh;
  Cursor in(path, file, header.data_offset, header.big_endian);
  for (const Element& e : header.elements) {
    if (&e == vertex_element) {
      read_vertices(path, e, in, mesh);
    } else if (&e == face_element) {
      read_faces(path, e, vertex_element->count, in, mesh);
    } else if (!e.properties.empty()) {
      check_count(path, e, e.min_item_bytes(), in);
      const std::string kind = "element " + quoted(e.name) + " item";
      for (std::uint64_t k = 0; k < e.count; ++k) {
        const Where where{kind, k};
        for (const Property& p : e.properties) {
          in.skip(p.is_list ? in.list_count(p, where) * type_size(p.type) : type_size(p.type), where);
        }
      }
    }
  }
  merge_identical_vertices(mesh);
  return mesh;
}

}  // namespace flexforge::io::detail
