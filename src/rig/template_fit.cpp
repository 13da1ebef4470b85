// Template naming of an extracted joint tree. Like Pinocchio's template embedding (Baran &
// Popovic 2007) it matches the extremities first (feet = leaves near the ground, a foot's toes
// grouped by the joint they branch from; head and tail = leaves on the mirror plane; arms = the
// remaining lateral pair), then names the chains between them; unlike it, it never moves joints, so the geometry-derived skeleton stays intact.
#include "flexforge/rig/template_fit.h"

#include "flexforge/core/error.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

namespace flexforge::rig {

RigType parse_rig_type(const std::string& text) {
  if (text == "auto") return RigType::Auto;
  if (text == "biped") return RigType::Biped;
  if (text == "quadruped") return RigType::Quadruped;
  if (text == "generic") return RigType::Generic;
  throw Error(ExitCode::Usage, "rig_type: expected auto, biped, quadruped or generic, got '" + text + "'");
}

std::string rig_type_name(RigType type) {
  switch (type) {
    case RigType::Auto: return "auto";
    case RigType::Biped: return "biped";
    case RigType::Quadruped: return "quadruped";
    case RigType::Generic: return "generic";
  }
  return "generic";
}

namespace {

std::vector<int> path_to_root(const JointTree& t, int j) {
  std::vector<int> path;
  for (int v = j; v >= 0; v = t.parent[v]) path.push_back(v);
  std::reverse(path.begin(), path.end());  // root first
  return path;
}

// The limb chain ending at `leaf`: its joints after the last branching ancestor (or the root).
std::vector<int> limb_chain(const JointTree& t, const std::vector<int>& children_count, int leaf) {
  std::vector<int> chain;
  int v = leaf;
  while (v >= 0 && t.parent[v] >= 0) {
    chain.push_back(v);
    const int p = t.parent[v];
    if (children_count[p] >= 2 || t.parent[p] < 0) break;
    v = p;
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

// Assigns `names` to a proximal-to-distal chain: the last name always goes to the last joint,
// the others in order, extra joints reusing the previous name with a numeric suffix.
void name_chain(const std::vector<int>& chain, const std::vector<std::string>& names,
                std::vector<std::string>& out) {
  const int m = static_cast<int>(chain.size()), k = static_cast<int>(names.size());
  for (int i = 0; i < m; ++i) {
    int slot = k - 1;
    if (i < m - 1) slot = m <= k ? i : std::min(k - 2, i * (k - 1) / (m - 1));
    if (out[chain[i]].empty()) out[chain[i]] = names[slot];
  }
}

// The deepest joint on both leaves' paths to the root.
int common_ancestor(const JointTree& t, int a, int b) {
  const std::vector<int> pa = path_to_root(t, a), pb = path_to_root(t, b);
  int lca = pa.front();
  for (std::size_t i = 0; i < pa.size() && i < pb.size() && pa[i] == pb[i]; ++i) lca = pa[i];
  return lca;
}

// One foot: the leaf that stands for it (the one farthest from the joint its toes branch from)
// and the joint where its toes branch (the leaf itself for a foot without toes).
struct Foot {
  int leaf = -1;
  int branch = -1;
};

// Ground leaves whose common joint is itself near the ground, and near both of them, belong to
// one foot: a standing person's toes (and a heel) are separate leaves of the curve skeleton, and
// counting each as a foot read two feet as 4 + 3 and left people without a biped rig. Legs of
// different feet meet at the hips, well above the ground band.
std::vector<Foot> group_feet(const JointTree& t, const std::vector<int>& ground_leaves, float band_top,
                             float max_toe_length, const MirrorPlane& plane, float off_plane) {
  const std::size_t n = ground_leaves.size();
  std::vector<int> group(n);
  for (std::size_t i = 0; i < n; ++i) group[i] = static_cast<int>(i);
  std::vector<int> branch(ground_leaves.begin(), ground_leaves.end());
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = i + 1; k < n; ++k) {
      const int lca = common_ancestor(t, ground_leaves[i], ground_leaves[k]);
      if (t.parent[lca] < 0 || t.position[lca].y() >= band_top) continue;
      // Toes are short, and lie on one side of the mirror plane: two legs that the voxels fused
      // down to the ankles also meet low, but one on each side.
      if ((t.position[ground_leaves[i]] - t.position[lca]).norm() > max_toe_length ||
          (t.position[ground_leaves[k]] - t.position[lca]).norm() > max_toe_length) {
        continue;
      }
      if (plane.found) {
        const float di = plane.signed_distance(t.position[ground_leaves[i]]);
        const float dk = plane.signed_distance(t.position[ground_leaves[k]]);
        if (di * dk < 0.0f && std::abs(di) > off_plane && std::abs(dk) > off_plane) continue;
      }
      const int from = group[k], to = group[i];
      if (from == to) continue;
      for (std::size_t m = 0; m < n; ++m) {
        if (group[m] == from) group[m] = to;
      }
      // The group's branch joint: the shallower of the two (an ancestor of both).
      const int keep = path_to_root(t, lca).size() < path_to_root(t, branch[to]).size() ? lca : branch[to];
      branch[to] = keep;
    }
  }
  std::vector<Foot> feet;
  for (std::size_t i = 0; i < n; ++i) {
    if (group[i] != static_cast<int>(i)) continue;
    Foot foot;
    foot.branch = branch[i];
    float farthest = -1.0f;
    for (std::size_t m = 0; m < n; ++m) {
      if (group[m] != static_cast<int>(i)) continue;
      const float d = (t.position[ground_leaves[m]] - t.position[foot.branch]).norm();
      if (d > farthest) farthest = d, foot.leaf = ground_leaves[m];
    }
    feet.push_back(foot);
  }
  return feet;
}

// A leg, proximal to distal: the chain that ends at the foot's branch joint (hip to ankle), then
// the path from there down to the foot's leaf.
std::vector<int> leg_chain(const JointTree& t, const std::vector<int>& children_count, const Foot& foot) {
  if (foot.branch == foot.leaf) return limb_chain(t, children_count, foot.leaf);
  std::vector<int> chain = limb_chain(t, children_count, foot.branch);
  std::vector<int> below;
  for (int v = foot.leaf; v != foot.branch && v >= 0; v = t.parent[v]) below.push_back(v);
  chain.insert(chain.end(), below.rbegin(), below.rend());
  return chain;
}

}  // namespace

NamedJoints name_joints(const JointTree& t, const MirrorPlane& plane, RigType requested,
                        float ground_y, float height) {
  const int n = static_cast<int>(t.position.size());
  NamedJoints result;
  result.names.assign(n, "");
  std::vector<int> children(n, 0);
  for (int j = 0; j < n; ++j)
    if (t.parent[j] >= 0) ++children[t.parent[j]];
  std::vector<int> leaves;
  for (int j = 0; j < n; ++j)
    if (children[j] == 0 && t.parent[j] >= 0) leaves.push_back(j);

  const float band_top = ground_y + 0.2f * height;
  std::vector<int> ground, others;
  for (int l : leaves) (t.position[l].y() < band_top ? ground : others).push_back(l);
  const std::vector<Foot> foot_groups = group_feet(t, ground, band_top, 0.2f * height, plane, 0.02f * height);
  std::vector<int> feet;  // one leaf per foot
  for (const Foot& f : foot_groups) feet.push_back(f.leaf);
  auto foot_chain = [&](int leaf) {
    for (const Foot& f : foot_groups)
      if (f.leaf == leaf) return leg_chain(t, children, f);
    return limb_chain(t, children, leaf);
  };
  // Upright: the highest other limb end (a biped's head) lies within 30 degrees of straight
  // above the root. A person standing or sitting measures 3-25 degrees; a bird, whose body is
  // level with its head in front, 36-70: two feet and a head do not make a biped.
  bool upright = false;
  if (!others.empty()) {
    const int top = *std::max_element(others.begin(), others.end(),
                                      [&](int a, int b) { return t.position[a].y() < t.position[b].y(); });
    const Vec3 up = t.position[top] - t.position[0];
    upright = up.y() > 0.0f && std::hypot(up.x(), up.z()) < std::tan(30.0f * 3.14159265f / 180.0f) * up.y();
  }
  // A walking animal lifts a foot: with three feet and a level body, the lowest other limb end
  // under 40% of the height is the fourth.
  if (feet.size() == 3 && !upright && others.size() >= 2) {
    const auto lowest = std::min_element(others.begin(), others.end(),
                                         [&](int a, int b) { return t.position[a].y() < t.position[b].y(); });
    if (t.position[*lowest].y() < ground_y + 0.4f * height) {
      feet.push_back(*lowest);
      others.erase(lowest);
    }
  }
  spdlog::debug("rig: {} ground limb ends in {} feet, {} other limb ends, {}", ground.size(), feet.size(),
                others.size(), upright ? "upright" : "not upright");
  RigType type = requested;
  if (type == RigType::Auto) {
    // Arms held against the body merge with it in the voxels, so a standing person may show only
    // the head above the feet; upright with two feet is enough.
    if (feet.size() == 2 && upright) type = RigType::Biped;
    else if (feet.size() == 4 && others.size() >= 1) type = RigType::Quadruped;
    else type = RigType::Generic;
  }
  // A requested type is honoured or refused, never silently replaced by another.
  if ((type == RigType::Biped && (feet.size() != 2 || others.empty())) ||
      (type == RigType::Quadruped && (feet.size() != 4 || others.empty()))) {
    throw Error(ExitCode::StageFailed,
                "requested rig type " + rig_type_name(type) + " does not fit this shape: its curve skeleton has " +
                    std::to_string(feet.size()) + " feet (limb ends near the ground, toes counted once) and " +
                    std::to_string(others.size()) + " others (a " + rig_type_name(type) + " needs " +
                    (type == RigType::Biped ? "2 and at least 1" : "4 and at least 1") +
                    "); rig type auto or generic rigs it");
  }

  const Vec3 side_axis = plane.found ? Vec3(plane.normal * (plane.normal.x() < 0 ? -1.0f : 1.0f)) : Vec3(Vec3::UnitX());
  const float side_offset = plane.found ? side_axis.dot(plane.normal * plane.offset) : t.position[0].dot(side_axis);
  auto side = [&](int j) {
    return side_axis.dot(t.position[j]) - side_offset >= 0 ? std::string("Left") : std::string("Right");
  };
  // Of a pair of limbs (two feet, two front legs), the one further along the side axis is Left
  // and the other Right, even when both lie on one side of the mirror plane (a horse's feet in
  // a walking pose): otherwise both would take one name.
  auto paired_side = [&](int j, const std::vector<int>& pair) {
    if (pair.size() != 2) return side(j);
    const int other = pair[0] == j ? pair[1] : pair[0];
    return side_axis.dot(t.position[j]) >= side_axis.dot(t.position[other]) ? std::string("Left")
                                                                            : std::string("Right");
  };

  if (type == RigType::Biped || type == RigType::Quadruped) {
    // Head: for a biped the highest non-foot leaf nearest the plane; for a quadruped the thickest
    // on-plane chain end (the head is far thicker than a tail).
    auto plane_dist = [&](int j) { return plane.found ? std::abs(plane.signed_distance(t.position[j])) : 0.0f; };
    int head = -1;
    float best = -1e30f;
    for (int l : others) {
      float score;
      if (type == RigType::Biped) score = t.position[l].y() - 2.0f * plane_dist(l);
      else {
        float r = 0;
        for (int v : limb_chain(t, children, l)) r = std::max(r, t.radius[v]);
        score = r - 0.5f * plane_dist(l);
      }
      if (score > best) best = score, head = l;
    }
    result.names[0] = "Hips";  // the root (joint 0)
    // Spine path root -> head: Spine, Chest, UpperChest ... up to the last branching joint, then
    // Neck ... Head.
    std::vector<int> spine = path_to_root(t, head);
    int last_branch = 0;
    for (std::size_t i = 1; i + 1 < spine.size(); ++i)
      if (children[spine[i]] >= 2) last_branch = static_cast<int>(i);
    std::vector<int> torso(spine.begin() + 1, spine.begin() + last_branch + 1);
    std::vector<int> neck(spine.begin() + last_branch + 1, spine.end());
    if (!torso.empty()) name_chain(torso, {"Spine", "Chest", "UpperChest"}, result.names);
    if (!neck.empty()) name_chain(neck, {"Neck", "Head"}, result.names);
    std::set<int> used(spine.begin(), spine.end());

    std::vector<int> front_feet, hind_feet;
    if (type == RigType::Quadruped) {
      const Vec3 fwd = (t.position[head] - t.position[0]);
      std::vector<int> f = feet;
      std::sort(f.begin(), f.end(), [&](int a, int b) { return t.position[a].dot(fwd) > t.position[b].dot(fwd); });
      front_feet = {f[0], f[1]};
      hind_feet = {f[2], f[3]};
      for (int l : front_feet) {
        const std::string s = paired_side(l, front_feet);
        name_chain(foot_chain(l), {s + "UpperArm", s + "LowerArm", s + "Hand"}, result.names);
      }
      for (int l : hind_feet) {
        const std::string s = paired_side(l, hind_feet);
        name_chain(foot_chain(l), {s + "UpperLeg", s + "LowerLeg", s + "Foot", s + "Toes"}, result.names);
      }
      // Tail: the on-plane leaf farthest behind.
      int tail = -1;
      float back = 1e30f;
      for (int l : others)
        if (l != head && t.position[l].dot(fwd) < back && plane_dist(l) < 0.1f * height) back = t.position[l].dot(fwd), tail = l;
      if (tail >= 0) {
        std::vector<int> chain = limb_chain(t, children, tail);
        for (std::size_t i = 0; i < chain.size(); ++i)
          if (result.names[chain[i]].empty()) result.names[chain[i]] = i == 0 ? "Tail" : "Tail" + std::to_string(i);
      }
    } else {
      for (int l : feet) {
        const std::string s = paired_side(l, feet);
        name_chain(foot_chain(l), {s + "UpperLeg", s + "LowerLeg", s + "Foot", s + "Toes"}, result.names);
      }
      // Arms: the two remaining leaves farthest from the plane, one per side.
      std::vector<int> rest;
      for (int l : others)
        if (l != head) rest.push_back(l);
      std::sort(rest.begin(), rest.end(), [&](int a, int b) { return plane_dist(a) > plane_dist(b); });
      std::set<std::string> sides;
      for (int l : rest) {
        const std::string s = side(l);
        if (sides.count(s)) continue;
        sides.insert(s);
        name_chain(limb_chain(t, children, l), {s + "Shoulder", s + "UpperArm", s + "LowerArm", s + "Hand"}, result.names);
        if (sides.size() == 2) break;
      }
    }
  }
  // Generic names for whatever is left, then make every name unique.
  int generic = 0;
  for (int j = 0; j < n; ++j) {
    if (!result.names[j].empty()) continue;
    char buf[32];
    std::snprintf(buf, sizeof buf, "joint_%02d", generic++);
    result.names[j] = buf;
  }
  std::map<std::string, int> seen;
  for (int j = 0; j < n; ++j) {
    const int k = seen[result.names[j]]++;
    if (k > 0) result.names[j] += "_" + std::to_string(k);
  }
  result.type = type;
  return result;
}

namespace {

// A figure lying on the floor (much longer than it is tall) has no feet below a head, so the
// ground test calls it generic. Stood up on either end of its long horizontal axis, a person
// lying on its back or front has two feet at the bottom and the head on top, and the ground
// test applies unchanged. Only a biped is taken from the turned figure: a lying quadruped or
// snake stood on end is none of the two. The names index the same joints, so they carry over.
std::optional<NamedJoints> name_lying_figure(const JointTree& tree, const MirrorPlane& plane, const Aabb& box) {
  const Vec3 extent = box.extent();
  const int axis = extent.x() >= extent.z() ? 0 : 2;
  if (extent.y() >= 0.5f * extent[axis]) return std::nullopt;
  for (const float sign : {1.0f, -1.0f}) {
    // The rotation (about the other horizontal axis) that takes sign * axis to +Y.
    Eigen::Matrix3f turn;
    if (axis == 0) turn << 0, -sign, 0, sign, 0, 0, 0, 0, 1;
    else turn << 1, 0, 0, 0, 0, sign, 0, -sign, 0;
    JointTree turned = tree;
    for (Vec3& p : turned.position) p = turn * p;
    MirrorPlane turned_plane = plane;
    turned_plane.normal = turn * plane.normal;
    const float ground = sign > 0 ? box.min[axis] : -box.max[axis];
    NamedJoints names = name_joints(turned, turned_plane, RigType::Auto, ground, extent[axis]);
    if (names.type != RigType::Biped) continue;
    // A person lying on the floor has its feet side by side across the floor; a fish stood on
    // its tail has the two lobes of its tail fin one above the other (in the lying frame).
    const auto joint = [&](const std::string& name) {
      const auto at = std::find(names.names.begin(), names.names.end(), name);
      return at == names.names.end() ? -1 : static_cast<int>(at - names.names.begin());
    };
    const int left = joint("LeftToes"), right = joint("RightToes");
    if (left < 0 || right < 0) continue;
    const Vec3 apart = tree.position[left] - tree.position[right];
    if (std::abs(apart[2 - axis]) > std::abs(apart.y())) return names;
  }
  return std::nullopt;
}
}  // namespace

NamedJoints name_figure_joints(const JointTree& tree, const MirrorPlane& plane, RigType requested, const Aabb& box) {
  NamedJoints names;
  try {
    names = name_joints(tree, plane, requested, box.min.y(), box.extent().y());
  } catch (const Error&) {
    // A requested biped that does not stand may lie: honoured when it does, else the refusal.
    auto lying = requested == RigType::Biped ? name_lying_figure(tree, plane, box) : std::nullopt;
    if (!lying) throw;
    return std::move(*lying);
  }
  if (requested == RigType::Auto && names.type == RigType::Generic) {
    if (auto lying = name_lying_figure(tree, plane, box)) {
      spdlog::debug("rig: a biped lying down (stood up on its long axis, it has two feet and a head above)");
      return std::move(*lying);
    }
  }
  return names;
}

}  // namespace flexforge::rig
