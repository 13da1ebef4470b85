#include "texture_mean.h"
#include "flexforge/core/color.h"

#include <cmath>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#endif
// A private copy (STB_IMAGE_STATIC): the condition layer has its own for image prompts, and io
// sits below it, so the two never meet at link time.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace flexforge::io::detail {

namespace {

}  // namespace

std::optional<Vec3> texture_mean_linear(const std::filesystem::path& image) {
  std::ifstream in(image, std::ios::binary);
  if (!in) return std::nullopt;
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.empty() || bytes.size() > (std::size_t{1} << 30)) return std::nullopt;
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int length = static_cast<int>(bytes.size());
  int w = 0, h = 0, channels = 0;
  if (!stbi_info_from_memory(data, length, &w, &h, &channels)) return std::nullopt;
  if (w <= 0 || h <= 0 || static_cast<long long>(w) * h > 64LL * 1000 * 1000) return std::nullopt;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(data, length, &w, &h, &channels, 4), stbi_image_free);
  if (!pixels) return std::nullopt;
  // A lookup table: 256 sRGB levels -> linear.
  float lut[256];
  for (int i = 0; i < 256; ++i) lut[i] = srgb_to_linear(static_cast<float>(i) / 255.0f);
  double sum[3] = {0, 0, 0};
  double weight = 0;
  const std::size_t n = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
  for (std::size_t i = 0; i < n; ++i) {
    const stbi_uc* p = pixels.get() + i * 4;
    if (p[3] == 0) continue;
    const double a = p[3] / 255.0;
    for (int c = 0; c < 3; ++c) sum[c] += a * lut[p[c]];
    weight += a;
  }
  if (weight <= 0) return std::nullopt;
  return Vec3(static_cast<float>(sum[0] / weight), static_cast<float>(sum[1] / weight),
              static_cast<float>(sum[2] / weight));
}

}  // namespace flexforge::io::detail
