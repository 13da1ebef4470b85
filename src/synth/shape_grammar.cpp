#include "flexforge/synth/shape_grammar.h"

#include <cmath>
#include <map>
#include <stdexcept>

namespace flexforge::synth {

const std::vector<NamedColor>& color_palette() {
  static const std::vector<NamedColor> palette = {
      {"red", {0.78f, 0.10f, 0.09f}},     {"orange", {0.93f, 0.45f, 0.08f}},
      {"yellow", {0.95f, 0.82f, 0.15f}},  {"green", {0.20f, 0.62f, 0.22f}},
      {"dark green", {0.08f, 0.33f, 0.12f}}, {"blue", {0.12f, 0.32f, 0.82f}},
      {"light blue", {0.45f, 0.70f, 0.93f}}, {"purple", {0.50f, 0.22f, 0.68f}},
      {"pink", {0.95f, 0.55f, 0.70f}},    {"brown", {0.45f, 0.27f, 0.12f}},
      {"tan", {0.80f, 0.65f, 0.45f}},     {"black", {0.06f, 0.06f, 0.07f}},
      {"white", {0.93f, 0.93f, 0.91f}},   {"gray", {0.50f, 0.51f, 0.52f}},
      {"silver", {0.75f, 0.77f, 0.80f}},  {"gold", {0.83f, 0.66f, 0.22f}},
      {"teal", {0.08f, 0.55f, 0.55f}},    {"beige", {0.90f, 0.84f, 0.68f}},
  };
  return palette;
}

const NamedColor& named_color(const std::string& name) {
  for (const NamedColor& c : color_palette()) {
    if (c.name == name) return c;
  }
  throw std::invalid_argument("synth: colour '" + name + "' is not in the palette");
}

int ShapeBuilder::part(const std::string& semantic, const std::string& color, float blend) {
  named_color(color);  // validate now, not at the end
  PartSpec spec;
  spec.semantic = semantic;
  spec.color = color;
  spec.shape.blend = blend;
  parts_.push_back(std::move(spec));
  return static_cast<int>(parts_.size()) - 1;
}

void ShapeBuilder::add(int part, Primitive primitive) {
  primitive.subtract = false;
  parts_.at(part).shape.primitives.push_back(std::move(primitive));
}

void ShapeBuilder::cut(int part, Primitive primitive) {
  primitive.subtract = true;
  parts_.at(part).shape.primitives.push_back(std::move(primitive));
}

int ShapeBuilder::joint(const std::string& name, int parent, const Vec3& position) {
  if (parent >= static_cast<int>(joints_.size()) || (parent < 0 && !joints_.empty())) {
    throw std::logic_error("synth: joint '" + name + "' needs an existing parent");
  }
  for (const JointSpec& j : joints_) {
    if (j.name == name) throw std::logic_error("synth: duplicate joint name '" + name + "'");
  }
  joints_.push_back({name, parent, position});
  return static_cast<int>(joints_.size()) - 1;
}

void ShapeBuilder::bind(int part, int joint) { parts_.at(part).joint = joint; }

float ShapeBuilder::sized(const std::string& key, float lo, float hi, const std::string& low_word,
                          const std::string& high_word) {
  const float v = rng_.range(lo, hi);
  attributes_[key] = std::round(static_cast<double>(v) * 1e4) / 1e4;
  const float third = (hi - lo) / 3.0f;
  if (!low_word.empty() && v < lo + third) adjectives_.push_back(low_word);
  if (!high_word.empty() && v > hi - third) adjectives_.push_back(high_word);
  return v;
}

void ShapeBuilder::finish() {
  std::map<std::string, int> count, seen;
  for (const PartSpec& p : parts_) ++count[p.semantic];
  for (PartSpec& p : parts_) {
    if (p.shape.primitives.empty()) {
      throw std::logic_error("synth: part '" + p.semantic + "' has no primitives");
    }
    p.name = count[p.semantic] == 1 ? p.semantic
                                    : p.semantic + "_" + std::to_string(seen[p.semantic]++);
    if (!joints_.empty()) {
      for (Primitive& prim : p.shape.primitives) {
        if (prim.joint < 0) prim.joint = p.joint >= 0 ? p.joint : 0;
      }
    }
  }
}

AssetShape ShapeBuilder::shape() const {
  AssetShape shape;
  shape.blend = blend_;
  for (const PartSpec& p : parts_) shape.parts.push_back(p.shape);
  return shape;
}

}  // namespace flexforge::synth
