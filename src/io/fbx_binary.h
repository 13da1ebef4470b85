// Low-level binary FBX encoding: a tree of named records with typed properties, laid out as
// FBX 7.4 (32-bit record offsets) with the header, null-record sentinels and footer that the
// FBX SDK and Blender's reader expect. Knows nothing about meshes; fbx_writer.cpp builds the tree.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace flexforge::io::fbx {

// FBX 7.4 is the newest version whose records use 32-bit offsets and a 13-byte null record;
// 7.5 switched to 64-bit offsets (25-byte null record), which is what Assimp 5.2.5 gets wrong.
constexpr std::uint32_t kVersion = 7400;

class Node {
 public:
  explicit Node(std::string name);

  // Scalar properties, one FBX type code each ('C', 'Y', 'I', 'L', 'D', 'S', 'R').
  Node& add_bool(bool value);
  Node& add_int16(std::int16_t value);
  Node& add_int32(std::int32_t value);
  Node& add_int64(std::int64_t value);
  Node& add_double(double value);
  Node& add_string(std::string_view value);
  Node& add_raw(std::string_view bytes);
  // Array properties ('i', 'l', 'f', 'd'), stored uncompressed (encoding 0).
  Node& add_int32_array(const std::vector<std::int32_t>& values);
  Node& add_int64_array(const std::vector<std::int64_t>& values);
  Node& add_float_array(const std::vector<float>& values);
  Node& add_double_array(const std::vector<double>& values);

  // Appends a nested record and returns it; references stay valid while this node lives.
  Node& child(std::string name);

  const std::string& name() const { return name_; }
  std::uint32_t property_count() const { return property_count_; }
  const std::string& encoded_properties() const { return properties_; }
  const std::vector<std::unique_ptr<Node>>& children() const { return children_; }

 private:
  std::string name_;
  std::string properties_;  // type code + payload per property, already little-endian
  std::uint32_t property_count_ = 0;
  std::vector<std::unique_ptr<Node>> children_;
};

// Serialises the top-level records into a complete file: header, records, the top-level null
// record and the footer. Throws flexforge::Error(StageFailed) when the file would exceed the
// 4 GiB that 32-bit offsets can address.
std::string encode_document(const std::vector<std::unique_ptr<Node>>& top_level);

// The FBX SDK checks FileId and the footer code against CreationTime, so these three are written
// as one fixed, mutually consistent set (the values every Blender-written FBX carries). This also
// makes the output byte-for-byte reproducible.
extern const std::string_view kFileId;
extern const std::string_view kCreationTime;
extern const std::string_view kFooterCode;
extern const std::string_view kFooterMagic;
extern const std::string_view kHeaderMagic;

}  // namespace flexforge::io::fbx
