// Furniture: chair, stool, table, bed, shelf, lamp. Sizes in metres, standing on y = 0, the
// front facing +Z.
#include "categories_internal.h"

namespace flexforge::synth::detail {

namespace {

const std::vector<std::string> kWood = {"brown", "tan", "beige", "black", "white"};
const std::vector<std::string> kFabric = {"red", "blue", "green", "gray", "teal", "purple", "yellow", "orange"};

// Four legs under a rectangle of half extents (hx, hz) inset by `inset`, from y0 down to 0.
void four_legs(ShapeBuilder& b, float hx, float hz, float inset, float y0, float r,
               const std::string& color, bool round) {
  for (int i = 0; i < 4; ++i) {
    const float x = (i & 1 ? 1.0f : -1.0f) * (hx - inset);
    const float z = (i & 2 ? 1.0f : -1.0f) * (hz - inset);
    const int leg = b.part("leg", color);
    if (round) {
      b.add(leg, cylinder(V(x, 0, z), V(x, y0, z), r));
    } else {
      b.add(leg, rounded_box(V(x, 0.5f * y0, z), V(r, 0.5f * y0, r), 0.3f * r));
    }
  }
}

void build_chair(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float seat_h = b.sized("seat_height", 0.40f, 0.55f, "low", "high");
  const float w = b.sized("seat_width", 0.40f, 0.62f, "narrow", "wide");
  const float d = r.range(0.40f, 0.52f);
  const float back_h = b.sized("back_height", 0.30f, 0.65f, "", "tall");
  const float t = r.range(0.04f, 0.07f);
  const float leg_r = r.range(0.022f, 0.035f);
  const std::string frame = b.color(kWood), cushion = b.color(kFabric);
  const bool round_legs = r.chance(0.5);
  four_legs(b, 0.5f * w, 0.5f * d, leg_r * 1.2f, seat_h - t, leg_r, frame, round_legs);
  const int seat = b.part("seat", cushion);
  b.add(seat, rounded_box(V(0, seat_h - 0.5f * t, 0), V(0.5f * w, 0.5f * t, 0.5f * d), 0.4f * t));
  const int back = b.part("back", cushion);
  const float tilt = deg(r.range(0.0f, 14.0f));
  const Vec3 back_center(0, seat_h + 0.5f * back_h * std::cos(tilt) - 0.01f,
                         -0.5f * d + 0.5f * t - 0.5f * back_h * std::sin(tilt));
  b.add(back, rounded_box(back_center, V(0.5f * w, 0.5f * back_h, 0.5f * t), 0.4f * t,
                          rotation_x(-tilt)));
  if (r.chance(0.45)) {
    b.phrase("with armrests");
    b.attribute("armrests", true);
    const float arm_h = r.range(0.18f, 0.26f);
    for (int s = -1; s <= 1; s += 2) {
      const int arm = b.part("armrest", frame);
      const float x = s * (0.5f * w - 0.03f);
      b.add(arm, rounded_box(V(x, seat_h + arm_h, 0.0f), V(0.03f, 0.025f, 0.45f * d), 0.02f));
      b.add(arm, cylinder(V(x, seat_h - 0.01f, 0.35f * d), V(x, seat_h + arm_h, 0.35f * d), 0.022f));
    }
  } else {
    b.attribute("armrests", false);
  }
  b.phrase("with four legs");
}

void build_stool(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float h = b.sized("height", 0.40f, 0.80f, "short", "tall");
  const float radius = r.range(0.15f, 0.22f);
  const int legs = r.integer(3, 4);
  const std::string wood = b.color(kWood), top = b.color(kFabric);
  const float t = r.range(0.04f, 0.07f);
  const int seat = b.part("seat", top);
  b.add(seat, cylinder(V(0, h - t, 0), V(0, h, 0), radius));
  const float splay = r.range(0.03f, 0.09f);
  for (int i = 0; i < legs; ++i) {
    const float a = 2.0f * kPi * i / legs + 0.3f;
    const Vec3 dir(std::sin(a), 0, std::cos(a));
    const int leg = b.part("leg", wood);
    b.add(leg, capsule(Vec3(dir * (0.7f * radius + splay)) + V(0, 0.025f, 0),
                       Vec3(dir * (0.65f * radius)) + V(0, h - t, 0), 0.025f));
  }
  if (r.chance(0.6)) {
    const int ring = b.part("footrest", wood);
    b.add(ring, torus(V(0, 0.35f * h, 0), 0.65f * radius + splay * 0.65f, 0.018f));
    b.phrase("with a footrest ring");
  }
  b.phrase(std::string("with ") + (legs == 3 ? "three" : "four") + " legs");
  b.attribute("legs", legs);
}

void build_table(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float h = b.sized("height", 0.45f, 0.80f, "low", "tall");
  const float w = b.sized("width", 0.8f, 1.8f, "small", "long");
  const float d = r.range(0.6f, 0.95f);
  const float t = r.range(0.035f, 0.06f);
  const std::string wood = b.color(kWood);
  const int top = b.part("tabletop", wood);
  const bool round_top = r.chance(0.3);
  if (round_top) {
    b.add(top, cylinder(V(0, h - t, 0), V(0, h, 0), 0.5f * d));
    const int pedestal = b.part("pedestal", wood);
    b.add(pedestal, cylinder(V(0, 0.02f, 0), V(0, h - t, 0), 0.05f));
    b.add(pedestal, cone(V(0, 0, 0), V(0, 0.08f, 0), 0.28f * d, 0.06f));
    b.phrase("with a single pedestal");
    b.adjective("round");
  } else {
    b.add(top, rounded_box(V(0, h - 0.5f * t, 0), V(0.5f * w, 0.5f * t, 0.5f * d), 0.01f));
    four_legs(b, 0.5f * w, 0.5f * d, 0.06f, h - t, r.range(0.025f, 0.045f), wood, r.chance(0.5));
    b.phrase("with four legs");
  }
}

void build_bed(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float len = r.range(1.9f, 2.1f);
  const float w = b.sized("width", 0.9f, 1.8f, "single", "double");
  const float frame_h = r.range(0.25f, 0.4f);
  const std::string wood = b.color(kWood), sheet = b.color({"white", "light blue", "beige", "pink", "gray"});
  const int frame = b.part("frame", wood);
  b.add(frame, rounded_box(V(0, 0.5f * frame_h + 0.05f, 0), V(0.5f * w, 0.5f * frame_h - 0.03f, 0.5f * len), 0.02f));
  four_legs(b, 0.5f * w, 0.5f * len, 0.05f, 0.08f, 0.04f, wood, false);
  const int mattress = b.part("mattress", sheet);
  const float mt = r.range(0.15f, 0.25f);
  b.add(mattress, rounded_box(V(0, frame_h + 0.5f * mt, 0.02f), V(0.5f * w - 0.03f, 0.5f * mt, 0.5f * len - 0.05f), 0.06f));
  const float head_h = r.range(0.5f, 0.9f);
  const int headboard = b.part("headboard", wood);
  b.add(headboard, rounded_box(V(0, 0.5f * (frame_h + head_h), -0.5f * len), V(0.5f * w + 0.03f, 0.5f * (frame_h + head_h), 0.04f), 0.03f));
  const int pillows = (w > 1.3f) ? 2 : 1;
  for (int i = 0; i < pillows; ++i) {
    const int pillow = b.part("pillow", "white");
    const float x = pillows == 1 ? 0.0f : (i == 0 ? -0.25f : 0.25f) * w;
    b.add(pillow, ellipsoid(V(x, frame_h + mt + 0.04f, -0.5f * len + 0.3f), V(std::min(0.3f, 0.22f * w / pillows * 2.0f), 0.07f, 0.17f)));
  }
  b.phrase(pillows == 2 ? "with two pillows" : "with one pillow");
}

void build_shelf(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float h = b.sized("height", 0.8f, 2.0f, "short", "tall");
  const float w = b.sized("width", 0.5f, 1.2f, "narrow", "wide");
  const float d = r.range(0.25f, 0.4f);
  const float t = 0.02f + 0.012f * h;  // boards stay a few mesher cells thick at any height
  const int shelves = r.integer(2, 5);
  const std::string wood = b.color(kWood);
  for (int s = -1; s <= 1; s += 2) {
    const int side = b.part("side_panel", wood);
    b.add(side, box(V(s * (0.5f * w - 0.5f * t), 0.5f * h, 0), V(0.5f * t, 0.5f * h, 0.5f * d)));
  }
  const int back = b.part("back_panel", wood);
  b.add(back, box(V(0, 0.5f * h, -0.5f * d + 0.5f * t), V(0.5f * w - t, 0.5f * h, 0.5f * t)));
  for (int i = 0; i < shelves; ++i) {
    const float y = (i == 0 ? 0.05f : 0.05f + (h - 0.1f) * i / (shelves - 1));
    const int board = b.part("shelf_board", wood);
    b.add(board, box(V(0, std::min(y, h - 0.5f * t), 0), V(0.5f * w - t, 0.5f * t, 0.5f * d - t)));
  }
  b.attribute("shelves", shelves);
  const char* words[] = {"", "", "two", "three", "four", "five"};
  b.phrase(std::string("with ") + words[shelves] + " shelves");
}

void build_lamp(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float h = b.sized("height", 0.4f, 1.6f, "short", "tall");
  const std::string metal = b.color({"black", "silver", "gold", "white"});
  const std::string shade_c = b.color({"white", "beige", "yellow", "red", "green", "blue"});
  const int base = b.part("base", metal);
  const float base_r = r.range(0.10f, 0.16f) * (0.6f + 0.4f * h);
  b.add(base, cylinder(V(0, 0, 0), V(0, 0.04f, 0), base_r));
  const int pole = b.part("pole", metal);
  const float pole_r = std::max(0.015f, 0.012f * h + 0.006f);
  b.add(pole, cylinder(V(0, 0.02f, 0), V(0, h - 0.1f, 0), pole_r));
  const int shade = b.part("lampshade", shade_c);
  const float sr = r.range(0.12f, 0.22f) * (0.6f + 0.3f * h);
  const float sh = r.range(0.15f, 0.25f) * (0.6f + 0.3f * h);
  b.add(shade, cone(V(0, h - 0.14f - sh * 0.3f, 0), V(0, h - 0.14f + sh * 0.7f, 0), sr, 0.6f * sr));
  b.phrase("with a conical shade");
}

}  // namespace

void register_furniture(std::vector<Category>& out) {
  out.push_back({"chair", "furniture", {"chair", "seat", "dining chair", "side chair"}, false, build_chair});
  out.push_back({"stool", "furniture", {"stool", "bar stool", "seat", "footstool"}, false, build_stool});
  out.push_back({"table", "furniture", {"table", "desk", "dining table", "coffee table"}, false, build_table});
  out.push_back({"bed", "furniture", {"bed", "bedstead", "cot", "bed frame"}, false, build_bed});
  out.push_back({"shelf", "furniture", {"shelf", "bookcase", "bookshelf", "shelving unit"}, false, build_shelf});
  out.push_back({"lamp", "furniture", {"lamp", "floor lamp", "light", "standing lamp"}, false, build_lamp});
}

}  // namespace flexforge::synth::detail
