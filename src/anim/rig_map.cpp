#include "flexforge/anim/rig_map.h"

#include "flexforge/core/error.h"

#include <Eigen/Geometry>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

namespace flexforge::anim {

std::string rig_kind_name(RigKind kind) {
  switch (kind) {
    case RigKind::Biped: return "biped";
    case RigKind::Quadruped: return "quadruped";
    case RigKind::Generic: return "generic";
  }
  return "generic";
}

std::string standard_joint_name(const std::string& name) {
  std::string n = name;
  if (const auto colon = n.rfind(':'); colon != std::string::npos) n = n.substr(colon + 1);
  // Mixamo (and Unreal-style) names for the same joints.
  static const std::array<std::pair<const char*, const char*>, 9> kAliases = {{
      {"UpLeg", "UpperLeg"}, {"Leg", "LowerLeg"}, {"ToeBase", "Toes"}, {"Arm", "UpperArm"},
      {"ForeArm", "LowerArm"}, {"Spine1", "Chest"}, {"Spine2", "UpperChest"}, {"Toe", "Toes"},
      {"Hand", "Hand"}}};
  std::string suffix;
  if (const auto us = n.rfind('_'); us != std::string::npos && us + 1 < n.size() &&
                                    std::all_of(n.begin() + static_cast<long>(us) + 1, n.end(), ::isdigit)) {
    suffix = n.substr(us);
    n = n.substr(0, us);
  }
  for (const char* side : {"Left", "Right"}) {
    if (n.rfind(side, 0) != 0) continue;
    const std::string rest = n.substr(std::string(side).size());
    for (const auto& [from, to] : kAliases)
      if (rest == from) return side + std::string(to) + suffix;
  }
  for (const auto& [from, to] : kAliases)
    if (n == from && std::string(from).rfind("Spine", 0) == 0) return to + suffix;
  return n + suffix;
}

namespace {

std::string base_name(const std::string& standard) {
  const auto us = standard.rfind('_');
  if (us != std::string::npos && us + 1 < standard.size() &&
      std::all_of(standard.begin() + static_cast<long>(us) + 1, standard.end(), ::isdigit))
    return standard.substr(0, us);
  return standard;
}

Vec3 bind_position(const Skeleton& s, int j) { return s.joints[j].bind_world.block<3, 1>(0, 3); }

bool descends_from(const Skeleton& s, int j, int ancestor) {
  for (int v = j; v >= 0; v = s.joints[v].parent)
    if (v == ancestor) return true;
  return false;
}

Vec3 horizontal(const Vec3& v) { return Vec3(v.x(), 0.0f, v.z()); }

}  // namespace

RigMap map_rig(const Scene& scene) {
  const Skeleton& s = scene.skeleton;
  if (s.empty()) throw Error(ExitCode::InvalidInput, "the scene has no skeleton to animate (rig it first)");
  s.validate();
  const int n = static_cast<int>(s.joints.size());
  RigMap map;
  map.root = 0;

  std::vector<std::string> base(n);
  std::map<std::string, int> first;  // base name -> first joint (parents come first)
  for (int j = 0; j < n; ++j) {
    base[j] = base_name(standard_joint_name(s.joints[j].name));
    first.emplace(base[j], j);
  }
  auto find = [&](const std::string& name) {
    const auto it = first.find(name);
    return it == first.end() ? -1 : it->second;
  };

  Vec3 lo = Vec3::Constant(1e30f), hi = Vec3::Constant(-1e30f);
  for (const Part& p : scene.parts)
    for (const Vec3& v : p.mesh.positions) lo = lo.cwiseMin(v), hi = hi.cwiseMax(v);
  for (int j = 0; j < n; ++j) lo = lo.cwiseMin(bind_position(s, j)), hi = hi.cwiseMax(bind_position(s, j));
  map.ground_y = lo.y();
  map.height = std::max(hi.y() - lo.y(), 1e-6f);
  map.ground_band = std::max(0.15f * map.height, 0.1f * (hi - lo).maxCoeff());

  // A limb: the first joint of each named group, and every joint of those groups in order.
  auto limb = [&](const std::string& side, const std::array<const char*, 4>& groups) {
    Limb l;
    l.side = side;
    l.hip = find(side + groups[0]);
    if (l.hip < 0) return l;
    l.knee = find(side + groups[1]);
    if (l.knee >= 0 && !descends_from(s, l.knee, l.hip)) l.knee = -1;
    const int from = l.knee >= 0 ? l.knee : l.hip;
    for (int g = 2; g < 4 && l.ankle < 0; ++g) {
      const int a = find(side + groups[g]);
      if (a >= 0 && a != from && descends_from(s, a, from)) l.ankle = a;
    }
    for (int j = l.hip; j < n; ++j) {
      const bool named = base[j].rfind(side, 0) == 0 &&
                         std::any_of(groups.begin(), groups.end(), [&](const char* g) { return base[j] == side + g; });
      if (named && descends_from(s, j, l.hip)) l.joints.push_back(j);
    }
    if (l.ankle < 0 && l.joints.size() >= 2) l.ankle = l.joints.back();
    if (l.ankle < 0) l.hip = -1;  // a single joint is no limb
    return l;
  };
  const std::array<const char*, 4> leg_groups = {"UpperLeg", "LowerLeg", "Foot", "Toes"};
  const std::array<const char*, 4> arm_groups = {"UpperArm", "LowerArm", "Hand", "Hand"};
  const Limb left_leg = limb("Left", leg_groups), right_leg = limb("Right", leg_groups);
  const Limb left_arm = limb("Left", arm_groups), right_arm = limb("Right", arm_groups);
  map.hips = find("Hips");
  map.spine = find("Spine");
  map.chest = find("Chest");
  if (map.chest < 0) map.chest = find("UpperChest");
  map.neck = find("Neck");
  map.head = find("Head");
  for (int j = find("Tail"); j >= 0;) {
    map.tail.push_back(j);
    int next = -1;
    for (int c = j + 1; c < n && next < 0; ++c)
      if (s.joints[c].parent == j) next = c;
    j = next;
  }

  if (left_leg.hip >= 0 && right_leg.hip >= 0) {
    // Front legs carry the arm names (how humanoid retargeting maps them): arms that reach the
    // ground make a quadruped.
    auto on_ground = [&](const Limb& l) {
      return l.hip >= 0 && bind_position(s, l.ankle).y() < map.ground_y + 0.2f * map.height;
    };
    if (on_ground(left_arm) && on_ground(right_arm)) {
      map.kind = RigKind::Quadruped;
      map.legs = {left_arm, right_arm, left_leg, right_leg};
    } else {
      map.kind = RigKind::Biped;
      map.legs = {left_leg, right_leg};
      for (const Limb& a : {left_arm, right_arm})
        if (a.hip >= 0) map.arms.push_back(a);
      for (const char* sh : {"LeftShoulder", "RightShoulder"})
        if (find(sh) >= 0) map.shoulders.push_back(find(sh));
    }
    const Vec3 across = horizontal(bind_position(s, left_leg.hip) - bind_position(s, right_leg.hip));
    Vec3 forward = across.norm() > 1e-6f ? Vec3(across.normalized().cross(Vec3::UnitY())) : Vec3(Vec3::UnitZ());
    if (map.kind == RigKind::Quadruped) {
      const Vec3 front = 0.5f * (bind_position(s, left_arm.hip) + bind_position(s, right_arm.hip));
      const Vec3 back = 0.5f * (bind_position(s, left_leg.hip) + bind_position(s, right_leg.hip));
      if (horizontal(front - back).norm() > 1e-6f) forward = horizontal(front - back).normalized();
    }
    map.forward = forward;
    map.left = Vec3::UnitY().cross(forward).normalized();
  }

  // Branch-to-leaf chains (joints after the last branching ancestor).
  std::vector<int> children(n, 0);
  for (int j = 1; j < n; ++j) ++children[s.joints[j].parent];
  for (int leaf = 1; leaf < n; ++leaf) {
    if (children[leaf] != 0) continue;
    Chain chain;
    for (int v = leaf; v > 0; v = s.joints[v].parent) {
      chain.push_back(v);
      const int p = s.joints[v].parent;
      if (children[p] >= 2 || p == 0) break;
    }
    std::reverse(chain.begin(), chain.end());
    if (chain.size() >= 3) map.chains.push_back(chain);
  }

  // Wings: unnamed chains whose tips lie off the ground, well to one side and mirrored by a
  // chain on the other side (the widest such pair).
  const Vec3 centre = bind_position(s, map.root);
  auto lateral = [&](int j) { return (bind_position(s, j) - centre).dot(map.left); };
  float widest = 0;
  for (const Chain& a : map.chains) {
    const bool unnamed_a = base[a.back()].rfind("joint", 0) == 0;
    const Vec3 ta = bind_position(s, a.back());
    if (!unnamed_a || lateral(a.back()) < 0.15f * map.height || ta.y() < map.ground_y + 0.3f * map.height) continue;
    const float reach = (ta - bind_position(s, a.front())).norm();
    if (std::abs(lateral(a.back()) - lateral(a.front())) < 0.5f * reach) continue;  // not lateral
    for (const Chain& b : map.chains) {
      if (base[b.back()].rfind("joint", 0) != 0 || lateral(b.back()) > -0.15f * map.height) continue;
      const Vec3 tb = bind_position(s, b.back());
      const Vec3 mirrored = tb - 2.0f * (tb - centre).dot(map.left) * map.left;
      if ((mirrored - ta).norm() > 0.15f * map.height) continue;
      if (lateral(a.back()) > widest) {
        widest = lateral(a.back());
        map.wings = {{a, b}};
      }
    }
  }
  return map;
}

}  // namespace flexforge::anim
