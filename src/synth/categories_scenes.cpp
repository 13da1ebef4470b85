// Occlusion scenes: a hand holding a bottle, a hand holding a cup, a figure holding a sword.
// The holder and the held object are separate parts, so segmentation and part completion must
// recover surfaces the fingers hide. The held object is bound to the hand's joint.
#include "categories_internal.h"

namespace flexforge::synth::detail {

namespace {

// A right hand grasping a vertical cylinder of radius `rc` (axis = Y through the origin) at
// height `y`: the palm lies against the -Z side, the four fingers wrap around the +X side and
// the thumb around the -X side. Returns the wrist joint.
int build_grasping_hand(ShapeBuilder& b, float rc, float y) {
  Rng& r = b.rng();
  const std::string skin = b.color({"beige", "tan", "brown", "pink"});
  const float palm_len = r.range(0.08f, 0.095f), palm_w = r.range(0.075f, 0.09f), pt = 0.028f;
  const float rf = r.range(0.0085f, 0.0105f);
  const float pz = -(rc + 0.5f * pt + 0.004f);
  const Vec3 wrist(-0.5f * palm_len, y, pz - 0.005f);
  const Vec3 arm_dir = Vec3(-1.0f, -0.45f, -0.5f).normalized();
  const Vec3 elbow = wrist + 0.26f * arm_dir;
  const int j_elbow = b.joint("elbow", -1, elbow);
  const int j_wrist = b.joint("wrist", j_elbow, wrist);
  const int forearm = b.part("forearm", b.color({"white", "blue", "red", "gray", "black", "green"}));
  b.add(forearm, on_joint(round_cone(elbow, wrist, 0.038f, 0.027f), j_elbow));
  const int palm = b.part("palm", skin);
  b.add(palm, on_joint(rounded_box(V(0, y, pz), V(0.5f * palm_len, 0.5f * palm_w, 0.5f * pt), 0.012f), j_wrist));
  const float ring = rc + rf + 0.001f;
  const float phi0 = std::atan2(0.5f * palm_len, -pz);
  const char* names[4] = {"index", "middle", "ring", "pinky"};
  const float lengths[4] = {1.0f, 1.08f, 1.0f, 0.82f};
  const float curl_extra = r.range(-0.1f, 0.15f);
  for (int f = 0; f < 4; ++f) {
    const float fy = y + (0.36f - 0.24f * f) * palm_w;
    std::vector<Vec3> pts;
    std::vector<float> radii;
    std::vector<int> joints;
    int parent = j_wrist;
    float phi = phi0;
    const float seg[3] = {0.04f * lengths[f], 0.026f * lengths[f], 0.02f * lengths[f]};
    pts.push_back(V(0.5f * palm_len - 0.006f, fy, pz + 0.002f));
    for (int k = 0; k < 3; ++k) {
      joints.push_back(b.joint(std::string(names[f]) + "_" + std::to_string(k), parent, pts.back()));
      parent = joints.back();
      phi += seg[k] / ring * (1.0f + curl_extra);
      pts.push_back(V(ring * std::sin(phi), fy, -ring * std::cos(phi)));
    }
    b.joint(std::string(names[f]) + "_tip", parent, pts.back());
    const int finger = b.part("finger", skin);
    chain(b, finger, pts, {rf * 1.1f, rf, rf * 0.95f, rf * 0.85f}, joints);
  }
  // Thumb: from the palm's wrist-side top corner around the -X side.
  std::vector<Vec3> pts = {V(-0.15f * palm_len, y + 0.4f * palm_w, pz + 0.004f)};
  std::vector<int> joints;
  int parent = j_wrist;
  const float ty = y + 0.5f * palm_w + 0.006f;
  float phi = -0.25f;
  for (int k = 0; k < 2; ++k) {
    joints.push_back(b.joint("thumb_" + std::to_string(k), parent, pts.back()));
    parent = joints.back();
    phi -= 0.032f / ring;
    pts.push_back(V(ring * 1.05f * std::sin(phi), ty, -ring * 1.05f * std::cos(phi)));
  }
  b.joint("thumb_tip", parent, pts.back());
  const int thumb = b.part("thumb", skin);
  chain(b, thumb, pts, {rf * 1.35f, rf * 1.15f, rf}, joints);
  b.set_pose("grasp");
  return j_wrist;
}

void build_hand_bottle(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float h = b.sized("bottle_height", 0.22f, 0.3f, "short", "tall");
  const float rc = r.range(0.03f, 0.04f);
  const int wrist = build_grasping_hand(b, rc, 0.42f * h);
  const std::string glass = b.color({"green", "dark green", "light blue", "brown", "blue"});
  const int body = b.part("bottle", glass, 0.01f);
  b.bind(body, wrist);
  b.add(body, cylinder(V(0, 0, 0), V(0, 0.6f * h, 0), rc));
  b.add(body, cone(V(0, 0.6f * h, 0), V(0, 0.78f * h, 0), rc, 0.35f * rc));
  const int neck = b.part("bottle_neck", glass);
  b.bind(neck, wrist);
  b.add(neck, cylinder(V(0, 0.75f * h, 0), V(0, 0.95f * h, 0), 0.35f * rc));
  const int cap = b.part("cap", b.color({"red", "gold", "white", "black"}));
  b.bind(cap, wrist);
  b.add(cap, cylinder(V(0, 0.94f * h, 0), V(0, h, 0), 0.42f * rc));
  b.phrase("held in a hand");
}

void build_hand_cup(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float h = b.sized("cup_height", 0.09f, 0.13f, "short", "tall");
  const float rc = r.range(0.036f, 0.046f);
  const int wrist = build_grasping_hand(b, rc, 0.5f * h);
  const int cup = b.part("cup", b.color({"white", "red", "blue", "yellow", "teal", "orange"}));
  b.bind(cup, wrist);
  b.add(cup, cone(V(0, 0, 0), V(0, h, 0), 0.85f * rc, rc * 1.06f));
  b.cut(cup, cone(V(0, 0.12f * h, 0), V(0, h + 0.01f, 0), 0.85f * rc - 0.007f, rc * 1.06f - 0.006f));
  b.phrase("held in a hand");
}

void build_figure_sword(ShapeBuilder& b) {
  Rng& r = b.rng();
  const bool random = b.rng().chance(0.65);
  b.set_pose(random ? "random" : "rest");
  const HumanoidResult hand = build_humanoid_body(b, random, true);
  const Vec3 f = hand.right_forearm_dir.normalized();
  Vec3 up = Vec3::UnitY() - Vec3::UnitY().dot(f) * f;
  up = (up.norm() < 1e-3f ? Vec3::UnitZ() : up.normalized());
  const Vec3 axis = (up + 0.4f * f).normalized();
  const Vec3 across = f.cross(axis).normalized();
  Mat3 frame;
  frame.col(0) = across;
  frame.col(1) = axis;
  frame.col(2) = across.cross(axis);
  const float grip = 0.16f, blade_len = b.sized("blade_length", 0.6f, 0.95f, "short-bladed", "long-bladed");
  const Vec3 c = hand.right_hand;
  const std::string metal = b.color({"gold", "silver", "brown", "black"});
  const int grip_p = b.part("grip", b.color({"brown", "black", "red"}));
  b.add(grip_p, on_joint(cylinder(c - 0.5f * grip * axis, c + 0.5f * grip * axis, 0.02f), hand.right_hand_joint));
  const int guard = b.part("guard", metal);
  b.add(guard, on_joint(rounded_box(c + 0.5f * grip * axis, V(0.1f, 0.022f, 0.035f), 0.012f, frame), hand.right_hand_joint));
  const int blade = b.part("blade", b.color({"silver", "gray", "white"}));
  const float bw = r.range(0.07f, 0.09f);
  b.add(blade, on_joint(box(c + (0.5f * grip + 0.5f * blade_len) * axis, V(0.5f * bw, 0.5f * blade_len, 0.03f), frame), hand.right_hand_joint));
  b.add(blade, on_joint(box(c + (0.5f * grip + blade_len) * axis, V(0.5f * bw / std::sqrt(2.0f), 0.5f * bw / std::sqrt(2.0f), 0.03f),
                            frame * rotation_z(deg(45.0f))), hand.right_hand_joint));
  const int pommel = b.part("pommel", metal);
  b.add(pommel, on_joint(sphere(c - 0.5f * grip * axis, 0.03f), hand.right_hand_joint));
  b.phrase("holding a sword");
}

}  // namespace

void register_scenes(std::vector<Category>& out) {
  out.push_back({"hand_bottle", "scene", {"hand holding a bottle", "hand gripping a bottle", "bottle in a hand", "grasped bottle"}, true, build_hand_bottle});
  out.push_back({"hand_cup", "scene", {"hand holding a cup", "hand gripping a cup", "cup in a hand", "grasped cup"}, true, build_hand_cup});
  out.push_back({"figure_sword", "scene", {"figure holding a sword", "warrior with a sword", "swordsman", "knight holding a sword"}, true, build_figure_sword});
}

}  // namespace flexforge::synth::detail
