// The caption corpus the model's tokenizer vocabulary is built from. It lives with the dataset
// generator because it runs the generator's own build functions and caption templates.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flexforge::synth {

// Caption texts covering every word the synth caption generator can emit: each category's build
// function is run for `samples_per_category` seeds (parameters only, no meshing) and its facts
// are passed through synth::make_captions, the generator's own templates; one extra caption per
// category lists all synonyms and one lists every palette colour, because captions pick those at
// random. Deterministic for given arguments. The tokenizer's vocabulary is built from it
// (condition::Tokenizer::build).
std::vector<std::string> caption_corpus(std::size_t samples_per_category = 64,
                                        std::uint64_t seed = 1);

}  // namespace flexforge::synth
