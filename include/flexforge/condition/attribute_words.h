// The prompt's attribute words with the colour they stand for: the CSS Color Module's named
// colours (the X11 set) and common colour words outside it, and material words with the
// palette token they map to and a typical albedo. The lexicon builder turns them into lexicon
// entries; `generate` paints an asset with the colour a prompt names (pipeline/colorize.h).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace flexforge::condition {

struct ColourWord {
  const char* name;
  unsigned rgb;  // 0xRRGGBB, sRGB
};

struct MaterialWord {
  const char* word;
  const char* token;  // the model's token for it ("" = none)
  unsigned rgb;       // a typical albedo, 0xRRGGBB sRGB
};

// Colour words that are not palette tokens (the palette's own names live in synth's palette).
const std::vector<ColourWord>& colour_words();
const std::vector<MaterialWord>& material_words();

// sRGB in [0, 1] of a colour word or a material word, or nullopt.
std::optional<std::array<float, 3>> colour_word_srgb(const std::string& name);
std::optional<std::array<float, 3>> material_word_srgb(const std::string& word);

// 0xRRGGBB -> sRGB in [0, 1].
std::array<float, 3> unpack_rgb(unsigned rgb);

}  // namespace flexforge::condition
