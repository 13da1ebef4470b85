// Other forms of a prompt word the lexicon does not hold as written: the same word without its
// accents ("arbol" for "árbol"), an inflected form in the language of a lexicon entry ("Tulpen",
// "sedie", "chaises"), and the head of a Germanic compound ("Kaffeestuhl" is a kind of "Stuhl").
// The catalogs and dictionaries give each language's base forms only; users type plurals,
// compounds and unaccented letters.
//
// Every inflection and compound rule belongs to languages, and its result counts only when the
// entry it reaches is a translated name from one of them (its `via` starts with "de:", "it:", ...):
// an Italian ending stripped from an English word finds nothing Italian, so "tape" is not the
// Spanish "tapa", and English WordNet entries never count ("toaster" is not an "aster").
#pragma once

#include "flexforge/condition/lexicon.h"

#include <optional>
#include <string>
#include <vector>

namespace flexforge::condition {

// Lower-case Latin letters with diacritics replaced by their base letters (é -> e, ß -> ss,
// œ -> oe); other characters unchanged. Input: normalised (case-folded) UTF-8.
std::string fold_accents(const std::string& text);

struct WordForm {
  std::string form;                   // the lexicon phrase found
  std::string rule;                   // "accents", "inflected form" or "compound head"
  std::vector<LexiconEntry> entries;  // that phrase's entries, their `via` naming the rule
};

// The first form of `word` (one normalised word) that the lexicon holds: the accent-folded word,
// then inflected forms, then compound heads, longest head first. Only noun-like entries count
// (not colours, materials, sizes or function words). nullopt when none is found.
std::optional<WordForm> find_word_form(const Lexicon& lexicon, const std::string& word);

}  // namespace flexforge::condition
