#include "flexforge/core/scene_ops.h"

#include "flexforge/core/error.h"

#include <algorithm>

namespace flexforge {

void transform_scene(Scene& scene, const Mat4& m) {
  for (Part& part : scene.parts) transform(part.mesh, m);
  for (Joint& joint : scene.skeleton.joints) joint.bind_world = m * joint.bind_world;
}

Aabb scene_bounds(const Scene& scene) {
  Aabb box;
  for (const Part& part : scene.parts) {
    for (const Vec3& p : part.mesh.positions) box.expand(p);
  }
  return box;
}

Mesh join_parts(const Scene& scene, std::vector<std::size_t>* first_vertex) {
  Mesh joined;
  bool normals = true, colors = true, skin = true;
  for (const Part& p : scene.parts) {
    normals = normals && p.mesh.has_normals();
    colors = colors && p.mesh.has_colors();
    skin = skin && p.mesh.has_skin();
  }
  if (first_vertex) first_vertex->clear();
  for (const Part& p : scene.parts) {
    const auto base = static_cast<std::uint32_t>(joined.positions.size());
    if (first_vertex) first_vertex->push_back(base);
    joined.positions.insert(joined.positions.end(), p.mesh.positions.begin(), p.mesh.positions.end());
    if (normals) joined.normals.insert(joined.normals.end(), p.mesh.normals.begin(), p.mesh.normals.end());
    if (colors) joined.colors.insert(joined.colors.end(), p.mesh.colors.begin(), p.mesh.colors.end());
    if (skin) joined.skin.insert(joined.skin.end(), p.mesh.skin.begin(), p.mesh.skin.end());
    for (const Triangle& t : p.mesh.triangles) {
      joined.triangles.push_back({t[0] + base, t[1] + base, t[2] + base});
    }
  }
  return joined;
}

Mat4 up_axis_to_y(const std::string& axis) {
  Mat4 r = Mat4::Identity();
  // Each case is a proper rotation (determinant +1), so handedness and winding are preserved.
  if (axis == "y" || axis == "+y") return r;
  if (axis == "z" || axis == "+z") {  // x stays, z -> y, y -> -z
    r.topLeftCorner<3, 3>() << 1, 0, 0, 0, 0, 1, 0, -1, 0;
  } else if (axis == "-z") {
    r.topLeftCorner<3, 3>() << 1, 0, 0, 0, 0, -1, 0, 1, 0;
  } else if (axis == "x" || axis == "+x") {  // x -> y, y -> -x
    r.topLeftCorner<3, 3>() << 0, -1, 0, 1, 0, 0, 0, 0, 1;
  } else if (axis == "-x") {
    r.topLeftCorner<3, 3>() << 0, 1, 0, -1, 0, 0, 0, 0, 1;
  } else if (axis == "-y") {  // upside down: rotate 180 degrees about x
    r.topLeftCorner<3, 3>() << 1, 0, 0, 0, -1, 0, 0, 0, -1;
  } else {
    throw Error(ExitCode::Usage, "up_axis '" + axis + "' is not one of x, y, z, -x, -y, -z");
  }
  return r;
}

namespace {
nlohmann::json box_json(const Aabb& box) {
  if (!box.valid()) return nullptr;
  return {{"min", {box.min.x(), box.min.y(), box.min.z()}},
          {"max", {box.max.x(), box.max.y(), box.max.z()}},
          {"diagonal", box.diagonal()}};
}
}  // namespace

nlohmann::json summarize_scene(const Scene& scene) {
  nlohmann::json parts = nlohmann::json::array();
  bool all_manifold = true, all_watertight = true;
  std::size_t components = 0;
  for (const Part& part : scene.parts) {
    const Mesh& mesh = part.mesh;
    const TopologyReport topo = analyze_topology(mesh);
    all_manifold = all_manifold && topo.manifold;
    all_watertight = all_watertight && topo.watertight;
    components += topo.components;
    std::size_t max_influences = 0;
    for (const auto& inf : mesh.skin) max_influences = std::max(max_influences, inf.size());
    nlohmann::json entry = {{"name", part.name},
                            {"vertices", mesh.vertex_count()},
                            {"faces", mesh.face_count()},
                            {"bbox", box_json(bounding_box(mesh))},
                            {"manifold", topo.manifold},
                            {"watertight", topo.watertight},
                            {"oriented", topo.oriented},
                            {"components", topo.components},
                            {"boundary_edges", topo.boundary_edges},
                            {"non_manifold_edges", topo.non_manifold_edges},
                            {"non_manifold_vertices", topo.non_manifold_vertices},
                            {"degenerate_faces", topo.degenerate_faces},
                            {"has_normals", mesh.has_normals()},
                            {"has_colors", mesh.has_colors()},
                            {"skinned", mesh.has_skin()},
                            {"max_influences", max_influences}};
    if (!part.semantic.empty()) entry["semantic"] = part.semantic;
    parts.push_back(entry);
  }
  nlohmann::json joints = nlohmann::json::array();
  for (const Joint& j : scene.skeleton.joints) {
    const Vec3 p = j.bind_world.block<3, 1>(0, 3);
    joints.push_back({{"name", j.name}, {"parent", j.parent}, {"position", {p.x(), p.y(), p.z()}}});
  }
  return {{"parts", parts},
          {"totals",
           {{"parts", scene.parts.size()},
            {"vertices", scene.vertex_count()},
            {"faces", scene.face_count()},
            {"components", components},
            {"manifold", all_manifold},
            {"watertight", all_watertight},
            {"bbox", box_json(scene_bounds(scene))}}},
          {"skeleton", {{"joints", scene.skeleton.joints.size()}, {"tree", joints}}},
          {"metadata", scene.metadata}};
}

}  // namespace flexforge
