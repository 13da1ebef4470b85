// Silhouette matching of a mesh against an image prompt (generate's best-of-N for image
// prompts): a shape matches its own render from any azimuth better than other shapes do.
#include "flexforge/core/mesh_ops.h"
#include "flexforge/model/silhouette_match.h"
#include "flexforge/render/rasterizer.h"
#include "flexforge/synth/synth.h"

#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

namespace flexforge::model {
namespace {

synth::SynthAsset asset_of(const std::string& category) {
  synth::SynthConfig config;
  config.views = 1;
  config.image_size = 192;
  config.part_meshes = false;
  config.categories = {category};
  return synth::generate_asset(config, 2, 0);
}

std::filesystem::path write_render(const test::TempDir& dir, const synth::SynthAsset& a) {
  const auto file = dir / (a.id + ".png");
  std::ofstream(file, std::ios::binary) << render::encode_png(a.views.at(0).image);
  return file;
}

TEST(SilhouetteMatch, ShapeMatchesItsOwnRenderBetterThanOtherShapes) {
  test::TempDir dir;
  const auto chair = asset_of("chair");
  const auto target = prompt_silhouette(write_render(dir, chair));
  const double own = best_silhouette_match(chair.mesh, target).iou;
  EXPECT_GT(own, 0.8);
  for (const char* other : {"snake", "tower", "octopus"}) {
    const double iou = best_silhouette_match(asset_of(other).mesh, target).iou;
    EXPECT_LT(iou, own - 0.1) << other;
  }
}

TEST(SilhouetteMatch, SearchCoversTheAzimuthAndIgnoresScale) {
  test::TempDir dir;
  const auto chair = asset_of("chair");
  const auto target = prompt_silhouette(write_render(dir, chair));
  const double own = best_silhouette_match(chair.mesh, target).iou;
  Mesh turned = chair.mesh;
  Mat4 t = Mat4::Identity();
  const float a = static_cast<float>(M_PI / 2);  // a quarter turn about +Y, then 3x larger
  t.block<3, 3>(0, 0) << 3 * std::cos(a), 0, 3 * std::sin(a), 0, 3, 0, -3 * std::sin(a), 0, 3 * std::cos(a);
  transform(turned, t);
  EXPECT_NEAR(best_silhouette_match(turned, target).iou, own, 0.03);
}

TEST(SilhouetteMatch, EmptyMeshMatchesNothing) {
  test::TempDir dir;
  const auto target = prompt_silhouette(write_render(dir, asset_of("chair")));
  const auto m = best_silhouette_match(Mesh{}, target);
  EXPECT_EQ(m.iou, 0.0);
}

}  // namespace
}  // namespace flexforge::model
