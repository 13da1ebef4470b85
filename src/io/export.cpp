#include "flexforge/io/export.h"

#include "flexforge/core/atomic_file.h"
#include "flexforge/core/error.h"
#include "flexforge/io/fbx_writer.h"
#include "flexforge/io/gltf_writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <map>

namespace fs = std::filesystem;

namespace flexforge::io {

namespace {
const std::map<std::string, OutputFormat>& formats_by_extension() {
  static const std::map<std::string, OutputFormat> table = {
      {".glb", OutputFormat::Glb}, {".gltf", OutputFormat::Gltf}, {".fbx", OutputFormat::Fbx},
      {".obj", OutputFormat::Obj}, {".stl", OutputFormat::Stl},   {".ply", OutputFormat::Ply},
      {".3mf", OutputFormat::ThreeMf}};
  return table;
}

void write_binary_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw Error(ExitCode::OutputFailed, path.string() + ": write failed");
}
}  // namespace

std::vector<std::string> supported_output_extensions() {
  std::vector<std::string> out;
  for (const auto& [ext, format] : formats_by_extension()) out.push_back(ext);
  return out;
}

OutputFormat output_format_for(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  const auto& table = formats_by_extension();
  auto it = table.find(ext);
  if (it == table.end()) {
    std::string list;
    for (const std::string& e : supported_output_extensions()) list += (list.empty() ? "" : " ") + e;
    throw Error(ExitCode::Usage, path.string() + ": unknown output format '" + ext +
                                     "' (supported: " + list + ")");
  }
  return it->second;
}

std::string format_name(OutputFormat format) {
  switch (format) {
    case OutputFormat::Glb: return "glb";
    case OutputFormat::Gltf: return "gltf";
    case OutputFormat::Fbx: return "fbx";
    case OutputFormat::Obj: return "obj";
    case OutputFormat::Stl: return "stl";
    case OutputFormat::Ply: return "ply";
    case OutputFormat::ThreeMf: return "3mf";
  }
  return "?";
}

void save_scene(const Scene& scene, const fs::path& path) {
  const OutputFormat format = output_format_for(path);
  require_writable_parent(path);
  if (scene.face_count() == 0) {
    throw Error(ExitCode::StageFailed, path.string() + ": nothing to write (scene has no faces)");
  }
  switch (format) {
    case OutputFormat::Glb:
      write_file_atomic(path, encode_glb(scene));
      break;
    case OutputFormat::Gltf: {
      const std::string bin_name = path.stem().string() + ".bin";
      const GltfFiles files = encode_gltf(scene, bin_name);
      write_files_atomic(path, [&](const fs::path& staged) {
        write_binary_file(staged.parent_path() / bin_name, files.bin);
        write_binary_file(staged, files.json);
      });
      break;
    }
    case OutputFormat::Fbx:
      write_file_atomic(path, encode_fbx(scene));
      break;
    default:
      if (scene.has_skin()) {
        spdlog::warn("{}: {} has no skinning; the skeleton and weights are not written",
                     path.string(), format_name(format));
      }
      save_scene_with_assimp(scene, path, format);
      break;
  }
}

}  // namespace flexforge::io
