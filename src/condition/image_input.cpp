#include "flexforge/condition/image_input.h"

#include "flexforge/core/error.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <memory>

// The one stb_image implementation in the tree (stb_image_write's lives in synth/rasterizer.cpp).
// Static, so it cannot clash with another copy a user links in; only the two formats we accept
// are compiled, which also keeps the decoders we never use off the attack surface; no stdio, as
// the bytes are read (and checked) here first.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_NO_STDIO
#define STBI_FAILURE_USERMSG
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

namespace flexforge::condition {

namespace {

Error invalid(const std::filesystem::path& path, const std::string& why) {
  return Error(ExitCode::InvalidInput, "image " + path.string() + ": " + why);
}

std::string dims(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

std::string read_bytes(const std::filesystem::path& path, const ImageOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw invalid(path, "file not found");
  if (std::filesystem::is_directory(path, ec)) throw invalid(path, "is a directory");
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw invalid(path, "cannot read (" + ec.message() + ")");
  // A compressed image is never much bigger than its pixels; this bounds the read itself before
  // the header check can run.
  const std::uintmax_t limit = static_cast<std::uintmax_t>(options.max_pixels) * 8 + (64u << 20);
  if (size > limit) throw invalid(path, "file too large (" + std::to_string(size) + " bytes)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw invalid(path, "cannot open");
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
    throw invalid(path, "cannot read");
  }
  return bytes;
}

bool is_png(const std::string& b) { return b.size() >= 8 && b.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0; }
bool is_jpeg(const std::string& b) {
  return b.size() >= 3 && static_cast<unsigned char>(b[0]) == 0xFF &&
         static_cast<unsigned char>(b[1]) == 0xD8 && static_cast<unsigned char>(b[2]) == 0xFF;
}

struct JpegLayout {
  int components = 0;       // from the frame header; 0 when none was found
  int width = 0, height = 0;
  int adobe_transform = -1;  // APP14 "Adobe" colour transform: 0 none (RGB/CMYK), 1 YCbCr, 2 YCCK
  int orientation = 1;       // EXIF orientation tag (1..8), 1 when absent or unreadable
};

// The orientation tag (0x0112) of IFD0 in the TIFF structure b[begin, end) of an EXIF segment;
// 1 (as stored) for anything missing, malformed or out of range.
int exif_orientation(const std::string& b, std::size_t begin, std::size_t end) {
  if (end > b.size() || end < begin + 8) return 1;
  const bool little = b.compare(begin, 2, "II") == 0;
  if (!little && b.compare(begin, 2, "MM") != 0) return 1;
  const auto read = [&](std::size_t at, int bytes) -> std::uint32_t {
    std::uint32_t v = 0;
    for (int k = 0; k < bytes; ++k) {
      const std::uint32_t byte = static_cast<unsigned char>(b[at + k]);
      v |= little ? byte << (8 * k) : byte << (8 * (bytes - 1 - k));
    }
    return v;
  };
  const std::size_t ifd = begin + read(begin + 4, 4);
  if (ifd < begin + 8 || ifd + 2 > end) return 1;
  const std::size_t entries = read(ifd, 2);
  for (std::size_t e = 0; e < entries; ++e) {
    const std::size_t entry = ifd + 2 + 12 * e;
    if (entry + 12 > end) return 1;
    if (read(entry, 2) == 0x0112 && read(entry + 2, 2) == 3) {  // SHORT, value inline
      const std::uint32_t v = read(entry + 8, 2);
      return v >= 1 && v <= 8 ? static_cast<int>(v) : 1;
    }
  }
  return 1;
}

// Walks the JPEG marker segments up to the start of scan. stbi_info reports every 4-channel JPEG
// as 3-channel, so this is the only way to see a CMYK file before decoding it.
JpegLayout jpeg_layout(const std::string& b) {
  JpegLayout out;
  const auto at = [&](std::size_t i) { return static_cast<unsigned char>(b[i]); };
  std::size_t i = 2;
  while (i + 3 < b.size()) {
    if (at(i) != 0xFF) break;  // corrupt; stbi_info has the final word
    const unsigned char marker = at(i + 1);
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {  // segments without a length
      i += 2;
      continue;
    }
    const std::size_t length = (static_cast<std::size_t>(at(i + 2)) << 8) | at(i + 3);
    const std::size_t data = i + 4;
    if (length < 2 || data + length - 2 > b.size()) break;
    if (marker == 0xEE && length >= 14 && b.compare(data, 5, "Adobe") == 0) {
      out.adobe_transform = at(data + 11);
    }
    if (marker == 0xE1 && length >= 8 && b.compare(data, 6, std::string("Exif\0\0", 6)) == 0) {
      out.orientation = exif_orientation(b, data + 6, data + length - 2);
    }
    const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
                       marker != 0xCC;
    if (frame && length >= 8) {
      out.height = (at(data + 1) << 8) | at(data + 2);
      out.width = (at(data + 3) << 8) | at(data + 4);
      out.components = at(data + 5);
    }
    if (marker == 0xDA) break;  // start of scan: headers are over
    i += 2 + length;
  }
  return out;
}

// sRGB colour + coverage of one source pixel after background removal.
struct Sample {
  float r, g, b, m;
};

}  // namespace

void ImageOptions::validate() const {
  const auto bad = [](const std::string& what) { return Error(ExitCode::Usage, "image options: " + what); };
  if (size < 8 || size > 4096) throw bad("size must be in 8..4096, got " + std::to_string(size));
  if (!(margin >= 0.0f && margin <= 1.0f)) throw bad("margin must be in [0, 1]");
  if (!(std > 0.0f) || !std::isfinite(mean)) throw bad("std must be > 0 and mean finite");
  if (alpha_threshold < 0 || alpha_threshold > 254) throw bad("alpha_threshold must be in 0..254");
  if (!(background_threshold > 0.0f && background_threshold < 442.0f)) {
    throw bad("background_threshold must be in (0, 442)");
  }
  if (!(border_uniformity > 0.0f && border_uniformity <= 1.0f)) throw bad("border_uniformity must be in (0, 1]");
  if (min_side < 1 || max_side < min_side) throw bad("need 1 <= min_side <= max_side");
  if (max_pixels < static_cast<std::int64_t>(min_side) * min_side) throw bad("max_pixels below min_side^2");
}

namespace {

ImageFileInfo probe_bytes(const std::filesystem::path& path, const std::string& bytes,
                          const ImageOptions& options) {
  ImageFileInfo info;
  if (is_jpeg(bytes)) {
    info.jpeg = true;
  } else if (!is_png(bytes)) {
    throw invalid(path, bytes.empty() ? "file is empty" : "not a PNG or JPEG file");
  }
  // Dimensions straight from the header, checked before stb sees the file: stb refuses some
  // large images itself with a generic "corrupt" message, and the limits are ours to state.
  JpegLayout layout;
  if (info.jpeg) {
    layout = jpeg_layout(bytes);
    info.width = layout.width, info.height = layout.height;
  } else if (bytes.size() >= 24 && bytes.compare(12, 4, "IHDR") == 0) {
    const auto be32 = [&](std::size_t i) {
      std::uint32_t v = 0;
      for (std::size_t k = 0; k < 4; ++k) v = (v << 8) | static_cast<unsigned char>(bytes[i + k]);
      return static_cast<int>(std::min<std::uint32_t>(v, INT32_MAX));
    };
    info.width = be32(16), info.height = be32(20);
  }
  const auto check_size = [&]() {
    const std::int64_t pixels = static_cast<std::int64_t>(info.width) * info.height;
    if (info.width < options.min_side || info.height < options.min_side) {
      throw invalid(path, "too small (" + dims(info.width, info.height) + "; at least " +
                              dims(options.min_side, options.min_side) + " pixels)");
    }
    if (info.width > options.max_side || info.height > options.max_side || pixels > options.max_pixels) {
      throw invalid(path, "too large (" + dims(info.width, info.height) + "; at most " +
                              std::to_string(options.max_side) + " pixels a side and " +
                              std::to_string(options.max_pixels / (1024 * 1024)) + " Mpixel)");
    }
  };
  if (info.width > 0 && info.height > 0) check_size();
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int length = static_cast<int>(std::min<std::size_t>(bytes.size(), INT32_MAX));
  int w = 0, h = 0;
  if (!stbi_info_from_memory(data, length, &w, &h, &info.channels)) {
    throw invalid(path, std::string("corrupt ") + (info.jpeg ? "JPEG" : "PNG") + " header (" +
                            stbi_failure_reason() + ")");
  }
  if (info.width != w || info.height != h) {
    info.width = w, info.height = h;
    check_size();
  }
  if (info.jpeg) {
    info.orientation = layout.orientation;
    if (layout.components != 0) info.channels = layout.components;
    if (layout.components == 4) {
      if (layout.adobe_transform != 0 && layout.adobe_transform != 2) {
        // Without the marker the channel convention (inverted or not, CMYK or YCCK) is a guess,
        // and a wrong guess gives a negative-looking image the encoder would take at face value.
        throw invalid(path, "4-channel (CMYK) JPEG without an Adobe colour-transform marker is not "
                            "supported; convert it to RGB");
      }
      info.cmyk = true;
    }
  }
  return info;
}

}  // namespace

ImageFileInfo probe_image(const std::filesystem::path& path, const ImageOptions& options) {
  options.validate();
  return probe_bytes(path, read_bytes(path, options), options);
}

Image load_image(const std::filesystem::path& path, const ImageOptions& options) {
  options.validate();
  const std::string bytes = read_bytes(path, options);
  const ImageFileInfo info = probe_bytes(path, bytes, options);
  int w = 0, h = 0, n = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()),
                            static_cast<int>(bytes.size()), &w, &h, &n, 4),
      stbi_image_free);
  if (!pixels) throw invalid(path, std::string("cannot decode (") + stbi_failure_reason() + ")");
  if (w != info.width || h != info.height) throw invalid(path, "header and pixel data disagree");
  if (info.cmyk) {
    spdlog::warn("{}: CMYK JPEG converted to RGB without colour management; colours are approximate",
                 path.string());
  }
  // Cameras store the sensor's rows and record the rotation in EXIF; the prompt is what the user
  // sees, so the pixels are turned upright here (stb_image ignores the tag).
  const int o = info.orientation;
  const bool swap = o >= 5;
  Image image;
  image.width = swap ? h : w;
  image.height = swap ? w : h;
  image.rgba.resize(static_cast<std::size_t>(w) * h * 4);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      int dx = x, dy = y;  // display position of stored pixel (x, y)
      switch (o) {
        case 2: dx = w - 1 - x; break;
        case 3: dx = w - 1 - x, dy = h - 1 - y; break;
        case 4: dy = h - 1 - y; break;
        case 5: dx = y, dy = x; break;
        case 6: dx = h - 1 - y, dy = x; break;
        case 7: dx = h - 1 - y, dy = w - 1 - x; break;
        case 8: dx = y, dy = w - 1 - x; break;
        default: break;
      }
      const stbi_uc* src = pixels.get() + (static_cast<std::size_t>(y) * w + x) * 4;
      std::copy(src, src + 4, image.rgba.data() + (static_cast<std::size_t>(dy) * image.width + dx) * 4);
    }
  return image;
}

namespace {

// The object's pixels: where they come from and their bounding box [x0, x1) x [y0, y1).
struct Foreground {
  ForegroundSource source = ForegroundSource::Whole;
  std::array<float, 3> bg = {0, 0, 0};  // the background colour (border estimate)
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// The image's pixels as seen by the resampler: RGB composited over the fill colour by the
// foreground mask, and the mask.
struct PixelSource {
  const Image& image;
  const ImageOptions& options;
  const Foreground& fg;
  std::array<float, 3> fill;

  PixelSource(const Image& i, const ImageOptions& o, const Foreground& f)
      : image(i), options(o), fg(f),
        fill({o.fill[0] / 255.0f, o.fill[1] / 255.0f, o.fill[2] / 255.0f}) {}

  const std::uint8_t* at(int x, int y) const {
    return image.rgba.data() + (static_cast<std::size_t>(y) * image.width + x) * 4;
  }
  float distance(const std::uint8_t* p) const {
    const float dr = p[0] - fg.bg[0], dg = p[1] - fg.bg[1], db = p[2] - fg.bg[2];
    return std::sqrt(dr * dr + dg * dg + db * db);
  }
  Sample operator()(int x, int y) const {
    if (x < 0 || y < 0 || x >= image.width || y >= image.height) return {fill[0], fill[1], fill[2], 0.0f};
    const std::uint8_t* p = at(x, y);
    const float t = options.background_threshold;
    float m = 1.0f;
    if (fg.source == ForegroundSource::Alpha) {
      m = p[3] / 255.0f;
    } else if (fg.source == ForegroundSource::Border) {
      m = std::clamp((distance(p) - t) / t, 0.0f, 1.0f);  // soft edge between t and 2t
    }
    return {m * p[0] / 255.0f + (1 - m) * fill[0], m * p[1] / 255.0f + (1 - m) * fill[1],
            m * p[2] / 255.0f + (1 - m) * fill[2], m};
  }
};

// With a uniform border (the median of a ring 2% of the shorter side wide, robust to an object
// touching the edge): the box of the pixels that differ from it. A foreground pixel only counts
// for the box when one of its 8 neighbours is foreground too, and a row/column needs a few such
// pixels (0.5% of its length) on large images, so JPEG noise specks in the background do not
// stretch the box while a 1-pixel-wide line still does. Without one: the whole image.
void border_foreground(const Image& image, const ImageOptions& options, Foreground& out) {
  const int w = image.width, h = image.height;
  const PixelSource px(image, options, out);
  const float t = options.background_threshold;
  const int ring = std::max(1, std::min(w, h) / 50);
  std::vector<const std::uint8_t*> border;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if (x < ring || y < ring || x >= w - ring || y >= h - ring) border.push_back(px.at(x, y));
  for (int c = 0; c < 3; ++c) {
    std::array<std::size_t, 256> hist{};
    for (const std::uint8_t* p : border) ++hist[p[c]];
    std::size_t seen = 0;
    int v = 0;
    while ((seen += hist[v]) * 2 < border.size()) ++v;
    out.bg[c] = static_cast<float>(v);
  }
  const auto uniform = std::count_if(border.begin(), border.end(),
                                     [&](const std::uint8_t* p) { return px.distance(p) <= t; });
  if (!(static_cast<float>(uniform) >= options.border_uniformity * static_cast<float>(border.size()))) {
    out.source = ForegroundSource::Whole;
    out.x0 = 0, out.y0 = 0, out.x1 = w, out.y1 = h;
    return;
  }
  out.source = ForegroundSource::Border;
  std::vector<std::uint8_t> fg(static_cast<std::size_t>(w) * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) fg[static_cast<std::size_t>(y) * w + x] = px.distance(px.at(x, y)) > t;
  const auto is_fg = [&](int x, int y) {
    return x >= 0 && y >= 0 && x < w && y < h && fg[static_cast<std::size_t>(y) * w + x];
  };
  std::vector<int> rows(h, 0), cols(w, 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      if (!is_fg(x, y)) continue;
      bool neighbour = false;
      for (int dy = -1; dy <= 1 && !neighbour; ++dy)
        for (int dx = -1; dx <= 1 && !neighbour; ++dx) neighbour = (dx || dy) && is_fg(x + dx, y + dy);
      if (neighbour) ++rows[y], ++cols[x];
    }
  const int row_min = std::max(1, w / 200), col_min = std::max(1, h / 200);
  for (int y = 0; y < h; ++y)
    if (rows[y] >= row_min) out.y0 = std::min(out.y0, y), out.y1 = std::max(out.y1, y + 1);
  for (int x = 0; x < w; ++x)
    if (cols[x] >= col_min) out.x0 = std::min(out.x0, x), out.x1 = std::max(out.x1, x + 1);
}

// The foreground from the alpha channel, when it is not opaque everywhere (an opaque one says
// nothing about the object: JPEGs, and PNGs saved with a needless alpha channel), else from the
// border estimate.
Foreground find_foreground(const Image& image, const ImageOptions& options) {
  const int w = image.width, h = image.height;
  bool has_alpha = false;
  for (std::size_t i = 3; i < image.rgba.size() && !has_alpha; i += 4) has_alpha = image.rgba[i] != 255;
  Foreground out;
  out.x0 = w, out.y0 = h, out.x1 = 0, out.y1 = 0;
  if (!has_alpha) {
    border_foreground(image, options, out);
    return out;
  }
  out.source = ForegroundSource::Alpha;
  const PixelSource px(image, options, out);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if (px.at(x, y)[3] > options.alpha_threshold) {
        out.x0 = std::min(out.x0, x), out.x1 = std::max(out.x1, x + 1);
        out.y0 = std::min(out.y0, y), out.y1 = std::max(out.y1, y + 1);
      }
  return out;
}

// Area filter: each output pixel is the exact coverage-weighted mean of the source pixels under
// its footprint, so thin features fade instead of aliasing away.
template <typename Store>
void resample_area(const PixelSource& sample, int S, double left, double top, double scale, const Store& store) {
  struct Tap {
    int index;
    float weight;
  };
  const auto taps = [&](double start) {
    std::vector<std::vector<Tap>> all(S);
    for (int j = 0; j < S; ++j) {
      const double a = start + j * scale, b = a + scale;
      for (int p = static_cast<int>(std::floor(a)); p < static_cast<int>(std::ceil(b)); ++p) {
        const double overlap = std::min<double>(b, p + 1) - std::max<double>(a, p);
        if (overlap > 0) all[j].push_back({p, static_cast<float>(overlap / scale)});
      }
    }
    return all;
  };
  const auto xt = taps(left), yt = taps(top);
  for (int i = 0; i < S; ++i)
    for (int j = 0; j < S; ++j) {
      Sample acc{0, 0, 0, 0};
      for (const Tap& ty : yt[i])
        for (const Tap& tx : xt[j]) {
          const Sample s = sample(tx.index, ty.index);
          const float wgt = tx.weight * ty.weight;
          acc.r += wgt * s.r, acc.g += wgt * s.g, acc.b += wgt * s.b, acc.m += wgt * s.m;
        }
      store(i, j, acc);
    }
}

// Bilinear between pixel centres (pixel p covers [p, p+1)).
template <typename Store>
void resample_bilinear(const PixelSource& sample, int S, double left, double top, double scale,
                       const Store& store) {
  for (int i = 0; i < S; ++i)
    for (int j = 0; j < S; ++j) {
      const double u = left + (j + 0.5) * scale - 0.5, v = top + (i + 0.5) * scale - 0.5;
      const int ix = static_cast<int>(std::floor(u)), iy = static_cast<int>(std::floor(v));
      const float fx = static_cast<float>(u - ix), fy = static_cast<float>(v - iy);
      const Sample a = sample(ix, iy), b = sample(ix + 1, iy), c = sample(ix, iy + 1),
                   d = sample(ix + 1, iy + 1);
      const auto mix = [&](float pa, float pb, float pc, float pd) {
        return (1 - fy) * ((1 - fx) * pa + fx * pb) + fy * ((1 - fx) * pc + fx * pd);
      };
      store(i, j, {mix(a.r, b.r, c.r, d.r), mix(a.g, b.g, c.g, d.g), mix(a.b, b.b, c.b, d.b),
                   mix(a.m, b.m, c.m, d.m)});
    }
}

}  // namespace

PreparedImage prepare_image(const Image& image, const ImageOptions& options) {
  options.validate();
  const int w = image.width, h = image.height;
  if (w < options.min_side || h < options.min_side) {
    throw Error(ExitCode::InvalidInput, "image too small (" + dims(w, h) + "; at least " +
                                            dims(options.min_side, options.min_side) + " pixels)");
  }
  if (image.rgba.size() != static_cast<std::size_t>(w) * h * 4) {
    throw Error(ExitCode::InvalidInput, "image buffer holds " + std::to_string(image.rgba.size()) +
                                            " bytes; " + dims(w, h) + " RGBA needs " +
                                            std::to_string(static_cast<std::size_t>(w) * h * 4));
  }
  PreparedImage out;
  out.size = options.size;
  // --- foreground mask and its bounding box ---
  const Foreground fg = find_foreground(image, options);
  out.source = fg.source;
  const int x0 = fg.x0, y0 = fg.y0, x1 = fg.x1, y1 = fg.y1;
  if (x1 <= x0 || y1 <= y0) throw Error(ExitCode::InvalidInput, "image has no visible foreground");
  out.box_x0 = x0, out.box_y0 = y0, out.box_x1 = x1, out.box_y1 = y1;

  // --- square crop around the box centre, with the margin ---
  const int S = options.size;
  const double side = std::max(x1 - x0, y1 - y0) * (1.0 + 2.0 * options.margin);
  const double left = 0.5 * (x0 + x1) - 0.5 * side, top = 0.5 * (y0 + y1) - 0.5 * side;
  const double scale = side / S;  // source pixels per output pixel

  out.pixels.assign(static_cast<std::size_t>(3) * S * S, 0.0f);
  out.mask.assign(static_cast<std::size_t>(S) * S, 0.0f);
  const auto store = [&](int i, int j, const Sample& s) {
    const std::size_t k = static_cast<std::size_t>(i) * S + j, plane = static_cast<std::size_t>(S) * S;
    out.pixels[k] = (s.r - options.mean) / options.std;
    out.pixels[plane + k] = (s.g - options.mean) / options.std;
    out.pixels[2 * plane + k] = (s.b - options.mean) / options.std;
    out.mask[k] = s.m;
  };
  const PixelSource sample(image, options, fg);
  if (scale > 1.0) {
    resample_area(sample, S, left, top, scale, store);
  } else {
    resample_bilinear(sample, S, left, top, scale, store);
  }
  return out;
}

PreparedImage prepare_image_file(const std::filesystem::path& path, const ImageOptions& options) {
  const Image image = load_image(path, options);
  try {
    PreparedImage prepared = prepare_image(image, options);
    if (prepared.source == ForegroundSource::Whole) {
      spdlog::warn("{}: no transparent or uniform background found; the whole image is used as "
                   "the object",
                   path.string());
    }
    return prepared;
  } catch (const Error& e) {
    throw Error(e.code(), "image " + path.string() + ": " + e.what());
  }
}

}  // namespace flexforge::condition
