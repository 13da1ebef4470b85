// Software rasterizer: edge functions over each triangle's pixel bounding box, a float z-buffer,
// perspective-correct interpolation of normals and colours, Lambert shading with a key light
// from the camera's upper left and a sky fill light, supersampling for anti-aliased alpha.
#include "flexforge/render/rasterizer.h"
#include "flexforge/core/color.h"

#include "flexforge/core/error.h"

#include <Eigen/Geometry>

#include <algorithm>
#include <cmath>
#include <limits>

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#endif
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace flexforge::render {

namespace {

constexpr float kPi = 3.14159265358979323846f;

std::uint8_t linear_to_srgb8(float c) {
  return static_cast<std::uint8_t>(std::lround(linear_to_srgb(c) * 255.0f));
}

double r6(double x) { return std::round(x * 1e6) / 1e6; }

}  // namespace

Mat4 Camera::world_to_camera() const {
  const Vec3 f = (target - position).normalized();
  const Vec3 r = f.cross(up).normalized();
  const Vec3 u = r.cross(f);
  Mat4 m = Mat4::Identity();
  m.block<1, 3>(0, 0) = r.transpose();
  m.block<1, 3>(1, 0) = u.transpose();
  m.block<1, 3>(2, 0) = -f.transpose();
  m.block<3, 1>(0, 3) = -(m.block<3, 3>(0, 0) * position);
  return m;
}

Eigen::Matrix3f Camera::intrinsics() const {
  const float fy = 0.5f * height / std::tan(0.5f * fov_y_deg * kPi / 180.0f);
  Eigen::Matrix3f k = Eigen::Matrix3f::Zero();
  k(0, 0) = fy;
  k(1, 1) = fy;
  k(0, 2) = 0.5f * width;
  k(1, 2) = 0.5f * height;
  k(2, 2) = 1.0f;
  return k;
}

nlohmann::json Camera::to_json() const {
  nlohmann::json w2c = nlohmann::json::array();
  const Mat4 m = world_to_camera();
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) w2c.push_back(r6(m(r, c)));
  const Eigen::Matrix3f k = intrinsics();
  return {{"position", {r6(position.x()), r6(position.y()), r6(position.z())}},
          {"target", {r6(target.x()), r6(target.y()), r6(target.z())}},
          {"up", {r6(up.x()), r6(up.y()), r6(up.z())}},
          {"fov_y_deg", r6(fov_y_deg)},
          {"width", width},
          {"height", height},
          {"fx", r6(k(0, 0))},
          {"fy", r6(k(1, 1))},
          {"cx", r6(k(0, 2))},
          {"cy", r6(k(1, 2))},
          {"world_to_camera_row_major", w2c},
          {"convention", "OpenGL: camera looks down -Z, +Y up; pixel (0,0) top-left"}};
}

std::vector<Camera> orbit_cameras(const Aabb& box, int count, int size, float elevation_deg,
                                  float azimuth0_deg, float fov_y_deg) {
  std::vector<Camera> cameras;
  const Vec3 center = box.center();
  const float radius = std::max(0.5f * box.diagonal(), 1e-6f);
  const float distance = radius / std::sin(0.5f * fov_y_deg * kPi / 180.0f) * 1.02f;
  const float el = elevation_deg * kPi / 180.0f;
  for (int i = 0; i < count; ++i) {
    const float az = (azimuth0_deg + 360.0f * i / count) * kPi / 180.0f;
    Camera cam;
    cam.target = center;
    cam.position = center + distance * Vec3(std::cos(el) * std::sin(az), std::sin(el),
                                            std::cos(el) * std::cos(az));
    cam.fov_y_deg = fov_y_deg;
    cam.width = cam.height = size;
    cameras.push_back(cam);
  }
  return cameras;
}

namespace {

// Camera-space positions and the screen positions of a mesh's vertices at `s` samples per
// pixel side.
struct Projected {
  std::vector<Vec3> cam;
  std::vector<Eigen::Vector2f> screen;
};

Projected project(const Mesh& mesh, const Camera& camera, int s) {
  const Mat4 view = camera.world_to_camera();
  const Eigen::Matrix3f rot = view.block<3, 3>(0, 0);
  const Eigen::Matrix3f k = camera.intrinsics();
  const float fx = k(0, 0) * s, cx = k(0, 2) * s, cy = k(1, 2) * s;
  const std::size_t n = mesh.positions.size();
  Projected p;
  p.cam.resize(n);
  p.screen.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    p.cam[i] = rot * mesh.positions[i] + view.block<3, 1>(0, 3);
    const float depth = std::max(-p.cam[i].z(), 1e-6f);
    p.screen[i] = {cx + fx * p.cam[i].x() / depth, cy - fx * p.cam[i].y() / depth};
  }
  return p;
}

// Z-buffered scan conversion of the front faces into a W x H buffer of view depths (infinity
// where nothing is drawn); `fragment(pixel id, triangle, p0, p1, p2)` runs for every sample that
// passes the depth test, with the perspective-correct corner weights.
template <class Fragment>
std::vector<float> rasterize(const Mesh& mesh, const Projected& pr, int W, int H, Fragment&& fragment) {
  std::vector<float> depth(static_cast<std::size_t>(W) * H, std::numeric_limits<float>::infinity());
  const auto& cam = pr.cam;
  const auto& screen = pr.screen;
  for (const Triangle& t : mesh.triangles) {
    const Eigen::Vector2f &a = screen[t[0]], &b = screen[t[1]], &c = screen[t[2]];
    if (cam[t[0]].z() > -1e-4f || cam[t[1]].z() > -1e-4f || cam[t[2]].z() > -1e-4f) continue;
    const float area = (b.x() - a.x()) * (c.y() - a.y()) - (c.x() - a.x()) * (b.y() - a.y());
    if (!(area < 0.0f)) continue;  // back-facing (image y points down) or degenerate
    const int x0 = std::max(0, static_cast<int>(std::floor(std::min({a.x(), b.x(), c.x()}))));
    const int x1 = std::min(W - 1, static_cast<int>(std::ceil(std::max({a.x(), b.x(), c.x()}))));
    const int y0 = std::max(0, static_cast<int>(std::floor(std::min({a.y(), b.y(), c.y()}))));
    const int y1 = std::min(H - 1, static_cast<int>(std::ceil(std::max({a.y(), b.y(), c.y()}))));
    const float inv_z0 = 1.0f / -cam[t[0]].z(), inv_z1 = 1.0f / -cam[t[1]].z(),
                inv_z2 = 1.0f / -cam[t[2]].z();
    for (int y = y0; y <= y1; ++y) {
      const float py = y + 0.5f;
      for (int x = x0; x <= x1; ++x) {
        const float px = x + 0.5f;
        // Barycentrics from edge functions (all <= 0 inside for area < 0).
        const float w0 = ((b.x() - px) * (c.y() - py) - (c.x() - px) * (b.y() - py)) / area;
        const float w1 = ((c.x() - px) * (a.y() - py) - (a.x() - px) * (c.y() - py)) / area;
        const float w2 = 1.0f - w0 - w1;
        if (w0 < 0.0f || w1 < 0.0f || w2 < 0.0f) continue;
        const float inv_z = w0 * inv_z0 + w1 * inv_z1 + w2 * inv_z2;
        const float z = 1.0f / inv_z;
        const std::size_t id = static_cast<std::size_t>(y) * W + x;
        if (!(z < depth[id])) continue;
        depth[id] = z;
        fragment(id, t, w0 * inv_z0 * z, w1 * inv_z1 * z, w2 * inv_z2 * z);
      }
    }
  }
  return depth;
}

}  // namespace

std::vector<float> depth_map(const Mesh& mesh, const Camera& camera) {
  return rasterize(mesh, project(mesh, camera, 1), camera.width, camera.height,
                   [](std::size_t, const Triangle&, float, float, float) {});
}

Image render(const Mesh& mesh, const Camera& camera, int supersample) {
  const int s = std::max(1, supersample);
  const int W = camera.width * s, H = camera.height * s;
  const Projected pr = project(mesh, camera, s);
  const std::size_t n = mesh.positions.size();
  std::vector<Vec3> normals = mesh.normals;
  if (normals.size() != n) {
    Mesh copy;
    copy.positions = mesh.positions;
    copy.triangles = mesh.triangles;
    compute_vertex_normals(copy);
    normals = copy.normals;
  }

  const Vec3 forward = (camera.target - camera.position).normalized();
  const Vec3 right = forward.cross(camera.up).normalized();
  const Vec3 cam_up = right.cross(forward);
  const Vec3 key = (-forward + 0.6f * cam_up - 0.5f * right).normalized();  // towards the light
  const Vec3 sky = Vec3::UnitY();

  std::vector<Vec3> color(static_cast<std::size_t>(W) * H, Vec3::Zero());
  const std::vector<float> depth =
      rasterize(mesh, pr, W, H, [&](std::size_t id, const Triangle& t, float p0, float p1, float p2) {
        Vec3 nrm = p0 * normals[t[0]] + p1 * normals[t[1]] + p2 * normals[t[2]];
        const float len = nrm.norm();
        nrm = len > 1e-12f ? Vec3(nrm / len) : Vec3(-forward);
        Vec3 albedo(0.7f, 0.7f, 0.7f);
        if (mesh.has_colors()) {
          const Vec4 col = p0 * mesh.colors[t[0]] + p1 * mesh.colors[t[1]] + p2 * mesh.colors[t[2]];
          albedo = col.head<3>();
        }
        const float shade = 0.22f + 0.68f * std::max(0.0f, nrm.dot(key)) + 0.18f * std::max(0.0f, nrm.dot(sky));
        color[id] = albedo * shade;
      });

  Image image;
  image.width = camera.width;
  image.height = camera.height;
  image.rgba.assign(static_cast<std::size_t>(image.width) * image.height * 4, 0);
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      Vec3 sum = Vec3::Zero();
      int covered = 0;
      for (int sy = 0; sy < s; ++sy)
        for (int sx = 0; sx < s; ++sx) {
          const std::size_t id = static_cast<std::size_t>(y * s + sy) * W + (x * s + sx);
          if (std::isfinite(depth[id])) {
            sum += color[id];
            ++covered;
          }
        }
      std::uint8_t* px = &image.rgba[(static_cast<std::size_t>(y) * image.width + x) * 4];
      if (covered == 0) continue;
      const Vec3 c = sum / static_cast<float>(covered);
      px[0] = linear_to_srgb8(c.x());
      px[1] = linear_to_srgb8(c.y());
      px[2] = linear_to_srgb8(c.z());
      px[3] = static_cast<std::uint8_t>(std::lround(255.0f * covered / (s * s)));
    }
  }
  return image;
}

std::string encode_png(const Image& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.rgba.size() != static_cast<std::size_t>(image.width) * image.height * 4) {
    throw Error(ExitCode::StageFailed, "encode_png: image buffer does not match its size");
  }
  std::string out;
  const auto append = [](void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data),
                                               static_cast<std::size_t>(size));
  };
  if (!stbi_write_png_to_func(append, &out, image.width, image.height, 4, image.rgba.data(),
                              image.width * 4)) {
    throw Error(ExitCode::StageFailed, "encode_png: PNG encoding failed");
  }
  return out;
}

}  // namespace flexforge::render
