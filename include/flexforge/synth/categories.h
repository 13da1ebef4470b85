// The dataset's categories (docs/synth.md): each one a parametric build function over the
// shape grammar. The registry order is fixed and is part of the dataset's definition: asset i of
// a run over categories C is category C[i mod |C|].
#pragma once

#include "flexforge/synth/shape_grammar.h"

#include <string>
#include <vector>

namespace flexforge::synth {

struct Category {
  std::string name;                   // CLI / file name, e.g. "chair", "hand_cup"
  std::string family;                 // furniture, object, vehicle, nature, building, creature, scene
  std::vector<std::string> synonyms;  // caption nouns, first = plain name (>= 3)
  bool articulated = false;           // builds a skeleton; gets skin weights
  void (*build)(ShapeBuilder&) = nullptr;
};

// All categories, in registry order.
const std::vector<Category>& all_categories();
// nullptr when unknown.
const Category* find_category(const std::string& name);

}  // namespace flexforge::synth
