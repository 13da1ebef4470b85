// Writing one finished asset the ways users ask for: several formats next to each other
// (--formats glb,fbx,stl), and a thumbnail from the software rasteriser (--preview).
#pragma once

#include "flexforge/core/scene.h"

#include <filesystem>
#include <string>
#include <vector>

namespace flexforge::pipeline {

// "glb,fbx" -> {"glb", "fbx"}; each checked against the export formats (Error(Usage) naming an
// unknown one); duplicates dropped, order kept.
std::vector<std::string> parse_formats(const std::string& list);

// Writes `scene` to `output` and, for every extra format, to `output` with that extension
// (each file atomic). Returns the paths written, `output` first.
std::vector<std::filesystem::path> write_formats(const Scene& scene,
                                                 const std::filesystem::path& output,
                                                 const std::vector<std::string>& extra_formats);

// A size x size PNG of the scene from a three-quarter view above the front (vertex colours when
// present, else a neutral grey), written atomically.
void write_preview(const Scene& scene, const std::filesystem::path& png, int size = 256);

}  // namespace flexforge::pipeline
