// Tests for flexforge/core/bvh.h: closest points against independent brute force, known
// answers on single triangles, degenerate triangles, and invalid input.
#include "flexforge/core/bvh.h"
#include "flexforge/core/error.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace flexforge {
namespace {

// Deterministic uniform floats in [lo, hi) without std:: distributions.
struct Rng {
  std::mt19937_64 engine;
  explicit Rng(std::uint64_t seed) : engine(seed) {}
  float uniform(float lo, float hi) {
    return lo + (hi - lo) * static_cast<float>(static_cast<double>(engine() >> 11) * 0x1.0p-53);
  }
  Vec3 vec(float lo, float hi) { return Vec3(uniform(lo, hi), uniform(lo, hi), uniform(lo, hi)); }
};

// Independent reference: the closest point on a triangle by minimising over a dense barycentric
// grid plus the exact edge projections. Returns the squared distance.
double reference_distance2(const Vec3& q, const Vec3& a, const Vec3& b, const Vec3& c) {
  const Eigen::Vector3d p = q.cast<double>(), A = a.cast<double>(), B = b.cast<double>(),
                        C = c.cast<double>();
  double best = std::numeric_limits<double>::infinity();
  // Interior: solve the unconstrained plane projection and accept it if inside.
  const Eigen::Vector3d e1 = B - A, e2 = C - A;
  Eigen::Matrix2d g;
  g << e1.dot(e1), e1.dot(e2), e1.dot(e2), e2.dot(e2);
  if (std::abs(g.determinant()) > 1e-18) {
    const Eigen::Vector2d rhs(e1.dot(p - A), e2.dot(p - A));
    const Eigen::Vector2d st = g.inverse() * rhs;
    if (st[0] >= 0 && st[1] >= 0 && st[0] + st[1] <= 1) {
      best = std::min(best, (A + st[0] * e1 + st[1] * e2 - p).squaredNorm());
    }
  }
  const Eigen::Vector3d ends[3][2] = {{A, B}, {B, C}, {C, A}};
  for (const auto& e : ends) {
    const Eigen::Vector3d d = e[1] - e[0];
    double t = d.squaredNorm() > 0 ? (p - e[0]).dot(d) / d.squaredNorm() : 0.0;
    t = std::clamp(t, 0.0, 1.0);
    best = std::min(best, (e[0] + t * d - p).squaredNorm());
  }
  return best;
}

TEST(Bvh, ClosestPointMatchesBruteForce) {
  Rng rng(7);
  Mesh m;
  // 600 random triangles of mixed sizes, plus a few degenerate ones.
  for (int f = 0; f < 600; ++f) {
    const Vec3 c = rng.vec(-1, 1);
    const float s = f % 3 == 0 ? 0.5f : 0.05f;
    const std::uint32_t base = std::uint32_t(m.positions.size());
    m.positions.push_back(c + rng.vec(-s, s));
    m.positions.push_back(c + rng.vec(-s, s));
    m.positions.push_back(c + rng.vec(-s, s));
    m.triangles.push_back({base, base + 1, base + 2});
  }
  m.positions.push_back(Vec3(0, 0, 0));
  m.positions.push_back(Vec3(0.3f, 0.3f, 0.3f));
  const std::uint32_t n = std::uint32_t(m.positions.size());
  m.triangles.push_back({n - 2, n - 1, n - 1});  // a segment
  m.triangles.push_back({n - 2, n - 2, n - 2});  // a point

  const TriangleBvh bvh(m);
  EXPECT_EQ(bvh.face_count(), m.face_count());
  for (int i = 0; i < 2000; ++i) {
    const Vec3 q = rng.vec(-1.5f, 1.5f);
    double best = std::numeric_limits<double>::infinity();
    for (const Triangle& t : m.triangles) {
      best = std::min(best, reference_distance2(q, m.positions[t[0]], m.positions[t[1]],
                                                m.positions[t[2]]));
    }
    const TriangleBvh::Hit hit = bvh.closest_point(q);
    ASSERT_NEAR(hit.distance, std::sqrt(best), 1e-6) << "query " << i;
    // The reported point, face and barycentrics agree with each other.
    const Triangle& t = m.triangles[hit.face];
    const Vec3 from_bary = hit.barycentric[0] * m.positions[t[0]] +
                           hit.barycentric[1] * m.positions[t[1]] +
                           hit.barycentric[2] * m.positions[t[2]];
    EXPECT_LT((from_bary - hit.point).norm(), 1e-5f);
    EXPECT_NEAR((hit.point - q).norm(), hit.distance, 1e-5f);
    EXPECT_NEAR(hit.barycentric.sum(), 1.0f, 1e-5f);
    EXPECT_GE(hit.barycentric.minCoeff(), -1e-6f);
  }
}

TEST(Bvh, KnownAnswersOnOneTriangle) {
  Mesh m;
  m.positions = {Vec3(0, 0, 0), Vec3(2, 0, 0), Vec3(0, 2, 0)};
  m.triangles = {{0, 1, 2}};
  const TriangleBvh bvh(m);
  // Above the interior: straight down.
  TriangleBvh::Hit h = bvh.closest_point(Vec3(0.5f, 0.5f, 3.0f));
  EXPECT_FLOAT_EQ(h.distance, 3.0f);
  EXPECT_TRUE(h.point.isApprox(Vec3(0.5f, 0.5f, 0.0f)));
  EXPECT_TRUE(h.barycentric.isApprox(Vec3(0.5f, 0.25f, 0.25f)));
  // Beyond vertex 0.
  h = bvh.closest_point(Vec3(-1, -1, 0));
  EXPECT_TRUE(h.point.isZero());
  EXPECT_FLOAT_EQ(h.distance, std::sqrt(2.0f));
  EXPECT_TRUE(h.barycentric.isApprox(Vec3(1, 0, 0)));
  // Outside the hypotenuse: projects onto edge 1-2.
  h = bvh.closest_point(Vec3(2, 2, 0));
  EXPECT_TRUE(h.point.isApprox(Vec3(1, 1, 0)));
  EXPECT_NEAR(h.distance, std::sqrt(2.0f), 1e-6f);
  EXPECT_TRUE(h.barycentric.isApprox(Vec3(0, 0.5f, 0.5f)));
  // Below edge 0-1.
  h = bvh.closest_point(Vec3(1.5f, -4, 0));
  EXPECT_TRUE(h.point.isApprox(Vec3(1.5f, 0, 0)));
  EXPECT_FLOAT_EQ(h.distance, 4.0f);
}

TEST(Bvh, DegenerateTrianglesAnswerAsSegmentsAndPoints) {
  Mesh m;
  m.positions = {Vec3(0, 0, 0), Vec3(1, 0, 0), Vec3(3, 0, 0), Vec3(10, 10, 10)};
  m.triangles = {{0, 1, 2}, {3, 3, 3}};  // collinear, and a single point
  const TriangleBvh bvh(m);
  TriangleBvh::Hit h = bvh.closest_point(Vec3(2, 1, 0));
  EXPECT_EQ(h.face, 0u);
  EXPECT_FLOAT_EQ(h.distance, 1.0f);
  EXPECT_TRUE(h.point.isApprox(Vec3(2, 0, 0)));
  EXPECT_TRUE(std::isfinite(h.barycentric.sum()));
  h = bvh.closest_point(Vec3(10, 10, 12));
  EXPECT_EQ(h.face, 1u);
  EXPECT_FLOAT_EQ(h.distance, 2.0f);
}

TEST(Bvh, ManyCoincidentTrianglesStillBuild) {
  Mesh m;
  m.positions = {Vec3(0, 0, 0), Vec3(1, 0, 0), Vec3(0, 1, 0)};
  for (int i = 0; i < 1000; ++i) m.triangles.push_back({0, 1, 2});
  const TriangleBvh bvh(m);
  EXPECT_FLOAT_EQ(bvh.closest_point(Vec3(0.25f, 0.25f, 1)).distance, 1.0f);
}

TEST(Bvh, RejectsEmptyAndInvalidMeshes) {
  EXPECT_THROW(TriangleBvh{Mesh{}}, Error);
  Mesh bad;
  bad.positions = {Vec3(0, 0, 0)};
  bad.triangles = {{0, 0, 5}};
  EXPECT_THROW(TriangleBvh{bad}, Error);
}

}  // namespace
}  // namespace flexforge
