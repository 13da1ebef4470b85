#include "fbx_binary.h"

#include "flexforge/core/error.h"

#include <cstring>
#include <limits>
#include <type_traits>

namespace flexforge::io::fbx {

using namespace std::string_view_literals;

const std::string_view kHeaderMagic = "Kaydara FBX Binary  \x00\x1a\x00"sv;
const std::string_view kFileId =
    "\x28\xb3\x2a\xeb\xb6\x24\xcc\xc2\xbf\xc8\xb0\x2a\xa9\x2b\xfc\xf1"sv;
const std::string_view kCreationTime = "1970-01-01 10:00:00:000"sv;
const std::string_view kFooterCode =
    "\xfa\xbc\xab\x09\xd0\xc8\xd4\x66\xb1\x76\xfb\x83\x1c\xf7\x26\x7e"sv;
const std::string_view kFooterMagic =
    "\xf8\x5a\x8c\x6a\xde\xf5\xd9\x7e\xec\xe9\x0c\xe3\x75\x8f\x29\x0b"sv;

namespace {

// A record header is end offset, property count, property-list length (u32 each) and a u8 name
// length; a nested list ends with a record whose 13 header bytes are all zero.
constexpr std::size_t kNullRecordSize = 13;

// FBX is little-endian on disk; shifting bytes out of the value's bit pattern keeps the encoder
// independent of the host's byte order.
template <typename T>
void append_le(std::string& out, T value) {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= 8);
  using Bits = std::conditional_t<sizeof(T) == 8, std::uint64_t,
               std::conditional_t<sizeof(T) == 4, std::uint32_t,
               std::conditional_t<sizeof(T) == 2, std::uint16_t, std::uint8_t>>>;
  Bits bits;
  std::memcpy(&bits, &value, sizeof(T));
  for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

std::uint32_t checked_u32(std::size_t value, const char* what) {
  if (value > std::numeric_limits<std::uint32_t>::max()) {
    throw Error(ExitCode::StageFailed,
                std::string("FBX export: ") + what + " exceeds the 4 GiB limit of FBX 7.4");
  }
  return static_cast<std::uint32_t>(value);
}

template <typename T>
void append_array(std::string& out, char type, const std::vector<T>& values) {
  out.push_back(type);
  const std::size_t bytes = values.size() * sizeof(T);
  append_le(out, checked_u32(values.size(), "an array"));
  append_le(out, std::uint32_t{0});  // encoding: raw
  append_le(out, checked_u32(bytes, "an array"));
  out.reserve(out.size() + bytes);
  for (const T& v : values) append_le(out, v);
}

void write_node(std::string& out, const Node& node) {
  const std::size_t start = out.size();
  append_le(out, std::uint32_t{0});  // end offset, patched below once the children are written
  append_le(out, node.property_count());
  append_le(out, checked_u32(node.encoded_properties().size(), "a property list"));
  out.push_back(static_cast<char>(node.name().size()));
  out += node.name();
  out += node.encoded_properties();
  // The FBX SDK closes a nested list with a null record, and also gives records without
  // properties an (empty) nested list; readers find the children through the end offset.
  if (!node.children().empty() || node.property_count() == 0) {
    for (const auto& child : node.children()) write_node(out, *child);
    out.append(kNullRecordSize, '\0');
  }
  std::string end_offset;
  append_le(end_offset, checked_u32(out.size(), "the file"));
  out.replace(start, end_offset.size(), end_offset);
}

}  // namespace

Node::Node(std::string name) : name_(std::move(name)) {
  if (name_.size() > 255) throw Error(ExitCode::StageFailed, "FBX export: record name too long");
}

Node& Node::add_bool(bool value) {
  properties_.push_back('C');
  properties_.push_back(value ? 1 : 0);
  ++property_count_;
  return *this;
}

Node& Node::add_int16(std::int16_t value) {
  properties_.push_back('Y');
  append_le(properties_, value);
  ++property_count_;
  return *this;
}

Node& Node::add_int32(std::int32_t value) {
  properties_.push_back('I');
  append_le(properties_, value);
  ++property_count_;
  return *this;
}

Node& Node::add_int64(std::int64_t value) {
  properties_.push_back('L');
  append_le(properties_, value);
  ++property_count_;
  return *this;
}

Node& Node::add_double(double value) {
  properties_.push_back('D');
  append_le(properties_, value);
  ++property_count_;
  return *this;
}

Node& Node::add_string(std::string_view value) {
  properties_.push_back('S');
  append_le(properties_, checked_u32(value.size(), "a string"));
  properties_ += value;
  ++property_count_;
  return *this;
}

Node& Node::add_raw(std::string_view bytes) {
  properties_.push_back('R');
  append_le(properties_, checked_u32(bytes.size(), "a raw property"));
  properties_ += bytes;
  ++property_count_;
  return *this;
}

Node& Node::add_int32_array(const std::vector<std::int32_t>& values) {
  append_array(properties_, 'i', values);
  ++property_count_;
  return *this;
}

Node& Node::add_int64_array(const std::vector<std::int64_t>& values) {
  append_array(properties_, 'l', values);
  ++property_count_;
  return *this;
}

Node& Node::add_float_array(const std::vector<float>& values) {
  append_array(properties_, 'f', values);
  ++property_count_;
  return *this;
}

Node& Node::add_double_array(const std::vector<double>& values) {
  append_array(properties_, 'd', values);
  ++property_count_;
  return *this;
}

Node& Node::child(std::string name) {
  children_.push_back(std::make_unique<Node>(std::move(name)));
  return *children_.back();
}

std::string encode_document(const std::vector<std::unique_ptr<Node>>& top_level) {
  std::string out;
  out += kHeaderMagic;
  append_le(out, kVersion);
  for (const auto& node : top_level) write_node(out, *node);
  out.append(kNullRecordSize, '\0');

  // Footer as the FBX SDK lays it out: footer code, 4 zero bytes, zero padding up to a 16-byte
  // boundary (a full 16 bytes when already aligned), the version again, 120 zero bytes, and a
  // fixed closing magic.
  out += kFooterCode;
  out.append(4, '\0');
  std::size_t pad = (16 - out.size() % 16) % 16;
  if (pad == 0) pad = 16;
  out.append(pad, '\0');
  append_le(out, kVersion);
  out.append(120, '\0');
  out += kFooterMagic;
  checked_u32(out.size(), "the file");
  return out;
}

}  // namespace flexforge::io::fbx
