// Loading meshes and scenes from any format Assimp reads (OBJ, FBX, glTF/GLB, PLY, STL, OFF, 3MF,
// DAE, ...). Polygons are triangulated, identical vertices welded, node transforms baked into the
// geometry (scene space), and bones turned into one Skeleton tree with per-vertex skin weights.
#pragma once

#include "flexforge/core/scene.h"

#include <filesystem>
#include <string>
#include <vector>

namespace flexforge {

struct ImportOptions {
  bool keep_skin = true;  // false: ignore bones/weights in the file
};

struct ImportReport {
  std::string format;               // e.g. "obj", from the file extension
  std::size_t source_nodes = 0;     // nodes in the file's hierarchy
  std::size_t source_meshes = 0;    // meshes in the file, before dropping empty ones
  std::size_t skipped_meshes = 0;   // meshes without triangles (points, lines, empty)
  std::vector<std::string> warnings;
};

// Throws Error(InvalidInput) with "<path>: <reason>" when the file is missing, empty, corrupt,
// or holds no triangles. Meshes without triangles are skipped and reported, not fatal.
Scene load_scene(const std::filesystem::path& path, const ImportOptions& options = {},
                 ImportReport* report = nullptr);

}  // namespace flexforge
