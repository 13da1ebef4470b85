// Articulated creatures: humanoid, cat, dog, horse, cow, bird, fish, snake, octopus, spider,
// dragon. Each builds its joint tree first (positions follow from the sampled pose by forward
// construction), then the body primitives along the bones, each bound to the joint at its
// proximal end, so skin weights and "joint inside the mesh" hold by construction. Pose: "rest"
// (neutral) with probability 0.35, else "random" (limb angles drawn within plausible limits).
// Creatures face +Z, stand on y = 0; their left is +X.
#include "categories_internal.h"

#include <algorithm>

namespace flexforge::synth::detail {

namespace {

bool choose_pose(ShapeBuilder& b) {
  const bool random = b.rng().chance(0.65);
  b.set_pose(random ? "random" : "rest");
  return random;
}

// Direction from spherical-ish limb angles: `down` rotated by `forward` about X (towards +Z) and
// by `out` about Z (towards the side `side`).
Vec3 limb_dir(float forward, float out, int side) {
  return Vec3(side * std::sin(out) * std::cos(forward), -std::cos(out) * std::cos(forward), std::sin(forward));
}

}  // namespace

HumanoidResult build_humanoid_body(ShapeBuilder& b, bool random_pose, bool hold_forward) {
  Rng& r = b.rng();
  const float H = b.sized("height", 1.5f, 1.95f, "short", "tall");
  const float build = b.sized("build", 0.85f, 1.25f, "slim", "stocky");
  const std::string skin = b.color({"beige", "tan", "brown", "pink"});
  const std::string shirt = b.color({"red", "blue", "green", "white", "black", "yellow", "purple", "teal", "orange"});
  const std::string pants = b.color({"blue", "black", "gray", "brown", "tan", "dark green"});
  const float hip_y = 0.50f * H;
  const float thigh = 0.235f * H, shin = 0.225f * H;
  const float upper_arm = 0.17f * H, forearm = 0.15f * H;
  const float shoulder_y = 0.81f * H, shoulder_x = 0.115f * H * build;

  const int hips = b.joint("hips", -1, V(0, hip_y, 0));
  const int spine = b.joint("spine", hips, V(0, hip_y + 0.12f * H, 0));
  const int chest = b.joint("chest", spine, V(0, hip_y + 0.24f * H, 0));
  const int neck = b.joint("neck", chest, V(0, shoulder_y + 0.04f * H, 0));
  const float head_r = 0.06f * H;
  const Vec3 head_c(0, shoulder_y + 0.06f * H + head_r, 0.005f * H);
  const int head = b.joint("head", neck, head_c);

  HumanoidResult result;
  const int torso = b.part("torso", shirt, 0.04f * H);
  b.bind(torso, spine);
  b.add(torso, on_joint(ellipsoid(V(0, hip_y + 0.03f * H, 0), V(0.1f * H * build, 0.07f * H, 0.065f * H * build)), hips));
  b.add(torso, on_joint(ellipsoid(V(0, hip_y + 0.14f * H, 0), V(0.095f * H * build, 0.09f * H, 0.06f * H * build)), spine));
  b.add(torso, on_joint(ellipsoid(V(0, shoulder_y - 0.07f * H, 0), V(0.13f * H * build, 0.1f * H, 0.07f * H * build)), chest));
  const int head_p = b.part("head", skin, 0.02f * H);
  b.add(head_p, on_joint(capsule(V(0, shoulder_y - 0.02f * H, 0), V(0, shoulder_y + 0.07f * H, 0), 0.028f * H), neck));
  b.add(head_p, on_joint(ellipsoid(head_c, V(head_r * 0.9f, head_r * 1.1f, head_r)), head));

  for (int side = -1; side <= 1; side += 2) {
    const std::string s = side_name(side);
    // Arms.
    float abd = deg(12.0f), flex = 0.0f, elbow = deg(8.0f);
    if (random_pose) {
      abd = deg(r.range(5.0f, 80.0f));
      flex = deg(r.range(-35.0f, 70.0f));
      elbow = deg(r.range(0.0f, 110.0f));
    }
    if (hold_forward && side < 0) {
      abd = deg(r.range(8.0f, 20.0f));
      flex = deg(r.range(25.0f, 50.0f));
      elbow = deg(r.range(35.0f, 70.0f));
    }
    const Vec3 shoulder(side * shoulder_x, shoulder_y, 0);
    const Vec3 upper_dir = limb_dir(flex, abd, side);
    const Vec3 elbow_p = shoulder + upper_arm * upper_dir;
    const Vec3 fore_dir = rotate_towards(upper_dir, Vec3::UnitZ(), elbow);
    const Vec3 wrist_p = elbow_p + forearm * fore_dir;
    const int j_shoulder = b.joint(s + "_shoulder", chest, shoulder);
    const int j_elbow = b.joint(s + "_elbow", j_shoulder, elbow_p);
    const int j_hand = b.joint(s + "_hand", j_elbow, wrist_p);
    const int ua = b.part("upper_arm", shirt);
    b.add(ua, on_joint(round_cone(shoulder, elbow_p, 0.038f * H * build, 0.03f * H * build), j_shoulder));
    const int fa = b.part("forearm", skin);
    b.add(fa, on_joint(round_cone(elbow_p, wrist_p, 0.03f * H * build, 0.024f * H), j_elbow));
    const int hand = b.part("hand", skin);
    const float hand_r = 0.032f * H;
    b.add(hand, on_joint(ellipsoid(wrist_p + fore_dir * (0.6f * hand_r), V(hand_r * 0.75f, hand_r * 1.15f, hand_r * 0.75f),
                                   Eigen::Quaternionf::FromTwoVectors(Vec3::UnitY(), fore_dir).toRotationMatrix()),
                         j_hand));
    if (side < 0) {
      result.right_hand_joint = j_hand;
      result.right_hand = wrist_p + fore_dir * (0.6f * hand_r);
      result.right_forearm_dir = fore_dir;
      result.hand_radius = hand_r;
    }
    // Legs.
    float leg_flex = 0.0f, spread = deg(3.0f), knee = 0.0f;
    if (random_pose) {
      leg_flex = deg(r.range(-30.0f, 50.0f));
      spread = deg(r.range(2.0f, 18.0f));
      knee = deg(r.range(0.0f, 75.0f));
    }
    const Vec3 hip(side * 0.055f * H * build, hip_y - 0.02f * H, 0);
    const Vec3 thigh_dir = limb_dir(leg_flex, spread, side);
    const Vec3 knee_p = hip + thigh * thigh_dir;
    const Vec3 shin_dir = rotate_towards(thigh_dir, -Vec3::UnitZ(), knee);
    const Vec3 ankle_p = knee_p + shin * shin_dir;
    const int j_hip = b.joint(s + "_hip", hips, hip);
    const int j_knee = b.joint(s + "_knee", j_hip, knee_p);
    const int j_ankle = b.joint(s + "_ankle", j_knee, ankle_p);
    const int th = b.part("thigh", pants);
    b.add(th, on_joint(round_cone(hip, knee_p, 0.055f * H * build, 0.04f * H), j_hip));
    const int sh = b.part("shin", pants);
    b.add(sh, on_joint(round_cone(knee_p, ankle_p, 0.04f * H, 0.03f * H), j_knee));
    const int foot = b.part("foot", b.color({"black", "brown", "white", "gray"}));
    const Vec3 toe_dir = rotate_towards(shin_dir, Vec3::UnitZ(), deg(90.0f));
    b.add(foot, on_joint(round_cone(ankle_p, ankle_p + 0.1f * H * toe_dir, 0.032f * H, 0.028f * H), j_ankle));
  }
  return result;
}

namespace {

void build_humanoid(ShapeBuilder& b) {
  const bool random = choose_pose(b);
  build_humanoid_body(b, random, false);
  b.phrase("with two arms and two legs");
}

// Four-legged animals share one body plan; the species set proportions and extras.
struct QuadSpec {
  float body_len, body_r, leg_len, leg_r, neck_len, neck_angle_deg, head_r, snout, tail_len, tail_r;
  float tail_lift_deg;
  std::vector<std::string> colors;
};

struct QuadJoints {
  int pelvis, spine, neck, head, tail_tip;
  Vec3 head_pos, neck_base, tail_base;
  float scale;
};

QuadJoints build_quadruped(ShapeBuilder& b, const QuadSpec& spec, bool random, float scale) {
  Rng& r = b.rng();
  const std::string fur = b.color(spec.colors);
  const float L = spec.body_len * scale, R = spec.body_r * scale, leg = spec.leg_len * scale;
  const float body_y = leg + 0.6f * R;
  QuadJoints q{};
  q.scale = scale;
  q.pelvis = b.joint("pelvis", -1, V(0, body_y, -0.3f * L));
  q.spine = b.joint("spine", q.pelvis, V(0, body_y, 0.3f * L));
  const int body = b.part("torso", fur, 0.5f * R);
  b.add(body, on_joint(ellipsoid(V(0, body_y, -0.2f * L), V(0.85f * R, 0.95f * R, 0.4f * L)), q.pelvis));
  b.add(body, on_joint(ellipsoid(V(0, body_y + 0.05f * R, 0.22f * L), V(0.9f * R, R, 0.38f * L)), q.spine));
  // Neck and head.
  float neck_angle = deg(spec.neck_angle_deg), head_turn = 0.0f;
  if (random) {
    neck_angle += deg(r.range(-20.0f, 20.0f));
    head_turn = deg(r.range(-30.0f, 30.0f));
  }
  q.neck_base = V(0, body_y + 0.3f * R, 0.45f * L);
  const Vec3 neck_dir = rotation_y(head_turn) * Vec3(0, std::sin(neck_angle), std::cos(neck_angle));
  q.head_pos = q.neck_base + spec.neck_len * scale * neck_dir;
  q.neck = b.joint("neck", q.spine, q.neck_base);
  q.head = b.joint("head", q.neck, q.head_pos);
  const int neck = b.part("neck", fur);
  b.add(neck, on_joint(round_cone(q.neck_base, q.head_pos, 0.55f * R, 0.35f * spec.head_r * scale / 0.5f * 0.5f + 0.2f * R), q.neck));
  const int head = b.part("head", fur, 0.3f * spec.head_r * scale);
  const float hr = spec.head_r * scale;
  const Vec3 fwd = rotation_y(head_turn) * Vec3::UnitZ();
  b.add(head, on_joint(sphere(q.head_pos, hr), q.head));
  b.add(head, on_joint(round_cone(q.head_pos, q.head_pos + fwd * (spec.snout * scale) - V(0, 0.3f * hr, 0), 0.8f * hr, 0.5f * hr), q.head));
  // Legs.
  const char* names[4] = {"front_left", "front_right", "back_left", "back_right"};
  for (int i = 0; i < 4; ++i) {
    const int side = (i % 2 == 0) ? 1 : -1;
    const bool front = i < 2;
    const Vec3 hip(side * 0.55f * R, body_y - 0.2f * R, front ? 0.32f * L : -0.32f * L);
    float swing = 0.0f, bend = deg(front ? 4.0f : -4.0f);
    if (random) {
      swing = deg(r.range(-30.0f, 30.0f));
      bend = deg(r.range(0.0f, 45.0f)) * (front ? 1.0f : -1.0f);
    }
    const Vec3 up_dir = limb_dir(swing, deg(2.0f), side);
    const float upper = 0.5f * (leg + 0.4f * R), lower = 0.5f * (leg + 0.4f * R);
    const Vec3 knee = hip + upper * up_dir;
    const Vec3 low_dir = rotate_towards(up_dir, front ? Vec3(-Vec3::UnitZ()) : Vec3(Vec3::UnitZ()), std::abs(bend));
    const Vec3 foot = knee + lower * low_dir;
    const std::string n = names[i];
    const int j_hip = b.joint(n + "_hip", front ? q.spine : q.pelvis, hip);
    const int j_knee = b.joint(n + "_knee", j_hip, knee);
    const int j_foot = b.joint(n + "_foot", j_knee, foot);
    const int leg_p = b.part("leg", fur);
    const float lr = spec.leg_r * scale;
    b.add(leg_p, on_joint(round_cone(hip, knee, 1.6f * lr, lr), j_hip));
    b.add(leg_p, on_joint(round_cone(knee, foot, lr, 0.85f * lr), j_knee));
    b.add(leg_p, on_joint(sphere(foot + V(0, 0, 0.3f * lr), 1.05f * lr), j_foot));
  }
  // Tail: three segments.
  q.tail_base = V(0, body_y + 0.3f * R, -0.55f * L);
  float lift = deg(spec.tail_lift_deg), curl = 0.0f, yaw = 0.0f;
  if (random) {
    lift += deg(r.range(-25.0f, 25.0f));
    curl = deg(r.range(-25.0f, 25.0f));
    yaw = deg(r.range(-30.0f, 30.0f));
  }
  std::vector<Vec3> pts = {q.tail_base};
  Vec3 dir = rotation_y(yaw) * Vec3(0, std::sin(lift), -std::cos(lift));
  const float seg = spec.tail_len * scale / 3.0f;
  int parent = q.pelvis;
  std::vector<int> tail_joints;
  for (int k = 0; k < 3; ++k) {
    tail_joints.push_back(b.joint("tail_" + std::to_string(k), parent, pts.back()));
    parent = tail_joints.back();
    pts.push_back(pts.back() + seg * dir);
    dir = rotation_x(-curl) * dir;
  }
  q.tail_tip = b.joint("tail_tip", parent, pts.back());
  const int tail = b.part("tail", fur);
  const float tr = spec.tail_r * scale;
  chain(b, tail, pts, {tr, 0.85f * tr, 0.7f * tr, 0.55f * tr}, tail_joints);
  b.phrase("four-legged");
  return q;
}

const QuadSpec kCat{0.42f, 0.09f, 0.22f, 0.022f, 0.1f, 55.0f, 0.065f, 0.04f, 0.3f, 0.018f, 60.0f,
                    {"orange", "black", "gray", "white", "brown", "tan"}};
const QuadSpec kDog{0.6f, 0.13f, 0.35f, 0.035f, 0.16f, 50.0f, 0.085f, 0.1f, 0.28f, 0.025f, 40.0f,
                    {"brown", "tan", "black", "white", "gray", "beige"}};
const QuadSpec kHorse{1.4f, 0.3f, 0.95f, 0.065f, 0.6f, 55.0f, 0.13f, 0.3f, 0.6f, 0.06f, -50.0f,
                      {"brown", "black", "white", "tan", "gray"}};
const QuadSpec kCow{1.6f, 0.4f, 0.75f, 0.085f, 0.35f, 25.0f, 0.17f, 0.22f, 0.75f, 0.06f, -70.0f,
                    {"white", "black", "brown", "tan"}};

void build_cat(ShapeBuilder& b) {
  const bool random = choose_pose(b);
  const float s = b.sized("size", 0.85f, 1.2f, "small", "big");
  const QuadJoints q = build_quadruped(b, kCat, random, s);
  const float hr = kCat.head_r * s;
  for (int side = -1; side <= 1; side += 2) {
    const int ear = b.part("ear", "pink");
    const Vec3 base = q.head_pos + V(side * 0.55f * hr, 0.6f * hr, -0.1f * hr);
    b.add(ear, on_joint(cone(base, base + V(side * 0.2f * hr, 0.75f * hr, 0), 0.35f * hr, 0.05f * hr), q.head));
  }
  b.phrase("with pointed ears");
}

void build_dog(ShapeBuilder& b) {
  const bool random = choose_pose(b);
  const float s = b.sized("size", 0.7f, 1.4f, "small", "big");
  const QuadJoints q = build_quadruped(b, kDog, random, s);
  const float hr = kDog.head_r * s;
  const std::string ear_c = b.color({"brown", "black", "tan"});
  for (int side = -1; side <= 1; side += 2) {
    const int ear = b.part("ear", ear_c);
    b.add(ear, on_joint(ellipsoid(q.head_pos + V(side * 0.85f * hr, 0.1f * hr, -0.2f * hr), V(0.25f * hr, 0.65f * hr, 0.4f * hr),
                                  rotation_z(side * deg(20.0f))), q.head));
  }
  b.phrase("with floppy ears");
}

void build_horse(ShapeBuilder& b) {
  const bool random = choose_pose(b);
  const float s = b.sized("size", 0.85f, 1.15f, "small", "big");
  const QuadJoints q = build_quadruped(b, kHorse, random, s);
  const int mane = b.part("mane", b.color({"black", "brown", "white", "tan"}));
  const Vec3 mid = 0.5f * (q.neck_base + q.head_pos);
  const Vec3 along = (q.head_pos - q.neck_base).normalized();
  // Along the top of the neck: offset from the neck axis by about the neck's radius.
  const Vec3 up = (Vec3::UnitY() - Vec3::UnitY().dot(along) * along).normalized();
  b.add(mane, on_joint(capsule(q.neck_base + up * (0.5f * kHorse.body_r * s) + along * 0.05f * s,
                               q.head_pos + up * (0.8f * kHorse.head_r * s) - along * 0.12f * s, 0.05f * s), q.neck));
  (void)mid;
  const float hr = kHorse.head_r * s;
  for (int side = -1; side <= 1; side += 2) {
    const int ear = b.part("ear", "black");
    const Vec3 base = q.head_pos + V(side * 0.4f * hr, 0.7f * hr, -0.2f * hr);
    b.add(ear, on_joint(cone(base, base + V(side * 0.1f * hr, 0.85f * hr, 0), 0.35f * hr, 0.08f * hr), q.head));
  }
  b.phrase("with a mane");
}

void build_cow(ShapeBuilder& b) {
  const bool random = choose_pose(b);
  const float s = b.sized("size", 0.85f, 1.15f, "small", "big");
  const QuadJoints q = build_quadruped(b, kCow, random, s);
  const float hr = kCow.head_r * s;
  for (int side = -1; side <= 1; side += 2) {
    const int horn = b.part("horn", "beige");
    const Vec3 base = q.head_pos + V(side * 0.6f * hr, 0.55f * hr, -0.1f * hr);
    b.add(horn, on_joint(cone(base, base + V(side * 0.6f * hr, 0.45f * hr, 0), 0.22f * hr, 0.06f * hr), q.head));
  }
  const int udder = b.part("udder", "pink");
  const float belly = kCow.leg_len * s + 0.6f * kCow.body_r * s - 0.85f * kCow.body_r * s;
  b.add(udder, on_joint(sphere(V(0, belly, -0.25f * kCow.body_len * s), 0.13f * s), q.pelvis));
  b.phrase("with horns");
}

void build_bird(ShapeBuilder& b) {
  Rng& r = b.rng();
  const bool random = choose_pose(b);
  const float s = b.sized("size", 0.8f, 1.3f, "small", "large");
  const std::string feathers = b.color({"blue", "red", "yellow", "black", "white", "brown", "green", "gray"});
  const float leg = 0.08f * s;
  const Vec3 body_c(0, leg + 0.07f * s, 0);
  const int root = b.joint("body", -1, body_c);
  const int body = b.part("torso", feathers, 0.03f * s);
  b.add(body, on_joint(ellipsoid(body_c, V(0.06f * s, 0.065f * s, 0.1f * s), rotation_x(deg(-20.0f))), root));
  float head_turn = 0.0f;
  if (random) head_turn = deg(r.range(-40.0f, 40.0f));
  const Vec3 head_c = body_c + V(0, 0.08f * s, 0.08f * s);
  const int j_head = b.joint("head", root, head_c);
  const int head = b.part("head", feathers, 0.02f * s);
  b.add(head, on_joint(sphere(head_c, 0.042f * s), j_head));
  b.add(head, on_joint(capsule(body_c + V(0, 0.04f * s, 0.05f * s), head_c, 0.03f * s), root));
  const Vec3 fwd = rotation_y(head_turn) * Vec3::UnitZ();
  const int beak = b.part("beak", b.color({"orange", "yellow", "black"}));
  b.add(beak, on_joint(cone(head_c + fwd * 0.03f * s, head_c + fwd * 0.085f * s - V(0, 0.01f * s, 0), 0.017f * s, 0.003f * s), j_head));
  const std::string wing_c = r.chance(0.5) ? feathers : b.color({"black", "white", "gray", "brown"});
  const bool spread = random && r.chance(0.7);
  for (int side = -1; side <= 1; side += 2) {
    const std::string n = side_name(side);
    const Vec3 shoulder = body_c + V(side * 0.045f * s, 0.025f * s, 0.03f * s);
    const int j_sh = b.joint(n + "_wing", root, shoulder);
    const int wing = b.part("wing", wing_c);
    if (spread) {
      const float flap = deg(r.range(-20.0f, 50.0f));
      const Vec3 out(side * std::cos(flap), std::sin(flap), -0.1f);
      const Vec3 tip = shoulder + 0.2f * s * out.normalized();
      const int j_tip = b.joint(n + "_wing_tip", j_sh, shoulder + 0.1f * s * out.normalized());
      b.add(wing, on_joint(ellipsoid(shoulder + 0.05f * s * out.normalized() - V(0, 0, 0.02f * s), V(0.055f * s, 0.012f * s, 0.045f * s),
                                     Eigen::Quaternionf::FromTwoVectors(Vec3::UnitX(), Vec3(out.normalized() * float(side))).toRotationMatrix()), j_sh));
      b.add(wing, on_joint(ellipsoid(0.5f * (shoulder + 0.1f * s * out.normalized() + tip) - V(0, 0, 0.02f * s), V(0.055f * s, 0.01f * s, 0.035f * s),
                                     Eigen::Quaternionf::FromTwoVectors(Vec3::UnitX(), Vec3(out.normalized() * float(side))).toRotationMatrix()), j_tip));
    } else {
      const int j_tip = b.joint(n + "_wing_tip", j_sh, shoulder + V(side * 0.02f * s, -0.02f * s, -0.09f * s));
      b.add(wing, on_joint(ellipsoid(shoulder + V(side * 0.015f * s, -0.02f * s, -0.05f * s), V(0.014f * s, 0.045f * s, 0.1f * s),
                                     rotation_x(deg(-15.0f))), j_sh));
      (void)j_tip;
    }
  }
  const Vec3 tail_base = body_c + V(0, 0.0f, -0.09f * s);
  const int j_tail = b.joint("tail", root, tail_base);
  const int tail = b.part("tail", wing_c);
  b.add(tail, on_joint(ellipsoid(tail_base + V(0, -0.01f * s, -0.06f * s), V(0.035f * s, 0.01f * s, 0.07f * s), rotation_x(deg(15.0f))), j_tail));
  for (int side = -1; side <= 1; side += 2) {
    const std::string n = side_name(side);
    const Vec3 hip = body_c + V(side * 0.025f * s, -0.04f * s, 0.0f);
    const Vec3 foot = V(side * 0.03f * s, 0.012f * s, random ? r.range(-0.02f, 0.02f) * s : 0.0f);
    const int j_leg = b.joint(n + "_leg", root, hip);
    const int j_foot = b.joint(n + "_foot", j_leg, foot);
    const int legp = b.part("leg", "orange");
    b.add(legp, on_joint(round_cone(hip, foot, 0.012f * s, 0.008f * s), j_leg));
    b.add(legp, on_joint(ellipsoid(foot + V(0, 0, 0.015f * s), V(0.015f * s, 0.009f * s, 0.03f * s)), j_foot));
  }
  b.phrase(spread ? "with spread wings" : "with folded wings");
}

void build_fish(ShapeBuilder& b) {
  Rng& r = b.rng();
  const bool random = choose_pose(b);
  const float len = b.sized("length", 0.3f, 0.6f, "small", "long");
  const float depth = b.sized("body_depth", 0.12f, 0.22f, "slender", "deep-bodied") * len;
  const std::string scales = b.color({"orange", "silver", "blue", "yellow", "red", "teal", "gray"});
  // Spine: four points from head (+Z) to tail, bending in the horizontal plane.
  std::vector<Vec3> spine = {V(0, 0.5f * len, 0.35f * len)};
  float heading = 0.0f;
  std::vector<int> joints;
  int parent = -1;
  const char* names[4] = {"head", "spine_0", "spine_1", "tail"};
  for (int k = 0; k < 3; ++k) {
    joints.push_back(b.joint(names[k], parent, spine.back()));
    parent = joints.back();
    if (random) heading += deg(r.range(-18.0f, 18.0f));
    spine.push_back(spine.back() + 0.24f * len * Vec3(std::sin(heading), 0, -std::cos(heading)));
  }
  joints.push_back(b.joint(names[3], parent, spine.back()));
  const int body = b.part("body", scales, 0.1f * len);
  const float widths[3] = {0.5f, 0.42f, 0.22f};
  for (int k = 0; k < 3; ++k) {
    const Vec3 c = 0.5f * (spine[k] + spine[k + 1]);
    const Vec3 along = (spine[k + 1] - spine[k]).normalized();
    const Mat3 frame = Eigen::Quaternionf::FromTwoVectors(Vec3::UnitZ(), along).toRotationMatrix();
    b.add(body, on_joint(ellipsoid(c, V(widths[k] * 0.5f * depth, widths[k] * depth * 1.0f + 0.02f * len, 0.17f * len), frame), joints[k]));
  }
  b.add(body, on_joint(ellipsoid(spine[0], V(0.2f * depth, 0.4f * depth, 0.1f * len)), joints[0]));
  const Vec3 tail_dir = (spine[3] - spine[2]).normalized();
  const Mat3 tail_frame = Eigen::Quaternionf::FromTwoVectors(Vec3::UnitZ(), tail_dir).toRotationMatrix();
  const int fin = b.part("tail_fin", r.chance(0.5) ? scales : b.color({"orange", "yellow", "red", "white"}));
  for (int s = -1; s <= 1; s += 2) {
    b.add(fin, on_joint(ellipsoid(spine[3] + tail_dir * 0.06f * len + V(0, s * 0.08f * len, 0), V(0.012f * len, 0.1f * len, 0.05f * len),
                                  tail_frame * rotation_x(s * deg(35.0f))), joints[3]));
  }
  const int dorsal = b.part("dorsal_fin", scales);
  b.add(dorsal, on_joint(ellipsoid(0.5f * (spine[1] + spine[2]) + V(0, 0.6f * depth, 0), V(0.02f * len, 0.4f * depth, 0.12f * len),
                                   Eigen::Quaternionf::FromTwoVectors(Vec3::UnitZ(), (spine[2] - spine[1]).normalized()).toRotationMatrix() *
                                       rotation_x(deg(-20.0f))), joints[1]));
  for (int s = -1; s <= 1; s += 2) {
    const int eye = b.part("eye", "black");
    b.add(eye, on_joint(sphere(spine[0] + V(s * (0.3f * depth + 0.015f * len), 0.12f * depth, -0.03f * len), 0.03f * len), joints[0]));
  }
  b.phrase("with a forked tail fin");
}

void build_snake(ShapeBuilder& b) {
  Rng& r = b.rng();
  const bool random = choose_pose(b);
  const float len = b.sized("length", 1.0f, 2.0f, "short", "long");
  const float radius = b.sized("thickness", 0.035f, 0.055f, "thin", "thick") * len;
  const std::string c = b.color({"green", "dark green", "brown", "black", "yellow", "red", "tan"});
  const int n = 8;
  const float seg = len / n;
  const float amp = random ? deg(r.range(20.0f, 60.0f)) : deg(25.0f);
  const float phase = random ? r.range(0.0f, 2.0f * kPi) : 0.0f;
  const float waves = random ? r.range(1.0f, 2.0f) : 1.2f;
  std::vector<Vec3> pts = {V(0, radius, -0.3f * len)};
  std::vector<int> joints;
  int parent = -1;
  for (int k = 0; k < n; ++k) {
    joints.push_back(b.joint(k == 0 ? "tail_tip" : "spine_" + std::to_string(k), parent, pts.back()));
    parent = joints.back();
    const float heading = amp * std::sin(phase + 2.0f * kPi * waves * k / n);
    pts.push_back(pts.back() + seg * Vec3(std::sin(heading), 0, std::cos(heading)));
  }
  const int head_j = b.joint("head", parent, pts.back() + V(0, 0.0f, 0));
  std::vector<float> radii;
  for (int k = 0; k <= n; ++k) radii.push_back(radius * std::min(1.0f, 0.35f + 0.65f * k / (0.5f * n)));
  const int tail = b.part("tail", c);
  const int body = b.part("body", c);
  for (int k = 0; k < n; ++k) {
    b.add(k < 2 ? tail : body, on_joint(round_cone(pts[k], pts[k + 1], radii[k], radii[k + 1]), joints[k]));
  }
  const int head = b.part("head", c);
  const Vec3 dir = (pts[n] - pts[n - 1]).normalized();
  b.add(head, on_joint(ellipsoid(pts[n] + dir * 0.8f * radius + V(0, 0.1f * radius, 0), V(1.2f * radius, 0.8f * radius, 1.8f * radius),
                                 Eigen::Quaternionf::FromTwoVectors(Vec3::UnitZ(), dir).toRotationMatrix()), head_j));
  for (int s = -1; s <= 1; s += 2) {
    const int eye = b.part("eye", "yellow");
    const Vec3 side = dir.cross(Vec3::UnitY()).normalized() * float(s);
    b.add(eye, on_joint(sphere(pts[n] + dir * 1.4f * radius + side * 1.05f * radius + V(0, 0.35f * radius, 0), 0.3f * radius), head_j));
  }
  b.phrase(random ? "slithering in an S curve" : "lying stretched out");
}

void build_octopus(ShapeBuilder& b) {
  Rng& r = b.rng();
  const bool random = choose_pose(b);
  const float s = b.sized("size", 0.3f, 0.6f, "small", "large");
  const std::string c = b.color({"red", "purple", "orange", "pink", "brown"});
  const float leg_y = 0.12f * s;
  const Vec3 mantle_c(0, leg_y + 0.25f * s, -0.05f * s);
  const int root = b.joint("body", -1, V(0, leg_y + 0.08f * s, 0));
  const int mantle_j = b.joint("mantle", root, mantle_c);
  const int mantle = b.part("mantle", c, 0.04f * s);
  b.add(mantle, on_joint(ellipsoid(mantle_c, V(0.17f * s, 0.22f * s, 0.19f * s), rotation_x(deg(-15.0f))), mantle_j));
  b.add(mantle, on_joint(sphere(V(0, leg_y + 0.08f * s, 0), 0.14f * s), root));
  for (int side = -1; side <= 1; side += 2) {
    const int eye = b.part("eye", "white");
    b.add(eye, on_joint(sphere(V(side * 0.1f * s, leg_y + 0.13f * s, 0.1f * s), 0.04f * s), root));
  }
  for (int t = 0; t < 8; ++t) {
    const float a = 2.0f * kPi * (t + 0.5f) / 8.0f;
    const Vec3 out(std::sin(a), 0, std::cos(a));
    std::vector<Vec3> pts = {V(0, leg_y + 0.05f * s, 0) + out * 0.08f * s};
    float droop = deg(random ? r.range(-10.0f, 35.0f) : 15.0f);
    const float curl = deg(random ? r.range(-40.0f, 30.0f) : -25.0f);
    const float twist = random ? deg(r.range(-25.0f, 25.0f)) : 0.0f;
    std::vector<int> joints;
    int parent = root;
    const float seg = 0.13f * s;
    for (int k = 0; k < 4; ++k) {
      joints.push_back(b.joint("tentacle_" + std::to_string(t) + "_" + std::to_string(k), parent, pts.back()));
      parent = joints.back();
      Vec3 dir = rotation_y(twist * k) * (out * std::cos(droop) - Vec3::UnitY() * std::sin(droop));
      Vec3 next = pts.back() + seg * dir;
      next.y() = std::max(next.y(), 0.02f * s);  // tentacles rest on the ground
      pts.push_back(next);
      droop += curl;
    }
    const int tentacle = b.part("tentacle", c);
    joints.push_back(b.joint("tentacle_" + std::to_string(t) + "_tip", parent, pts.back()));
    chain(b, tentacle, pts, {0.035f * s, 0.028f * s, 0.021f * s, 0.016f * s, 0.012f * s}, joints);
  }
  b.phrase("with eight tentacles");
}

void build_spider(ShapeBuilder& b) {
  Rng& r = b.rng();
  const bool random = choose_pose(b);
  const float s = b.sized("size", 0.2f, 0.4f, "small", "giant");
  const std::string c = b.color({"black", "brown", "gray", "red", "tan"});
  const float body_y = 0.3f * s;
  const int root = b.joint("cephalothorax", -1, V(0, body_y, 0.08f * s));
  const int abd_j = b.joint("abdomen", root, V(0, body_y + 0.04f * s, -0.15f * s));
  const int ceph = b.part("cephalothorax", c);
  b.add(ceph, on_joint(ellipsoid(V(0, body_y, 0.08f * s), V(0.12f * s, 0.08f * s, 0.13f * s)), root));
  const int abd = b.part("abdomen", r.chance(0.7) ? c : b.color({"red", "yellow", "orange"}));
  b.add(abd, on_joint(ellipsoid(V(0, body_y + 0.04f * s, -0.17f * s), V(0.16f * s, 0.13f * s, 0.2f * s)), abd_j));
  for (int i = 0; i < 8; ++i) {
    const int side = i < 4 ? 1 : -1;
    const int k = i % 4;
    const float a = deg(-55.0f + 35.0f * k + (random ? r.range(-10.0f, 10.0f) : 0.0f));
    const Vec3 out(side * std::cos(a), 0, std::sin(a));
    const Vec3 hip = V(0, body_y, 0.08f * s) + out * 0.09f * s;
    const float lift = random ? r.range(0.15f, 0.35f) : 0.25f;
    const Vec3 knee = hip + out * 0.22f * s + V(0, lift * s, 0);
    const Vec3 foot = V(0, 0.015f * s, 0.08f * s) + out * (0.5f + (random ? r.range(-0.08f, 0.08f) : 0.0f)) * s;
    const std::string n = "leg_" + std::to_string(i);
    const int j_hip = b.joint(n + "_hip", root, hip);
    const int j_knee = b.joint(n + "_knee", j_hip, knee);
    const int j_foot = b.joint(n + "_foot", j_knee, foot);
    (void)j_foot;
    const int leg = b.part("leg", c);
    b.add(leg, on_joint(round_cone(hip, knee, 0.025f * s, 0.02f * s), j_hip));
    b.add(leg, on_joint(round_cone(knee, foot, 0.02f * s, 0.014f * s), j_knee));
  }
  b.phrase("with eight legs");
}

void build_dragon(ShapeBuilder& b) {
  Rng& r = b.rng();
  const bool random = choose_pose(b);
  const float s = b.sized("size", 0.85f, 1.2f, "small", "huge");
  const QuadSpec spec{1.2f, 0.26f, 0.5f, 0.06f, 0.55f, 50.0f, 0.12f, 0.22f, 1.2f, 0.09f, 5.0f,
                      {"red", "green", "dark green", "black", "purple", "gold", "blue"}};
  const QuadJoints q = build_quadruped(b, spec, random, s);
  const float hr = spec.head_r * s;
  for (int side = -1; side <= 1; side += 2) {
    const int horn = b.part("horn", "beige");
    const Vec3 base = q.head_pos + V(side * 0.45f * hr, 0.6f * hr, -0.3f * hr);
    b.add(horn, on_joint(cone(base, base + V(side * 0.2f * hr, 0.6f * hr, -0.9f * hr), 0.25f * hr, 0.05f * hr), q.head));
  }
  const std::string membrane = b.color({"black", "red", "orange", "purple", "gray"});
  const float body_y = spec.leg_len * s + 0.6f * spec.body_r * s;
  for (int side = -1; side <= 1; side += 2) {
    const std::string n = side_name(side);
    const Vec3 shoulder(side * 0.5f * spec.body_r * s, body_y + 0.8f * spec.body_r * s, 0.15f * spec.body_len * s);
    const float flap = deg(random ? r.range(-10.0f, 60.0f) : 25.0f);
    const Vec3 out = Vec3(side * std::cos(flap), std::sin(flap), -0.25f).normalized();
    const float span = 1.3f * s;
    const Vec3 elbow = shoulder + 0.45f * span * out;
    const Vec3 tip = elbow + 0.55f * span * Vec3(out.x(), out.y() * 0.6f, -0.6f).normalized();
    const int j_wing = b.joint(n + "_wing", q.spine, shoulder);
    const int j_elbow = b.joint(n + "_wing_elbow", j_wing, elbow);
    const int j_tip = b.joint(n + "_wing_tip", j_elbow, tip);
    (void)j_tip;
    const int arm = b.part("wing_arm", membrane);
    b.add(arm, on_joint(round_cone(shoulder, elbow, 0.045f * s, 0.032f * s), j_wing));
    b.add(arm, on_joint(round_cone(elbow, tip, 0.032f * s, 0.015f * s), j_elbow));
    const int mem = b.part("wing_membrane", membrane);
    // The membrane: a flattened ellipsoid spanning shoulder, elbow and tip, hanging behind the arm.
    const Vec3 centre = (shoulder + elbow + tip) / 3.0f + V(0, -0.03f * s, -0.12f * s);
    const Vec3 span_dir = (tip - shoulder).normalized();
    Vec3 normal = span_dir.cross(Vec3::UnitZ()).normalized();
    if (normal.y() < 0) normal = -normal;
    Mat3 frame;
    frame.col(0) = span_dir;
    frame.col(1) = normal;
    frame.col(2) = span_dir.cross(normal);
    b.add(mem, on_joint(ellipsoid(centre, V(0.5f * (tip - shoulder).norm(), 0.035f * s, 0.36f * s), frame), j_elbow));
  }
  b.phrase("with two wings and horns");
}

}  // namespace

void register_creatures(std::vector<Category>& out) {
  out.push_back({"humanoid", "creature", {"humanoid", "person", "human figure", "character"}, true, build_humanoid});
  out.push_back({"cat", "creature", {"cat", "kitten", "house cat", "feline"}, true, build_cat});
  out.push_back({"dog", "creature", {"dog", "puppy", "hound", "canine"}, true, build_dog});
  out.push_back({"horse", "creature", {"horse", "pony", "stallion", "steed"}, true, build_horse});
  out.push_back({"cow", "creature", {"cow", "bull", "cattle", "ox"}, true, build_cow});
  out.push_back({"bird", "creature", {"bird", "songbird", "sparrow", "finch"}, true, build_bird});
  out.push_back({"fish", "creature", {"fish", "goldfish", "carp", "trout"}, true, build_fish});
  out.push_back({"snake", "creature", {"snake", "serpent", "viper", "python"}, true, build_snake});
  out.push_back({"octopus", "creature", {"octopus", "cephalopod", "sea creature", "kraken"}, true, build_octopus});
  out.push_back({"spider", "creature", {"spider", "arachnid", "tarantula", "eight-legged bug"}, true, build_spider});
  out.push_back({"dragon", "creature", {"dragon", "wyvern", "winged dragon", "drake"}, true, build_dragon});
}

}  // namespace flexforge::synth::detail
