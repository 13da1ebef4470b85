// The prompt lexicon (docs/generate.md, "Open vocabulary"): words and short phrases the model's
// tokenizer does not know, each mapped to a concept it does know, with the reason. Built once by
// `flexforge lexicon build` from WordNet and the furniture catalogs' translated names, shipped as
// models/<name>/lexicon.tsv next to the tokenizer, and read at every prompt. Deterministic: the
// same prompt always maps the same way.
//
// File format (UTF-8 text, one entry per line, tab-separated, sorted):
//   # flexforge-lexicon 1
//   phrase <TAB> concept <TAB> relation <TAB> via
// phrase: 1-4 normalised words (condition::normalize_words) joined by single spaces;
// concept: one or more tokenizer tokens ("dark green"), or empty for a function word (dropped) or an attribute the model
// has no token for (reported, not encoded); relation: one of kRelations; via: what links them
// (the hypernym reached, the source name and language, ...).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace flexforge::condition {

// synonym: the word names a concept's synset; hypernym: a WordNet hypernym of the word is the
// concept's; translation: a catalog's translated name of a piece whose English name maps to the
// concept; plural: a WordNet irregular plural; colour/material/size: attribute words;
// function: articles and prepositions of other languages, mapped to the English token or dropped.
inline const char* const kRelations[] = {"synonym", "hypernym", "translation", "plural",
                                         "colour",  "material", "size",        "function"};

struct LexiconEntry {
  std::string concept;   // a tokenizer token, or "" (see the file comment)
  std::string relation;  // one of kRelations
  std::string via;
  bool is_attribute() const { return relation == "colour" || relation == "material" || relation == "size"; }
};

class Lexicon {
 public:
  static constexpr std::size_t kMaxPhraseWords = 4;

  // Adds an entry. A phrase holds at most one noun-like entry and one attribute entry ("oak" is a
  // tree alone and a material before a noun); a second entry of the same kind is ignored and
  // add() returns false. Throws std::invalid_argument for a phrase that is not normalised.
  bool add(const std::string& phrase, LexiconEntry entry);

  // Entries of a phrase: noun-like first; empty when the phrase is not in the lexicon.
  const std::vector<LexiconEntry>* find(const std::string& phrase) const;
  // The phrase whose accent-folded form (word_forms.h, fold_accents) is `folded`, for prompts
  // typed without accents; the alphabetically first where several fold alike; "" for none.
  const std::string& unfolded(const std::string& folded) const;

  std::size_t size() const { return count_; }
  const std::map<std::string, std::vector<LexiconEntry>>& entries() const { return entries_; }

  // Atomic write (Error(OutputFailed) naming the file on failure).
  void save(const std::filesystem::path& path) const;
  // Error(Model) naming the file and line for a missing, unreadable or malformed file: wrong
  // header, wrong field count, an unknown relation, a phrase that is not normalised.
  static Lexicon load(const std::filesystem::path& path);

 private:
  std::map<std::string, std::vector<LexiconEntry>> entries_;
  std::map<std::string, std::string> folded_;  // folded phrase -> phrase, where they differ
  std::size_t count_ = 0;
};

}  // namespace flexforge::condition
