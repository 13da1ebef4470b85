// Captions for a generated asset: several phrasings built only from facts the generator knows
// (category synonyms, sampled size words, part counts, palette colour names of the largest
// parts), so every word is true of the mesh and its vertex colours.
#pragma once

#include "flexforge/synth/categories.h"
#include "flexforge/synth/shape_grammar.h"

#include <string>
#include <vector>

namespace flexforge::synth {

struct CaptionFacts {
  const Category* category = nullptr;
  std::vector<std::string> adjectives;  // size / proportion words from the build
  std::vector<std::string> phrases;     // "with armrests", "four-legged", ...
  std::vector<std::string> part_semantics;  // one per part instance
  std::vector<std::string> colors_by_area;  // distinct palette names, largest surface first
  std::string pose;                     // "static", "rest", "random"
};

// At least 3 distinct captions; deterministic for given facts and rng state.
std::vector<std::string> make_captions(const CaptionFacts& facts, Rng& rng);

}  // namespace flexforge::synth
