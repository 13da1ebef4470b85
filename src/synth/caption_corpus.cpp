#include "flexforge/synth/caption_corpus.h"

#include "flexforge/synth/captions.h"
#include "flexforge/synth/categories.h"
#include "flexforge/synth/rng.h"
#include "flexforge/synth/shape_grammar.h"

#include <set>

namespace flexforge::synth {

std::vector<std::string> caption_corpus(std::size_t samples_per_category, std::uint64_t seed) {
  std::vector<std::string> corpus;
  std::string palette;
  for (const NamedColor& c : color_palette()) palette += c.name + " ";
  corpus.push_back(palette);
  for (const Category& cat : all_categories()) {
    std::string synonyms;
    for (const std::string& s : cat.synonyms) synonyms += s + " ";
    corpus.push_back(synonyms);
    for (std::size_t k = 0; k < samples_per_category; ++k) {
      Rng rng(asset_seed(seed, k));
      ShapeBuilder builder(rng);
      cat.build(builder);
      builder.finish();
      CaptionFacts facts;
      facts.category = &cat;
      facts.adjectives = builder.adjectives();
      facts.phrases = builder.phrases();
      std::set<std::string> seen;
      for (const PartSpec& p : builder.parts()) {
        facts.part_semantics.push_back(p.semantic);
        // Colour order by surface area needs the mesh; for the vocabulary the set is what counts.
        if (seen.insert(p.color).second) facts.colors_by_area.push_back(p.color);
      }
      facts.pose = builder.pose();
      for (std::string& c : make_captions(facts, rng)) corpus.push_back(std::move(c));
    }
  }
  return corpus;
}

}  // namespace flexforge::synth
