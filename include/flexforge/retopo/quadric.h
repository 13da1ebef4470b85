// Quadric error metric: the sum of squared distances from a point to a set of weighted planes,
// kept as a symmetric 4x4 matrix (10 numbers) so that merging two sets is one addition.
//
// Source: M. Garland, P. Heckbert, "Surface Simplification Using Quadric Error Metrics",
// SIGGRAPH 1997 (plane quadrics, optimal placement by solving the 3x3 system, boundary
// constraint planes).
#pragma once

#include <Eigen/Core>

namespace flexforge::retopo {

using V3d = Eigen::Vector3d;

struct Quadric {
  // Q(p) = p^T A p + 2 b^T p + c, with A symmetric: a00 a01 a02 a11 a12 a22.
  double a00 = 0, a01 = 0, a02 = 0, a11 = 0, a12 = 0, a22 = 0;
  double b0 = 0, b1 = 0, b2 = 0;
  double c = 0;

  // Adds weight * (n . p + d)^2 for the plane n . p + d = 0 (n unit length).
  void add_plane(const V3d& n, double d, double weight);
  // Adds weight * |p - q|^2 (a point quadric; used to keep a solve well posed).
  void add_point(const V3d& q, double weight);
  Quadric& operator+=(const Quadric& o);
  friend Quadric operator+(Quadric a, const Quadric& b) { return a += b; }

  // Error at p; clamped at 0 (rounding can make it slightly negative).
  double evaluate(const V3d& p) const;
  // The minimiser of Q when A is well conditioned (|det A| large against the cube of its
  // scale); returns false, leaving `out` untouched, when it is not.
  bool minimize(V3d& out) const;
};

}  // namespace flexforge::retopo
