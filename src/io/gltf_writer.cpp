// glTF 2.0 encoder. Facts followed (Khronos glTF 2.0 specification): little-endian binary buffer,
// bufferView offsets aligned to 4 bytes, POSITION accessors carry min/max, NORMAL is unit length,
// WEIGHTS_0 sums to 1, joint node transforms are TRS, inverse bind matrices are column-major
// MAT4 with last row (0,0,0,1), GLB = 12-byte header + JSON chunk (space padded) + BIN chunk (zero
// padded).
#include "flexforge/io/gltf_writer.h"

#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/skin_weights.h"
#include "flexforge/build_info.h"

#include <Eigen/Geometry>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstring>

using nlohmann::json;

namespace flexforge::io {

namespace {

constexpr int kFloat = 5126, kUnsignedShort = 5123, kUnsignedInt = 5125;
constexpr int kArrayBuffer = 34962, kElementArrayBuffer = 34963;

class Builder {
 public:
  // Appends raw bytes as a new bufferView; returns its index.
  int add_view(const void* data, std::size_t bytes, int target) {
    while (bin_.size() % 4 != 0) bin_.push_back('\0');
    json view = {{"buffer", 0}, {"byteOffset", bin_.size()}, {"byteLength", bytes}};
    if (target != 0) view["target"] = target;
    bin_.append(static_cast<const char*>(data), bytes);
    views_.push_back(view);
    return static_cast<int>(views_.size()) - 1;
  }

  int add_accessor(const void* data, std::size_t bytes, int target, int component, std::size_t count,
                   const char* type, json extra = json::object()) {
    json acc = {{"bufferView", add_view(data, bytes, target)},
                {"componentType", component},
                {"count", count},
                {"type", type}};
    acc.update(extra);
    accessors_.push_back(acc);
    return static_cast<int>(accessors_.size()) - 1;
  }

  json& doc() { return doc_; }
  std::string& bin() { return bin_; }

  void finish(const std::string* uri) {
    while (bin_.size() % 4 != 0) bin_.push_back('\0');
    json buffer = {{"byteLength", bin_.size()}};
    if (uri) buffer["uri"] = *uri;
    doc_["buffers"] = json::array({buffer});
    doc_["bufferViews"] = views_;
    doc_["accessors"] = accessors_;
  }

 private:
  json doc_ = json::object();
  std::string bin_;
  json views_ = json::array();
  json accessors_ = json::array();
};

// Decomposes a rigid-with-scale transform into glTF translation / rotation / scale.
json trs(const Mat4& m) {
  const Vec3 t = m.block<3, 1>(0, 3);
  Eigen::Matrix3f linear = m.topLeftCorner<3, 3>();
  Vec3 s(linear.col(0).norm(), linear.col(1).norm(), linear.col(2).norm());
  if (linear.determinant() < 0.0f) s.x() = -s.x();
  json node = json::object();
  if (t.squaredNorm() > 0.0f) node["translation"] = {t.x(), t.y(), t.z()};
  if (s.cwiseAbs().minCoeff() > 1e-12f) {
    Eigen::Matrix3f rotation = linear;
    rotation.col(0) /= s.x();
    rotation.col(1) /= s.y();
    rotation.col(2) /= s.z();
    // Orthonormalise: imported rigs carry float noise that would otherwise leak into the quaternion.
    Eigen::JacobiSVD<Eigen::Matrix3f> svd(rotation, Eigen::ComputeFullU | Eigen::ComputeFullV);
    rotation = svd.matrixU() * svd.matrixV().transpose();
    Eigen::Quaternionf q(rotation);
    q.normalize();
    if (std::abs(q.w() - 1.0f) > 1e-7f) node["rotation"] = {q.x(), q.y(), q.z(), q.w()};
  }
  if ((s - Vec3::Ones()).cwiseAbs().maxCoeff() > 1e-6f) node["scale"] = {s.x(), s.y(), s.z()};
  return node;
}

std::vector<Vec3> unit_normals(const Mesh& mesh) {
  Mesh copy;
  if (mesh.has_normals()) {
    copy.normals = mesh.normals;
  } else {
    copy.positions = mesh.positions;
    copy.triangles = mesh.triangles;
    compute_vertex_normals(copy);
  }
  for (Vec3& n : copy.normals) {
    const float len = n.norm();
    n = (len > 1e-20f && std::isfinite(len)) ? Vec3(n / len) : Vec3(0.0f, 0.0f, 1.0f);
  }
  return std::move(copy.normals);
}

// One glTF animation per clip: a shared key-time accessor (with the min/max the spec requires of
// sampler inputs) and LINEAR samplers for each joint node's rotation and translation.
json animations_json(const Scene& scene, Builder& b, std::size_t first_joint) {
  json animations = json::array();
  for (const AnimationClip& clip : scene.animations) {
    const int input = b.add_accessor(clip.times.data(), clip.times.size() * sizeof(float), 0, kFloat,
                                     clip.times.size(), "SCALAR",
                                     {{"min", {clip.times.front()}}, {"max", {clip.times.back()}}});
    json samplers = json::array(), channels = json::array();
    auto add = [&](const void* data, std::size_t bytes, const char* type, std::size_t node, const char* path) {
      const int output = b.add_accessor(data, bytes, 0, kFloat, clip.times.size(), type);
      samplers.push_back({{"input", input}, {"output", output}, {"interpolation", "LINEAR"}});
      channels.push_back({{"sampler", samplers.size() - 1}, {"target", {{"node", node}, {"path", path}}}});
    };
    for (const JointTrack& track : clip.tracks) {
      const std::size_t node = first_joint + static_cast<std::size_t>(track.joint);
      if (!track.rotations.empty()) {
        std::vector<Vec4> unit(track.rotations.size());
        for (std::size_t k = 0; k < unit.size(); ++k) unit[k] = track.rotations[k].normalized();
        add(unit.data(), unit.size() * sizeof(Vec4), "VEC4", node, "rotation");
      }
      if (!track.translations.empty())
        add(track.translations.data(), track.translations.size() * sizeof(Vec3), "VEC3", node, "translation");
    }
    if (channels.empty()) continue;  // a clip without tracks would be an invalid animation
    animations.push_back({{"name", clip.name}, {"samplers", samplers}, {"channels", channels}});
  }
  return animations;
}

json build_document(const Scene& scene, Builder& b) {
  scene.validate();
  json& doc = b.doc();
  doc["asset"] = {{"version", "2.0"}, {"generator", std::string("flexforge ") + FLEXFORGE_VERSION}};
  if (!scene.metadata.empty()) doc["asset"]["extras"] = scene.metadata;
  doc["materials"] = json::array({{{"name", "default"},
                                   {"pbrMetallicRoughness",
                                    {{"baseColorFactor", {0.8, 0.8, 0.8, 1.0}},
                                     {"metallicFactor", 0.0},
                                     {"roughnessFactor", 0.7}}}}});
  json nodes = json::array();
  json meshes = json::array();
  json roots = json::array();
  const bool skinned_scene = scene.has_skin();
  const std::size_t joint_count = scene.skeleton.joints.size();

  for (const Part& part : scene.parts) {
    const Mesh& mesh = part.mesh;
    if (mesh.empty()) {
      spdlog::warn("glTF: part '{}' has no triangles; not written", part.name);
      continue;
    }
    json attributes = json::object();
    Vec3 lo = mesh.positions[0], hi = mesh.positions[0];
    for (const Vec3& p : mesh.positions) {
      lo = lo.cwiseMin(p);
      hi = hi.cwiseMax(p);
    }
    attributes["POSITION"] =
        b.add_accessor(mesh.positions.data(), mesh.positions.size() * sizeof(Vec3), kArrayBuffer,
                       kFloat, mesh.positions.size(), "VEC3",
                       {{"min", {lo.x(), lo.y(), lo.z()}}, {"max", {hi.x(), hi.y(), hi.z()}}});
    const std::vector<Vec3> normals = unit_normals(mesh);
    attributes["NORMAL"] = b.add_accessor(normals.data(), normals.size() * sizeof(Vec3),
                                          kArrayBuffer, kFloat, normals.size(), "VEC3");
    if (mesh.has_colors()) {
      std::vector<Vec4> colors(mesh.colors.size());
      for (std::size_t i = 0; i < colors.size(); ++i) {
        colors[i] = mesh.colors[i].cwiseMax(0.0f).cwiseMin(1.0f);
      }
      attributes["COLOR_0"] = b.add_accessor(colors.data(), colors.size() * sizeof(Vec4),
                                             kArrayBuffer, kFloat, colors.size(), "VEC4");
    }
    const bool skinned = skinned_scene && mesh.has_skin();
    if (skinned) {
      std::vector<std::uint16_t> joints(mesh.skin.size() * 4);
      std::vector<float> weights(mesh.skin.size() * 4);
      for (std::size_t v = 0; v < mesh.skin.size(); ++v) {
        const FourInfluences f = top4_normalized(mesh.skin[v], 0);
        std::memcpy(&joints[v * 4], f.joints.data(), sizeof f.joints);
        std::memcpy(&weights[v * 4], f.weights.data(), sizeof f.weights);
      }
      attributes["JOINTS_0"] = b.add_accessor(joints.data(), joints.size() * 2, kArrayBuffer,
                                              kUnsignedShort, mesh.skin.size(), "VEC4");
      attributes["WEIGHTS_0"] = b.add_accessor(weights.data(), weights.size() * 4, kArrayBuffer,
                                               kFloat, mesh.skin.size(), "VEC4");
    }
    const int indices =
        b.add_accessor(mesh.triangles.data(), mesh.triangles.size() * sizeof(Triangle),
                       kElementArrayBuffer, kUnsignedInt, mesh.triangles.size() * 3, "SCALAR");
    meshes.push_back({{"name", part.name},
                      {"primitives", json::array({{{"attributes", attributes},
                                                   {"indices", indices},
                                                   {"material", 0},
                                                   {"mode", 4}}})}});
    json node = {{"name", part.name}, {"mesh", meshes.size() - 1}};
    if (skinned) node["skin"] = 0;
    if (!part.semantic.empty()) node["extras"] = {{"part", part.semantic}};
    roots.push_back(nodes.size());
    nodes.push_back(node);
  }
  if (meshes.empty()) {
    throw Error(ExitCode::StageFailed, "glTF: the scene has no part with triangles to write");
  }

  if (skinned_scene) {
    const std::size_t first_joint = nodes.size();
    std::vector<json> joint_nodes(joint_count);
    std::vector<float> inverse_bind(joint_count * 16);
    json joint_indices = json::array();
    for (std::size_t j = 0; j < joint_count; ++j) {
      const Joint& joint = scene.skeleton.joints[j];
      const Mat4 local = joint.parent < 0
                             ? joint.bind_world
                             : Mat4(scene.skeleton.joints[joint.parent].bind_world.inverse() *
                                    joint.bind_world);
      joint_nodes[j] = trs(local);
      joint_nodes[j]["name"] = joint.name;
      Mat4 ibm = joint.bind_world.inverse();
      ibm.row(3) << 0.0f, 0.0f, 0.0f, 1.0f;
      std::memcpy(&inverse_bind[j * 16], ibm.data(), 16 * sizeof(float));
      joint_indices.push_back(first_joint + j);
    }
    for (std::size_t j = 0; j < joint_count; ++j) {
      const int parent = scene.skeleton.joints[j].parent;
      if (parent >= 0) joint_nodes[parent]["children"].push_back(first_joint + j);
    }
    for (json& n : joint_nodes) nodes.push_back(std::move(n));
    const int ibm_accessor = b.add_accessor(inverse_bind.data(), inverse_bind.size() * 4, 0,
                                            kFloat, joint_count, "MAT4");
    doc["skins"] = json::array({{{"name", "skeleton"},
                                 {"inverseBindMatrices", ibm_accessor},
                                 {"skeleton", first_joint},
                                 {"joints", joint_indices}}});
    roots.push_back(first_joint);
    if (json clips = animations_json(scene, b, first_joint); !clips.empty()) doc["animations"] = std::move(clips);
  } else if (!scene.animations.empty()) {
    spdlog::warn("glTF: the scene's {} animation clip(s) are not written: no part is skinned", scene.animations.size());
  }
  doc["nodes"] = nodes;
  doc["meshes"] = meshes;
  doc["scenes"] = json::array({{{"name", "scene"}, {"nodes", roots}}});
  doc["scene"] = 0;
  return doc;
}

void append_u32(std::string& out, std::uint32_t v) {
  char bytes[4];
  std::memcpy(bytes, &v, 4);  // x86-64 / aarch64 are little-endian, as GLB requires
  out.append(bytes, 4);
}

}  // namespace

std::string encode_glb(const Scene& scene) {
  Builder b;
  build_document(scene, b);
  b.finish(nullptr);
  std::string json_text = b.doc().dump();
  while (json_text.size() % 4 != 0) json_text.push_back(' ');
  const std::string& bin = b.bin();
  std::string out;
  out.reserve(12 + 8 + json_text.size() + 8 + bin.size());
  out.append("glTF", 4);
  append_u32(out, 2);
  append_u32(out, static_cast<std::uint32_t>(12 + 8 + json_text.size() + 8 + bin.size()));
  append_u32(out, static_cast<std::uint32_t>(json_text.size()));
  out.append("JSON", 4);
  out += json_text;
  append_u32(out, static_cast<std::uint32_t>(bin.size()));
  out.append("BIN\0", 4);
  out += bin;
  return out;
}

GltfFiles encode_gltf(const Scene& scene, const std::string& bin_uri) {
  Builder b;
  build_document(scene, b);
  b.finish(&bin_uri);
  return GltfFiles{b.doc().dump(2), std::move(b.bin())};
}

}  // namespace flexforge::io
