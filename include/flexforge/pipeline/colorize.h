// Colour for generated assets: vertex colours from what the prompt says about colour.
//
// The generator's networks decode shape only; this stage paints the result, in this order:
//   1. a colour word of the text ("a red sports car", "a crimson vase"): every part that colour
//      (the CSS/X11 names and common colour words, condition/attribute_words.h; the model's
//      palette names from synth's palette);
//   2. an image prompt: the image is projected onto the mesh from the viewpoint whose silhouette
//      matches the image's foreground best (model/silhouette_match.h). Both sides are framed by
//      condition::prepare_image(), so a vertex's framed position in the render is its position
//      in the framed image. Vertices that view sees take their pixel; hidden ones the colour of
//      the nearest seen vertex along the surface, so the unseen side continues the seen one from
//      the silhouette; a part hidden entirely takes the pixels in front of it. A vertex that
//      lands off the image's foreground takes the nearest foreground pixel within 4 framed
//      pixels, else the foreground's mean colour;
//   3. a material word ("wooden", "brass", "marble"): that material's typical albedo;
//   4. otherwise the asset stays uncoloured (grey in every viewer).
// A colour word wins over the image: it is the user's explicit instruction about colour.
#pragma once

#include "flexforge/condition/tokenizer.h"  // WordMapping
#include "flexforge/core/scene.h"

#include <nlohmann/json.hpp>

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace flexforge::pipeline {

struct ColourResult {
  std::string source = "none";  // "colour word", "image", "material word" or "none"
  std::string word;             // the word used (colour or material), empty otherwise
  std::array<float, 3> srgb{};  // the uniform colour; for an image, the foreground's mean colour
  double silhouette_iou = -1;   // image: the matched view's soft IoU
  float azimuth_deg = 0, elevation_deg = 0;  // image: the matched view
  nlohmann::json to_json() const;
};

// The colour a prompt's colour attribute stands for (sRGB, [0, 1]), or nullopt.
std::optional<std::array<float, 3>> attribute_colour(const condition::WordMapping& attribute);

// Paints every part of `scene` (in the generator's frame) as above; parts keep their geometry.
// Error(InvalidInput) as condition::prepare_image_file() for an unreadable image.
ColourResult colour_asset(Scene& scene, const std::vector<condition::WordMapping>& attributes,
                          const std::filesystem::path& image);

}  // namespace flexforge::pipeline
