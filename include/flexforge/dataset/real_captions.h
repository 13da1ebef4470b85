// What a real model's record says about it (docs/dataset.md): the concept its name maps to, its
// dominant colours and materials, and captions built from all of that.
#pragma once

#include "flexforge/core/mesh.h"
#include "flexforge/dataset/real_sources.h"

#include <string>
#include <vector>

namespace flexforge::condition {
class Lexicon;
}

namespace flexforge::dataset {

// The synth category a name maps to, through the categories' own nouns and then the lexicon
// (synonyms, hypernyms, translations). Only phrases ending at the head noun count (the last word
// before a preposition or conjunction, numbers skipped), longer before shorter: "Oak chair" ->
// chair, "Coffee table" -> table, "Chest of drawers" -> chest's concept, "ferry boat 1" -> boat,
// "cattle farm" -> nothing. Empty when nothing maps. `lexicon` may be null (category nouns only).
std::string name_category(const std::string& name, const condition::Lexicon* lexicon);

// Material words (wood, metal, glass, ...) found in the name, the tags and the material names,
// as the adjective captions use ("wooden", "metal", "glass"), deduplicated in order.
std::vector<std::string> material_words(const RealModel& model,
                                        const std::vector<std::string>& material_names);

// "a chair", "an armchair".
std::string with_article(const std::string& phrase);

// Nearest palette colour name (synth::color_palette) of a linear RGB colour.
std::string nearest_palette_color(const Vec3& linear_rgb);

struct CaptionFacts {
  const RealModel* model = nullptr;
  std::string category;                 // name_category(), may be empty
  std::vector<std::string> colors;      // palette names, largest area first
  std::vector<std::string> materials;   // material_words()
  Vec3 size_cm = Vec3::Zero();          // width (x), height (y), depth (z)
};

// At least 3 distinct captions: the name as written, the name with an article, the bare noun and
// the noun with an article (short prompts), colour, material and size variants, and the
// catalog category. Deterministic.
std::vector<std::string> real_captions(const CaptionFacts& facts);

}  // namespace flexforge::dataset
