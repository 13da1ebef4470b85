// Builds the prompt lexicon (condition/lexicon.h) from WordNet's nouns, a colour palette and the
// furniture catalogs' translated names. Used by `flexforge lexicon build`; the result ships next
// to the model.
//
// How a noun finds its concept: every concept (the model's categories) is anchored to a few
// WordNet synsets (its own and the broader classes it stands for: chair <- chair, armchair, sofa,
// bench; dog <- dog, canine; ...). A noun's senses are tried most frequent first, physical senses
// (artifact, animal, plant, object, food) before person senses; from a sense, the hypernym
// closure is searched and the most specific anchor reached (deepest in WordNet, then nearest)
// gives the concept. A word whose physical sense is specific but reaches no anchor (a toaster, a
// frog) maps to nothing rather than to an unrelated person sense.
#pragma once

#include "flexforge/condition/lexicon.h"
#include "flexforge/condition/wordnet.h"
#include "flexforge/io/bilingual_dictionary.h"
#include "flexforge/io/furniture_catalog.h"

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace flexforge::condition {

class Tokenizer;

struct ConceptAnchors {
  std::string concept;               // a tokenizer token
  std::vector<std::string> synsets;  // "lemma#sense" (1-based WordNet sense) or "lemma" (first physical sense)
};
// The anchor table, in concept priority order (ties between equally specific anchors go to the
// earlier concept).
const std::vector<ConceptAnchors>& concept_anchors();

struct PaletteColour {
  std::string name;             // tokenizer tokens, e.g. "dark green"
  std::array<float, 3> rgb{};   // sRGB in [0, 1]
};

class NounMapper {
 public:
  // Resolves the anchor table against WordNet. Error(Model) when an anchor's lemma or sense is not
  // in this WordNet (a different WordNet version).
  explicit NounMapper(const WordNetNouns& wordnet);
  // The concept a WordNet lemma ("trash_can", "kitten") maps to, through its most frequent sense
  // that names a physical thing or a person; nullopt when that sense reaches no concept.
  std::optional<LexiconEntry> map(const std::string& lemma) const;
  // Whether the lemma has a physical or person sense in WordNet.
  bool is_noun(const std::string& lemma) const;

 private:
  const WordNetNouns& wn_;
  std::map<std::size_t, std::size_t> anchor_concept_;  // synset index -> concept_anchors() index
};

struct LexiconBuildReport {
  std::map<std::string, std::size_t> entries_by_relation;
  std::size_t wordnet_lemmas = 0;          // physical or person noun lemmas considered
  std::size_t wordnet_unmapped = 0;        // of those, reaching no concept
  std::vector<std::string> catalogs_used;
  std::size_t catalog_pieces = 0;          // pieces of the catalogs used
  std::size_t catalog_pieces_unmapped = 0; // English name maps to no concept
  std::size_t translated_names = 0;        // translated names added (phrases)
  std::size_t dictionary_nouns = 0;        // bilingual dictionary noun headwords read
  std::size_t dictionary_added = 0;        // of those, added (their English maps to a concept)
};

// Everything together: WordNet nouns, the colour, material and size words, other languages'
// function words, the translated names of every catalog given (the caller leaves out the
// held-out catalog), then the bilingual dictionaries' nouns: a headword is added when one of its
// first sense's English words maps to a concept (the first that does, in the dictionary's
// order), unless an earlier source already gave that phrase (English and catalog names win).
// Deterministic for the same inputs. Error(Model) when a concept or palette colour is not a
// token of `tokenizer`.
Lexicon build_lexicon(const WordNetNouns& wordnet, const Tokenizer& tokenizer,
                      const std::vector<PaletteColour>& palette,
                      const std::vector<io::FurnitureCatalog>& catalogs,
                      const std::vector<io::BilingualDictionary>& dictionaries,
                      LexiconBuildReport* report = nullptr);

// The concept an English catalog name ("Coffee table", "Chair with armrests") names: the whole
// name as a WordNet lemma, else its head noun (the last word before "with", "of", "for", ...),
// else the other words from the end. nullopt when none maps.
std::optional<LexiconEntry> map_english_name(const NounMapper& mapper, const std::string& name);

}  // namespace flexforge::condition
