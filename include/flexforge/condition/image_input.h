// The image side of the generator's conditioning: a PNG/JPEG prompt (or a synth render, in
// training) -> a square, foreground-centred, normalised float image for the patch encoder.
// Plain C++ (stb_image); training and inference call the same prepare_image(), so a render and
// a user's photo of the same object reach the encoder in the same framing.
//
// Steps: foreground mask (alpha when the image has a non-opaque alpha channel, else a uniform
// background estimated from the border) -> bounding box of the foreground -> square crop around
// its centre with a margin -> background replaced by a fill colour -> resize to size x size
// (area average when shrinking, bilinear when enlarging) -> planar float RGB normalised as
// (x - mean) / std with x in [0, 1] (defaults 0.5 / 0.5, so [-1, 1]) plus the mask in [0, 1].
// Resampling averages the 8-bit sRGB values directly (no linearisation), like the renders the
// encoder is trained on.
#pragma once

#include "flexforge/render/rasterizer.h"  // render::Image: 8-bit straight-alpha RGBA

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace flexforge::condition {

using Image = render::Image;

struct ImageOptions {
  int size = 128;       // output width = height (8..4096)
  float margin = 0.10f;  // added on every side, as a fraction of the foreground box's longer side
  std::array<std::uint8_t, 3> fill = {255, 255, 255};  // replaces the background (sRGB)
  float mean = 0.5f, std = 0.5f;                      // output = (x - mean) / std, x in [0, 1]

  // Alpha foreground: alpha above this (0..255) counts when finding the bounding box.
  int alpha_threshold = 8;
  // Border background: a pixel whose RGB distance (0..441) from the estimated background colour
  // is below `background_threshold` is background, above 2x that fully foreground, soft between.
  float background_threshold = 30.0f;
  // The border counts as a uniform background when at least this fraction of its pixels lie
  // within background_threshold of their median colour; otherwise the whole image is kept.
  float border_uniformity = 0.6f;

  // Input limits, checked from the file header before any pixel is decoded.
  int min_side = 16;
  int max_side = 32768;
  std::int64_t max_pixels = 64LL * 1024 * 1024;

  // Throws Error(Usage) naming the field for a value out of range.
  void validate() const;
};

enum class ForegroundSource {
  Alpha,   // from the alpha channel
  Border,  // uniform background colour estimated from the border pixels
  Whole,   // border not uniform: no background removed, whole image kept (caller may warn)
};

struct PreparedImage {
  int size = 0;
  std::vector<float> pixels;  // [3, size, size], planar R, G, B, normalised
  std::vector<float> mask;    // [size, size], 1 = foreground
  ForegroundSource source = ForegroundSource::Alpha;
  // Foreground bounding box in source pixels, [x0, x1) x [y0, y1).
  int box_x0 = 0, box_y0 = 0, box_x1 = 0, box_y1 = 0;
};

struct ImageFileInfo {
  int width = 0, height = 0;
  int channels = 0;      // as stored: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA (PNG) or CMYK (JPEG)
  bool jpeg = false;     // else PNG
  bool cmyk = false;     // 4-channel JPEG with an Adobe CMYK/YCCK transform marker
  int orientation = 1;   // JPEG EXIF orientation (1..8); width/height are as stored
};

// Reads only the header: Error(InvalidInput) naming the file for a missing/unreadable file, a
// format other than PNG/JPEG, a corrupt header, "too small" (a side under min_side), "too large"
// (a side over max_side or more than max_pixels pixels: rejected without allocating them), or a
// 4-channel JPEG without the Adobe marker that says how to read its channels.
ImageFileInfo probe_image(const std::filesystem::path& path, const ImageOptions& options = {});

// probe_image() then decodes to 8-bit RGBA (16-bit PNGs are reduced, grey expanded), turned
// upright by the JPEG EXIF orientation (so a 6 "rotate 90" photo comes back H x W). Adobe CMYK
// and YCCK JPEGs are converted to RGB by stb_image with the naive formula R = (1-C)(1-K) (no ICC
// colour management; a warning says so). Error(InvalidInput) naming the file when the pixel data
// is corrupt.
Image load_image(const std::filesystem::path& path, const ImageOptions& options = {});

// The pure preprocessing step. Error(InvalidInput) for an image smaller than min_side, a pixel
// buffer that does not match width x height, or "image has no visible foreground" (fully
// transparent, or one uniform colour).
PreparedImage prepare_image(const Image& image, const ImageOptions& options = {});

// load_image() + prepare_image(); a Whole-image fallback is logged as a warning naming the file.
PreparedImage prepare_image_file(const std::filesystem::path& path, const ImageOptions& options = {});

}  // namespace flexforge::condition
