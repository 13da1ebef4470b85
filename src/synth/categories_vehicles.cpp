// Vehicles: car, airplane, rocket, boat. Forward is +Z.
#include "categories_internal.h"

namespace flexforge::synth::detail {

namespace {

const std::vector<std::string> kPaint = {"red", "blue", "yellow", "white", "black", "green", "orange", "silver", "teal"};

void build_car(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float len = b.sized("length", 3.6f, 4.8f, "compact", "long");
  const float w = r.range(1.6f, 1.9f);
  const float body_h = b.sized("body_height", 0.55f, 0.85f, "low", "tall");
  const float wheel_r = r.range(0.3f, 0.4f);
  const float clearance = 0.6f * wheel_r;
  const std::string paint = b.color(kPaint);
  const int body = b.part("body", paint);
  b.add(body, rounded_box(V(0, clearance + 0.5f * body_h, 0), V(0.5f * w, 0.5f * body_h, 0.5f * len), 0.15f));
  const int cabin = b.part("cabin", r.chance(0.3) ? b.color(kPaint) : paint);
  const float cabin_len = r.range(0.4f, 0.6f) * len;
  const float cabin_h = r.range(0.45f, 0.6f);
  b.add(cabin, rounded_box(V(0, clearance + body_h + 0.5f * cabin_h - 0.05f, -0.05f * len),
                           V(0.45f * w, 0.5f * cabin_h, 0.5f * cabin_len), 0.18f));
  for (int i = 0; i < 4; ++i) {
    const float x = (i & 1 ? 1.0f : -1.0f) * 0.5f * w;
    const float z = (i & 2 ? 1.0f : -1.0f) * 0.33f * len;
    const int wheel = b.part("wheel", "black");
    b.add(wheel, cylinder(V(x - 0.12f, wheel_r, z), V(x + 0.12f, wheel_r, z), wheel_r));
  }
  for (int s = -1; s <= 1; s += 2) {
    const int light = b.part("headlight", "yellow");
    b.add(light, sphere(V(s * 0.32f * w, clearance + 0.65f * body_h, 0.5f * len - 0.08f), 0.11f));
  }
  b.phrase("with four wheels");
}

void build_airplane(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float len = 1.0f;
  const float span = b.sized("wingspan", 0.7f, 1.15f, "short-winged", "wide-winged");
  const float fr = r.range(0.05f, 0.075f);
  const std::string paint = b.color({"white", "silver", "blue", "red", "yellow", "gray"});
  const std::string trim = b.color({"blue", "red", "black", "orange", "gray"});
  const int fuselage = b.part("fuselage", paint, 0.02f);
  b.add(fuselage, capsule(V(0, 0.2f, -0.42f * len), V(0, 0.2f, 0.42f * len), fr));
  b.add(fuselage, round_cone(V(0, 0.2f, -0.35f * len), V(0, 0.2f + 0.6f * fr, -0.5f * len), fr, 0.3f * fr));
  const float sweep = deg(r.range(0.0f, 25.0f));
  const float chord = r.range(0.14f, 0.2f);
  for (int s = -1; s <= 1; s += 2) {
    const int wing = b.part("wing", trim);
    b.add(wing, rounded_box(V(s * 0.25f * span, 0.19f, 0.02f - 0.25f * span * std::tan(sweep)),
                            V(0.27f * span, 0.018f, 0.5f * chord), 0.012f, rotation_y(s * sweep)));
    const int tail = b.part("tailplane", trim);
    b.add(tail, rounded_box(V(s * 0.11f * span, 0.21f, -0.43f * len), V(0.1f * span, 0.014f, 0.05f), 0.01f));
  }
  const int fin = b.part("tail_fin", trim);
  b.add(fin, rounded_box(V(0, 0.2f + fr + 0.06f, -0.44f * len), V(0.014f, 0.08f, 0.06f), 0.01f, rotation_x(deg(-20.0f))));
  const int engines = r.chance(0.6) ? 2 : 0;
  for (int e = 0; e < engines; ++e) {
    const float x = (e == 0 ? -1.0f : 1.0f) * 0.22f * span;
    const int engine = b.part("engine", "gray");
    b.add(engine, cylinder(V(x, 0.14f, 0.02f - 0.22f * span * std::tan(sweep) + 0.02f),
                           V(x, 0.14f, 0.15f - 0.22f * span * std::tan(sweep) + 0.02f), 0.035f));
  }
  b.attribute("engines", engines);
  b.phrase(engines ? "with two jet engines" : "with two wings and a tail fin");
}

void build_rocket(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float h = b.sized("height", 0.8f, 1.4f, "stubby", "tall");
  const float radius = r.range(0.07f, 0.11f);
  const std::string paint = b.color({"white", "silver", "red", "gray"});
  const int body = b.part("body", paint);
  const float body_top = 0.72f * h;
  b.add(body, cylinder(V(0, 0.12f * h, 0), V(0, body_top, 0), radius));
  const int nose = b.part("nose_cone", b.color({"red", "black", "blue", "orange"}));
  b.add(nose, cone(V(0, body_top, 0), V(0, h, 0), radius, 0.02f));
  const int fins = r.integer(3, 4);
  const std::string fin_c = b.color({"red", "blue", "black", "orange", "yellow"});
  for (int i = 0; i < fins; ++i) {
    const float a = 2.0f * kPi * i / fins;
    const int fin = b.part("fin", fin_c);
    const Vec3 out(std::sin(a), 0, std::cos(a));
    b.add(fin, rounded_box(Vec3(out * (radius + 0.045f)) + V(0, 0.18f * h, 0), V(0.06f, 0.1f * h, 0.015f), 0.008f,
                           rotation_y(a + 0.5f * kPi)));
  }
  const int nozzle = b.part("nozzle", "gray");
  b.add(nozzle, cone(V(0, 0.0f, 0), V(0, 0.13f * h, 0), 0.8f * radius, 0.5f * radius));
  const int window = b.part("window", "light blue");
  b.add(window, sphere(V(0, 0.55f * h, radius * 0.75f), 0.35f * radius));
  b.attribute("fins", fins);
  b.phrase(fins == 3 ? "with three fins" : "with four fins");
}

void build_boat(ShapeBuilder& b) {
  Rng& r = b.rng();
  const float len = b.sized("length", 1.0f, 1.6f, "short", "long");
  const float w = r.range(0.3f, 0.45f) * len;
  const float depth = r.range(0.15f, 0.22f) * len;
  const float deck = depth;
  const int hull = b.part("hull", b.color({"white", "red", "blue", "brown", "black"}));
  b.add(hull, ellipsoid(V(0, deck, 0), V(0.5f * w, depth, 0.5f * len)));
  b.cut(hull, box(V(0, deck + 0.5f * len, 0), V(len, 0.5f * len, len)));
  const int deck_p = b.part("deck", b.color({"tan", "brown", "beige"}));
  b.add(deck_p, ellipsoid(V(0, deck, 0), V(0.44f * w, 0.03f * len, 0.45f * len)));
  const bool sail = r.chance(0.5);
  if (sail) {
    const float mast_h = r.range(0.6f, 1.0f) * len;
    const int mast = b.part("mast", "brown");
    b.add(mast, cylinder(V(0, deck - 0.02f, 0.05f * len), V(0, deck + mast_h, 0.05f * len), 0.018f));
    const int sail_p = b.part("sail", b.color({"white", "beige", "red", "yellow"}));
    // A triangular sail: a thin box turned so one diagonal lies along the mast, cut at the mast.
    const float sh = 0.85f * mast_h, sw = 0.35f * len;
    b.add(sail_p, box(V(0, deck + 0.1f * mast_h + 0.5f * sh, 0.05f * len - 0.5f * sw), V(0.02f * len, 0.5f * sh, 0.5f * sw)));
    // The cut box is centred on the sail's far top corner, its local y axis the hypotenuse's
    // normal and its half extent there the corner's distance to the hypotenuse.
    const float hyp = std::sqrt(sh * sh + sw * sw), altitude = sh * sw / hyp;
    b.cut(sail_p, box(V(0, deck + 0.1f * mast_h + sh, 0.05f * len - sw), V(0.05f, altitude, hyp),
                      rotation_x(std::atan2(sh, -sw))));
    b.phrase("with a sail");
  } else {
    const int cabin = b.part("cabin", b.color({"white", "beige", "gray"}));
    b.add(cabin, rounded_box(V(0, deck + 0.08f * len, -0.05f * len), V(0.35f * w, 0.09f * len, 0.18f * len), 0.02f));
    b.phrase("with a cabin");
  }
}

}  // namespace

void register_vehicles(std::vector<Category>& out) {
  out.push_back({"car", "vehicle", {"car", "automobile", "sedan", "vehicle"}, false, build_car});
  out.push_back({"airplane", "vehicle", {"airplane", "plane", "aircraft", "jet"}, false, build_airplane});
  out.push_back({"rocket", "vehicle", {"rocket", "spaceship", "spacecraft", "missile"}, false, build_rocket});
  out.push_back({"boat", "vehicle", {"boat", "ship", "sailboat", "vessel"}, false, build_boat});
}

}  // namespace flexforge::synth::detail
