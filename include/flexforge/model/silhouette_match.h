// How well a mesh's silhouette matches an image prompt's foreground, over the viewpoints the
// image could have been taken from. `generate` uses it to keep the best of several samples for
// an image prompt (GenerateOptions::image_candidates): the image then constrains the result
// directly, not only through the flows' image encoder.
//
// Both sides are framed by the same condition::prepare_image() (foreground crop with a margin,
// square), so the comparison ignores scale and position and needs no camera for the prompt. The
// viewpoints searched cover the dataset's render cameras (elevation 12-30 degrees, any azimuth,
// 35 degree field of view); a user's photo from another height matches less well but is still
// ranked consistently. Plain C++ (software rasterizer), deterministic.
#pragma once

#include "flexforge/core/mesh.h"

#include <filesystem>
#include <vector>

namespace flexforge::model {

struct SilhouetteViews {
  int mask_size = 64;    // framed mask side (pixels)
  int render_size = 96;  // render side before framing
  int azimuths = 16;     // evenly spaced from 0
  std::vector<float> elevations_deg = {12.0f, 21.0f, 30.0f};
  float fov_y_deg = 35.0f;
};

struct SilhouetteMatch {
  double iou = 0.0;  // soft IoU of the framed masks, 0..1 (0 for an empty mesh)
  float azimuth_deg = 0.0f, elevation_deg = 0.0f;  // the best view
};

// The prompt image's framed foreground mask [mask_size^2], values 0..1. Error(InvalidInput) as
// condition::prepare_image_file() for a missing, corrupt or empty image.
std::vector<float> prompt_silhouette(const std::filesystem::path& image, const SilhouetteViews& views = {});

// The best soft IoU between the mesh's framed silhouette and `target` (from prompt_silhouette
// with the same `views`) over every searched viewpoint.
SilhouetteMatch best_silhouette_match(const Mesh& mesh, const std::vector<float>& target,
                                      const SilhouetteViews& views = {});

}  // namespace flexforge::model
