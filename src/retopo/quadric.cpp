// Quadric error metric.
//
// Source: M. Garland, P. Heckbert, "Surface Simplification Using Quadric Error Metrics",
// SIGGRAPH 1997. The conditioning test (reject a solve whose determinant is tiny relative to
// the matrix scale) is the usual guard against flat or cylindrical regions, where the minimiser
// is a line or plane of points and the exact solve would wander.
#include "flexforge/retopo/quadric.h"

#include <algorithm>
#include <cmath>

namespace flexforge::retopo {

void Quadric::add_plane(const V3d& n, double d, double w) {
  a00 += w * n.x() * n.x();
  a01 += w * n.x() * n.y();
  a02 += w * n.x() * n.z();
  a11 += w * n.y() * n.y();
  a12 += w * n.y() * n.z();
  a22 += w * n.z() * n.z();
  b0 += w * n.x() * d;
  b1 += w * n.y() * d;
  b2 += w * n.z() * d;
  c += w * d * d;
}

void Quadric::add_point(const V3d& q, double w) {
  // w |p - q|^2 = w p.p - 2 w q.p + w q.q
  a00 += w;
  a11 += w;
  a22 += w;
  b0 -= w * q.x();
  b1 -= w * q.y();
  b2 -= w * q.z();
  c += w * q.squaredNorm();
}

Quadric& Quadric::operator+=(const Quadric& o) {
  a00 += o.a00; a01 += o.a01; a02 += o.a02; a11 += o.a11; a12 += o.a12; a22 += o.a22;
  b0 += o.b0; b1 += o.b1; b2 += o.b2;
  c += o.c;
  return *this;
}

double Quadric::evaluate(const V3d& p) const {
  const double x = p.x(), y = p.y(), z = p.z();
  const double v = a00 * x * x + a11 * y * y + a22 * z * z +
                   2.0 * (a01 * x * y + a02 * x * z + a12 * y * z) +
                   2.0 * (b0 * x + b1 * y + b2 * z) + c;
  return std::max(v, 0.0);
}

bool Quadric::minimize(V3d& out) const {
  // Cofactors of the symmetric 3x3 A.
  const double c00 = a11 * a22 - a12 * a12;
  const double c01 = a02 * a12 - a01 * a22;
  const double c02 = a01 * a12 - a02 * a11;
  const double det = a00 * c00 + a01 * c01 + a02 * c02;
  const double scale = std::max({std::abs(a00), std::abs(a11), std::abs(a22)});
  // A ratio of 1e-9 against scale^3 keeps solves whose smallest eigenvalue is ~1e-9 of the
  // largest (nearly flat regions) out; those fall back to the candidates the caller tries.
  if (!(scale > 0.0) || std::abs(det) <= 1e-9 * scale * scale * scale) return false;
  const double c11 = a00 * a22 - a02 * a02;
  const double c12 = a01 * a02 - a00 * a12;
  const double c22 = a00 * a11 - a01 * a01;
  const double inv = 1.0 / det;
  // p = -A^{-1} b
  const V3d p(-(c00 * b0 + c01 * b1 + c02 * b2) * inv, -(c01 * b0 + c11 * b1 + c12 * b2) * inv,
              -(c02 * b0 + c12 * b1 + c22 * b2) * inv);
  if (!p.allFinite()) return false;
  out = p;
  return true;
}

}  // namespace flexforge::retopo
