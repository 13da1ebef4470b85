// Nature and buildings: tree, mushroom, cactus, flower, rock, house, tower.
#include "categories_internal.h"

namespace flexforge::synth::detail {

namespace {

void build_tree(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float h = b.sized("height", 2.0f, 5.0f, "short", "tall");
  const bool conifer = r.chance(0.4);
  const int trunk = b.part("trunk", "brown", 0.05f * h);
  const float trunk_r = r.range(0.035f, 0.06f) * h;
  const float trunk_top = (conifer ? 0.35f : 0.55f) * h;
  b.add(trunk, round_cone(V(0, 0, 0), V(0, trunk_top + 0.1f * h, 0), trunk_r, 0.6f * trunk_r));
  if (conifer) {
    const int tiers = r.integer(2, 4);
    for (int t = 0; t < tiers; ++t) {
      const int tier = b.part("foliage", b.color({"dark green", "green"}));
      const float y0 = trunk_top * 0.6f + (h - trunk_top * 0.6f) * t / (tiers + 0.5f);
      const float rad = (0.32f - 0.06f * t) * h * (3.0f / (tiers + 1.0f));
      b.add(tier, cone(V(0, y0, 0), V(0, y0 + 0.5f * h / tiers + 0.2f * h, 0), rad, 0.02f * h));
    }
    b.adjective("evergreen");
    b.phrase("with conical foliage");
    b.attribute("tiers", tiers);
  } else {
    const int branches = r.integer(2, 4);
    const std::string leaves = b.color({"green", "dark green", "orange", "yellow"});
    for (int i = 0; i < branches; ++i) {
      const float a = 2.0f * kPi * i / branches + r.range(-0.4f, 0.4f);
      const Vec3 out(std::sin(a), 0, std::cos(a));
      const float y = r.range(0.35f, 0.55f) * h;
      const float reach = r.range(0.18f, 0.3f) * h;
      const int branch = b.part("branch", "brown");
      const Vec3 tip = Vec3(out * reach) + V(0, y + 0.25f * h, 0);
      b.add(branch, bezier_tube(V(0, y, 0), Vec3(out * (0.5f * reach)) + V(0, y + 0.05f * h, 0), tip,
                                0.5f * trunk_r, 0.3f * trunk_r, 6));
      const int crown = b.part("foliage", leaves, 0.1f * h);
      b.add(crown, sphere(tip + V(0, 0.05f * h, 0), r.range(0.14f, 0.2f) * h));
    }
    const int top = b.part("foliage", leaves, 0.1f * h);
    b.add(top, ellipsoid(V(0, 0.8f * h, 0), V(0.25f * h, 0.2f * h, 0.25f * h)));
    b.phrase("with a leafy crown");
    b.attribute("branches", branches);
    if (leaves == "orange" || leaves == "yellow") b.adjective("autumn");
  }
}

void build_mushroom(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float h = b.sized("height", 0.08f, 0.2f, "small", "tall");
  const float cap_r = b.sized("cap_radius", 0.05f, 0.12f, "narrow-capped", "wide-capped");
  const int stem = b.part("stem", b.color({"white", "beige", "tan"}));
  b.add(stem, round_cone(V(0, 0.01f, 0), V(0, h, 0), r.range(0.16f, 0.25f) * cap_r + 0.006f, 0.16f * cap_r + 0.004f));
  const std::string cap_c = b.color({"red", "brown", "orange", "tan", "yellow"});
  const int cap = b.part("cap", cap_c);
  const float cap_h = r.range(0.4f, 0.8f) * cap_r;
  b.add(cap, ellipsoid(V(0, h, 0), V(cap_r, cap_h, cap_r)));
  b.cut(cap, box(V(0, h - 0.5f * cap_r - 0.15f * cap_h, 0), V(2 * cap_r, 0.5f * cap_r, 2 * cap_r)));
  if (cap_c == "red" || r.chance(0.3)) {
    const int n = r.integer(3, 6);
    const int spots = b.part("spots", "white");
    for (int i = 0; i < n; ++i) {
      const float a = 2.0f * kPi * i / n + r.range(-0.3f, 0.3f);
      const float e = deg(r.range(25.0f, 60.0f));
      const Vec3 dir(std::cos(e) * std::sin(a), std::sin(e), std::cos(e) * std::cos(a));
      const Vec3 on_cap(dir.x() * cap_r, h + dir.y() * cap_h, dir.z() * cap_r);
      b.add(spots, sphere(on_cap, 0.15f * cap_r));
    }
    b.phrase("with white spots");
  }
}

void build_cactus(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float h = b.sized("height", 0.5f, 1.5f, "short", "tall");
  const float rad = r.range(0.07f, 0.1f) * h;
  const std::string green = b.color({"green", "dark green"});
  const int column = b.part("column", green);
  b.add(column, capsule(V(0, 0.05f * h, 0), V(0, h - rad, 0), rad));
  const int arms = r.integer(1, 3);
  for (int i = 0; i < arms; ++i) {
    const float side = (i % 2 == 0) ? 1.0f : -1.0f;
    const float a = (i == 2 ? 0.5f * kPi : 0.0f) + r.range(-0.3f, 0.3f);
    const Vec3 out(side * std::cos(a), 0, std::sin(a));
    const float y = r.range(0.3f, 0.55f) * h;
    const float reach = r.range(2.2f, 3.2f) * rad;
    const float up = r.range(0.15f, 0.3f) * h;
    const int arm = b.part("arm", green, 0.3f * rad);
    b.add(arm, capsule(V(0, y, 0), Vec3(out * reach) + V(0, y, 0), 0.7f * rad));
    b.add(arm, capsule(Vec3(out * reach) + V(0, y, 0), Vec3(out * reach) + V(0, y + up, 0), 0.7f * rad));
  }
  b.attribute("arms", arms);
  b.phrase(arms == 1 ? "with one arm" : (arms == 2 ? "with two arms" : "with three arms"));
  if (r.chance(0.5)) {
    const int pot = b.part("pot", b.color({"orange", "brown", "tan"}));
    b.add(pot, cone(V(0, -0.2f * h, 0), V(0, 0.08f * h, 0), 1.4f * rad + 0.02f, 1.9f * rad + 0.03f));
    b.phrase("in a pot");
  }
}

void build_flower(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float h = b.sized("height", 0.25f, 0.5f, "short", "tall");
  const int stem = b.part("stem", "green");
  const float lean = r.range(-0.06f, 0.06f);
  const Vec3 head(lean, h, 0.0f);
  b.add(stem, bezier_tube(V(0, 0, 0), V(-lean, 0.5f * h, 0.02f), head, 0.008f, 0.006f, 6));
  const int petals = r.integer(5, 9);
  const std::string petal_c = b.color({"red", "yellow", "pink", "purple", "white", "orange", "blue"});
  const float petal_len = r.range(0.035f, 0.06f);
  const float center_r = r.range(0.015f, 0.025f);
  for (int i = 0; i < petals; ++i) {
    const float a = 2.0f * kPi * i / petals;
    const Vec3 out(std::cos(a), 0, std::sin(a));
    const int petal = b.part("petal", petal_c);
    const Mat3 frame = rotation_y(-a) * rotation_z(deg(15.0f));
    b.add(petal, ellipsoid(head + out * (center_r + 0.5f * petal_len), V(0.6f * petal_len, 0.007f, 0.25f * petal_len), frame));
  }
  const int center = b.part("center", petal_c == "yellow" ? "brown" : "yellow");
  b.add(center, sphere(head + V(0, 0.004f, 0), center_r));
  const int leaves = r.integer(1, 2);
  for (int i = 0; i < leaves; ++i) {
    const float s = i == 0 ? 1.0f : -1.0f;
    const int leaf = b.part("leaf", "green");
    b.add(leaf, ellipsoid(V(s * 0.03f, 0.3f * h + 0.1f * h * i, 0), V(0.035f, 0.006f, 0.014f), rotation_z(s * deg(30.0f))));
  }
  b.attribute("petals", petals);
  b.phrase("with " + std::to_string(petals) + " petals");
}

void build_rock(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float size = b.sized("size", 0.3f, 1.2f, "small", "large");
  const int lumps = r.integer(3, 6);
  const int rock = b.part("rock", b.color({"gray", "brown", "tan", "black"}), 0.25f * size);
  for (int i = 0; i < lumps; ++i) {
    const Vec3 c(r.range(-0.3f, 0.3f) * size, r.range(0.2f, 0.35f) * size, r.range(-0.3f, 0.3f) * size);
    const Vec3 radii(r.range(0.25f, 0.45f) * size, r.range(0.18f, 0.32f) * size, r.range(0.25f, 0.45f) * size);
    b.add(rock, ellipsoid(c, radii, rotation_y(r.range(0.0f, kPi)) * rotation_x(r.range(-0.3f, 0.3f))));
  }
  b.cut(rock, box(V(0, -size, 0), V(2 * size, size, 2 * size)));  // a flat base on the ground
  if (r.chance(0.4)) {
    const int moss = b.part("moss", "green", 0.05f * size);
    b.add(moss, ellipsoid(V(0, 0.5f * size, 0), V(0.3f * size, 0.12f * size, 0.3f * size)));
    b.phrase("with moss on top");
  }
  b.adjective(r.chance(0.5) ? "rough" : "rounded");
}

void build_house(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float w = b.sized("width", 4.0f, 8.0f, "small", "wide");
  const float d = r.range(4.0f, 6.0f);
  const float wall_h = b.sized("wall_height", 2.5f, 5.5f, "low", "tall");
  const int walls = b.part("walls", b.color({"white", "beige", "tan", "yellow", "light blue", "pink"}));
  b.add(walls, box(V(0, 0.5f * wall_h, 0), V(0.5f * w, 0.5f * wall_h, 0.5f * d)));
  const int roof = b.part("roof", b.color({"red", "brown", "gray", "black", "dark green"}));
  // A gabled roof: a square prism turned 45 degrees about Z, cut below the eaves.
  const float half = 0.5f * (w + 0.6f) / std::sqrt(2.0f);
  b.add(roof, box(V(0, wall_h, 0), V(half, half, 0.5f * d + 0.3f), rotation_z(deg(45.0f))));
  b.cut(roof, box(V(0, wall_h - 0.5f * w - 0.2f, 0), V(w, 0.5f * w + 0.2f, d)));
  const int door = b.part("door", b.color({"brown", "red", "blue", "green"}));
  b.add(door, box(V(r.range(-0.2f, 0.2f) * w, 1.0f, 0.5f * d), V(0.45f, 1.0f, 0.15f)));
  const int windows = r.integer(1, 3);
  for (int i = 0; i < windows; ++i) {
    const int window = b.part("window", "light blue");
    const float x = (i - 0.5f * (windows - 1)) * 0.3f * w + (i == 0 ? 0.0f : 0.0f);
    b.add(window, box(V(x, 0.65f * wall_h, 0.5f * d), V(0.4f, 0.4f, 0.15f)));
  }
  if (r.chance(0.6)) {
    const int chimney = b.part("chimney", "brown");
    b.add(chimney, box(V(0.3f * w, wall_h + 0.35f * w, -0.2f * d), V(0.3f, 0.5f * w * 0.5f, 0.3f)));
    b.phrase("with a chimney");
  }
  b.attribute("windows", windows);
  b.phrase("with a gabled roof");
}

void build_tower(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float h = b.sized("height", 6.0f, 14.0f, "short", "tall");
  const float rad = r.range(1.2f, 2.0f);
  const std::string stone = b.color({"gray", "beige", "tan", "white", "brown"});
  const int body = b.part("body", stone);
  b.add(body, cone(V(0, 0, 0), V(0, h, 0), rad * 1.1f, rad));
  const bool spire = r.chance(0.5);
  if (spire) {
    const int roof = b.part("roof", b.color({"red", "blue", "dark green", "gray", "black"}));
    b.add(roof, cone(V(0, h - 0.05f, 0), V(0, h + r.range(0.6f, 1.2f) * rad * 2.0f, 0), rad * 1.25f, 0.05f * rad));
    b.phrase("with a pointed roof");
  } else {
    const int merlons = r.integer(6, 10);
    for (int i = 0; i < merlons; ++i) {
      const float a = 2.0f * kPi * i / merlons;
      const int merlon = b.part("battlement", stone);
      b.add(merlon, box(V(std::sin(a) * 0.88f * rad, h + 0.3f, std::cos(a) * 0.88f * rad), V(0.25f, 0.35f, 0.2f), rotation_y(a)));
    }
    b.phrase("with battlements");
  }
  const int windows = r.integer(2, 4);
  for (int i = 0; i < windows; ++i) {
    const int window = b.part("window", "black");
    const float y = h * (0.3f + 0.55f * i / windows);
    const float a = r.range(-0.5f, 0.5f);
    b.add(window, box(V(std::sin(a) * rad * 1.04f, y, std::cos(a) * rad * 1.04f), V(0.22f, 0.4f, 0.25f), rotation_y(a)));
  }
  const int door = b.part("door", "brown");
  b.add(door, box(V(0, 0.8f, rad * 1.1f), V(0.45f, 0.8f, 0.25f)));
  b.attribute("windows", windows);
}

}  // namespace

void register_nature(std::vector<Category>& out) {
  out.push_back({"tree", "nature", {"tree", "plant", "garden tree", "woody plant"}, false, build_tree});
  out.push_back({"mushroom", "nature", {"mushroom", "toadstool", "fungus", "mushroom cap"}, false, build_mushroom});
  out.push_back({"cactus", "nature", {"cactus", "succulent", "saguaro", "desert plant"}, false, build_cactus});
  out.push_back({"flower", "nature", {"flower", "blossom", "bloom", "daisy"}, false, build_flower});
  out.push_back({"rock", "nature", {"rock", "stone", "boulder", "pebble"}, false, build_rock});
  out.push_back({"house", "building", {"house", "cottage", "home", "cabin"}, false, build_house});
  out.push_back({"tower", "building", {"tower", "castle tower", "turret", "keep"}, false, build_tower});
}

}  // namespace flexforge::synth::detail
