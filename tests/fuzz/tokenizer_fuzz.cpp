// libFuzzer harness: prompt text through the tokenizer (UTF-8 checks, normalisation, compound
// splitting, truncation), on the vocabulary of the synth captions, without and with the shipped
// prompt lexicon (phrases, accent folding, other languages' word forms). scripts/fuzz.sh runs it
// from the repository root, where models/default/lexicon.tsv is.
#include "flexforge/condition/lexicon.h"
#include "flexforge/condition/tokenizer.h"
#include "flexforge/synth/caption_corpus.h"
#include "flexforge/core/error.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const flexforge::condition::Tokenizer tokenizer =
      flexforge::condition::Tokenizer::build(flexforge::synth::caption_corpus(4));
  static const std::optional<flexforge::condition::Lexicon> lexicon =
      std::filesystem::exists("models/default/lexicon.tsv")
          ? std::optional(flexforge::condition::Lexicon::load("models/default/lexicon.tsv"))
          : std::nullopt;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)tokenizer.encode(text, 77);
  } catch (const flexforge::Error&) {
  }
  if (!lexicon) return 0;
  try {
    (void)tokenizer.encode(text, 77, &*lexicon);
  } catch (const flexforge::Error&) {
  }
  return 0;
}
