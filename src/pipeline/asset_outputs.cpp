#include "flexforge/pipeline/asset_outputs.h"

#include "flexforge/core/atomic_file.h"
#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/scene_ops.h"
#include "flexforge/io/export.h"
#include "flexforge/render/rasterizer.h"

#include <algorithm>
#include <sstream>

namespace flexforge::pipeline {

namespace fs = std::filesystem;

std::vector<std::string> parse_formats(const std::string& list) {
  std::vector<std::string> formats;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty()) continue;
    if (item.front() == '.') item.erase(0, 1);
    std::transform(item.begin(), item.end(), item.begin(), [](unsigned char c) { return std::tolower(c); });
    io::output_format_for("x." + item);  // Error(Usage) naming an unknown extension
    if (std::find(formats.begin(), formats.end(), item) == formats.end()) formats.push_back(item);
  }
  return formats;
}

std::vector<fs::path> write_formats(const Scene& scene, const fs::path& output,
                                    const std::vector<std::string>& extra_formats) {
  std::vector<fs::path> written = {output};
  io::save_scene(scene, output);
  for (const auto& ext : extra_formats) {
    fs::path other = output;
    other.replace_extension("." + ext);
    if (std::find(written.begin(), written.end(), other) != written.end()) continue;
    io::save_scene(scene, other);
    written.push_back(other);
  }
  return written;
}

void write_preview(const Scene& scene, const fs::path& png, int size) {
  if (size < 16 || size > 4096) throw Error(ExitCode::Usage, "preview size must be in 16..4096");
  require_writable_parent(png);
  const Mesh mesh = join_parts(scene);
  if (mesh.triangles.empty()) throw Error(ExitCode::StageFailed, "preview: the asset has no faces");
  const auto cameras = render::orbit_cameras(bounding_box(mesh), 1, size, 25.0f, 35.0f);
  write_file_atomic(png, render::encode_png(render::render(mesh, cameras.front())));
}

}  // namespace flexforge::pipeline
