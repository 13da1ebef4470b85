// Loading meshes and scenes from any format Assimp reads (OBJ, FBX, glTF/GLB, PLY, STL, OFF, 3MF,
// DAE, ...). Polygons are triangulated, identical vertices welded, node transforms baked into the
// geometry (scene space), and bones turned into one Skeleton tree with per-vertex skin weights.
#pragma once

#include "flexforge/core/scene.h"

#include <filesystem>
#include <string>
#include <vector>

namespace flexforge::io {

struct ImportOptions {
  bool keep_skin = true;  // false: ignore bones/weights in the file
  // true: a mesh without vertex colours gets its material's colour on every vertex: the diffuse
  // colour times the mean colour of its diffuse texture (decoded from the file the material
  // names, relative to the mesh file; sRGB texels averaged in linear space). Artist models
  // (OBJ+MTL, AC3D) carry their colour this way; the real-asset dataset builder uses it.
  bool material_colors = false;
};

struct ImportReport {
  std::string format;               // e.g. "obj", from the file extension
  std::size_t source_nodes = 0;     // nodes in the file's hierarchy
  std::size_t source_meshes = 0;    // meshes in the file, before dropping empty ones
  std::size_t skipped_meshes = 0;   // meshes without triangles (points, lines, empty)
  std::vector<std::string> warnings;
  std::vector<std::string> part_materials;  // material name of each output part, in order
  std::size_t textures_read = 0;      // diffuse textures averaged (material_colors only)
  std::size_t textures_missing = 0;   // diffuse textures named but unreadable (colour kept)
};

// Throws Error(InvalidInput) with "<path>: <reason>" when the file is missing, empty, corrupt,
// or holds no triangles. Meshes without triangles are skipped and reported, not fatal.
Scene load_scene(const std::filesystem::path& path, const ImportOptions& options = {},
                 ImportReport* report = nullptr);

}  // namespace flexforge::io
