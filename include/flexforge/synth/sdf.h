// Analytic signed distance functions: the primitives of the shape grammar and their
// composition into parts and assets.
//
// Sign convention: negative inside, positive outside, zero on the surface. Units are the
// asset's (metres-ish; assets stand on y = 0 with +Y up, the glTF convention).
//
// Contract every value here keeps: the functions are 1-Lipschitz (|f(p) - f(q)| <= |p - q|).
// All primitives are exact Euclidean distances except the ellipsoid, which is the conservative
// bound (|p/r| - 1) * min(r) (exact zero set, underestimates elsewhere). Unions are min() or the
// quadratic smooth minimum, whose gradient is a convex combination of its arguments'; cuts are
// max(d, -s). The mesher relies on this to skip empty space (|f(c)| > radius => no surface
// within radius of c), and the dataset relies on the sign for "joint inside the mesh".
#pragma once

#include "flexforge/core/mesh.h"
#include "flexforge/core/mesh_ops.h"

#include <Eigen/Core>

#include <string>
#include <vector>

namespace flexforge::synth {

using Mat3 = Eigen::Matrix3f;

enum class PrimitiveKind {
  Box,         // half extents `size`, in the primitive's frame
  RoundedBox,  // half extents `size` (outer), edge radius `r0`
  Sphere,      // radius r0 at `center`
  Ellipsoid,   // semi-axes `size`, in the primitive's frame
  Torus,       // ring radius r0, tube radius r1, ring in the frame's xz plane (axis = frame y)
  Cylinder,    // capped, axis a -> b, radius r0
  Capsule,     // segment a -> b, radius r0
  Cone,        // capped frustum, axis a -> b, radius r0 at a and r1 at b (r1 may be 0)
  RoundCone,   // tapered capsule: sphere r0 at a swept to sphere r1 at b
  Tube,        // swept tube: polyline `path` with per-point radii `radii` (chain of round cones)
};

struct Primitive {
  PrimitiveKind kind = PrimitiveKind::Sphere;
  Vec3 center = Vec3::Zero();            // frame origin (Box, RoundedBox, Sphere, Ellipsoid, Torus)
  Mat3 rotation = Mat3::Identity();      // frame axes as columns (local -> world)
  Vec3 size = Vec3::Zero();
  Vec3 a = Vec3::Zero(), b = Vec3::Zero();  // axis end points (Cylinder, Capsule, Cone, RoundCone)
  float r0 = 0.0f, r1 = 0.0f;
  std::vector<Vec3> path;   // Tube
  std::vector<float> radii; // Tube, one per path point
  bool subtract = false;    // a cut: removes material from its part
  int joint = -1;           // skeleton joint this primitive moves with (-1: the part's joint)

  float distance(const Vec3& p) const;
  // Conservative world bounding box of the solid.
  Aabb bounds() const;
  // Smallest feature size (diameter / thickness) of the solid; sets the mesh resolution needed.
  float thickness() const;
};

// Constructors. Rotations are given as frame matrices (columns = local axes in world space).
Primitive box(const Vec3& center, const Vec3& half, const Mat3& rotation = Mat3::Identity());
Primitive rounded_box(const Vec3& center, const Vec3& half, float radius,
                      const Mat3& rotation = Mat3::Identity());
Primitive sphere(const Vec3& center, float radius);
Primitive ellipsoid(const Vec3& center, const Vec3& radii, const Mat3& rotation = Mat3::Identity());
Primitive torus(const Vec3& center, float ring_radius, float tube_radius,
                const Mat3& rotation = Mat3::Identity());
Primitive cylinder(const Vec3& a, const Vec3& b, float radius);
Primitive capsule(const Vec3& a, const Vec3& b, float radius);
Primitive cone(const Vec3& a, const Vec3& b, float radius_a, float radius_b);
Primitive round_cone(const Vec3& a, const Vec3& b, float radius_a, float radius_b);
Primitive tube(std::vector<Vec3> path, std::vector<float> radii);
// Samples a quadratic Bezier (p0, control, p2) into `segments` tube segments with radii
// interpolated linearly from r_start to r_end.
Primitive bezier_tube(const Vec3& p0, const Vec3& control, const Vec3& p2, float r_start,
                      float r_end, int segments = 8);

// Rotation helpers (right-handed, angles in radians).
Mat3 rotation_x(float angle);
Mat3 rotation_y(float angle);
Mat3 rotation_z(float angle);
Mat3 rotation_axis(const Vec3& axis, float angle);

// Quadratic smooth minimum with blend radius k (k <= 0: plain min). smooth_min <= min(a, b).
float smooth_min(float a, float b, float k);

// One part: the smooth union (blend radius `blend`) of its additive primitives, minus its cuts.
struct PartShape {
  std::vector<Primitive> primitives;
  float blend = 0.0f;

  float distance(const Vec3& p) const;
  Aabb bounds() const;      // conservative, includes the smooth-union bulge
  float thickness() const;  // min over additive primitives
};

// A whole asset: the smooth union (blend radius `blend`) of its parts.
struct AssetShape {
  std::vector<PartShape> parts;
  float blend = 0.0f;

  float distance(const Vec3& p) const;
  // Index of the part with the smallest distance at p (ties: lowest index).
  int nearest_part(const Vec3& p) const;
  Aabb bounds() const;
  float thickness() const;
};

}  // namespace flexforge::synth
