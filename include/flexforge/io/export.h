// Writing scenes. The format follows the output file's extension. Every write is atomic (see
// core/atomic_file.h): on any failure nothing appears at the destination.
#pragma once

#include "flexforge/core/scene.h"

#include <filesystem>
#include <string>
#include <vector>

namespace flexforge::io {

enum class OutputFormat { Glb, Gltf, Fbx, Obj, Stl, Ply, ThreeMf };

// Throws Error(Usage) naming the path and the supported extensions when the extension is unknown.
OutputFormat output_format_for(const std::filesystem::path& path);
std::vector<std::string> supported_output_extensions();
std::string format_name(OutputFormat format);

// Writes the scene. GLB/glTF and FBX are encoded by flexforge; OBJ(+MTL), binary STL, binary PLY
// and 3MF go through Assimp's exporters. Throws Error(OutputFailed) when the destination is not
// writable, Error(StageFailed) when the scene cannot be represented in the format.
void save_scene(const Scene& scene, const std::filesystem::path& path);

// Assimp-backed writer for OBJ/STL/PLY/3MF; used by save_scene.
void save_scene_with_assimp(const Scene& scene, const std::filesystem::path& path,
                            OutputFormat format);

}  // namespace flexforge::io
