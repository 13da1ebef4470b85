// Triangle BVH for closest-point queries.
//
// Sources this builds on (ideas and formulas only, no code):
//  * Closest point on a triangle by Voronoi-region tests: C. Ericson, "Real-Time Collision
//    Detection", Morgan Kaufmann 2005, section 5.1.5; closest point on a segment, section 5.1.2;
//    point-to-AABB distance, section 5.1.3.1.
//  * Binned surface-area-heuristic build: I. Wald, "On fast Construction of SAH-based Bounding
//    Volume Hierarchies", IEEE Symposium on Interactive Ray Tracing 2007; SAH cost model from
//    J. Goldsmith, J. Salmon, "Automatic Creation of Object Hierarchies for Ray Tracing", IEEE
//    CG&A 1987.
//  * Nearest-first, branch-and-bound traversal for nearest-neighbour queries: standard
//    (e.g. Ericson, chapter 6).
#include "flexforge/core/bvh.h"

#include "flexforge/core/error.h"

#include <Eigen/Geometry>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace flexforge {

namespace {

using V3d = Eigen::Vector3d;

constexpr int kBins = 16;
constexpr std::uint32_t kMaxLeaf = 4;

struct PointResult {
  V3d point;
  V3d bary;  // weights of a, b, c
  double d2;
};

PointResult closest_on_segment(const V3d& p, const V3d& a, const V3d& b) {
  const V3d ab = b - a;
  const double len2 = ab.squaredNorm();
  double t = len2 > 0.0 ? (p - a).dot(ab) / len2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  PointResult r;
  r.point = a + t * ab;
  r.bary = V3d(1.0 - t, t, 0.0);
  r.d2 = (p - r.point).squaredNorm();
  return r;
}

// Degenerate triangle (zero area in the sense of mesh_ops.h: |ab x ac| <= 1e-12 * longest^2):
// it is the union of its edges, so the closest of the three segment answers is exact.
PointResult closest_on_degenerate(const V3d& p, const V3d& a, const V3d& b, const V3d& c) {
  PointResult best = closest_on_segment(p, a, b);
  PointResult bc = closest_on_segment(p, b, c);
  bc.bary = V3d(0.0, bc.bary[0], bc.bary[1]);
  if (bc.d2 < best.d2) best = bc;
  PointResult ca = closest_on_segment(p, c, a);
  ca.bary = V3d(ca.bary[1], 0.0, ca.bary[0]);
  if (ca.d2 < best.d2) best = ca;
  return best;
}

// Ericson, section 5.1.5.
PointResult closest_on_triangle(const V3d& p, const V3d& a, const V3d& b, const V3d& c) {
  const V3d ab = b - a;
  const V3d ac = c - a;
  const double longest2 = std::max({ab.squaredNorm(), ac.squaredNorm(), (c - b).squaredNorm()});
  if (ab.cross(ac).norm() <= 1e-12 * longest2) return closest_on_degenerate(p, a, b, c);

  auto make = [&p](const V3d& point, double u, double v, double w) {
    return PointResult{point, V3d(u, v, w), (p - point).squaredNorm()};
  };

  const V3d ap = p - a;
  const double d1 = ab.dot(ap);
  const double d2 = ac.dot(ap);
  if (d1 <= 0.0 && d2 <= 0.0) return make(a, 1.0, 0.0, 0.0);

  const V3d bp = p - b;
  const double d3 = ab.dot(bp);
  const double d4 = ac.dot(bp);
  if (d3 >= 0.0 && d4 <= d3) return make(b, 0.0, 1.0, 0.0);

  const double vc = d1 * d4 - d3 * d2;
  if (vc <= 0.0 && d1 >= 0.0 && d3 <= 0.0) {
    const double v = d1 / (d1 - d3);
    return make(a + v * ab, 1.0 - v, v, 0.0);
  }

  const V3d cp = p - c;
  const double d5 = ab.dot(cp);
  const double d6 = ac.dot(cp);
  if (d6 >= 0.0 && d5 <= d6) return make(c, 0.0, 0.0, 1.0);

  const double vb = d5 * d2 - d1 * d6;
  if (vb <= 0.0 && d2 >= 0.0 && d6 <= 0.0) {
    const double w = d2 / (d2 - d6);
    return make(a + w * ac, 1.0 - w, 0.0, w);
  }

  const double va = d3 * d6 - d5 * d4;
  if (va <= 0.0 && (d4 - d3) >= 0.0 && (d5 - d6) >= 0.0) {
    const double w = (d4 - d3) / ((d4 - d3) + (d5 - d6));
    return make(b + w * (c - b), 0.0, 1.0 - w, w);
  }

  const double sum = va + vb + vc;
  if (!(sum > 0.0) || !std::isfinite(sum)) return closest_on_degenerate(p, a, b, c);
  const double v = vb / sum;
  const double w = vc / sum;
  return make(a + v * ab + w * ac, 1.0 - v - w, v, w);
}

struct Box {
  std::array<float, 3> lo{std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::infinity()};
  std::array<float, 3> hi{-std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity()};
  void expand(const Box& o) {
    for (int i = 0; i < 3; ++i) {
      lo[i] = std::min(lo[i], o.lo[i]);
      hi[i] = std::max(hi[i], o.hi[i]);
    }
  }
  void expand(const std::array<float, 3>& p) {
    for (int i = 0; i < 3; ++i) {
      lo[i] = std::min(lo[i], p[i]);
      hi[i] = std::max(hi[i], p[i]);
    }
  }
  // Half the surface area (the SAH only compares ratios); 0 for an empty box.
  double half_area() const {
    if (lo[0] > hi[0]) return 0.0;
    const double x = double(hi[0]) - lo[0], y = double(hi[1]) - lo[1], z = double(hi[2]) - lo[2];
    return x * y + y * z + z * x;
  }
};

}  // namespace

TriangleBvh::TriangleBvh(const Mesh& mesh) {
  mesh.validate();
  const std::size_t n = mesh.triangles.size();
  if (n == 0) throw Error(ExitCode::InvalidInput, "cannot build a BVH over a mesh without faces");
  if (n >= std::numeric_limits<std::uint32_t>::max() / 2) {
    throw Error(ExitCode::InvalidInput, "mesh has too many faces for the BVH");
  }

  std::vector<Box> boxes(n);
  std::vector<std::array<float, 3>> centroids(n);
  for (std::size_t f = 0; f < n; ++f) {
    for (std::uint32_t v : mesh.triangles[f]) {
      const Vec3& p = mesh.positions[v];
      boxes[f].expand(std::array<float, 3>{p.x(), p.y(), p.z()});
    }
    for (int i = 0; i < 3; ++i) centroids[f][i] = 0.5f * (boxes[f].lo[i] + boxes[f].hi[i]);
  }

  std::vector<std::uint32_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);

  struct Task {
    std::uint32_t node, begin, end;
  };
  nodes_.reserve(2 * n / kMaxLeaf + 1);
  nodes_.push_back(Node{});
  std::vector<Task> tasks{{0, 0, static_cast<std::uint32_t>(n)}};
  while (!tasks.empty()) {
    const Task task = tasks.back();
    tasks.pop_back();
    Box bounds, centroid_bounds;
    for (std::uint32_t i = task.begin; i < task.end; ++i) {
      bounds.expand(boxes[order[i]]);
      centroid_bounds.expand(centroids[order[i]]);
    }
    Node& node = nodes_[task.node];
    for (int i = 0; i < 3; ++i) {
      node.lo[i] = bounds.lo[i];
      node.hi[i] = bounds.hi[i];
    }
    const std::uint32_t count = task.end - task.begin;
    if (count <= kMaxLeaf) {
      node.first = task.begin;
      node.count = count;
      continue;
    }

    int axis = 0;
    for (int i = 1; i < 3; ++i) {
      if (centroid_bounds.hi[i] - centroid_bounds.lo[i] >
          centroid_bounds.hi[axis] - centroid_bounds.lo[axis]) {
        axis = i;
      }
    }
    const float cmin = centroid_bounds.lo[axis];
    const float extent = centroid_bounds.hi[axis] - cmin;
    std::uint32_t mid;
    if (!(extent > 0.0f)) {
      // All centroids coincide: no plane separates them, split by position in the list.
      mid = task.begin + count / 2;
    } else {
      const float scale = static_cast<float>(kBins) / extent;
      auto bin_of = [&](std::uint32_t f) {
        const int b = static_cast<int>((centroids[f][axis] - cmin) * scale);
        return std::clamp(b, 0, kBins - 1);
      };
      std::array<Box, kBins> bin_box;
      std::array<std::uint32_t, kBins> bin_count{};
      for (std::uint32_t i = task.begin; i < task.end; ++i) {
        const int b = bin_of(order[i]);
        bin_box[b].expand(boxes[order[i]]);
        ++bin_count[b];
      }
      // Sweep from the right to get suffix areas, then from the left to evaluate each plane.
      std::array<double, kBins> right_area{};
      std::array<std::uint32_t, kBins> right_count{};
      Box acc;
      std::uint32_t acc_count = 0;
      for (int b = kBins - 1; b > 0; --b) {
        acc.expand(bin_box[b]);
        acc_count += bin_count[b];
        right_area[b] = acc.half_area();
        right_count[b] = acc_count;
      }
      Box left;
      std::uint32_t left_count = 0;
      double best_cost = std::numeric_limits<double>::infinity();
      int best_split = -1;  // left side = bins [0, best_split]
      for (int b = 0; b < kBins - 1; ++b) {
        left.expand(bin_box[b]);
        left_count += bin_count[b];
        if (left_count == 0 || right_count[b + 1] == 0) continue;
        const double cost = left.half_area() * left_count + right_area[b + 1] * right_count[b + 1];
        if (cost < best_cost) {
          best_cost = cost;
          best_split = b;
        }
      }
      if (best_split < 0) {
        mid = task.begin + count / 2;
      } else {
        auto it = std::partition(order.begin() + task.begin, order.begin() + task.end,
                                 [&](std::uint32_t f) { return bin_of(f) <= best_split; });
        mid = static_cast<std::uint32_t>(it - order.begin());
        if (mid == task.begin || mid == task.end) mid = task.begin + count / 2;
      }
    }

    const std::uint32_t left_index = static_cast<std::uint32_t>(nodes_.size());
    nodes_[task.node].first = left_index;
    nodes_[task.node].count = 0;
    nodes_.push_back(Node{});
    nodes_.push_back(Node{});
    tasks.push_back({left_index, task.begin, mid});
    tasks.push_back({left_index + 1, mid, task.end});
  }

  corners_.resize(n);
  faces_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Triangle& t = mesh.triangles[order[i]];
    corners_[i] = Corners{mesh.positions[t[0]], mesh.positions[t[1]], mesh.positions[t[2]]};
    faces_[i] = order[i];
  }
}

TriangleBvh::Hit TriangleBvh::closest_point(const Vec3& q) const {
  const V3d p = q.cast<double>();
  auto box_d2 = [&p](const Node& node) {
    double d2 = 0.0;
    for (int i = 0; i < 3; ++i) {
      const double lo = node.lo[i], hi = node.hi[i];
      if (p[i] < lo) {
        d2 += (lo - p[i]) * (lo - p[i]);
      } else if (p[i] > hi) {
        d2 += (p[i] - hi) * (p[i] - hi);
      }
    }
    return d2;
  };

  double best_d2 = std::numeric_limits<double>::infinity();
  PointResult best{V3d::Zero(), V3d(1.0, 0.0, 0.0), best_d2};
  std::uint32_t best_entry = 0;

  // Depth-first with an explicit stack; at most one pending sibling per level.
  std::vector<std::uint32_t> stack;
  stack.reserve(64);
  stack.push_back(0);
  while (!stack.empty()) {
    const Node& node = nodes_[stack.back()];
    stack.pop_back();
    if (box_d2(node) >= best_d2) continue;
    if (node.count > 0) {
      for (std::uint32_t i = node.first; i < node.first + node.count; ++i) {
        const Corners& t = corners_[i];
        const PointResult r =
            closest_on_triangle(p, t.a.cast<double>(), t.b.cast<double>(), t.c.cast<double>());
        if (r.d2 < best_d2) {
          best_d2 = r.d2;
          best = r;
          best_entry = i;
        }
      }
      continue;
    }
    const std::uint32_t left = node.first;
    const std::uint32_t right = node.first + 1;
    const double dl = box_d2(nodes_[left]);
    const double dr = box_d2(nodes_[right]);
    // Push the farther child first so the nearer one is visited next.
    if (dl <= dr) {
      if (dr < best_d2) stack.push_back(right);
      if (dl < best_d2) stack.push_back(left);
    } else {
      if (dl < best_d2) stack.push_back(left);
      if (dr < best_d2) stack.push_back(right);
    }
  }

  Hit hit;
  hit.point = best.point.cast<float>();
  hit.distance = static_cast<float>(std::sqrt(best_d2));
  hit.face = faces_[best_entry];
  hit.barycentric = best.bary.cast<float>();
  return hit;
}

}  // namespace flexforge
