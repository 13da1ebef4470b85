// libFuzzer harness: prompt text through the tokenizer (UTF-8 checks, normalisation, compound
// splitting, truncation), on the vocabulary of the synth captions.
#include "flexforge/condition/tokenizer.h"
#include "flexforge/synth/caption_corpus.h"
#include "flexforge/core/error.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const flexforge::condition::Tokenizer tokenizer =
      flexforge::condition::Tokenizer::build(flexforge::synth::caption_corpus(4));
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)tokenizer.encode(text, 77);
  } catch (const flexforge::Error&) {
  }
  return 0;
}
