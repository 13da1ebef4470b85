// Template naming of an extracted joint tree. Like Pinocchio's template embedding (Baran &
// Popovic 2007) it matches the extremities first (feet = leaves near the ground, head and tail =
// leaves on the mirror plane, arms = the remaining lateral pair), then names the chains between
// them; unlike it, it never moves joints, so the geometry-derived skeleton stays intact.
#include "flexforge/rig/template_fit.h"

#include "flexforge/core/error.h"

#include <algorithm>
#include <cmath>
#include <map>
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

  std::vector<int> feet, others;
  for (int l : leaves) (t.position[l].y() < ground_y + 0.2f * height ? feet : others).push_back(l);
  RigType type = requested;
  if (type == RigType::Auto) {
    if (feet.size() == 2 && others.size() >= 3) type = RigType::Biped;
    else if (feet.size() == 4 && others.size() >= 1) type = RigType::Quadruped;
    else type = RigType::Generic;
  }
  // A requested type is honoured or refused, never silently replaced by another.
  if ((type == RigType::Biped && (feet.size() != 2 || others.size() < 3)) ||
      (type == RigType::Quadruped && (feet.size() != 4 || others.empty()))) {
    throw Error(ExitCode::StageFailed,
                "requested rig type " + rig_type_name(type) + " does not fit this shape: its curve skeleton has " +
                    std::to_string(feet.size()) + " limb ends near the ground and " +
                    std::to_string(others.size()) + " others (a " + rig_type_name(type) + " needs " +
                    (type == RigType::Biped ? "2 and at least 3" : "4 and at least 1") +
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
        name_chain(limb_chain(t, children, l), {s + "UpperArm", s + "LowerArm", s + "Hand"}, result.names);
      }
      for (int l : hind_feet) {
        const std::string s = paired_side(l, hind_feet);
        name_chain(limb_chain(t, children, l), {s + "UpperLeg", s + "LowerLeg", s + "Foot", s + "Toes"}, result.names);
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
        name_chain(limb_chain(t, children, l), {s + "UpperLeg", s + "LowerLeg", s + "Foot", s + "Toes"}, result.names);
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

}  // namespace flexforge::rig
