// A small software rasterizer for the dataset's image prompts: perspective pinhole cameras,
// z-buffer, Lambert shading of interpolated vertex colours and normals, supersampled coverage as
// alpha (transparent background). Deterministic: triangles are drawn in index order, one thread.
#pragma once

#include "flexforge/core/mesh.h"
#include "flexforge/core/mesh_ops.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace flexforge::render {

// Right-handed, OpenGL/glTF convention: the camera looks down its -Z axis, +Y up in the image.
struct Camera {
  Vec3 position = Vec3(0, 0, 3);
  Vec3 target = Vec3::Zero();
  Vec3 up = Vec3::UnitY();
  float fov_y_deg = 40.0f;
  int width = 256, height = 256;

  // World -> camera rigid transform.
  Mat4 world_to_camera() const;
  // Pixel intrinsics K (3x3 in a Mat4's top-left): u = fx x/(-z) + cx, v = fy (-y)/(-z) + cy
  // with pixel (0, 0) at the top-left corner of the image and pixel centres at +0.5.
  Eigen::Matrix3f intrinsics() const;
  nlohmann::json to_json() const;
};

struct Image {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgba;  // row-major from the top row, 8-bit sRGB + straight alpha
};

// `count` cameras orbiting the box's centre at elevation `elevation_deg`, starting at azimuth
// `azimuth0_deg` (0 = looking from +Z) and spaced evenly; distance chosen so the bounding sphere
// fits the field of view.
std::vector<Camera> orbit_cameras(const Aabb& box, int count, int size, float elevation_deg,
                                  float azimuth0_deg, float fov_y_deg = 35.0f);

// Renders the mesh (colours default to light grey, normals to face normals when absent) with
// `supersample`^2 samples per pixel.
Image render(const Mesh& mesh, const Camera& camera, int supersample = 2);

// The view depth (distance along the camera's -Z) of the nearest front face at each pixel centre,
// row-major from the top row, infinity where nothing is drawn; the same scan conversion as
// render() at one sample per pixel.
std::vector<float> depth_map(const Mesh& mesh, const Camera& camera);

// PNG (8-bit RGBA) bytes; deterministic for a given image.
std::string encode_png(const Image& image);

}  // namespace flexforge::render
