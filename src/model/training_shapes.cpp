#include "flexforge/model/training_shapes.h"

#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/parallel.h"
#include "flexforge/core/scene_ops.h"
#include "flexforge/extract/mesh_to_field.h"
#include "flexforge/io/import.h"

#include <algorithm>

namespace flexforge::model {

Mesh normalize_mesh_for_field(const Mesh& mesh) {
  Mesh out = mesh;
  transform(out, normalize_for_field(mesh, kFieldMargin).forward());
  return out;
}

void for_each_training_shape(const TrainingShapeOptions& o,
                             const std::function<void(const TrainingShape&)>& visit) {
  synth::SynthConfig config;
  config.resolution = o.synth_resolution;
  config.views = o.views;
  config.image_size = o.image_size;
  config.part_meshes = false;
  const std::size_t count = static_cast<std::size_t>(std::max(0, o.synth_count));
  const std::size_t batch = std::max<std::size_t>(1, worker_threads()) * 4;
  for (std::size_t first = 0; first < count; first += batch) {
    const std::size_t n = std::min(batch, count - first);
    std::vector<TrainingShape> shapes(n);
    parallel_for(
        n,
        [&](std::size_t i) {
          synth::SynthAsset asset = synth::generate_asset(config, o.synth_seed, first + i);
          TrainingShape& s = shapes[i];
          s.id = asset.id;
          s.category = asset.category;
          s.captions = asset.captions;
          s.views = std::move(asset.views);
          s.attributes = asset.attributes;
          s.normalized = normalize_mesh_for_field(asset.mesh);
        },
        0, 1);
    for (const auto& s : shapes) visit(s);
  }
  for (const auto& path : o.real_meshes) {
    TrainingShape s;
    s.id = path.stem().string();
    s.category = "real";
    s.normalized = normalize_mesh_for_field(join_parts(load_scene(path)));
    visit(s);
  }
}

}  // namespace flexforge::model
