// The noun part of a WordNet 3.0 database directory (Debian's wordnet-base installs one in
// /usr/share/wordnet): data.noun (synsets: lexicographer file, lemmas, pointers), index.noun
// (lemma -> senses, most frequent first) and noun.exc (irregular plurals). Plain text, parsed
// here; only what the prompt lexicon needs is kept: lemmas and hypernym links.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

namespace flexforge::condition {

// WordNet's lexicographer files of the nouns that name things one can model (lexnames(5WN)).
enum class NounFile : int {
  Tops = 3, Animal = 5, Artifact = 6, Body = 8, Food = 13, Object = 17, Person = 18, Plant = 20,
  Substance = 27,
};

struct Synset {
  std::uint32_t offset = 0;             // the data.noun byte offset: WordNet's synset id
  int lex_file = 0;                     // NounFile value (or any other lexicographer file)
  std::vector<std::string> lemmas;      // lower case, '_' between words as in WordNet
  std::vector<std::size_t> hypernyms;   // indices into WordNetNouns::synsets (@ and @i)
};

class WordNetNouns {
 public:
  // Reads DIR/data.noun, DIR/index.noun and DIR/noun.exc. Error(Model) naming the file and line
  // for a missing or malformed file, or a pointer to a synset that does not exist.
  static WordNetNouns load(const std::filesystem::path& dir);

  const std::vector<Synset>& synsets() const { return synsets_; }
  // Senses of a lemma ("trash_can"), most frequent first; empty when unknown.
  const std::vector<std::size_t>& senses(const std::string& lemma) const;
  // Irregular plural -> base forms from noun.exc ("geese" -> "goose").
  const std::unordered_map<std::string, std::string>& exceptions() const { return exceptions_; }
  const std::unordered_map<std::string, std::vector<std::size_t>>& index() const { return index_; }
  // Depth of a synset below the root (entity = 0), along its shortest hypernym path.
  int depth(std::size_t synset) const { return depth_[synset]; }

 private:
  std::vector<Synset> synsets_;
  std::unordered_map<std::string, std::vector<std::size_t>> index_;
  std::unordered_map<std::string, std::string> exceptions_;
  std::vector<int> depth_;
};

}  // namespace flexforge::condition
