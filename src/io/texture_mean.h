// Mean colour of a texture image file, for material colours of imported artist models.
#pragma once

#include "flexforge/core/mesh.h"

#include <filesystem>
#include <optional>

namespace flexforge::io::detail {

// Mean linear RGB of the image (PNG, JPEG, BMP, TGA, GIF: whatever stb_image decodes), sRGB
// texels converted to linear before averaging, fully transparent texels ignored. nullopt when
// the file is missing, unreadable, larger than 64 megapixels, or has no opaque texel.
std::optional<Vec3> texture_mean_linear(const std::filesystem::path& image);

}  // namespace flexforge::io::detail
