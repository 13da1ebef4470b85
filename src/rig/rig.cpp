// The rig driver: runs the stages in order and assembles the Skeleton and skin. The stage
// sources are cited in their own files.
#include "flexforge/rig/rig.h"

#include "flexforge/core/crash_guard.h"
#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/scene_ops.h"
#include "flexforge/rig/skeletonize.h"
#include "flexforge/rig/voxelize.h"

#include <chrono>

namespace flexforge::rig {

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

void RigOptions::validate() const {
  if (joints != 0 && (joints < 2 || joints > 256))
    throw Error(ExitCode::Usage, "joints: expected auto or a count from 2 to 256");
  if (resolution < 16 || resolution > 512)
    throw Error(ExitCode::Usage, "rig resolution must be 16..512");
}

RigResult rig_mesh(const Mesh& mesh, const RigOptions& options) {
  options.validate();
  mesh.validate();
  if (mesh.triangles.empty()) throw Error(ExitCode::InvalidInput, "mesh has no triangles");
  const auto t0 = std::chrono::steady_clock::now();
  RigResult result;

  VoxelizeOptions vo;
  vo.resolution = options.resolution;
  const VoxelGrid grid = voxelize_solid(mesh, vo);
  result.voxel_closing = grid.closing;
  result.solid_components = static_cast<int>(grid.component_voxels.size());
  result.timings.voxelize_s = seconds_since(t0);

  const auto t1 = std::chrono::steady_clock::now();
  const Aabb box = bounding_box(mesh);
  const float diag = box.diagonal();
  result.symmetry = detect_symmetry(grid, options.symmetry);
  const std::vector<float> thick = thickness(grid);
  SkeletonizeOptions so = options.skeleton;
  // Pieces under 0.5% of the main body's volume are skinned to the nearest bone but get no bones.
  so.min_component_voxels = std::max<std::size_t>(8, grid.component_voxels[0] / 200);
  const CurveSkeleton curve = level_set_skeleton(grid, thick, result.symmetry, so);
  Eigen::Vector3d com = Eigen::Vector3d::Zero();
  std::size_t count = 0;
  for (std::size_t i = 0; i < grid.size(); ++i)
    if (grid.component[i] == 0) com += grid.center(i).cast<double>(), ++count;
  com /= static_cast<double>(std::max<std::size_t>(count, 1));
  BoneGraphOptions bo = options.bones;
  bo.target_joints = options.joints;
  JointTree tree = build_joint_tree(curve, com.cast<float>(), diag, bo);
  symmetrize_joints(tree.position, result.symmetry, 0.04f * diag);
  const NamedJoints names = name_figure_joints(tree, result.symmetry, options.rig_type, box);
  result.type = names.type;
  result.timings.skeleton_s = seconds_since(t1);

  const auto t2 = std::chrono::steady_clock::now();
  result.skin = bind_skin(mesh, grid, tree, options.skinning);
  result.timings.skinning_s = seconds_since(t2);

  result.joint_positions = tree.position;
  for (std::size_t j = 0; j < tree.position.size(); ++j) {
    Joint joint;
    joint.name = names.names[j];
    joint.parent = tree.parent[j];
    joint.bind_world = Mat4::Identity();
    joint.bind_world.block<3, 1>(0, 3) = tree.position[j];
    result.skeleton.joints.push_back(joint);
  }
  result.skeleton.validate();
  result.timings.total_s = seconds_since(t0);
  return result;
}

nlohmann::json skeleton_json(const RigResult& r) {
  nlohmann::json joints = nlohmann::json::array();
  for (std::size_t j = 0; j < r.skeleton.joints.size(); ++j) {
    const Joint& joint = r.skeleton.joints[j];
    const Vec3& p = r.joint_positions[j];
    joints.push_back({{"index", j},
                      {"name", joint.name},
                      {"parent_index", joint.parent},
                      {"parent", joint.parent < 0 ? nlohmann::json(nullptr)
                                                  : nlohmann::json(r.skeleton.joints[joint.parent].name)},
                      {"position", {p.x(), p.y(), p.z()}}});
  }
  return joints;
}

RigResult rig_scene(Scene& scene, const RigOptions& options) {
  const StageScope stage_scope("rig");  // names the stage in a crash report
  std::vector<std::size_t> first;
  const Mesh all = join_parts(scene, &first);
  RigResult result = rig_mesh(all, options);
  scene.skeleton = result.skeleton;
  scene.animations.clear();  // clips of a previous skeleton do not apply to this one
  for (std::size_t p = 0; p < scene.parts.size(); ++p) {
    Mesh& m = scene.parts[p].mesh;
    const auto begin = result.skin.begin() + static_cast<std::ptrdiff_t>(first[p]);
    m.skin.assign(begin, begin + static_cast<std::ptrdiff_t>(m.positions.size()));
  }
  scene.metadata["rig"] = {{"type", rig_type_name(result.type)},
                           {"joints", result.skeleton.joints.size()},
                           {"symmetry", result.symmetry.found}};
  return result;
}

}  // namespace flexforge::rig
