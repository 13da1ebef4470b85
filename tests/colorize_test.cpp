// Colour for generated assets (pipeline/colorize): a colour word paints every part and wins over
// the image, an image prompt is projected from its best-matching view, a material word gives
// its albedo, nothing leaves the asset uncoloured; and `generate` writes the colours to the GLB.
#include "test_support.h"

#include "flexforge/core/color.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/io/import.h"
#include "flexforge/pipeline/colorize.h"
#include "flexforge/render/rasterizer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

using namespace flexforge;
using namespace flexforge::test;

namespace {

Scene two_spheres() {
  Scene s;
  s.parts.push_back(Part{"a", make_sphere(0.3f, Vec3(-0.2f, 0, 0), 16, 32), ""});
  s.parts.push_back(Part{"b", make_sphere(0.2f, Vec3(0.3f, 0, 0), 16, 32), ""});
  return s;
}

condition::WordMapping attribute(const std::string& words, const std::string& concept, const std::string& relation) {
  return {words, concept, relation, words};
}

// Linear colour of a vertex back to 8-bit sRGB, for comparisons in the colour's own terms.
std::array<int, 3> srgb8(const Vec4& c) {
  return {static_cast<int>(std::lround(255 * linear_to_srgb(c.x()))),
          static_cast<int>(std::lround(255 * linear_to_srgb(c.y()))),
          static_cast<int>(std::lround(255 * linear_to_srgb(c.z())))};
}

}  // namespace

TEST(Colorize, ColourWordPaintsEveryPartWithTheExactColourAndBeatsTheImage) {
  Scene s = two_spheres();
  // "crimson" maps to the model's token "red"; the paint is crimson itself (0xDC143C).
  const auto r = pipeline::colour_asset(s, {attribute("big", "big", "size"), attribute("crimson", "red", "colour")},
                                        "/nonexistent/image.png");
  EXPECT_EQ(r.source, "colour word");
  EXPECT_EQ(r.word, "crimson");
  for (const Part& p : s.parts) {
    ASSERT_EQ(p.mesh.colors.size(), p.mesh.positions.size());
    for (const Vec4& c : p.mesh.colors) EXPECT_EQ(srgb8(c), (std::array<int, 3>{0xDC, 0x14, 0x3C}));
  }
  // A palette name ("light blue") resolves through the palette or the CSS name without spaces.
  Scene t = two_spheres();
  EXPECT_EQ(pipeline::colour_asset(t, {attribute("light blue", "light blue", "colour")}, "").source, "colour word");
  EXPECT_TRUE(t.parts[0].mesh.has_colors());
}

TEST(Colorize, MaterialWordGivesItsAlbedoAndNothingLeavesTheAssetUncoloured) {
  Scene s = two_spheres();
  const auto r = pipeline::colour_asset(s, {attribute("wooden", "wood", "material")}, "");
  EXPECT_EQ(r.source, "material word");
  const auto c = srgb8(s.parts[1].mesh.colors[0]);
  EXPECT_GT(c[0], c[2]);  // wood: warm, red above blue
  Scene plain = two_spheres();
  const auto none = pipeline::colour_asset(plain, {attribute("big", "big", "size")}, "");
  EXPECT_EQ(none.source, "none");
  EXPECT_EQ(none.to_json(), (nlohmann::json{{"source", "none"}}));
  for (const Part& p : plain.parts) EXPECT_FALSE(p.mesh.has_colors());
}

TEST(Colorize, ImageIsProjectedFromTheBestMatchingView) {
  // A sphere red above its equator and blue below, rendered from a dataset-like view; the same
  // sphere without colours, painted from that picture, gets red on top and blue underneath.
  Mesh painted = make_sphere(0.4f, Vec3::Zero(), 24, 48);
  painted.colors.clear();
  for (const Vec3& p : painted.positions)
    painted.colors.push_back(p.y() > 0 ? Vec4(srgb_to_linear(0.85f), srgb_to_linear(0.1f), srgb_to_linear(0.1f), 1)
                                       : Vec4(srgb_to_linear(0.1f), srgb_to_linear(0.2f), srgb_to_linear(0.85f), 1));
  const render::Camera cam = render::orbit_cameras(bounding_box(painted), 1, 160, 20.0f, 35.0f).front();
  TempDir dir;
  const auto png = dir / "two_tone.png";
  std::ofstream(png, std::ios::binary) << render::encode_png(render::render(painted, cam, 2));

  Scene s;
  Mesh grey = painted;
  grey.colors.clear();
  s.parts.push_back(Part{"ball", grey, ""});
  const auto r = pipeline::colour_asset(s, {}, png);
  EXPECT_EQ(r.source, "image");
  EXPECT_GT(r.silhouette_iou, 0.8);
  const Mesh& m = s.parts[0].mesh;
  ASSERT_EQ(m.colors.size(), m.positions.size());
  std::size_t right = 0, counted = 0;
  for (std::size_t v = 0; v < m.positions.size(); ++v) {
    if (std::abs(m.positions[v].y()) < 0.08f) continue;  // the equator's shading band
    const auto c = srgb8(m.colors[v]);
    const bool red = c[0] > c[2];
    right += (m.positions[v].y() > 0) == red;
    ++counted;
  }
  EXPECT_GT(static_cast<double>(right) / static_cast<double>(counted), 0.95) << right << " / " << counted;
}
