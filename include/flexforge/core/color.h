// sRGB transfer function (IEC 61966-2-1), per channel. Mesh colours are linear (as glTF's
// COLOR_0 is); palettes, images and textures are sRGB.
#pragma once

#include <algorithm>
#include <cmath>

namespace flexforge {

inline float srgb_to_linear(float c) {
  return c <= 0.04045f ? c / 12.92f : std::pow((c + 0.055f) / 1.055f, 2.4f);
}

// Clamps to [0, 1] first.
inline float linear_to_srgb(float c) {
  c = std::clamp(c, 0.0f, 1.0f);
  return c <= 0.0031308f ? 12.92f * c : 1.055f * std::pow(c, 1.0f / 2.4f) - 0.055f;
}

}  // namespace flexforge
