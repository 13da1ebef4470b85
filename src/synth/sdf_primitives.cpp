// Exact signed distances of the grammar's primitives, derived here in the primitive's own frame.
// Segment-based solids (cylinder, cone, capsule, round cone) reduce to a 2D problem in
// (rho, s): rho = distance from the axis, s = position along it; the solid is then a 2D region
// with rho >= 0 and its distance is a 2D polygon/circle distance. (The same reduction is
// described in Inigo Quilez's "distance functions" notes; the code here is written from it.)
#include "flexforge/synth/sdf.h"

#include <Eigen/Geometry>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace flexforge::synth {

namespace {

float box_distance(const Vec3& q_abs, const Vec3& half) {
  const Vec3 q = q_abs - half;
  const float outside = q.cwiseMax(0.0f).norm();
  const float inside = std::min(std::max(q.x(), std::max(q.y(), q.z())), 0.0f);
  return outside + inside;
}

// Distance from 2D point p to segment [a, b].
float segment_distance_2d(const Eigen::Vector2f& p, const Eigen::Vector2f& a,
                          const Eigen::Vector2f& b) {
  const Eigen::Vector2f ab = b - a;
  const float len2 = ab.squaredNorm();
  const float t = len2 > 0.0f ? std::clamp((p - a).dot(ab) / len2, 0.0f, 1.0f) : 0.0f;
  return (p - (a + t * ab)).norm();
}

// Axis coordinates of p relative to segment a -> b: (rho, s) with s measured from a.
Eigen::Vector2f axis_coordinates(const Vec3& p, const Vec3& a, const Vec3& b, float& length) {
  const Vec3 axis = b - a;
  length = axis.norm();
  const Vec3 dir = length > 0.0f ? Vec3(axis / length) : Vec3(0.0f, 1.0f, 0.0f);
  const Vec3 pa = p - a;
  const float s = pa.dot(dir);
  const float rho = (pa - s * dir).norm();
  return {rho, s};
}

// Capped frustum: region rho <= ra + (rb - ra) s / L, 0 <= s <= L. Exact: the boundary of the
// 2D half-section is three segments (bottom cap, slanted side, top cap).
float frustum_distance(const Vec3& p, const Vec3& a, const Vec3& b, float ra, float rb) {
  float length = 0.0f;
  const Eigen::Vector2f q = axis_coordinates(p, a, b, length);
  const Eigen::Vector2f c0(0.0f, 0.0f), c1(ra, 0.0f), c2(rb, length), c3(0.0f, length);
  const float d = std::min({segment_distance_2d(q, c0, c1), segment_distance_2d(q, c1, c2),
                            segment_distance_2d(q, c2, c3)});
  const bool inside = q.y() >= 0.0f && q.y() <= length &&
                      q.x() <= ra + (rb - ra) * (length > 0.0f ? q.y() / length : 0.0f);
  return inside ? -d : d;
}

// Convex hull of sphere (a, ra) and sphere (b, rb). In the (rho, s) half-plane the outline is
// circle A, the common tangent, circle B. With n = (cos phi, sin phi) the outward normal of the
// tangent (sin phi = (ra - rb) / L), points whose coordinate along the tangent direction
// t = (-sin phi, cos phi) falls before A's tangent point are nearest to circle A, after B's to
// circle B, and in between to the tangent line.
float round_cone_distance(const Vec3& p, const Vec3& a, const Vec3& b, float ra, float rb) {
  float length = 0.0f;
  const Eigen::Vector2f q = axis_coordinates(p, a, b, length);
  if (length <= std::abs(ra - rb)) {  // one sphere contains the other
    return ra >= rb ? q.norm() - ra : (q - Eigen::Vector2f(0.0f, length)).norm() - rb;
  }
  const float sin_phi = (ra - rb) / length;
  const float cos_phi = std::sqrt(std::max(0.0f, 1.0f - sin_phi * sin_phi));
  const Eigen::Vector2f n(cos_phi, sin_phi), t(-sin_phi, cos_phi);
  const float u = q.dot(t);
  if (u < 0.0f) return q.norm() - ra;
  if (u > length * cos_phi) return (q - Eigen::Vector2f(0.0f, length)).norm() - rb;
  return q.dot(n) - ra;
}

float capsule_distance(const Vec3& p, const Vec3& a, const Vec3& b, float r) {
  const Vec3 ab = b - a;
  const float len2 = ab.squaredNorm();
  const float t = len2 > 0.0f ? std::clamp((p - a).dot(ab) / len2, 0.0f, 1.0f) : 0.0f;
  return (p - (a + t * ab)).norm() - r;
}

Aabb frame_bounds(const Vec3& center, const Mat3& rotation, const Vec3& half) {
  // |R| * half is the half extent of the rotated box.
  const Vec3 extent = rotation.cwiseAbs() * half;
  Aabb box;
  box.expand(center - extent);
  box.expand(center + extent);
  return box;
}

Aabb segment_bounds(const Vec3& a, const Vec3& b, float r) {
  Aabb box;
  box.expand(a.cwiseMin(b) - Vec3::Constant(r));
  box.expand(a.cwiseMax(b) + Vec3::Constant(r));
  return box;
}

}  // namespace

float Primitive::distance(const Vec3& p) const {
  switch (kind) {
    case PrimitiveKind::Box:
      return box_distance((rotation.transpose() * (p - center)).cwiseAbs(), size);
    case PrimitiveKind::RoundedBox: {
      const Vec3 inner = (size - Vec3::Constant(r0)).cwiseMax(0.0f);
      return box_distance((rotation.transpose() * (p - center)).cwiseAbs(), inner) - r0;
    }
    case PrimitiveKind::Sphere:
      return (p - center).norm() - r0;
    case PrimitiveKind::Ellipsoid: {
      const Vec3 q = rotation.transpose() * (p - center);
      return (q.cwiseQuotient(size).norm() - 1.0f) * size.minCoeff();
    }
    case PrimitiveKind::Torus: {
      const Vec3 q = rotation.transpose() * (p - center);
      const float ring = std::sqrt(q.x() * q.x() + q.z() * q.z()) - r0;
      return std::sqrt(ring * ring + q.y() * q.y()) - r1;
    }
    case PrimitiveKind::Cylinder: {
      float length = 0.0f;
      const Eigen::Vector2f q = axis_coordinates(p, a, b, length);
      // 2D box: |rho| <= r0, |s - L/2| <= L/2.
      const float dx = q.x() - r0, dy = std::abs(q.y() - 0.5f * length) - 0.5f * length;
      const float outside = std::sqrt(std::max(dx, 0.0f) * std::max(dx, 0.0f) +
                                      std::max(dy, 0.0f) * std::max(dy, 0.0f));
      return outside + std::min(std::max(dx, dy), 0.0f);
    }
    case PrimitiveKind::Capsule:
      return capsule_distance(p, a, b, r0);
    case PrimitiveKind::Cone:
      return frustum_distance(p, a, b, r0, r1);
    case PrimitiveKind::RoundCone:
      return round_cone_distance(p, a, b, r0, r1);
    case PrimitiveKind::Tube: {
      float d = std::numeric_limits<float>::infinity();
      for (std::size_t i = 0; i + 1 < path.size(); ++i) {
        d = std::min(d, round_cone_distance(p, path[i], path[i + 1], radii[i], radii[i + 1]));
      }
      return d;
    }
  }
  return std::numeric_limits<float>::infinity();
}

Aabb Primitive::bounds() const {
  switch (kind) {
    case PrimitiveKind::Box:
    case PrimitiveKind::RoundedBox:
    case PrimitiveKind::Ellipsoid:
      return frame_bounds(center, rotation, size);
    case PrimitiveKind::Sphere:
      return frame_bounds(center, Mat3::Identity(), Vec3::Constant(r0));
    case PrimitiveKind::Torus:
      return frame_bounds(center, rotation, Vec3(r0 + r1, r1, r0 + r1));
    case PrimitiveKind::Cylinder:
    case PrimitiveKind::Capsule:
      return segment_bounds(a, b, r0);
    case PrimitiveKind::Cone:
    case PrimitiveKind::RoundCone:
      return segment_bounds(a, b, std::max(r0, r1));
    case PrimitiveKind::Tube: {
      Aabb box;
      for (std::size_t i = 0; i < path.size(); ++i) {
        box.expand(path[i] - Vec3::Constant(radii[i]));
        box.expand(path[i] + Vec3::Constant(radii[i]));
      }
      return box;
    }
  }
  return {};
}

float Primitive::thickness() const {
  switch (kind) {
    case PrimitiveKind::Box:
    case PrimitiveKind::RoundedBox:
    case PrimitiveKind::Ellipsoid:
      return 2.0f * size.minCoeff();
    case PrimitiveKind::Sphere:
      return 2.0f * r0;
    case PrimitiveKind::Torus:
      return 2.0f * r1;
    case PrimitiveKind::Cylinder:
      return std::min(2.0f * r0, (b - a).norm());
    case PrimitiveKind::Capsule:
      return 2.0f * r0;
    case PrimitiveKind::Cone:  // a pointed tip is thin by nature; the body sets the resolution
      return std::min(2.0f * std::max(r0, r1), (b - a).norm());
    case PrimitiveKind::RoundCone:
      return 2.0f * std::min(r0, r1);
    case PrimitiveKind::Tube:
      return 2.0f * *std::min_element(radii.begin(), radii.end());
  }
  return 0.0f;
}

Primitive box(const Vec3& center, const Vec3& half, const Mat3& rotation) {
  Primitive p;
  p.kind = PrimitiveKind::Box;
  p.center = center;
  p.size = half;
  p.rotation = rotation;
  return p;
}

Primitive rounded_box(const Vec3& center, const Vec3& half, float radius, const Mat3& rotation) {
  Primitive p = box(center, half, rotation);
  p.kind = PrimitiveKind::RoundedBox;
  p.r0 = std::min(radius, half.minCoeff());
  return p;
}

Primitive sphere(const Vec3& center, float radius) {
  Primitive p;
  p.kind = PrimitiveKind::Sphere;
  p.center = center;
  p.r0 = radius;
  return p;
}

Primitive ellipsoid(const Vec3& center, const Vec3& radii, const Mat3& rotation) {
  Primitive p;
  p.kind = PrimitiveKind::Ellipsoid;
  p.center = center;
  p.size = radii;
  p.rotation = rotation;
  return p;
}

Primitive torus(const Vec3& center, float ring_radius, float tube_radius, const Mat3& rotation) {
  Primitive p;
  p.kind = PrimitiveKind::Torus;
  p.center = center;
  p.r0 = ring_radius;
  p.r1 = tube_radius;
  p.rotation = rotation;
  return p;
}

namespace {
Primitive segment_primitive(PrimitiveKind kind, const Vec3& a, const Vec3& b, float ra, float rb) {
  Primitive p;
  p.kind = kind;
  p.a = a;
  p.b = b;
  p.r0 = ra;
  p.r1 = rb;
  return p;
}
}  // namespace

Primitive cylinder(const Vec3& a, const Vec3& b, float radius) {
  return segment_primitive(PrimitiveKind::Cylinder, a, b, radius, radius);
}
Primitive capsule(const Vec3& a, const Vec3& b, float radius) {
  return segment_primitive(PrimitiveKind::Capsule, a, b, radius, radius);
}
Primitive cone(const Vec3& a, const Vec3& b, float radius_a, float radius_b) {
  return segment_primitive(PrimitiveKind::Cone, a, b, radius_a, radius_b);
}
Primitive round_cone(const Vec3& a, const Vec3& b, float radius_a, float radius_b) {
  return segment_primitive(PrimitiveKind::RoundCone, a, b, radius_a, radius_b);
}

Primitive tube(std::vector<Vec3> path, std::vector<float> radii) {
  if (path.size() < 2 || radii.size() != path.size()) {
    throw std::invalid_argument("synth::tube: needs >= 2 points and one radius per point");
  }
  Primitive p;
  p.kind = PrimitiveKind::Tube;
  p.path = std::move(path);
  p.radii = std::move(radii);
  return p;
}

Primitive bezier_tube(const Vec3& p0, const Vec3& control, const Vec3& p2, float r_start,
                      float r_end, int segments) {
  std::vector<Vec3> path;
  std::vector<float> radii;
  for (int i = 0; i <= segments; ++i) {
    const float t = static_cast<float>(i) / segments;
    const float u = 1.0f - t;
    path.push_back(u * u * p0 + 2.0f * u * t * control + t * t * p2);
    radii.push_back(r_start + (r_end - r_start) * t);
  }
  return tube(std::move(path), std::move(radii));
}

Mat3 rotation_x(float angle) { return Eigen::AngleAxisf(angle, Vec3::UnitX()).toRotationMatrix(); }
Mat3 rotation_y(float angle) { return Eigen::AngleAxisf(angle, Vec3::UnitY()).toRotationMatrix(); }
Mat3 rotation_z(float angle) { return Eigen::AngleAxisf(angle, Vec3::UnitZ()).toRotationMatrix(); }
Mat3 rotation_axis(const Vec3& axis, float angle) {
  return Eigen::AngleAxisf(angle, axis.normalized()).toRotationMatrix();
}

}  // namespace flexforge::synth
