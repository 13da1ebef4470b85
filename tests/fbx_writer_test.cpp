// The FBX writer is checked three ways: the byte layout is walked by an independent reader here,
// the file is re-imported with Assimp, and, where Blender is installed, imported by Blender (the
// reader that rejected Assimp's own FBX output).
#include "flexforge/io/fbx_writer.h"

#include "flexforge/core/error.h"
#include "test_support.h"

#include <Eigen/Geometry>
#include <assimp/Importer.hpp>
#include <assimp/postprocess.h>
#include <assimp/scene.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace fs = std::filesystem;
using namespace flexforge;

namespace {

Mesh make_cube(bool with_colors) {
  Mesh m;
  for (int i = 0; i < 8; ++i) m.positions.emplace_back(i & 1 ? 0.5f : -0.5f, i & 2 ? 0.5f : -0.5f, i & 4 ? 0.5f : -0.5f);
  const std::array<std::array<std::uint32_t, 4>, 6> quads = {
      {{0, 2, 3, 1}, {4, 5, 7, 6}, {0, 1, 5, 4}, {2, 6, 7, 3}, {0, 4, 6, 2}, {1, 3, 7, 5}}};
  for (const auto& q : quads) {
    m.triangles.push_back({q[0], q[1], q[2]});
    m.triangles.push_back({q[0], q[2], q[3]});
  }
  for (const Vec3& p : m.positions) m.normals.push_back(p.normalized());
  if (with_colors)
    for (int i = 0; i < 8; ++i) m.colors.emplace_back(i & 1 ? 1.f : 0.f, i & 2 ? 1.f : 0.f, i & 4 ? 1.f : 0.f, 1.f);
  return m;
}

Mesh make_tetrahedron() {
  Mesh m;
  m.positions = {Vec3(2, 0, 0), Vec3(3, 0, 0), Vec3(2, 1, 0), Vec3(2, 0, 1)};
  m.triangles = {{0, 2, 1}, {0, 1, 3}, {0, 3, 2}, {1, 2, 3}};
  return m;
}

Scene make_plain_scene() {
  Scene s;
  s.parts.push_back({"cube", make_cube(true), "body"});
  s.parts.push_back({"tetra", make_tetrahedron(), ""});
  s.metadata = {{"source", "fbx_writer_test"}};
  return s;
}

// A column of three stacked unit boxes bent by a three-joint chain along +Y. Vertices of the
// middle ring carry more than four influences so that the writer's top-4 selection is exercised.
Scene make_skinned_scene() {
  Scene s;
  Mesh m;
  for (int ring = 0; ring < 4; ++ring)
    for (int c = 0; c < 4; ++c)
      m.positions.emplace_back(c & 1 ? 0.25f : -0.25f, static_cast<float>(ring), c & 2 ? 0.25f : -0.25f);
  auto at = [](int ring, int c) { return static_cast<std::uint32_t>(ring * 4 + c); };
  for (int ring = 0; ring < 3; ++ring) {
    const int side[4][2] = {{0, 1}, {1, 3}, {3, 2}, {2, 0}};
    for (const auto& e : side) {
      m.triangles.push_back({at(ring, e[0]), at(ring + 1, e[0]), at(ring + 1, e[1])});
      m.triangles.push_back({at(ring, e[0]), at(ring + 1, e[1]), at(ring, e[1])});
    }
  }
  m.triangles.push_back({at(0, 0), at(0, 1), at(0, 3)});
  m.triangles.push_back({at(0, 0), at(0, 3), at(0, 2)});
  m.triangles.push_back({at(3, 0), at(3, 3), at(3, 1)});
  m.triangles.push_back({at(3, 0), at(3, 2), at(3, 3)});

  const char* names[] = {"hips", "spine", "head", "hat", "hat_tip", "feather"};
  for (int j = 0; j < 6; ++j) {
    Joint joint;
    joint.name = names[j];
    joint.parent = j - 1;
    joint.bind_world = Mat4::Identity();
    joint.bind_world(1, 3) = 0.6f * static_cast<float>(j);
    if (j == 2) joint.bind_world.block<3, 3>(0, 0) = Eigen::AngleAxisf(0.7f, Vec3(1, 2, 3).normalized()).toRotationMatrix();
    s.skeleton.joints.push_back(joint);
  }
  m.skin.resize(m.positions.size());
  for (std::size_t v = 0; v < m.positions.size(); ++v) {
    const int ring = static_cast<int>(v / 4);
    if (ring == 1 || ring == 2) {
      // Six influences, two of them on the same joint (merged before the top-4 cut).
      m.skin[v] = {{0, 0.1f}, {1, 0.3f}, {2, 0.2f}, {3, 0.05f}, {4, 0.05f}, {1, 0.1f}};
    } else {
      m.skin[v] = {{static_cast<std::uint32_t>(ring == 0 ? 0 : 2), 1.0f}};
    }
  }
  s.parts.push_back({"column", std::move(m), ""});
  return s;
}

fs::path write_file(const fs::path& path, const std::string& bytes) {
  test::write_text(path, bytes);
  return path;
}

std::uint32_t u32_at(const std::string& bytes, std::size_t offset) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes.at(offset + i));
  return v;
}

// Walks one nested record list the way Blender's parse_fbx.py does: records end where their end
// offset says, a list ends with 13 zero bytes. Returns the names of the records read.
std::vector<std::string> walk_records(const std::string& bytes, std::size_t& offset, std::size_t limit) {
  std::vector<std::string> names;
  while (true) {
    if (offset + 13 > limit) throw std::runtime_error("record list overruns its scope");
    const std::uint32_t end = u32_at(bytes, offset);
    if (end == 0) {
      for (int i = 0; i < 13; ++i)
        if (bytes[offset + i] != 0) throw std::runtime_error("bad null record");
      offset += 13;
      return names;
    }
    const std::uint32_t property_bytes = u32_at(bytes, offset + 8);
    const std::size_t name_length = static_cast<unsigned char>(bytes[offset + 12]);
    names.push_back(bytes.substr(offset + 13, name_length));
    if (end > limit) throw std::runtime_error("record '" + names.back() + "' ends past its scope");
    offset += 13 + name_length + property_bytes;
    if (offset < end) walk_records(bytes, offset, end);
    if (offset != end) throw std::runtime_error("record '" + names.back() + "' has a wrong end offset");
  }
}

struct ImportCounts {
  std::size_t meshes = 0;
  std::vector<std::pair<unsigned, unsigned>> per_mesh;  // (vertices, faces), sorted
};

ImportCounts assimp_counts(const aiScene* scene) {
  ImportCounts c;
  c.meshes = scene->mNumMeshes;
  for (unsigned i = 0; i < scene->mNumMeshes; ++i)
    c.per_mesh.emplace_back(scene->mMeshes[i]->mNumVertices, scene->mMeshes[i]->mNumFaces);
  std::sort(c.per_mesh.begin(), c.per_mesh.end());
  return c;
}

// One headless Blender run on one file; fails the test unless Blender reported on it.
test::BlenderImport blender_check(const fs::path& file) {
  const std::vector<test::BlenderImport> reports = test::blender_import({file});
  if (reports.size() != 1) throw std::runtime_error("no Blender report for " + file.string());
  return reports.front();
}

constexpr const char* kNoBlender = "blender not installed (scripts/setup.sh --with-blender)";

}  // namespace

TEST(FbxWriter, BinaryLayoutMatchesFbx74) {
  const std::string bytes = io::encode_fbx(make_plain_scene());
  ASSERT_GT(bytes.size(), 27u + 13u + 160u);
  EXPECT_EQ(bytes.substr(0, 23), std::string("Kaydara FBX Binary  \0\x1a\0", 23));
  EXPECT_EQ(u32_at(bytes, 23), 7400u);

  std::size_t offset = 27;
  const std::vector<std::string> top = walk_records(bytes, offset, bytes.size());
  const std::vector<std::string> expected = {"FBXHeaderExtension", "FileId", "CreationTime", "Creator",
                                             "GlobalSettings", "Documents", "References", "Definitions",
                                             "Objects", "Connections", "Takes"};
  EXPECT_EQ(top, expected);

  // Footer: code, 4 zero bytes, padding to 16, version, 120 zero bytes, closing magic.
  const std::string footer_code("\xfa\xbc\xab\x09\xd0\xc8\xd4\x66\xb1\x76\xfb\x83\x1c\xf7\x26\x7e", 16);
  const std::string closing_magic("\xf8\x5a\x8c\x6a\xde\xf5\xd9\x7e\xec\xe9\x0c\xe3\x75\x8f\x29\x0b", 16);
  EXPECT_EQ(bytes.substr(offset, 16), footer_code);
  EXPECT_EQ(bytes.substr(bytes.size() - 16), closing_magic);
  EXPECT_EQ(u32_at(bytes, bytes.size() - 16 - 120 - 4), 7400u);
  EXPECT_EQ((bytes.size() - 16 - 120 - 4) % 16, 0u);
  EXPECT_EQ(bytes.substr(bytes.size() - 16 - 120, 120), std::string(120, '\0'));
}

TEST(FbxWriter, EmptySceneIsStillAWellFormedFile) {
  const std::string bytes = io::encode_fbx(Scene{});
  std::size_t offset = 27;
  EXPECT_EQ(walk_records(bytes, offset, bytes.size()).size(), 11u);
}

TEST(FbxWriter, OutputIsDeterministic) {
  EXPECT_EQ(io::encode_fbx(make_plain_scene()), io::encode_fbx(make_plain_scene()));
  io::FbxOptions options;
  options.creator = "someone else";
  EXPECT_NE(io::encode_fbx(make_plain_scene()).find("flexforge"), std::string::npos);
  EXPECT_NE(io::encode_fbx(make_plain_scene(), options).find("someone else"), std::string::npos);
}

TEST(FbxWriter, RejectsInvalidScene) {
  Scene s = make_plain_scene();
  s.parts[0].mesh.triangles.push_back({0, 1, 99});
  try {
    io::encode_fbx(s);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::InvalidInput);
  }
}

TEST(FbxWriter, AssimpReimportsPlainMeshes) {
  const test::TempDir dir;
  const fs::path file = write_file(dir / "plain.fbx", io::encode_fbx(make_plain_scene()));
  Assimp::Importer importer;
  const aiScene* scene = importer.ReadFile(file.string(), aiProcess_Triangulate | aiProcess_JoinIdenticalVertices);
  ASSERT_NE(scene, nullptr) << importer.GetErrorString();
  const ImportCounts counts = assimp_counts(scene);
  EXPECT_EQ(counts.meshes, 2u);
  const std::vector<std::pair<unsigned, unsigned>> expected = {{4, 4}, {8, 12}};
  EXPECT_EQ(counts.per_mesh, expected);
  bool saw_colors = false;
  for (unsigned i = 0; i < scene->mNumMeshes; ++i) saw_colors |= scene->mMeshes[i]->HasVertexColors(0);
  EXPECT_TRUE(saw_colors);
}

TEST(FbxWriter, AssimpReimportsSkin) {
  const Scene source = make_skinned_scene();
  const test::TempDir dir;
  const fs::path file = write_file(dir / "skinned.fbx", io::encode_fbx(source));
  Assimp::Importer importer;
  const aiScene* scene = importer.ReadFile(file.string(), aiProcess_Triangulate | aiProcess_JoinIdenticalVertices);
  ASSERT_NE(scene, nullptr) << importer.GetErrorString();
  ASSERT_EQ(scene->mNumMeshes, 1u);
  const aiMesh* mesh = scene->mMeshes[0];
  EXPECT_EQ(mesh->mNumVertices, source.parts[0].mesh.vertex_count());
  EXPECT_EQ(mesh->mNumFaces, source.parts[0].mesh.face_count());
  // Assimp only keeps clusters that carry weights: joints 0..3 here ("feather" and "hat_tip"
  // lose the top-4 cut or have no weight at all).
  ASSERT_GE(mesh->mNumBones, 4u);
  std::vector<float> sum(mesh->mNumVertices, 0.f);
  std::vector<int> count(mesh->mNumVertices, 0);
  for (unsigned b = 0; b < mesh->mNumBones; ++b)
    for (unsigned w = 0; w < mesh->mBones[b]->mNumWeights; ++w) {
      sum[mesh->mBones[b]->mWeights[w].mVertexId] += mesh->mBones[b]->mWeights[w].mWeight;
      ++count[mesh->mBones[b]->mWeights[w].mVertexId];
    }
  for (unsigned v = 0; v < mesh->mNumVertices; ++v) {
    EXPECT_NEAR(sum[v], 1.0f, 1e-5f) << "vertex " << v;
    EXPECT_LE(count[v], 4) << "vertex " << v;
  }

  // Joint nodes' world transforms (from Lcl Translation/Rotation/Scaling) must reproduce the bind
  // matrices, including the rotated "head" joint and its counter-rotated children.
  for (const Joint& joint : source.skeleton.joints) {
    const aiNode* node = scene->mRootNode->FindNode(joint.name.c_str());
    ASSERT_NE(node, nullptr) << joint.name;
    aiMatrix4x4 world = node->mTransformation;
    for (const aiNode* p = node->mParent; p; p = p->mParent) world = p->mTransformation * world;
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 4; ++c) EXPECT_NEAR(world[r][c], joint.bind_world(r, c), 1e-5f) << joint.name;
  }
}

TEST(FbxWriter, BlenderImportsPlainMeshes) {
  if (!test::have_program("blender")) GTEST_SKIP() << kNoBlender;
  const test::TempDir dir;
  const fs::path file = write_file(dir / "plain.fbx", io::encode_fbx(make_plain_scene()));
  const test::BlenderImport report = blender_check(file);
  EXPECT_TRUE(report.ok) << report.error;
  EXPECT_EQ(report.meshes, 2);
  EXPECT_EQ(report.vertices, 8 + 4);
  EXPECT_EQ(report.faces, 12 + 4);
  EXPECT_EQ(report.armatures, 0);
}

TEST(FbxWriter, BlenderImportsSkin) {
  if (!test::have_program("blender")) GTEST_SKIP() << kNoBlender;
  const Scene source = make_skinned_scene();
  const test::TempDir dir;
  const fs::path file = write_file(dir / "skinned.fbx", io::encode_fbx(source));
  const test::BlenderImport report = blender_check(file);
  EXPECT_TRUE(report.ok) << report.error;
  EXPECT_EQ(report.meshes, 1);
  EXPECT_EQ(report.vertices, static_cast<long>(source.parts[0].mesh.vertex_count()));
  EXPECT_EQ(report.faces, static_cast<long>(source.parts[0].mesh.face_count()));
  EXPECT_EQ(report.armatures, 1);
  EXPECT_EQ(report.bones, static_cast<long>(source.skeleton.joints.size()));
}
