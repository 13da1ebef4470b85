// Import through Assimp. Assimp gives a node tree with meshes attached and bones stored per mesh
// (name + offset matrix = inverse bind pose in mesh space). flexforge wants geometry in scene space
// and one joint tree, so this file bakes node transforms into vertices and rebuilds the skeleton as
// the smallest subtree of the node hierarchy that contains every bone.
#include "flexforge/io/import.h"

#include "flexforge/core/error.h"
#include "flexforge/core/resource_limits.h"
#include "ply_binary.h"
#include "texture_mean.h"

#include <assimp/Importer.hpp>
#include <assimp/postprocess.h>
#include <assimp/material.h>
#include <assimp/scene.h>
#include <spdlog/spdlog.h>

#include <Eigen/Dense>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

namespace fs = std::filesystem;

namespace flexforge::io {

namespace {

Mat4 to_eigen(const aiMatrix4x4& m) {
  Mat4 r;
  r << m.a1, m.a2, m.a3, m.a4, m.b1, m.b2, m.b3, m.b4, m.c1, m.c2, m.c3, m.c4, m.d1, m.d2, m.d3,
      m.d4;
  return r;
}

[[noreturn]] void invalid(const fs::path& path, const std::string& reason) {
  throw Error(ExitCode::InvalidInput, path.string() + ": " + reason);
}

void check_readable(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) invalid(path, "file not found");
  if (fs::is_directory(path, ec)) invalid(path, "is a directory, expected a mesh file");
  if (fs::file_size(path, ec) == 0) invalid(path, "file is empty");
  std::ifstream probe(path, std::ios::binary);
  if (!probe) invalid(path, "file is not readable (permission denied?)");
}

// Binary glTF sizes its chunks from header fields, and Assimp allocates what they claim before
// it reads: a 1 KB file claiming a 2.6 GB chunk (found by the mesh-import fuzzer) costs 2.6 GB.
// The header's total length and every chunk length must fit in the file.
void check_glb_header(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char head[12];
  if (!in.read(reinterpret_cast<char*>(head), sizeof head)) return;  // Assimp reports short files
  auto u32 = [](const unsigned char* p) {
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
  };
  if (std::memcmp(head, "glTF", 4) != 0) return;
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  const std::uint32_t length = u32(head + 8);
  // The header's length is the whole file's (glTF 2.0, "Binary glTF Layout").
  if (ec || length != size || length < 20) {
    invalid(path, "corrupt binary glTF: the header claims " + std::to_string(length) + " bytes, the file has " +
                      std::to_string(size));
  }
  std::uintmax_t at = 12;
  unsigned char chunk[8];
  while (at + 8 <= length && in.seekg(static_cast<std::streamoff>(at)) &&
         in.read(reinterpret_cast<char*>(chunk), sizeof chunk)) {
    const std::uint32_t chunk_length = u32(chunk);
    if (chunk_length > length - at - 8) {
      invalid(path, "corrupt binary glTF: a chunk claims " + std::to_string(chunk_length) +
                        " bytes past the end of the file");
    }
    at += 8 + static_cast<std::uintmax_t>(chunk_length);
  }
}

// OFF gives its vertex and face counts first, and Assimp allocates what they claim before it
// reads a vertex: a 190-byte file claiming billions of vertices (found by the mesh-import fuzzer)
// asked for 22 GB. Every vertex takes at least 6 bytes ("0 0 0\n") and every face 8
// ("3 0 1 2\n"), so the counts must fit in the file. Files whose header does not parse are
// left to Assimp, which reports them.
void check_off_header(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  std::size_t at = 0;
  // Next token, skipping white space and '#' comments to the end of their line.
  auto token = [&]() {
    while (at < head.size()) {
      if (std::isspace(static_cast<unsigned char>(head[at]))) {
        ++at;
      } else if (head[at] == '#') {
        while (at < head.size() && head[at] != '\n') ++at;
      } else {
        break;
      }
    }
    const std::size_t start = at;
    while (at < head.size() && !std::isspace(static_cast<unsigned char>(head[at])) && head[at] != '#') ++at;
    return head.substr(start, at - start);
  };
  std::string keyword = token();
  std::transform(keyword.begin(), keyword.end(), keyword.begin(), ::toupper);
  // The keyword (OFF, COFF, NOFF, STOFF, ...) may carry junk after it: Assimp read
  // "OFF7774\n7777777773" (a third fuzzer input) as a header with 7,777,777,773 vertices. A .off
  // file without any keyword starts with its counts.
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  const bool counts_first = ext == ".off" && !keyword.empty() && std::isdigit(static_cast<unsigned char>(keyword[0]));
  if (keyword.find("OFF") == std::string::npos && !counts_first) return;
  if (counts_first) at -= keyword.size();  // read the keyword again as the vertex count
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) return;
  // Vertex count, then face count. Assimp reads the leading digits of each token (a second
  // fuzzer input gave "3\xe7" as the face count), so the check does too, one count at a time.
  const char* what[2] = {"vertices", "faces"};
  const std::uintmax_t bytes_each[2] = {6, 8};
  std::uintmax_t needed = 0;
  for (int k = 0; k < 2; ++k) {
    const std::string word = token();
    const std::size_t digits = word.find_first_not_of("0123456789");
    const std::string number = word.substr(0, digits);
    if (number.empty()) return;
    if (number.size() > 15) {
      invalid(path, "corrupt OFF: the header claims " + number.substr(0, 20) + "... " + what[k]);
    }
    const std::uintmax_t count = std::stoull(number);
    needed += count * bytes_each[k];
    if (needed > size) {
      invalid(path, "corrupt OFF: the header claims " + std::to_string(count) + " " + what[k] +
                        ", more than the file's " + std::to_string(size) + " bytes can hold");
    }
  }
}

std::string unique_name(std::string name, std::set<std::string>& used, std::size_t index) {
  if (name.empty()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "part_%02zu", index);
    name = buf;
  }
  std::string candidate = name;
  for (int k = 1; used.count(candidate); ++k) candidate = name + "_" + std::to_string(k);
  used.insert(candidate);
  return candidate;
}

struct NodeInfo {
  const aiNode* node;
  Mat4 global;
};

// Builds the joint list: every bone node plus the ancestors needed to connect them, rooted at
// their lowest common ancestor, ordered parents-first.
Skeleton build_skeleton(const aiScene* scene,
                        const std::unordered_map<std::string, NodeInfo>& nodes_by_name,
                        const std::map<std::string, Mat4>& bone_bind_world) {
  Skeleton skeleton;
  if (bone_bind_world.empty()) return skeleton;
  std::set<const aiNode*> needed;
  std::vector<std::vector<const aiNode*>> chains;  // root..bone path per bone
  for (const auto& [name, bind] : bone_bind_world) {
    auto it = nodes_by_name.find(name);
    if (it == nodes_by_name.end()) continue;
    std::vector<const aiNode*> chain;
    for (const aiNode* n = it->second.node; n != nullptr; n = n->mParent) chain.push_back(n);
    std::reverse(chain.begin(), chain.end());
    chains.push_back(std::move(chain));
  }
  if (chains.empty()) return skeleton;
  // Lowest common ancestor: the longest shared prefix of all root->bone chains.
  std::size_t common = chains[0].size();
  for (const auto& c : chains) {
    std::size_t k = 0;
    while (k < common && k < c.size() && c[k] == chains[0][k]) ++k;
    common = k;
  }
  const aiNode* lca = chains[0][common - 1];
  // A single bone chain would make the bone itself the LCA, which is right; but when the LCA is
  // the file's synthetic root node (no name / RootNode) and it is not a bone, keep it anyway:
  // glTF needs one root joint and that node is exactly what joins the limbs.
  for (const auto& c : chains) {
    for (std::size_t k = common - 1; k < c.size(); ++k) needed.insert(c[k]);
  }
  (void)scene;
  std::unordered_map<const aiNode*, int> index_of;
  std::vector<std::pair<const aiNode*, int>> stack{{lca, -1}};
  while (!stack.empty()) {
    auto [node, parent] = stack.back();
    stack.pop_back();
    Joint joint;
    joint.name = node->mName.C_Str();
    joint.parent = parent;
    auto bind = bone_bind_world.find(joint.name);
    joint.bind_world =
        bind != bone_bind_world.end() ? bind->second : nodes_by_name.at(joint.name).global;
    const int index = static_cast<int>(skeleton.joints.size());
    index_of[node] = index;
    skeleton.joints.push_back(std::move(joint));
    for (int c = static_cast<int>(node->mNumChildren) - 1; c >= 0; --c) {
      if (needed.count(node->mChildren[c])) stack.push_back({node->mChildren[c], index});
    }
  }
  return skeleton;
}

// The colour a material paints: diffuse colour (white when it has none but a texture) times the
// mean of its diffuse texture when that file reads. Textures are looked up as named, then by file
// name beside the mesh file (artist files often carry absolute paths from the author's machine).
struct MaterialColor {
  Vec4 rgba = Vec4(0.8f, 0.8f, 0.8f, 1.0f);
  bool texture_read = false;
  bool texture_missing = false;
};

MaterialColor material_color(const aiMaterial* material, const fs::path& mesh_file,
                             std::map<std::string, std::optional<Vec3>>& texture_cache) {
  MaterialColor out;
  if (material == nullptr) return out;
  aiColor4D diffuse;
  const bool has_diffuse = aiGetMaterialColor(material, AI_MATKEY_COLOR_DIFFUSE, &diffuse) == AI_SUCCESS;
  float opacity = 1.0f;
  aiGetMaterialFloat(material, AI_MATKEY_OPACITY, &opacity);
  aiString texture;
  const bool has_texture = material->GetTextureCount(aiTextureType_DIFFUSE) > 0 &&
                           material->GetTexture(aiTextureType_DIFFUSE, 0, &texture) == AI_SUCCESS &&
                           texture.length > 0 && texture.C_Str()[0] != '*';  // '*': embedded
  Vec3 rgb = has_diffuse ? Vec3(diffuse.r, diffuse.g, diffuse.b)
                         : (has_texture ? Vec3(1, 1, 1) : Vec3(0.8f, 0.8f, 0.8f));
  if (has_texture) {
    std::string name = texture.C_Str();
    std::replace(name.begin(), name.end(), '\\', '/');
    auto cached = texture_cache.find(name);
    if (cached == texture_cache.end()) {
      const fs::path dir = mesh_file.parent_path();
      std::optional<Vec3> mean = detail::texture_mean_linear(dir / name);
      if (!mean) mean = detail::texture_mean_linear(dir / fs::path(name).filename());
      cached = texture_cache.emplace(name, mean).first;
    }
    if (cached->second) {
      rgb = rgb.cwiseProduct(*cached->second);
      out.texture_read = true;
    } else {
      out.texture_missing = true;
    }
  }
  rgb = rgb.cwiseMax(0.0f).cwiseMin(1.0f);
  out.rgba = Vec4(rgb.x(), rgb.y(), rgb.z(), std::clamp(opacity, 0.0f, 1.0f));
  return out;
}

// The file read by Assimp with the post-processing the importer relies on (triangles, welded
// vertices, points and lines dropped); throws Error(InvalidInput) when it cannot be read.
const aiScene* read_with_assimp(Assimp::Importer& importer, const fs::path& path, const std::string& ext) {
  // Points and lines carry no surface; drop them instead of failing the whole file.
  importer.SetPropertyInteger(AI_CONFIG_PP_SBP_REMOVE, aiPrimitiveType_POINT | aiPrimitiveType_LINE);
  unsigned flags = aiProcess_Triangulate | aiProcess_JoinIdenticalVertices |
                   aiProcess_SortByPType | aiProcess_ValidateDataStructure;
  if (ext == "stl") {
    // STL stores one normal per facet; kept as vertex normals they would stop the three copies of
    // each corner from welding, turning every STL into a triangle soup.
    importer.SetPropertyInteger(AI_CONFIG_PP_RVC_FLAGS, aiComponent_NORMALS);
    flags |= aiProcess_RemoveComponent;
  }
  const aiScene* scene = importer.ReadFile(path.string(), flags);
  if (scene == nullptr &&
      std::string(importer.GetErrorString()).find("mPrimitiveTypes does not report") != std::string::npos) {
    // Real artist OBJ files mix line elements into face groups; Assimp's OBJ reader then sets
    // the mesh's primitive-type flags wrong and its validator rejects the file, although every
    // index is valid. Only that flag mismatch is retried without the validator: lines are
    // dropped later (SortByPType) and only 3-index faces are read.
    spdlog::debug("{}: {}; reading it again without Assimp's validator", path.string(),
                  importer.GetErrorString());
    scene = importer.ReadFile(path.string(), flags & ~static_cast<unsigned>(aiProcess_ValidateDataStructure));
  }
  if (scene == nullptr) {
    std::string reason = importer.GetErrorString();
    if (reason.empty()) reason = "unknown error";
    invalid(path, "cannot read as a mesh file: " + reason);
  }
  if ((scene->mFlags & AI_SCENE_FLAGS_INCOMPLETE) || scene->mRootNode == nullptr) {
    invalid(path, "file holds no mesh data (incomplete scene)");
  }
  return scene;
}

// Global transforms of all nodes, depth first (`order`), and by name.
std::vector<NodeInfo> walk_nodes(const aiScene* scene, std::unordered_map<std::string, NodeInfo>& nodes_by_name,
                                 ImportReport& rep) {
  std::vector<std::pair<const aiNode*, Mat4>> stack{{scene->mRootNode, Mat4::Identity()}};
  std::vector<NodeInfo> order;
  while (!stack.empty()) {
    auto [node, parent_global] = stack.back();
    stack.pop_back();
    const Mat4 global = parent_global * to_eigen(node->mTransformation);
    ++rep.source_nodes;
    nodes_by_name.emplace(node->mName.C_Str(), NodeInfo{node, global});
    order.push_back({node, global});
    for (int c = static_cast<int>(node->mNumChildren) - 1; c >= 0; --c) {
      stack.push_back({node->mChildren[c], global});
    }
  }
  return order;
}

// Bind pose of each bone in scene space: meshGlobal * inverse(offset).
std::map<std::string, Mat4> bone_binds(const aiScene* scene, const std::vector<NodeInfo>& order) {
  std::map<std::string, Mat4> bone_bind_world;
  for (const NodeInfo& info : order) {
    for (unsigned k = 0; k < info.node->mNumMeshes; ++k) {
      const aiMesh* mesh = scene->mMeshes[info.node->mMeshes[k]];
      for (unsigned b = 0; b < mesh->mNumBones; ++b) {
        const aiBone* bone = mesh->mBones[b];
        const Mat4 offset = to_eigen(bone->mOffsetMatrix);
        bone_bind_world.emplace(bone->mName.C_Str(), info.global * offset.inverse());
      }
    }
  }
  return bone_bind_world;
}

// One Assimp mesh in scene space: positions and normals through the node's global transform,
// colours clamped to [0, 1], triangles, and (when `joint_index` is given) skin weights.
void convert_mesh(const aiMesh* src, const Mat4& global,
                  const std::unordered_map<std::string, std::uint32_t>* joint_index, Mesh& mesh) {
  const Eigen::Matrix3f normal_matrix = global.topLeftCorner<3, 3>().inverse().transpose();
  mesh.positions.resize(src->mNumVertices);
  for (unsigned v = 0; v < src->mNumVertices; ++v) {
    const aiVector3D& p = src->mVertices[v];
    mesh.positions[v] = (global * Vec4(p.x, p.y, p.z, 1.0f)).head<3>();
  }
  if (src->HasNormals()) {
    mesh.normals.resize(src->mNumVertices);
    for (unsigned v = 0; v < src->mNumVertices; ++v) {
      const aiVector3D& n = src->mNormals[v];
      Vec3 t = normal_matrix * Vec3(n.x, n.y, n.z);
      const float len = t.norm();
      mesh.normals[v] = (len > 0.0f && std::isfinite(len)) ? Vec3(t / len) : Vec3(0, 0, 1);
    }
  }
  if (src->HasVertexColors(0)) {
    mesh.colors.resize(src->mNumVertices);
    for (unsigned v = 0; v < src->mNumVertices; ++v) {
      const aiColor4D& c = src->mColors[0][v];
      mesh.colors[v] = Vec4(c.r, c.g, c.b, c.a).cwiseMax(0.0f).cwiseMin(1.0f);
    }
  }
  mesh.triangles.reserve(src->mNumFaces);
  for (unsigned f = 0; f < src->mNumFaces; ++f) {
    const aiFace& face = src->mFaces[f];
    if (face.mNumIndices != 3) continue;  // SortByPType left only triangles here
    mesh.triangles.push_back({face.mIndices[0], face.mIndices[1], face.mIndices[2]});
  }
  if (joint_index) {
    mesh.skin.resize(src->mNumVertices);
    for (unsigned b = 0; b < src->mNumBones; ++b) {
      const aiBone* bone = src->mBones[b];
      auto it = joint_index->find(bone->mName.C_Str());
      if (it == joint_index->end()) continue;
      for (unsigned w = 0; w < bone->mNumWeights; ++w) {
        const aiVertexWeight& vw = bone->mWeights[w];
        if (vw.mVertexId < src->mNumVertices && vw.mWeight > 0.0f) {
          mesh.skin[vw.mVertexId].push_back({it->second, vw.mWeight});
        }
      }
    }
  }
}

// Debian 12's Assimp 5.2 PLY reader skips line-end bytes after `end_header` (assimp issue #5692):
// a binary PLY whose data starts with '\n' or '\r' (the low byte of the first vertex's x, about
// 1 file in 128) is misread, and Assimp then aborts the whole process in its triangulation step
// (an ai_assert: SIGABRT, not an error). The exporter never writes such files
// (keep_ply_data_off_line_ends), but files from elsewhere do; they are read by our own binary PLY
// reader into the scene Assimp gives for the files it reads: one part named after the file's
// stem, Assimp's default PLY material (no name; white, so material_colors paints it white when
// the file has no vertex colours). nullopt for every other file, which Assimp reads.
std::optional<Scene> load_ply_assimp_would_misread(const fs::path& path, const ImportOptions& options,
                                                   ImportReport& rep) {
  if (!detail::binary_ply_data_starts_with_line_end(path)) return std::nullopt;
  Part part;
  part.mesh = detail::read_binary_ply(path);
  rep.format = "ply";
  rep.source_nodes = 1;
  rep.source_meshes = 1;
  if (part.mesh.triangles.empty()) invalid(path, "file holds no triangle meshes");
  std::set<std::string> used_names;
  part.name = unique_name(path.stem().string(), used_names, 0);
  rep.part_materials.emplace_back();
  if (part.mesh.colors.empty() && options.material_colors) {
    part.mesh.colors.assign(part.mesh.positions.size(), Vec4(1.0f, 1.0f, 1.0f, 1.0f));
  }
  Scene result;
  result.parts.push_back(std::move(part));
  try {
    result.validate();
  } catch (const Error& e) {
    invalid(path, e.what());
  }
  return result;
}

}  // namespace

Scene load_scene(const fs::path& path, const ImportOptions& options, ImportReport* report) {
  check_readable(path);
  check_glb_header(path);
  check_off_header(path);
  ImportReport local_report;
  ImportReport& rep = report ? *report : local_report;
  rep = ImportReport{};
  std::string ext = path.extension().string();
  if (!ext.empty()) ext.erase(0, 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  rep.format = ext;
  if (std::optional<Scene> ply = load_ply_assimp_would_misread(path, options, rep)) return std::move(*ply);

  Assimp::Importer importer;
  const aiScene* scene = read_with_assimp(importer, path, ext);
  rep.source_meshes = scene->mNumMeshes;
  {
    std::size_t faces = 0;
    for (unsigned m = 0; m < scene->mNumMeshes; ++m) faces += scene->mMeshes[m]->mNumFaces;
    check_input_faces(path.string(), faces);
  }

  std::unordered_map<std::string, NodeInfo> nodes_by_name;
  const std::vector<NodeInfo> order = walk_nodes(scene, nodes_by_name, rep);
  std::map<std::string, Mat4> bone_bind_world;
  if (options.keep_skin) bone_bind_world = bone_binds(scene, order);

  Scene result;
  result.skeleton = build_skeleton(scene, nodes_by_name, bone_bind_world);
  std::unordered_map<std::string, std::uint32_t> joint_index;
  for (std::size_t j = 0; j < result.skeleton.joints.size(); ++j) {
    joint_index[result.skeleton.joints[j].name] = static_cast<std::uint32_t>(j);
  }

  std::set<std::string> used_names;
  std::map<std::string, std::optional<Vec3>> texture_cache;
  for (const NodeInfo& info : order) {
    for (unsigned k = 0; k < info.node->mNumMeshes; ++k) {
      const aiMesh* src = scene->mMeshes[info.node->mMeshes[k]];
      if (src->mNumFaces == 0 || !(src->mPrimitiveTypes & aiPrimitiveType_TRIANGLE)) {
        ++rep.skipped_meshes;
        rep.warnings.push_back("skipped mesh '" + std::string(src->mName.C_Str()) +
                               "': no triangles");
        continue;
      }
      Part part;
      std::string name = info.node->mName.C_Str();
      if (name.empty() || name == "RootNode" || name == "<STL_BINARY>" ||
          info.node == scene->mRootNode) {
        name = src->mName.C_Str();
      }
      // Formats without names (OFF, STL, PLY) get the file's stem, so parts stay recognisable.
      if (name.empty() || name.rfind("<", 0) == 0) name = path.stem().string();
      part.name = unique_name(name, used_names, result.parts.size());
      const bool skinned = options.keep_skin && src->mNumBones > 0 && !result.skeleton.empty();
      convert_mesh(src, info.global, skinned ? &joint_index : nullptr, part.mesh);
      const aiMaterial* material =
          src->mMaterialIndex < scene->mNumMaterials ? scene->mMaterials[src->mMaterialIndex] : nullptr;
      aiString material_name;
      if (material != nullptr) material->Get(AI_MATKEY_NAME, material_name);
      rep.part_materials.emplace_back(material_name.C_Str());
      if (part.mesh.colors.empty() && options.material_colors) {
        const MaterialColor color = material_color(material, path, texture_cache);
        rep.textures_read += color.texture_read ? 1 : 0;
        rep.textures_missing += color.texture_missing ? 1 : 0;
        part.mesh.colors.assign(part.mesh.positions.size(), color.rgba);
      }
      if (src->mNumFaces != part.mesh.triangles.size()) {
        rep.warnings.push_back("mesh '" + part.name + "': dropped non-triangle faces");
      }
      result.parts.push_back(std::move(part));
    }
  }
  if (result.parts.empty()) invalid(path, "file holds no triangle meshes");
  for (const std::string& w : rep.warnings) spdlog::warn("{}: {}", path.string(), w);
  try {
    result.validate();
  } catch (const Error& e) {
    invalid(path, e.what());
  }
  return result;
}

}  // namespace flexforge::io
