// Automatic rigging (`flexforge rig`): a bare triangle mesh of any topology in, a joint tree with
// a bind pose and per-vertex skin weights (at most 4 influences, summing to 1) out.
//
// Pipeline (one file each under src/rig/): voxelize (solid voxels, holes closed) -> symmetry
// (mirror plane) -> skeletonize (level-set diagram curve skeleton) -> bone_graph (prune, simplify,
// root at the centre of mass) -> symmetrise joints -> template_fit (standard joint names for
// bipeds/quadrupeds) -> skinning (geodesic voxel binding).
#pragma once

#include "flexforge/core/scene.h"
#include "flexforge/rig/bone_graph.h"
#include "flexforge/rig/skeletonize.h"
#include "flexforge/rig/skinning.h"
#include "flexforge/rig/symmetry.h"
#include "flexforge/rig/template_fit.h"

#include <string>
#include <vector>

namespace flexforge::rig {

struct RigOptions {
  RigType rig_type = RigType::Auto;
  int joints = 0;  // 0 = automatic joint count; else the target count (2..256)
  SymmetryMode symmetry = SymmetryMode::Auto;
  int resolution = 96;  // voxels along the longest side (skeleton and skin binding)
  SkeletonizeOptions skeleton;  // min_component_voxels is set from the main body's size
  BoneGraphOptions bones;
  SkinningOptions skinning;

  // Throws Error(Usage) for out-of-range values.
  void validate() const;
};

struct RigTimings {
  double voxelize_s = 0, skeleton_s = 0, skinning_s = 0, total_s = 0;
};

struct RigResult {
  Skeleton skeleton;                // names, parents (parents first, one root), bind_world =
                                    // translation to the joint (identity rotation)
  std::vector<Vec3> joint_positions;
  std::vector<std::vector<SkinInfluence>> skin;  // one per input vertex
  RigType type = RigType::Generic;  // detected (or forced) rig type
  MirrorPlane symmetry;
  int voxel_closing = 0;            // dilation needed to seal holes
  int solid_components = 0;
  RigTimings timings;
};

// Throws Error(InvalidInput) for an empty or degenerate mesh, Error(StageFailed) when no
// skeleton can be built. Deterministic for a given mesh and options (any thread count).
RigResult rig_mesh(const Mesh& mesh, const RigOptions& options = {});

// Rigs a whole scene: all parts are bound to one skeleton (rigged as one mesh, in scene space),
// each part gets its share of the skin, any previous skeleton/skin is replaced, and
// scene.metadata["rig"] records type, joint count and symmetry. Same errors as rig_mesh.
RigResult rig_scene(Scene& scene, const RigOptions& options = {});

// Joints as JSON: [{"name", "parent" (name or null), "index", "parent_index", "position"}].
nlohmann::json skeleton_json(const RigResult& result);

}  // namespace flexforge::rig
