#include "flexforge/pipeline/colorize.h"

#include "flexforge/condition/attribute_words.h"
#include "flexforge/condition/image_input.h"
#include "flexforge/core/color.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/model/silhouette_match.h"
#include "flexforge/render/rasterizer.h"
#include "flexforge/synth/shape_grammar.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace flexforge::pipeline {

namespace {

using Rgb = std::array<float, 3>;

std::optional<Rgb> palette_colour(const std::string& name) {
  for (const synth::NamedColor& c : synth::color_palette())
    if (c.name == name) return Rgb{c.rgb.x(), c.rgb.y(), c.rgb.z()};
  return std::nullopt;
}

std::string without_spaces(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  return s;
}

Vec4 linear_rgba(const Rgb& srgb) {
  return Vec4(srgb_to_linear(srgb[0]), srgb_to_linear(srgb[1]), srgb_to_linear(srgb[2]), 1.0f);
}

void paint(Scene& scene, const Rgb& srgb) {
  const Vec4 c = linear_rgba(srgb);
  for (Part& part : scene.parts) part.mesh.colors.assign(part.mesh.positions.size(), c);
}

Mesh merged_geometry(const Scene& scene) {
  Mesh all;
  for (const Part& part : scene.parts) {
    const auto base = static_cast<std::uint32_t>(all.positions.size());
    all.positions.insert(all.positions.end(), part.mesh.positions.begin(), part.mesh.positions.end());
    for (const Triangle& t : part.mesh.triangles) all.triangles.push_back({t[0] + base, t[1] + base, t[2] + base});
  }
  return all;
}

// The image projected onto every part from the best-matching view (see the header).
ColourResult project_image(Scene& scene, const std::filesystem::path& image) {
  ColourResult result;
  result.source = "image";
  const Mesh all = merged_geometry(scene);
  if (all.triangles.empty()) return result;
  const model::SilhouetteViews views;
  const model::SilhouetteMatch match = model::best_silhouette_match(all, model::prompt_silhouette(image, views), views);
  result.silhouette_iou = match.iou;
  result.azimuth_deg = match.azimuth_deg;
  result.elevation_deg = match.elevation_deg;

  constexpr int kSize = 256;  // framed side, both images
  condition::ImageOptions framing;
  framing.size = kSize;
  const condition::PreparedImage prompt = condition::prepare_image_file(image, framing);
  const render::Camera camera =
      render::orbit_cameras(bounding_box(all), 1, kSize, match.elevation_deg, match.azimuth_deg, views.fov_y_deg)
          .front();
  const condition::PreparedImage rendered = condition::prepare_image(render::render(all, camera, 1), framing);

  // The prompt's framed pixels back to sRGB, and the foreground's mean colour.
  const std::size_t plane = static_cast<std::size_t>(kSize) * kSize;
  const auto srgb_at = [&](std::size_t k) {
    Rgb c;
    for (int ch = 0; ch < 3; ++ch)
      c[ch] = std::clamp(prompt.pixels[ch * plane + k] * framing.std + framing.mean, 0.0f, 1.0f);
    return c;
  };
  Rgb mean{0, 0, 0};
  double weight = 0;
  for (std::size_t k = 0; k < plane; ++k) {
    if (prompt.mask[k] < 0.5f) continue;
    const Rgb c = srgb_at(k);
    for (int ch = 0; ch < 3; ++ch) mean[ch] += c[ch];
    weight += 1;
  }
  if (weight > 0)
    for (float& m : mean) m = static_cast<float>(m / weight);
  result.srgb = mean;

  // A render pixel (u, v) -> framed pixel: the same square crop prepare_image() makes.
  const double bw = rendered.box_x1 - rendered.box_x0, bh = rendered.box_y1 - rendered.box_y0;
  const double side = std::max(bw, bh) * (1.0 + 2.0 * framing.margin);
  const double left = 0.5 * (rendered.box_x0 + rendered.box_x1) - 0.5 * side;
  const double top = 0.5 * (rendered.box_y0 + rendered.box_y1) - 0.5 * side;
  const double per_pixel = side / kSize;
  const Mat4 view = camera.world_to_camera();
  const Eigen::Matrix3f k = camera.intrinsics();

  const auto colour_at = [&](const Vec3& p) -> Rgb {
    const Vec3 c = view.block<3, 3>(0, 0) * p + view.block<3, 1>(0, 3);
    const float depth = std::max(-c.z(), 1e-6f);
    const double u = k(0, 0) * c.x() / depth + k(0, 2), v = k(1, 1) * -c.y() / depth + k(1, 2);
    const int j = static_cast<int>(std::floor((u - left) / per_pixel));
    const int i = static_cast<int>(std::floor((v - top) / per_pixel));
    // Nearest foreground pixel in growing square rings (radius 0 = the pixel itself).
    for (int r = 0; r <= 4; ++r) {
      for (int di = -r; di <= r; ++di) {
        for (int dj = -r; dj <= r; ++dj) {
          if (std::max(std::abs(di), std::abs(dj)) != r) continue;
          const int y = i + di, x = j + dj;
          if (x < 0 || y < 0 || x >= kSize || y >= kSize) continue;
          const std::size_t id = static_cast<std::size_t>(y) * kSize + x;
          if (prompt.mask[id] >= 0.5f) return srgb_at(id);
        }
      }
    }
    return mean;
  };
  // Visible vertices (within 1% of the size behind the nearest surface at their pixel) take
  // their own pixel.
  const std::vector<float> depth = render::depth_map(all, camera);
  const float tolerance = 0.01f * bounding_box(all).extent().norm();
  const auto visible = [&](const Vec3& p) {
    const Vec3 c = view.block<3, 3>(0, 0) * p + view.block<3, 1>(0, 3);
    const float z = -c.z();
    if (!(z > 1e-6f)) return false;
    const int x = static_cast<int>(std::floor(k(0, 0) * c.x() / z + k(0, 2)));
    const int y = static_cast<int>(std::floor(k(1, 1) * -c.y() / z + k(1, 2)));
    float nearest = std::numeric_limits<float>::infinity();
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx)
        if (x + dx >= 0 && y + dy >= 0 && x + dx < kSize && y + dy < kSize)
          nearest = std::min(nearest, depth[static_cast<std::size_t>(y + dy) * kSize + (x + dx)]);
    return z <= nearest + tolerance;
  };
  for (Part& part : scene.parts) {
    Mesh& m = part.mesh;
    const std::size_t n = m.positions.size();
    m.colors.assign(n, Vec4::Zero());
    // Hidden vertices take the colour of the nearest visible one along the surface (breadth-
    // first over edges): the unseen side continues the seen one at the silhouette, where the
    // two meet. A part that shows no vertex at all is seen through (the pixel in front of it).
    std::vector<std::vector<std::uint32_t>> next(n);
    for (const Triangle& t : m.triangles)
      for (int e = 0; e < 3; ++e) next[t[e]].push_back(t[(e + 1) % 3]), next[t[(e + 1) % 3]].push_back(t[e]);
    std::vector<std::uint8_t> done(n, 0);
    std::vector<std::uint32_t> queue;
    for (std::size_t v = 0; v < n; ++v) {
      if (!visible(m.positions[v])) continue;
      m.colors[v] = linear_rgba(colour_at(m.positions[v]));
      done[v] = 1;
      queue.push_back(static_cast<std::uint32_t>(v));
    }
    for (std::size_t head = 0; head < queue.size(); ++head) {
      for (const std::uint32_t w : next[queue[head]]) {
        if (done[w]) continue;
        done[w] = 1;
        m.colors[w] = m.colors[queue[head]];
        queue.push_back(w);
      }
    }
    for (std::size_t v = 0; v < n; ++v)
      if (!done[v]) m.colors[v] = linear_rgba(colour_at(m.positions[v]));
  }
  return result;
}

}  // namespace

nlohmann::json ColourResult::to_json() const {
  nlohmann::json j = {{"source", source}};
  if (source == "none") return j;
  if (!word.empty()) j["word"] = word;
  j[source == "image" ? "mean_srgb" : "srgb"] = {srgb[0], srgb[1], srgb[2]};
  if (source == "image") {
    j["silhouette_iou"] = silhouette_iou;
    j["azimuth_deg"] = azimuth_deg;
    j["elevation_deg"] = elevation_deg;
  }
  return j;
}

std::optional<std::array<float, 3>> attribute_colour(const condition::WordMapping& a) {
  if (a.relation == "colour") {
    // The exact word first ("crimson"), then the model's palette name it maps to ("red").
    for (const std::string& name : {a.via, a.words, without_spaces(a.words)})
      if (auto c = condition::colour_word_srgb(name)) return c;
    for (const std::string& name : {a.words, a.concept})
      if (auto c = palette_colour(name)) return c;
  }
  if (a.relation == "material") {
    for (const std::string& name : {a.words, a.via})
      if (auto c = condition::material_word_srgb(name)) return c;
  }
  return std::nullopt;
}

namespace {

// The first attribute of `relation` that names a colour paints every part with it.
std::optional<ColourResult> paint_first(Scene& scene, const std::vector<condition::WordMapping>& attributes,
                                        const std::string& relation, const std::string& source) {
  for (const condition::WordMapping& a : attributes) {
    if (a.relation != relation) continue;
    if (const auto c = attribute_colour(a)) {
      paint(scene, *c);
      ColourResult r;
      r.source = source;
      r.word = a.words;
      r.srgb = *c;
      return r;
    }
  }
  return std::nullopt;
}

}  // namespace

ColourResult colour_asset(Scene& scene, const std::vector<condition::WordMapping>& attributes,
                          const std::filesystem::path& image) {
  if (auto r = paint_first(scene, attributes, "colour", "colour word")) return *r;
  if (!image.empty()) return project_image(scene, image);
  if (auto r = paint_first(scene, attributes, "material", "material word")) return *r;
  return {};
}

}  // namespace flexforge::pipeline
