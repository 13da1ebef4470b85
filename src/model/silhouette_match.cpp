#include "flexforge/model/silhouette_match.h"

#include "flexforge/condition/image_input.h"
#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/render/rasterizer.h"

#include <algorithm>

namespace flexforge::model {

namespace {

condition::ImageOptions framing(const SilhouetteViews& views) {
  condition::ImageOptions o;
  o.size = views.mask_size;
  return o;
}

double soft_iou(const std::vector<float>& a, const std::vector<float>& b) {
  double inter = 0.0, uni = 0.0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    inter += std::min(a[i], b[i]);
    uni += std::max(a[i], b[i]);
  }
  return uni > 0.0 ? inter / uni : 0.0;
}

}  // namespace

std::vector<float> prompt_silhouette(const std::filesystem::path& image, const SilhouetteViews& views) {
  return condition::prepare_image_file(image, framing(views)).mask;
}

SilhouetteMatch best_silhouette_match(const Mesh& mesh, const std::vector<float>& target,
                                      const SilhouetteViews& views) {
  SilhouetteMatch best;
  if (mesh.triangles.empty() || views.azimuths < 1) return best;
  const auto options = framing(views);
  const Aabb box = bounding_box(mesh);
  const auto score = [&](float azimuth, float elevation) {
    const auto camera =
        render::orbit_cameras(box, 1, views.render_size, elevation, azimuth, views.fov_y_deg).front();
    double iou = 0.0;
    try {
      iou = soft_iou(condition::prepare_image(render::render(mesh, camera, 1), options).mask, target);
    } catch (const Error&) {
      return;  // nothing visible from this view (degenerate mesh): no match there
    }
    if (iou > best.iou) best = {iou, azimuth, elevation};
  };
  // Coarse grid, then a finer look around its best view: silhouettes of thin parts (chair legs,
  // a lamp's arm) change within one coarse azimuth step.
  const float step = 360.0f / static_cast<float>(views.azimuths);
  for (const float elevation : views.elevations_deg) {
    for (int i = 0; i < views.azimuths; ++i) score(step * static_cast<float>(i), elevation);
  }
  const SilhouetteMatch coarse = best;
  for (const float de : {-4.5f, 0.0f, 4.5f}) {
    for (const float da : {-0.5f, -0.25f, 0.0f, 0.25f, 0.5f}) {
      if (de != 0.0f || da != 0.0f) score(coarse.azimuth_deg + da * step, coarse.elevation_deg + de);
    }
  }
  return best;
}

}  // namespace flexforge::model
