// Area-weighted surface sampling.
//
// Sources this builds on (formulas only, no code):
//  * Uniform point in a triangle: P = (1 - sqrt(r1)) A + sqrt(r1) (1 - r2) B + sqrt(r1) r2 C,
//    R. Osada, T. Funkhouser, B. Chazelle, D. Dobkin, "Shape Distributions", ACM TOG 2002,
//    section 4.2.
//  * Inverse-CDF selection of a face by cumulative area: standard (e.g. M. Pharr, W. Jakob,
//    G. Humphreys, "Physically Based Rendering", 3rd ed., section 13.3).
//  * 53-bit mapping of a 64-bit integer to a double in [0, 1): S. Vigna, notes on generating
//    uniform doubles (prng.di.unimi.it).
#include "flexforge/core/sampling.h"

#include "flexforge/core/error.h"

#include <Eigen/Geometry>

#include <algorithm>
#include <cmath>
#include <random>

namespace flexforge {

double unit_interval(std::uint64_t random_bits) {
  return static_cast<double>(random_bits >> 11) * 0x1.0p-53;
}

SurfaceSamples sample_surface(const Mesh& mesh, std::size_t count, std::uint64_t seed) {
  mesh.validate();
  const std::size_t n = mesh.triangles.size();
  std::vector<double> cumulative(n);
  std::vector<Vec3> normals(n, Vec3::Zero());
  double total = 0.0;
  std::size_t last_positive = n;
  for (std::size_t f = 0; f < n; ++f) {
    const Triangle& t = mesh.triangles[f];
    const Eigen::Vector3d a = mesh.positions[t[0]].cast<double>();
    const Eigen::Vector3d b = mesh.positions[t[1]].cast<double>();
    const Eigen::Vector3d c = mesh.positions[t[2]].cast<double>();
    const Eigen::Vector3d cross = (b - a).cross(c - a);
    const double twice_area = cross.norm();
    if (twice_area > 0.0) {
      total += 0.5 * twice_area;
      normals[f] = (cross / twice_area).cast<float>();
      last_positive = f;
    }
    cumulative[f] = total;
  }
  if (!(total > 0.0) || !std::isfinite(total)) {
    throw Error(ExitCode::InvalidInput, "cannot sample a surface with zero (or non-finite) area");
  }

  SurfaceSamples out;
  out.points.resize(count);
  out.normals.resize(count);
  out.faces.resize(count);
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < count; ++i) {
    const double target = unit_interval(rng()) * total;
    std::size_t f = static_cast<std::size_t>(
        std::upper_bound(cumulative.begin(), cumulative.end(), target) - cumulative.begin());
    if (f >= n) f = last_positive;  // target rounded up onto the total
    const double s = std::sqrt(unit_interval(rng()));
    const double r2 = unit_interval(rng());
    const double u = 1.0 - s, v = s * (1.0 - r2), w = s * r2;
    const Triangle& t = mesh.triangles[f];
    const Eigen::Vector3d p = u * mesh.positions[t[0]].cast<double>() +
                              v * mesh.positions[t[1]].cast<double>() +
                              w * mesh.positions[t[2]].cast<double>();
    out.points[i] = p.cast<float>();
    out.normals[i] = normals[f];
    out.faces[i] = static_cast<std::uint32_t>(f);
  }
  return out;
}

}  // namespace flexforge
