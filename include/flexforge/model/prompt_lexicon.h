// The model's prompt lexicon (condition/lexicon.h) as the generator uses it: lexicon.tsv next to
// tokenizer.json in the model directory, loaded with the tokenizer, and `generate
// --explain-prompt`, which shows what a prompt becomes without loading any network.
#pragma once

#include "flexforge/condition/lexicon.h"
#include "flexforge/condition/tokenizer.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace flexforge::model {

inline constexpr const char* kLexiconFile = "lexicon.tsv";

// The lexicon of a model directory, or nullopt when it has none (an older model: prompts then go
// through the tokenizer alone). Error(Model) naming the file when it is corrupt, or when an entry
// names a concept that is not a token of `tokenizer`.
std::optional<condition::Lexicon> load_model_lexicon(const std::filesystem::path& model_dir,
                                                     const condition::Tokenizer& tokenizer);

// One line per mapping: "kitten" -> "cat" via hypernym (feline).
std::string describe_mapping(const condition::WordMapping& m);

struct PromptExplanation {
  std::filesystem::path model_dir;
  bool has_lexicon = false;
  std::vector<std::string> tokens;  // what the text encoder reads (<unk> for unknown words)
  std::vector<condition::WordMapping> mappings, attributes;
  std::vector<std::string> unknown_words;
  bool truncated = false;
};

// Tokenizer + lexicon of `model` (directory or installed name) applied to `text`, with the
// generator's token budget. Errors as Generator's prompt checks: Error(Usage) for an empty prompt,
// Error(InvalidInput) for malformed UTF-8, Error(Model) for missing or corrupt model files.
PromptExplanation explain_prompt(const std::string& model, const std::string& text);

}  // namespace flexforge::model
