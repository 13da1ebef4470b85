// Household objects and tools: mug, bottle, vase, bucket, sword, axe, hammer. Vessels are
// hollowed with cuts whose walls stay several mesher cells thick at the default resolution.
#include "categories_internal.h"

namespace flexforge::synth::detail {

namespace {

const std::vector<std::string> kCeramic = {"white", "red", "blue", "yellow", "green", "black", "teal", "pink", "orange"};

// A lathe profile: radii at heights, as a tube of round cones along +Y.
Primitive lathe(const std::vector<float>& heights, const std::vector<float>& radii) {
  std::vector<Vec3> path;
  for (float h : heights) path.push_back(V(0, h, 0));
  return tube(path, radii);
}

void build_mug(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float h = b.sized("height", 0.08f, 0.14f, "short", "tall");
  const float radius = b.sized("radius", 0.035f, 0.06f, "slim", "wide");
  const float wall = 0.14f * radius;
  const std::string c = b.color(kCeramic);
  const int body = b.part("body", c);
  b.add(body, cylinder(V(0, 0, 0), V(0, h, 0), radius));
  b.cut(body, cylinder(V(0, 0.12f * h, 0), V(0, h + 0.01f, 0), radius - wall));
  const int handle = b.part("handle", r.chance(0.7) ? c : b.color(kCeramic));
  const float hr = 0.7f * wall;
  const float reach = r.range(0.45f, 0.7f) * radius;
  b.add(handle, bezier_tube(V(radius - 0.2f * wall, 0.8f * h, 0), V(radius + 1.9f * reach, 0.5f * h, 0),
                            V(radius - 0.2f * wall, 0.2f * h, 0), hr, hr, 10));
  b.phrase("with a handle");
}

void build_bottle(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float h = b.sized("height", 0.2f, 0.35f, "short", "tall");
  const float radius = b.sized("radius", 0.03f, 0.055f, "slender", "wide");
  const float body_h = r.range(0.55f, 0.65f) * h;
  const float neck_r = r.range(0.28f, 0.4f) * radius;
  const std::string glass = b.color({"green", "dark green", "light blue", "brown", "white", "blue"});
  const int body = b.part("body", glass, 0.01f);
  b.add(body, cylinder(V(0, 0, 0), V(0, body_h, 0), radius));
  b.add(body, cone(V(0, body_h, 0), V(0, body_h + 0.18f * h, 0), radius, neck_r));
  const int neck = b.part("neck", glass);
  b.add(neck, cylinder(V(0, body_h + 0.15f * h, 0), V(0, 0.93f * h, 0), neck_r));
  const int cap = b.part("cap", b.color({"red", "gold", "silver", "black", "white", "blue"}));
  b.add(cap, cylinder(V(0, 0.92f * h, 0), V(0, h, 0), neck_r * 1.2f));
  if (r.chance(0.6)) {
    const int label = b.part("label", b.color({"white", "yellow", "red", "beige"}));
    b.add(label, cylinder(V(0, 0.2f * body_h, 0), V(0, 0.75f * body_h, 0), radius * 1.04f));
    b.phrase("with a label");
  }
  b.phrase("with a cap");
}

void build_vase(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float h = b.sized("height", 0.2f, 0.5f, "short", "tall");
  const float belly = b.sized("belly_radius", 0.06f, 0.14f, "slender", "round");
  const float neck = r.range(0.35f, 0.6f) * belly;
  const float lip = neck * r.range(1.1f, 1.5f);
  const float belly_y = r.range(0.3f, 0.5f) * h;
  const int body = b.part("body", b.color(kCeramic));
  b.add(body, lathe({0.6f * belly, belly_y, 0.8f * h, h - 0.6f * lip * 0.25f},
                    {0.6f * belly, belly, neck, lip * 0.6f}));
  b.cut(body, cylinder(V(0, 0.45f * h, 0), V(0, h + 0.05f, 0), 0.55f * neck));
  const int foot = b.part("foot", b.color({"gold", "black", "white", "brown"}));
  b.add(foot, cylinder(V(0, 0, 0), V(0, 0.06f * h, 0), 0.55f * belly));
  b.phrase("with a narrow neck");
}

void build_bucket(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float h = b.sized("height", 0.22f, 0.35f, "short", "tall");
  const float top_r = r.range(0.13f, 0.18f);
  const float bottom_r = top_r * r.range(0.7f, 0.85f);
  const float wall = 0.015f + 0.02f * top_r;
  const std::string c = b.color({"gray", "silver", "red", "blue", "yellow", "green", "orange"});
  const int body = b.part("body", c);
  b.add(body, cone(V(0, 0, 0), V(0, h, 0), bottom_r, top_r));
  b.cut(body, cone(V(0, 0.1f * h, 0), V(0, h + 0.02f, 0), bottom_r - wall, top_r - wall + wall * 0.15f));
  const int rim = b.part("rim", c);
  b.add(rim, torus(V(0, h, 0), top_r - 0.3f * wall, 0.7f * wall));
  const int handle = b.part("handle", b.color({"black", "silver", "gray"}));
  const float hr = 0.5f * wall;
  b.add(handle, bezier_tube(V(-top_r - 0.2f * wall, 0.85f * h, 0), V(0, h + 1.7f * top_r, 0),
                            V(top_r + 0.2f * wall, 0.85f * h, 0), hr, hr, 12));
  b.phrase("with a handle");
}

void build_sword(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float blade_len = b.sized("blade_length", 0.6f, 1.0f, "short", "long");
  const float blade_w = b.sized("blade_width", 0.045f, 0.09f, "thin", "broad");
  const float t = 0.04f;
  const float grip_len = r.range(0.14f, 0.22f);
  const float y0 = grip_len + 0.04f;
  const int blade = b.part("blade", b.color({"silver", "gray", "white", "gold"}));
  b.add(blade, box(V(0, y0 + 0.5f * blade_len, 0), V(0.5f * blade_w, 0.5f * blade_len, 0.5f * t)));
  // Tip: a square turned 45 degrees in the blade plane, as thick as the blade.
  const float half = 0.5f * blade_w / std::sqrt(2.0f) * std::sqrt(2.0f);
  b.add(blade, box(V(0, y0 + blade_len, 0), V(half / std::sqrt(2.0f), half / std::sqrt(2.0f) * 1.0f, 0.5f * t) , rotation_z(deg(45.0f))));
  const std::string metal = b.color({"gold", "brown", "black", "silver"});
  const int guard = b.part("guard", metal);
  const float guard_w = r.range(2.2f, 3.5f) * blade_w;
  b.add(guard, rounded_box(V(0, y0, 0), V(0.5f * guard_w, 0.025f, 0.035f), 0.012f));
  const int grip = b.part("grip", b.color({"brown", "black", "red", "blue"}));
  b.add(grip, cylinder(V(0, 0.04f, 0), V(0, y0, 0), 0.022f));
  const int pommel = b.part("pommel", metal);
  b.add(pommel, sphere(V(0, 0.04f, 0), 0.035f));
  b.phrase("with a crossguard");
}

void build_axe(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float len = b.sized("handle_length", 0.45f, 0.9f, "short", "long");
  const float bend = r.range(-0.04f, 0.04f);
  const int handle = b.part("handle", b.color({"brown", "tan", "black"}));
  b.add(handle, bezier_tube(V(0, 0, 0), V(bend, 0.5f * len, 0), V(0, len, 0), 0.022f, 0.02f, 6));
  const std::string steel = b.color({"silver", "gray", "black", "red"});
  const int head = b.part("head", steel, 0.01f);
  const float head_len = r.range(0.12f, 0.2f);
  b.add(head, rounded_box(V(0.02f, len - 0.04f, 0), V(0.045f, 0.045f, 0.03f), 0.01f));
  const int blade = b.part("blade", steel);
  const float blade_h = r.range(0.1f, 0.18f);
  b.add(blade, box(V(0.05f + 0.5f * head_len, len - 0.04f, 0), V(0.5f * head_len, 0.3f * blade_h, 0.018f)));
  b.add(blade, ellipsoid(V(0.05f + head_len, len - 0.04f, 0), V(0.04f, 0.5f * blade_h, 0.018f)));
  const bool double_bit = r.chance(0.3);
  if (double_bit) {
    b.add(blade, box(V(-0.01f - 0.5f * head_len, len - 0.04f, 0), V(0.5f * head_len, 0.3f * blade_h, 0.018f)));
    b.add(blade, ellipsoid(V(-0.01f - head_len, len - 0.04f, 0), V(0.04f, 0.5f * blade_h, 0.018f)));
    b.phrase("with a double-bitted head");
  } else {
    b.phrase("with a single blade");
  }
}

void build_hammer(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float len = b.sized("handle_length", 0.25f, 0.45f, "short", "long");
  const int handle = b.part("handle", b.color({"brown", "tan", "black", "red", "yellow"}));
  b.add(handle, capsule(V(0, 0.02f, 0), V(0, len, 0), 0.018f));
  const int head = b.part("head", b.color({"silver", "gray", "black"}), 0.004f);
  const float head_len = r.range(0.1f, 0.16f);
  const bool claw = r.chance(0.5);
  b.add(head, cylinder(V(-0.1f * head_len, len + 0.005f, 0), V(0.5f * head_len, len + 0.005f, 0), 0.022f));
  if (claw) {
    b.add(head, cone(V(-0.1f * head_len, len + 0.005f, 0), V(-0.55f * head_len, len - 0.02f, 0), 0.02f, 0.008f));
    b.phrase("with a claw");
  } else {
    b.add(head, cylinder(V(-0.5f * head_len, len + 0.005f, 0), V(0, len + 0.005f, 0), 0.022f));
    b.phrase("with a double face");
  }
}

}  // namespace

void register_objects(std::vector<Category>& out) {
  out.push_back({"mug", "object", {"mug", "cup", "coffee mug", "tea cup"}, false, build_mug});
  out.push_back({"bottle", "object", {"bottle", "flask", "glass bottle", "wine bottle"}, false, build_bottle});
  out.push_back({"vase", "object", {"vase", "urn", "flower vase", "jar"}, false, build_vase});
  out.push_back({"bucket", "object", {"bucket", "pail", "metal bucket", "tub"}, false, build_bucket});
  out.push_back({"sword", "object", {"sword", "blade", "longsword", "broadsword"}, false, build_sword});
  out.push_back({"axe", "object", {"axe", "hatchet", "battle axe", "wood axe"}, false, build_axe});
  out.push_back({"hammer", "object", {"hammer", "mallet", "claw hammer", "tool"}, false, build_hammer});
}

}  // namespace flexforge::synth::detail
