// The shape grammar the categories are written in: a builder that collects named parts (each a
// smooth union of primitives, with optional cuts), a joint tree for articulated assets, named
// colours, and the caption facts (adjectives, phrases, counts) that follow from the sampled
// parameters. A category is one function `void build(ShapeBuilder&)` that draws its parameters
// from builder.rng() only, so an asset depends on its seed alone.
#pragma once

#include "flexforge/synth/rng.h"
#include "flexforge/synth/sdf.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace flexforge::synth {

// The colour vocabulary. Captions only use these names, and vertex colours are exactly these
// values, so a colour word always matches the pixels.
struct NamedColor {
  std::string name;
  Vec3 rgb;  // display (sRGB) values in [0, 1]; meshes store them linearised
};
const std::vector<NamedColor>& color_palette();
// Throws std::invalid_argument for a name not in the palette.
const NamedColor& named_color(const std::string& name);

struct PartSpec {
  std::string semantic;  // e.g. "leg"
  std::string name;      // instance name: semantic, or semantic_k when the semantic repeats
  std::string color;     // palette name
  int joint = -1;        // default joint of its primitives (articulated assets)
  PartShape shape;
};

struct JointSpec {
  std::string name;
  int parent = -1;
  Vec3 position = Vec3::Zero();
};

class ShapeBuilder {
 public:
  explicit ShapeBuilder(Rng& rng) : rng_(rng) {}
  Rng& rng() { return rng_; }

  // New part instance; returns its id. `blend` is the smooth-union radius inside the part.
  int part(const std::string& semantic, const std::string& color, float blend = 0.0f);
  void add(int part, Primitive primitive);
  void cut(int part, Primitive primitive);
  // Joint tree for articulated assets. Parents must exist (parent < id); names must be unique.
  int joint(const std::string& name, int parent, const Vec3& position);
  const Vec3& joint_position(int joint) const { return joints_.at(joint).position; }
  // Default joint of a part's primitives (the bone the part moves with).
  void bind(int part, int joint);
  void set_blend(float k) { blend_ = k; }  // smooth union radius between parts

  // Caption facts.
  void adjective(const std::string& word) { adjectives_.push_back(word); }
  void phrase(const std::string& text) { phrases_.push_back(text); }
  void attribute(const std::string& key, nlohmann::json value) { attributes_[key] = std::move(value); }
  void set_pose(const std::string& pose) { pose_ = pose; }
  // Records value in attributes and adds low_word / high_word when the value falls in the lower
  // or upper third of [lo, hi] (so "tall" means taller than most of its category).
  float sized(const std::string& key, float lo, float hi, const std::string& low_word,
              const std::string& high_word);
  // Picks one palette name from the choices.
  std::string color(const std::vector<std::string>& choices) { return rng_.pick(choices); }

  // Finished results: part names are assigned here. Throws std::logic_error on an empty part or
  // (articulated assets) a primitive without a joint.
  void finish();
  const std::vector<PartSpec>& parts() const { return parts_; }
  const std::vector<JointSpec>& joints() const { return joints_; }
  const std::vector<std::string>& adjectives() const { return adjectives_; }
  const std::vector<std::string>& phrases() const { return phrases_; }
  const nlohmann::json& attributes() const { return attributes_; }
  const std::string& pose() const { return pose_; }
  AssetShape shape() const;

 private:
  Rng& rng_;
  std::vector<PartSpec> parts_;
  std::vector<JointSpec> joints_;
  std::vector<std::string> adjectives_, phrases_;
  nlohmann::json attributes_ = nlohmann::json::object();
  std::string pose_ = "static";
  float blend_ = 0.0f;
};

}  // namespace flexforge::synth
