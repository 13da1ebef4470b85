#include "flexforge/anim/clips.h"

#include "flexforge/anim/pose.h"
#include "flexforge/core/error.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <sstream>

namespace flexforge::anim {

namespace {

constexpr float kPi = 3.14159265358979f;
constexpr float kTwoPi = 2.0f * kPi;

struct ClipSpec {
  const char* name;
  const char* description;
};
const ClipSpec kClips[] = {
    {"idle", "breathing: chest, head and arms sway, feet planted (biped, quadruped)"},
    {"walk", "walk cycle in place: biped heel-to-toe steps with arm swing, quadruped four-beat gait"},
    {"run", "run cycle in place with a flight phase and forward lean (biped)"},
    {"jump", "crouch, take-off, flight with tucked legs, landing, recovery (biped)"},
    {"trot", "trot in place: diagonal leg pairs (quadruped)"},
    {"wave", "travelling wave along chains of 3+ joints: snakes, tentacles, tails"},
    {"flap", "wing beat of a mirrored pair of lateral chains (bird-like wings)"},
    {"wiggle", "test sweep: every joint turns about three axes in turn (any rig)"},
};

float smooth(float x) {
  x = std::clamp(x, 0.0f, 1.0f);
  return x * x * (3.0f - 2.0f * x);
}

float frac(float x) { return x - std::floor(x); }

Quat turn(float angle, const Vec3& axis) { return Quat(Eigen::AngleAxisf(angle, axis.normalized())); }

struct LegGeometry {
  const Limb* limb = nullptr;
  Vec3 hip0, knee0, ankle0;
  float a = 0, b = 0;  // segment lengths; b = 0 for a one-segment leg
  float length() const { return a + b; }
};

// Foot offset along the walking direction and height for one leg at its own cycle phase: planted
// and sliding back under the body during stance (the body "moves" forward), swung forward on an
// arc otherwise.
struct Step {
  float along = 0, up = 0;
  bool stance = true;
};
Step gait_step(float phase, float duty, float stride, float lift) {
  if (phase < duty) return {stride * (0.5f - phase / duty), 0.0f, true};
  const float w = (phase - duty) / (1.0f - duty);
  return {stride * (-0.5f + 0.5f * (1.0f - std::cos(kPi * w))), lift * std::sin(kPi * w), false};
}

class Animator {
 public:
  Animator(const Scene& scene, const RigMap& map) : map_(map), solver_(scene.skeleton) {
    for (const Limb& l : map.legs) legs_.push_back(geometry(l));
    for (const Limb& l : map.arms) arms_.push_back(geometry(l));
    for (const LegGeometry& g : legs_) leg_length_ += g.length() / static_cast<float>(legs_.size());
    if (leg_length_ <= 0) leg_length_ = 0.5f * map.height;
    for (const LegGeometry& g : legs_)
      for (int j : g.limb->joints) in_leg_.insert(j);
  }

  std::size_t joints() const { return solver_.joint_count(); }

  BuiltClip build(const std::string& name, const ClipOptions& options) {
    float period = 1.0f;
    std::function<void(float, DeltaPose&, std::vector<int>&)> pose;
    if (name == "idle") period = 3.0f, pose = [this](float s, DeltaPose& p, std::vector<int>& c) { idle(s, p, c); };
    else if (name == "walk") period = map_.kind == RigKind::Quadruped ? 1.2f : 1.1f, pose = gait("walk");
    else if (name == "run") period = 0.7f, pose = gait("run");
    else if (name == "trot") period = 0.7f, pose = gait("trot");
    else if (name == "jump") period = 1.4f, pose = [this](float s, DeltaPose& p, std::vector<int>& c) { jump(s, p, c); };
    else if (name == "wave") period = 1.6f, pose = [this](float s, DeltaPose& p, std::vector<int>&) { wave(s, p); };
    else if (name == "flap") period = 0.8f, pose = [this](float s, DeltaPose& p, std::vector<int>&) { flap(s, p); };
    else period = 4.0f, pose = [this](float s, DeltaPose& p, std::vector<int>& c) { wiggle(s, p, c); };

    const float duration = period / options.speed;
    const int segments = std::max(2, static_cast<int>(std::lround(duration * options.keys_per_second)));
    BuiltClip out;
    out.clip.name = name;
    const std::size_t n = joints();
    std::vector<JointTrack> tracks(n);
    for (std::size_t j = 0; j < n; ++j) tracks[j].joint = static_cast<int>(j);
    std::vector<Quat> local;
    Vec3 root_translation;
    for (int k = 0; k <= segments; ++k) {
      // The last key is the first one again: the phase wraps to exactly 0, so the loop is seamless.
      const float s = static_cast<float>(k % segments) / static_cast<float>(segments);
      DeltaPose p(n);
      std::vector<int> contacts;
      pose(s, p, contacts);
      solver_.local_keys(p, local, root_translation);
      out.clip.times.push_back(duration * static_cast<float>(k) / static_cast<float>(segments));
      for (std::size_t j = 0; j < n; ++j) tracks[j].rotations.push_back(to_xyzw(local[j]));
      tracks[0].translations.push_back(root_translation);
      out.contacts.push_back(std::move(contacts));
    }
    out.clip.tracks = std::move(tracks);
    return out;
  }

 private:
  LegGeometry geometry(const Limb& l) const {
    LegGeometry g;
    g.limb = &l;
    g.hip0 = solver_.bind_position(l.hip);
    g.ankle0 = solver_.bind_position(l.ankle);
    g.knee0 = l.knee >= 0 ? solver_.bind_position(l.knee) : g.ankle0;
    g.a = (g.knee0 - g.hip0).norm();
    g.b = l.knee >= 0 ? (g.ankle0 - g.knee0).norm() : 0.0f;
    if (l.knee < 0) g.a = (g.ankle0 - g.hip0).norm();
    return g;
  }

  Vec3 up() const { return Vec3::UnitY(); }

  // The pelvis drop that keeps every foot target of a stride within reach (95% of the leg's
  // length), shrinking the stride when even a crouch would not reach.
  float fit_stride(float& stride) const {
    for (int attempt = 0; attempt < 30; ++attempt) {
      bool reachable = true;
      float drop = 0;
      for (const LegGeometry& g : legs_) {
        if (g.b <= 0) continue;
        const float reach = 0.95f * g.length();
        Vec3 rest = g.ankle0 - g.hip0;
        rest.y() = 0;
        const float worst = std::max((rest + 0.5f * stride * map_.forward).norm(), (rest - 0.5f * stride * map_.forward).norm());
        if (worst > 0.9f * reach) {
          reachable = false;
          break;
        }
        drop = std::max(drop, (g.hip0.y() - g.ankle0.y()) - std::sqrt(reach * reach - worst * worst));
      }
      if (reachable) return drop;
      stride *= 0.8f;
    }
    stride = 0;
    return 0;
  }

  // Puts each leg's ankle on its target by IK, keeping the foot level (its bind orientation).
  void place_legs(DeltaPose& pose, const std::vector<Vec3>& targets) const {
    std::vector<Quat> delta;
    std::vector<Vec3> position;
    solver_.solve(pose, delta, position);
    for (std::size_t i = 0; i < legs_.size(); ++i) {
      const LegGeometry& g = legs_[i];
      const Limb& l = *g.limb;
      const int parent = solver_.parent(l.hip);
      const Quat parent_delta = parent < 0 ? Quat::Identity() : delta[parent];
      const Vec3 hip = position[l.hip];
      if (l.knee >= 0) {
        const LegDeltas d = solve_leg(g.hip0, g.knee0, g.ankle0, hip, parent_delta, targets[i], map_.forward);
        pose.set_absolute(l.hip, d.hip);
        pose.set_absolute(l.knee, d.knee);
      } else {
        pose.set_absolute(l.hip, (Quat::FromTwoVectors(parent_delta * (g.ankle0 - g.hip0), targets[i] - hip) * parent_delta).normalized());
      }
      pose.set_absolute(l.ankle, Quat::Identity());
    }
  }

  std::vector<Vec3> planted() const {
    std::vector<Vec3> t;
    for (const LegGeometry& g : legs_) t.push_back(g.ankle0);
    return t;
  }

  // Swing of an arm about the axis across its rest direction and the walking direction.
  void swing_arm(DeltaPose& pose, const LegGeometry& arm, float angle) const {
    const Vec3 axis = map_.forward.cross(arm.knee0 - arm.hip0);
    if (axis.norm() < 1e-4f * arm.length()) return;
    pose.relative[arm.limb->hip] = turn(angle, axis);
  }

  void bend_elbow(DeltaPose& pose, const LegGeometry& arm, float angle) const {
    if (arm.limb->knee < 0) return;
    const Vec3 axis = map_.forward.cross(arm.ankle0 - arm.knee0);
    if (axis.norm() < 1e-4f * arm.length()) return;
    pose.relative[arm.limb->knee] = turn(-angle, axis);  // toward the front
  }

  void set_relative(DeltaPose& pose, int joint, const Quat& q) const {
    if (joint >= 0) pose.relative[joint] = q * pose.relative[joint];
  }

  void idle(float s, DeltaPose& pose, std::vector<int>&) const {
    const float breath = std::sin(kTwoPi * s);
    pose.root_offset = -0.004f * map_.height * 0.5f * (1.0f - std::cos(kTwoPi * s)) * up();
    set_relative(pose, map_.chest >= 0 ? map_.chest : map_.spine, turn(0.03f * breath, map_.left));
    set_relative(pose, map_.head, turn(0.05f * std::sin(kTwoPi * s + 0.8f), up()));
    set_relative(pose, map_.neck, turn(0.03f * breath, map_.left));
    for (const LegGeometry& arm : arms_) swing_arm(pose, arm, 0.04f * breath);
    tail_sway(pose, s, 0.15f);
    place_legs(pose, planted());
  }

  void tail_sway(DeltaPose& pose, float s, float amplitude) const {
    const std::size_t n = map_.tail.size();
    for (std::size_t i = 0; i < n; ++i)
      set_relative(pose, map_.tail[i], turn(amplitude / std::sqrt(static_cast<float>(n)) * std::sin(kTwoPi * s - 0.5f * static_cast<float>(i)), up()));
  }

  std::function<void(float, DeltaPose&, std::vector<int>&)> gait(const std::string& kind) {
    // Phases in the cycle at which each leg touches down (legs: biped L, R; quadruped LF, RF, LH, RH).
    std::vector<float> touchdown;
    float duty, stride, lift, bob, lean = 0, arm_swing = 0, elbow = 0;
    const float L = leg_length_;
    if (map_.kind == RigKind::Quadruped) {
      if (kind == "trot") touchdown = {0.0f, 0.5f, 0.5f, 0.0f}, duty = 0.5f, stride = 0.85f * L, lift = 0.2f * L, bob = 0.02f * L;
      else touchdown = {0.25f, 0.75f, 0.0f, 0.5f}, duty = 0.7f, stride = 0.65f * L, lift = 0.15f * L, bob = 0.01f * L;
    } else if (kind == "run") {
      touchdown = {0.0f, 0.5f}, duty = 0.38f, stride = 0.9f * L, lift = 0.3f * L, bob = 0.03f * L, lean = 0.15f;
      arm_swing = 0.6f, elbow = 1.2f;
    } else {
      touchdown = {0.0f, 0.5f}, duty = 0.6f, stride = 0.55f * L, lift = 0.12f * L, bob = 0.02f * L;
      arm_swing = 0.3f, elbow = 0.15f;
    }
    touchdown.resize(legs_.size(), 0.0f);
    const float drop = fit_stride(stride);
    return [=](float s, DeltaPose& pose, std::vector<int>& contacts) {
      // Pelvis: lowered for reach, dipping twice per cycle (each step), turning with the stride.
      pose.root_offset = -(drop + bob * 0.5f * (1.0f - std::cos(2.0f * kTwoPi * s))) * up();
      if (map_.kind == RigKind::Biped) set_relative(pose, map_.root, turn(0.05f * std::cos(kTwoPi * s), up()));
      set_relative(pose, map_.spine >= 0 ? map_.spine : map_.chest, turn(lean, map_.left));
      set_relative(pose, map_.chest, turn(-0.06f * std::cos(kTwoPi * s), up()));
      set_relative(pose, map_.head, turn(0.04f * std::sin(2.0f * kTwoPi * s), map_.left));
      std::vector<Vec3> targets;
      for (std::size_t i = 0; i < legs_.size(); ++i) {
        const Step step = gait_step(frac(s - touchdown[i]), duty, stride, lift);
        targets.push_back(legs_[i].ankle0 + step.along * map_.forward + step.up * up());
        if (step.stance) contacts.push_back(legs_[i].limb->ankle);
      }
      // Each arm swings against the leg of its side: back while that leg is forward.
      for (std::size_t i = 0; i < arms_.size() && i < legs_.size(); ++i) {
        swing_arm(pose, arms_[i], arm_swing * std::cos(kTwoPi * (s - touchdown[i])));
        bend_elbow(pose, arms_[i], elbow);
      }
      tail_sway(pose, s, 0.2f);
      place_legs(pose, targets);
    };
  }

  void jump(float s, DeltaPose& pose, std::vector<int>& contacts) const {
    const float crouch_depth = 0.15f * leg_length_, flight_height = 0.22f * map_.height, tuck = 0.12f * leg_length_;
    // Crouch, push off, fly with the feet tucked, land into a dip and stand up again: the root
    // and the arms start and end the cycle at rest.
    float root = 0, feet = 0, arms = 0;
    if (s < 0.25f) {
      root = -crouch_depth * smooth(s / 0.25f);
      arms = 0.5f * smooth(s / 0.25f);
    } else if (s < 0.4f) {
      const float w = smooth((s - 0.25f) / 0.15f);
      root = -crouch_depth * (1.0f - w);
      arms = 0.5f - 1.7f * w;
    } else if (s < 0.75f) {
      const float w = (s - 0.4f) / 0.35f;
      root = flight_height * std::sin(kPi * w);
      feet = root + tuck * std::sin(kPi * w);
      arms = -1.2f + 1.2f * smooth(w);
    } else {
      root = -0.7f * crouch_depth * std::sin(kPi * (s - 0.75f) / 0.25f);
    }
    pose.root_offset = root * up();
    set_relative(pose, map_.spine >= 0 ? map_.spine : map_.chest, turn(0.25f * std::max(0.0f, -root) / crouch_depth, map_.left));
    for (const LegGeometry& arm : arms_) swing_arm(pose, arm, arms);
    std::vector<Vec3> targets = planted();
    for (std::size_t i = 0; i < targets.size(); ++i) {
      targets[i] += feet * up();
      if (feet == 0) contacts.push_back(legs_[i].limb->ankle);
    }
    place_legs(pose, targets);
  }

  // Rotation axis for bending a chain: about the vertical for chains lying near the ground (a
  // snake stays on the ground) or running level; across the chain otherwise.
  Vec3 chain_axis(const Chain& chain) const {
    const Vec3 dir = solver_.bind_position(chain.back()) - solver_.bind_position(chain.front());
    float lowest = 1e30f;
    for (int j : chain) lowest = std::min(lowest, solver_.bind_position(j).y());
    if (lowest < map_.ground_y + map_.ground_band || std::abs(dir.y()) < 0.7f * dir.norm()) return up();
    Vec3 axis = dir.cross(map_.forward);
    if (axis.norm() < 1e-3f * dir.norm()) axis = dir.cross(map_.left);
    return axis.normalized();
  }

  std::vector<Chain> wave_chains() const {
    if (map_.kind != RigKind::Generic) return map_.tail.size() >= 3 ? std::vector<Chain>{map_.tail} : std::vector<Chain>{};
    return map_.chains;
  }

  void wave(float s, DeltaPose& pose) const {
    for (const Chain& chain : wave_chains()) {
      const Vec3 axis = chain_axis(chain);
      const float n = static_cast<float>(chain.size());
      const float amplitude = std::min(0.35f, 1.2f / n);
      for (std::size_t i = 0; i < chain.size(); ++i)
        set_relative(pose, chain[i], turn(amplitude * std::sin(kTwoPi * (s - static_cast<float>(i) / n)), axis));
    }
    if (!legs_.empty()) place_legs(pose, planted());
  }

  void flap(float s, DeltaPose& pose) const {
    for (const auto& [left_wing, right_wing] : map_.wings) {
      for (std::size_t i = 0; i < left_wing.size(); ++i) {
        const float angle = i == 0 ? 0.7f * std::sin(kTwoPi * s) : 0.25f * std::sin(kTwoPi * s - 0.6f);
        set_relative(pose, left_wing[i], turn(angle, map_.forward));
      }
      for (std::size_t i = 0; i < right_wing.size(); ++i) {
        const float angle = i == 0 ? 0.7f * std::sin(kTwoPi * s) : 0.25f * std::sin(kTwoPi * s - 0.6f);
        set_relative(pose, right_wing[i], turn(-angle, map_.forward));
      }
    }
    if (!legs_.empty()) place_legs(pose, planted());
  }

  void wiggle(float s, DeltaPose& pose, std::vector<int>&) const {
    // Legs lift their feet one after another (hip and knee weights show); every other joint but
    // the root sweeps about the side, up and forward axes at 1, 2 and 3 cycles per clip.
    const std::size_t n = joints();
    std::vector<int> depth(n, 0);
    int deepest = 1;
    for (std::size_t j = 1; j < n; ++j) {
      depth[j] = depth[solver_.parent(static_cast<int>(j))] + (in_leg_.count(static_cast<int>(j)) ? 0 : 1);
      deepest = std::max(deepest, depth[j]);
    }
    const float amplitude = std::min(0.3f, 0.6f / static_cast<float>(deepest));
    const Quat yaw = turn(amplitude * std::sin(2.0f * kTwoPi * s), up());
    const Quat sweep = turn(amplitude * std::sin(kTwoPi * s), map_.left) * yaw *
                       turn(amplitude * std::sin(3.0f * kTwoPi * s), map_.forward);
    // Joints with any of their subtree on the ground (a snake's body, tentacle tips) only turn
    // about the vertical: tilting them would push the mesh into the ground.
    std::vector<bool> grounded(n, false);
    for (std::size_t j = n; j-- > 0;) {
      if (solver_.bind_position(static_cast<int>(j)).y() < map_.ground_y + map_.ground_band) grounded[j] = true;
      if (grounded[j] && j > 0) grounded[solver_.parent(static_cast<int>(j))] = true;
    }
    for (std::size_t j = 1; j < n; ++j)
      if (!in_leg_.count(static_cast<int>(j))) pose.relative[j] = grounded[j] ? yaw : sweep;
    if (legs_.empty()) return;
    std::vector<Vec3> targets = planted();
    const float slot = 1.0f / static_cast<float>(legs_.size());
    for (std::size_t i = 0; i < legs_.size(); ++i) {
      const float w = (s - slot * static_cast<float>(i)) / slot;
      if (w >= 0 && w < 1) targets[i] += 0.15f * leg_length_ * std::sin(kPi * w) * up();
    }
    place_legs(pose, targets);
  }

  const RigMap& map_;
  PoseSolver solver_;
  std::vector<LegGeometry> legs_, arms_;
  std::set<int> in_leg_;
  float leg_length_ = 0;
};

}  // namespace

const std::vector<std::string>& known_clips() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const ClipSpec& c : kClips) v.push_back(c.name);
    return v;
  }();
  return names;
}

std::string clip_description(const std::string& name) {
  for (const ClipSpec& c : kClips)
    if (name == c.name) return c.description;
  return "";
}

std::vector<std::string> applicable_clips(const RigMap& map) {
  std::set<std::string> ok = {"wiggle"};
  if (map.kind == RigKind::Biped) ok.insert({"idle", "walk", "run", "jump"});
  if (map.kind == RigKind::Quadruped) {
    ok.insert({"idle", "walk", "trot"});
    if (map.tail.size() >= 3) ok.insert("wave");
  }
  if (map.kind == RigKind::Generic && !map.chains.empty()) ok.insert("wave");
  if (!map.wings.empty()) ok.insert("flap");
  std::vector<std::string> out;
  for (const std::string& name : known_clips())
    if (ok.count(name)) out.push_back(name);
  return out;
}

namespace {

void require_applicable(const RigMap& map, const std::string& name) {
  const auto& known = known_clips();
  const std::vector<std::string> ok = applicable_clips(map);
  auto joined = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  if (std::find(known.begin(), known.end(), name) == known.end())
    throw Error(ExitCode::Usage, "unknown clip '" + name + "' (known clips: " + joined(known) + ")");
  if (std::find(ok.begin(), ok.end(), name) == ok.end())
    throw Error(ExitCode::Usage, "clip '" + name + "' does not apply to this " + rig_kind_name(map.kind) +
                                     " rig (clips that apply: " + joined(ok) + ")");
}

}  // namespace

BuiltClip build_clip(const Scene& scene, const RigMap& map, const std::string& name, const ClipOptions& options) {
  require_applicable(map, name);
  if (!(options.keys_per_second >= 1 && options.keys_per_second <= 240))
    throw Error(ExitCode::Usage, "keys_per_second: expected 1 to 240");
  if (!(options.speed >= 0.25f && options.speed <= 4.0f)) throw Error(ExitCode::Usage, "speed: expected 0.25 to 4");
  Animator animator(scene, map);
  return animator.build(name, options);
}

std::vector<std::string> parse_clip_list(const std::string& text, const RigMap& map) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty()) continue;
    if (item == "all") {
      for (const std::string& c : applicable_clips(map))
        if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
      continue;
    }
    require_applicable(map, item);
    if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
  }
  if (out.empty()) throw Error(ExitCode::Usage, "clips: the list is empty (give clip names or 'all')");
  return out;
}

void animate_scene(Scene& scene, const std::vector<std::string>& clips, const ClipOptions& options) {
  const RigMap map = map_rig(scene);
  std::vector<AnimationClip> built;
  for (const std::string& name : clips) built.push_back(build_clip(scene, map, name, options).clip);
  scene.animations = std::move(built);
}

}  // namespace flexforge::anim
