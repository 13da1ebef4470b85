// Whole-scene operations used by convert and the pipeline: transforms (geometry and skeleton
// together), bounds, and the summary `flexforge inspect` prints.
#pragma once

#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/scene.h"

#include <nlohmann/json.hpp>

#include <string>

namespace flexforge {

// Applies `m` to every part (positions, normals) and to every joint's bind pose.
void transform_scene(Scene& scene, const Mat4& m);

Aabb scene_bounds(const Scene& scene);

// All parts as one mesh in scene space (parts keep their vertices; no welding). Normals, colours
// and skin are kept only when every part has them. `first_vertex`, when given, receives the index
// of each part's first vertex in the joined mesh, so per-vertex results can be split back.
Mesh join_parts(const Scene& scene, std::vector<std::size_t>* first_vertex = nullptr);

// Rotation taking the named input up axis ("x", "y", "z", "-x", "-y", "-z") onto +Y, the up
// axis of glTF and of flexforge's scene space. Throws Error(Usage) for anything else.
Mat4 up_axis_to_y(const std::string& axis);

// Per part: vertices, faces, bbox, topology (manifold / watertight / components / boundary
// edges / degenerate faces), colours, skin; plus totals and the skeleton. Used by `inspect`.
nlohmann::json summarize_scene(const Scene& scene);

}  // namespace flexforge
