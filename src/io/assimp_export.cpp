// OBJ(+MTL), binary STL, binary PLY and 3MF through Assimp's exporters. Assimp writes files by
// path itself (OBJ adds an .mtl beside the .obj), so it writes into a staging directory that
// write_files_atomic moves into place only when the export succeeded.
#include "flexforge/core/atomic_file.h"
#include "flexforge/core/error.h"
#include "flexforge/io/export.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <assimp/DefaultIOSystem.h>
#include <assimp/Exporter.hpp>
#include <assimp/IOStream.hpp>
#include <assimp/IOSystem.hpp>
#include <assimp/scene.h>

#include <memory>

namespace fs = std::filesystem;

namespace flexforge::io {

namespace {

const char* assimp_format_id(OutputFormat format) {
  switch (format) {
    case OutputFormat::Obj: return "obj";
    case OutputFormat::Stl: return "stlb";
    case OutputFormat::Ply: return "plyb";
    case OutputFormat::ThreeMf: return "3mf";
    default: return nullptr;
  }
}

// Builds an aiScene that owns copies of the geometry; aiScene's destructor frees it all.
std::unique_ptr<aiScene> to_assimp(const Scene& scene) {
  auto out = std::make_unique<aiScene>();
  out->mRootNode = new aiNode("root");
  out->mNumMaterials = 1;
  out->mMaterials = new aiMaterial*[1];
  out->mMaterials[0] = new aiMaterial();
  aiString material_name("default");
  out->mMaterials[0]->AddProperty(&material_name, AI_MATKEY_NAME);
  aiColor3D diffuse(0.8f, 0.8f, 0.8f);
  out->mMaterials[0]->AddProperty(&diffuse, 1, AI_MATKEY_COLOR_DIFFUSE);

  std::vector<const Part*> parts;
  for (const Part& p : scene.parts) {
    if (!p.mesh.empty()) parts.push_back(&p);
  }
  out->mNumMeshes = static_cast<unsigned>(parts.size());
  out->mMeshes = new aiMesh*[parts.size()];
  out->mRootNode->mNumChildren = static_cast<unsigned>(parts.size());
  out->mRootNode->mChildren = new aiNode*[parts.size()];
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Mesh& mesh = parts[i]->mesh;
    auto* m = new aiMesh();
    out->mMeshes[i] = m;
    m->mName = aiString(parts[i]->name);
    m->mMaterialIndex = 0;
    m->mPrimitiveTypes = aiPrimitiveType_TRIANGLE;
    m->mNumVertices = static_cast<unsigned>(mesh.positions.size());
    m->mVertices = new aiVector3D[mesh.positions.size()];
    for (std::size_t v = 0; v < mesh.positions.size(); ++v) {
      const Vec3& p = mesh.positions[v];
      m->mVertices[v] = aiVector3D(p.x(), p.y(), p.z());
    }
    if (mesh.has_normals()) {
      m->mNormals = new aiVector3D[mesh.normals.size()];
      for (std::size_t v = 0; v < mesh.normals.size(); ++v) {
        const Vec3& n = mesh.normals[v];
        m->mNormals[v] = aiVector3D(n.x(), n.y(), n.z());
      }
    }
    if (mesh.has_colors()) {
      m->mColors[0] = new aiColor4D[mesh.colors.size()];
      for (std::size_t v = 0; v < mesh.colors.size(); ++v) {
        const Vec4& c = mesh.colors[v];
        m->mColors[0][v] = aiColor4D(c.x(), c.y(), c.z(), c.w());
      }
    }
    m->mNumFaces = static_cast<unsigned>(mesh.triangles.size());
    m->mFaces = new aiFace[mesh.triangles.size()];
    for (std::size_t f = 0; f < mesh.triangles.size(); ++f) {
      aiFace& face = m->mFaces[f];
      face.mNumIndices = 3;
      face.mIndices = new unsigned[3]{mesh.triangles[f][0], mesh.triangles[f][1],
                                      mesh.triangles[f][2]};
    }
    auto* node = new aiNode(parts[i]->name);
    node->mParent = out->mRootNode;
    node->mNumMeshes = 1;
    node->mMeshes = new unsigned[1]{static_cast<unsigned>(i)};
    out->mRootNode->mChildren[i] = node;
  }
  return out;
}

// Debian's Assimp 5.2 PLY reader skips line-end bytes after `end_header`, so a binary PLY whose
// data starts with 0x0a or 0x0d (the low byte of the first vertex's x) is misread and fails
// validation (assimp issue #5692): 1 file in ~128 that flexforge itself could not read back. The
// first vertex is swapped with one whose first byte is safe; faces follow, the geometry is the same.
void keep_ply_data_off_line_ends(aiScene& scene) {
  if (scene.mNumMeshes == 0) return;
  aiMesh& m = *scene.mMeshes[0];
  const auto first_byte = [&](unsigned v) {
    unsigned char bytes[sizeof(float)];
    std::memcpy(bytes, &m.mVertices[v].x, sizeof(float));
    return bytes[0];  // little-endian: the byte written first
  };
  const auto unsafe = [](unsigned char b) { return b == '\n' || b == '\r'; };
  if (m.mNumVertices < 2 || !unsafe(first_byte(0))) return;
  unsigned k = 1;
  while (k < m.mNumVertices && unsafe(first_byte(k))) ++k;
  if (k == m.mNumVertices) return;
  std::swap(m.mVertices[0], m.mVertices[k]);
  if (m.mNormals != nullptr) std::swap(m.mNormals[0], m.mNormals[k]);
  if (m.mColors[0] != nullptr) std::swap(m.mColors[0][0], m.mColors[0][k]);
  for (unsigned f = 0; f < m.mNumFaces; ++f)
    for (unsigned c = 0; c < m.mFaces[f].mNumIndices; ++c) {
      unsigned& i = m.mFaces[f].mIndices[c];
      i = i == 0 ? k : i == k ? 0 : i;
    }
}

// Assimp's own file streams ignore short writes: on a full disk it reports success and leaves a
// truncated file. These streams count what the kernel refused, so the export can fail instead.
class CheckedStream : public Assimp::IOStream {
 public:
  CheckedStream(std::FILE* file, int* error) : file_(file), error_(error) {}
  ~CheckedStream() override {
    if (std::fflush(file_) != 0 && *error_ == 0) *error_ = errno ? errno : EIO;
    if (std::fclose(file_) != 0 && *error_ == 0) *error_ = errno ? errno : EIO;
  }
  size_t Read(void* buffer, size_t size, size_t count) override { return std::fread(buffer, size, count, file_); }
  size_t Write(const void* buffer, size_t size, size_t count) override {
    const size_t written = std::fwrite(buffer, size, count, file_);
    if (written != count && *error_ == 0) *error_ = errno ? errno : EIO;
    return written;
  }
  aiReturn Seek(size_t offset, aiOrigin origin) override {
    const int whence = origin == aiOrigin_SET ? SEEK_SET : origin == aiOrigin_CUR ? SEEK_CUR : SEEK_END;
    return std::fseek(file_, static_cast<long>(offset), whence) == 0 ? aiReturn_SUCCESS : aiReturn_FAILURE;
  }
  size_t Tell() const override { return static_cast<size_t>(std::ftell(file_)); }
  size_t FileSize() const override {
    const long at = std::ftell(file_);
    std::fseek(file_, 0, SEEK_END);
    const long size = std::ftell(file_);
    std::fseek(file_, at, SEEK_SET);
    return static_cast<size_t>(size);
  }
  void Flush() override {
    if (std::fflush(file_) != 0 && *error_ == 0) *error_ = errno ? errno : EIO;
  }

 private:
  std::FILE* file_;
  int* error_;
};

class CheckedIOSystem : public Assimp::DefaultIOSystem {
 public:
  Assimp::IOStream* Open(const char* file, const char* mode) override {
    std::FILE* f = std::fopen(file, mode);
    if (f == nullptr) {
      if (error == 0) error = errno ? errno : EIO;
      return nullptr;
    }
    return new CheckedStream(f, &error);
  }
  void Close(Assimp::IOStream* stream) override { delete stream; }
  int error = 0;  // the first errno of a failed write, flush or close
};

}  // namespace

void save_scene_with_assimp(const Scene& scene, const fs::path& path, OutputFormat format) {
  const char* id = assimp_format_id(format);
  if (id == nullptr) {
    throw Error(ExitCode::Usage, path.string() + ": format " + format_name(format) +
                                     " is not written through Assimp");
  }
  const std::unique_ptr<aiScene> ai = to_assimp(scene);
  if (format == OutputFormat::Ply) keep_ply_data_off_line_ends(*ai);
  write_files_atomic(path, [&](const fs::path& staged) {
    Assimp::Exporter exporter;
    auto* io = new CheckedIOSystem;  // owned by the exporter
    exporter.SetIOHandler(io);
    if (exporter.Export(ai.get(), id, staged.string()) != AI_SUCCESS) {
      throw Error(ExitCode::OutputFailed,
                  path.string() + ": export failed: " + exporter.GetErrorString());
    }
    if (io->error != 0) {
      throw Error(ExitCode::OutputFailed, path.string() + ": cannot write: " + std::strerror(io->error));
    }
  });
}

}  // namespace flexforge::io
