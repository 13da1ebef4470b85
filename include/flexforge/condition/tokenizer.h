// The text side of the generator's conditioning (docs/generate.md, "What runs"): a
// word-level vocabulary built from the synth captions, with a small sub-word fallback so that
// inflected or compound forms of caption words ("armchairs", "taller", "sailboat") still map to
// ids the model was trained on. Plain C++: the torch text encoder consumes the ids.
//
// Normalisation (the same for build() and encode(), so training and inference agree):
//   - the text must be valid UTF-8 (else Error(InvalidInput) "prompt is not valid UTF-8");
//   - lower-casing: ASCII, Latin-1, Greek and Cyrillic capitals;
//   - ASCII punctuation, controls, whitespace and the Unicode punctuation blocks separate words
//     and are dropped; a possessive "'s" is dropped, other apostrophes inside a word are removed
//     ("don't" -> "dont");
//   - a word is a run of letters/digits/other non-ASCII characters ("3d" is one word); a number
//     missing from the vocabulary is spelled as its digits, which are always in the vocabulary.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

namespace flexforge::condition {

class Lexicon;

// One lexicon mapping applied to a prompt: "kitten" -> "cat" via hypernym (feline).
struct WordMapping {
  std::string words;     // the prompt's normalised word(s)
  std::string concept;   // the tokens used instead ("" = dropped, or an attribute without a token)
  std::string relation;  // condition::kRelations
  std::string via;
};

using TokenId = std::int64_t;  // torch embedding indices are int64

struct EncodeResult {
  // Token ids, at most max_len, not padded (pad with Tokenizer::kPad to a fixed length).
  std::vector<TokenId> ids;
  // Distinct words (in prompt order) that no fallback could map; each one became <unk>. Capped
  // at kMaxReportedUnknown entries, each shortened to 40 bytes, so a garbage prompt cannot
  // produce a megabyte warning; unknown_count is the uncapped number of <unk> tokens emitted.
  std::vector<std::string> unknown_words;
  std::size_t unknown_count = 0;
  // Words the lexicon mapped to known tokens, in prompt order (empty without a lexicon).
  std::vector<WordMapping> mappings;
  // Colour, material and size words, known tokens or mapped ("crimson" -> red), in prompt order.
  std::vector<WordMapping> attributes;
  // More tokens than max_len: the tail was dropped. The caller should warn.
  bool truncated = false;
  // Every word was unknown (ids are all <unk>). Documented behaviour for the generator: warn
  // naming the words and run without a text condition (the <null> sequence), as if no prompt
  // had been given; it is the caller's choice, this flag only reports the fact.
  bool all_unknown = false;
};

// Splits normalised text into words (see the file comment). Throws Error(InvalidInput) "prompt is
// not valid UTF-8 (byte N)" for malformed UTF-8. Exposed so tests and tools see exactly the
// words the tokenizer sees.
std::vector<std::string> normalize_words(const std::string& text);

class Tokenizer {
 public:
  // Reserved ids, identical in every vocabulary.
  static constexpr TokenId kPad = 0;   // padding after the last token
  static constexpr TokenId kUnk = 1;   // a word no fallback could map
  static constexpr TokenId kNull = 2;  // the classifier-free-guidance null condition
  static constexpr std::size_t kMaxReportedUnknown = 32;

  Tokenizer();  // only the special tokens and the digits 0-9

  // Vocabulary from caption texts: the specials, the digits, then every word of the captions
  // (after normalize_words) with at least min_count occurrences, most frequent first (ties in
  // byte order) so the ids are deterministic for a given corpus. Throws Error(InvalidInput) for
  // a caption that is not valid UTF-8.
  static Tokenizer build(const std::vector<std::string>& captions, std::size_t min_count = 1);

  // JSON file: {"format": "flexforge-tokenizer", "version": 1, "tokens": [...]} with the token of
  // id i at index i. save() writes atomically; Error(OutputFailed) naming the file on failure.
  void save(const std::filesystem::path& path) const;
  // Error(Model) naming the file for a missing, unreadable or malformed file (bad JSON, wrong
  // format/version, specials not first, duplicate or non-normalised tokens).
  static Tokenizer load(const std::filesystem::path& path);

  // Prompt -> ids. Error(Usage) "prompt is empty" when the prompt has no words (empty, only
  // whitespace or punctuation); Error(InvalidInput) for malformed UTF-8; max_len >= 1 else
  // Error(Usage). Any length of prompt is accepted: tokens past max_len are dropped (truncated).
  // With a lexicon, a word or phrase (up to Lexicon::kMaxPhraseWords words, longest first) that
  // is not a token is replaced by its concept's tokens and reported in mappings; a plural is
  // looked up by its stems. Without one, or when the lexicon has no entry, the sub-word fallback
  // applies as before.
  EncodeResult encode(const std::string& text, std::size_t max_len, const Lexicon* lexicon = nullptr) const;

  // The unconditional (CFG null) sequence: one <null> token.
  static std::vector<TokenId> null_ids() { return {kNull}; }
  // ids followed by kPad up to length (ids longer than length are an Error(Usage)).
  static std::vector<TokenId> pad(const std::vector<TokenId>& ids, std::size_t length);

  std::size_t size() const { return tokens_.size(); }
  const std::vector<std::string>& tokens() const { return tokens_; }
  const std::string& token(TokenId id) const;  // std::out_of_range for a bad id
  // kUnk when the word is not in the vocabulary (no fallback applied).
  TokenId id(const std::string& word) const;
  bool contains(const std::string& word) const;

 private:
  explicit Tokenizer(std::vector<std::string> tokens);  // validates; throws std::invalid_argument
  // Ids for one normalised word; empty when no fallback applies.
  std::vector<TokenId> map_word(const std::string& word) const;
  bool split_compound(const std::string& word, std::vector<TokenId>& out) const;

  std::vector<std::string> tokens_;
  std::unordered_map<std::string, TokenId> index_;
  std::size_t longest_ = 0;  // longest token in bytes: bounds the compound search
};

}  // namespace flexforge::condition
