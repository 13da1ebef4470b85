// Watershed over-segmentation and greedy boundary-strength merging (see region_merge.h).
//
// Sources: marker-controlled watershed on meshes (Mangan & Whitaker, "Partitioning 3D surface
// meshes using watershed segmentation", TVCG 1999); hierarchical merging of adjacent regions by
// a boundary cost (Garland, Willmott, Heckbert, "Hierarchical face clustering on polygonal
// surfaces", I3D 2001; Attene, Falcidieno, Spagnuolo, "Hierarchical mesh segmentation based on
// fitting primitives", TVC 2006). Here the boundary cost is the mean concavity along the shared
// edges, so two regions separated only by noise or a flat seam merge first and the real creases
// between parts survive longest.
#include "flexforge/segment/region_merge.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <queue>
#include <tuple>

namespace flexforge::segment {

namespace {

float face_concavity(const WorkingMesh& w, const std::vector<float>& c, std::uint32_t f) {
  const Triangle& t = w.triangles[f];
  return (c[t[0]] + c[t[1]] + c[t[2]]) / 3.0f;
}

struct Boundary {
  double length = 0.0;
  double weighted = 0.0;  // sum of concavity * length
  double strength() const { return length > 0 ? weighted / length : 0.0; }
};

}  // namespace

std::vector<int> watershed_regions(const WorkingMesh& w, const std::vector<float>& vc,
                                   double core_threshold, int* count,
                                   const std::vector<int>& face_band) {
  const std::size_t F = w.triangles.size();
  std::vector<float> fc(F);
  for (std::uint32_t f = 0; f < F; ++f) fc[f] = face_concavity(w, vc, f);
  std::vector<int> label(F, -1);
  int n = 0;
  const bool banded = face_band.size() == F;
  auto same_band = [&](std::uint32_t f, std::uint32_t g) {
    if (!banded) return true;
    const int a = face_band[f], b = face_band[g];
    return a == b || a == std::numeric_limits<int>::min() || b == std::numeric_limits<int>::min();
  };
  // Markers: flood-fill the core faces.
  std::vector<std::uint32_t> stack;
  auto fill_core = [&](std::uint32_t s, bool any) {
    label[s] = n;
    stack.push_back(s);
    while (!stack.empty()) {
      const std::uint32_t f = stack.back();
      stack.pop_back();
      for (std::uint32_t k = w.adj_offset[f]; k < w.adj_offset[f + 1]; ++k) {
        const std::uint32_t g = w.adj[k];
        if (label[g] < 0 && (any || (fc[g] < core_threshold && same_band(f, g)))) {
          label[g] = n;
          stack.push_back(g);
        }
      }
    }
    ++n;
  };
  std::vector<char> component_marked(w.component_count, 0);
  for (std::uint32_t f = 0; f < F; ++f) {
    if (label[f] < 0 && fc[f] < core_threshold) {
      component_marked[w.face_component[f]] = 1;
      fill_core(f, false);
    }
  }
  // A component with no convex core: seed its least concave face (only that face).
  std::vector<std::int64_t> least(w.component_count, -1);
  for (std::uint32_t f = 0; f < F; ++f) {
    const int c = w.face_component[f];
    if (component_marked[c]) continue;
    if (least[c] < 0 || fc[f] < fc[least[c]]) least[c] = f;
  }
  for (int c = 0; c < w.component_count; ++c) {
    if (least[c] >= 0) label[least[c]] = n++;
  }
  // Priority flood, lowest concavity first; ties by face index (deterministic).
  using Item = std::tuple<float, std::uint32_t, int>;  // concavity, face, label
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
  for (std::uint32_t f = 0; f < F; ++f) {
    if (label[f] < 0) continue;
    for (std::uint32_t k = w.adj_offset[f]; k < w.adj_offset[f + 1]; ++k) {
      const std::uint32_t g = w.adj[k];
      if (label[g] < 0) heap.push({fc[g], g, label[f]});
    }
  }
  while (!heap.empty()) {
    const auto [c, f, l] = heap.top();
    heap.pop();
    if (label[f] >= 0) continue;
    label[f] = l;
    for (std::uint32_t k = w.adj_offset[f]; k < w.adj_offset[f + 1]; ++k) {
      const std::uint32_t g = w.adj[k];
      if (label[g] < 0) heap.push({fc[g], g, l});
    }
  }
  *count = n;
  return label;
}

namespace {

// The regions being merged: per region its area, area-weighted centroid moment, thickness sums,
// first face and boundaries with its neighbours, under a union-find whose roots are the regions
// still `alive`.
class RegionGraph {
 public:
  RegionGraph(const WorkingMesh& w, const std::vector<float>& vc, const std::vector<int>& regions,
              int count, const MergeOptions& options, const std::vector<float>& flt)
      : options_(options), count_(count), area_(count, 0.0), t_area_(count, 0.0), t_sum_(count, 0.0),
        thick_(flt.size() == w.triangles.size() && options.thickness_weight > 0),
        moment_(count, Eigen::Vector3d::Zero()),
        first_face_(count, std::numeric_limits<std::uint32_t>::max()), nb_(count),
        parent_(count), stamp_(count, 0), alive_(count) {
    measure(w, regions, flt);
    find_boundaries(w, vc, regions);
    std::iota(parent_.begin(), parent_.end(), 0);
  }

  double total_area() const { return total_; }
  int alive() const { return alive_; }

  // Absorbs small regions (smallest first, into the neighbour with the longest shared boundary,
  // or the nearest centroid when isolated), never going below `target` regions.
  void absorb_small(int target, double min_area) {
    while (alive_ > target) {
      int s = -1;
      for (int r = 0; r < count_; ++r) {
        if (parent_[r] == r && area_[r] < min_area && (s < 0 || area_[r] < area_[s]) &&
            !protected_small(r, min_area)) {
          s = r;
        }
      }
      if (s < 0) break;
      int into = -1;
      double best = -1.0;
      for (const auto& [n, bd] : nb_[s]) {
        if (bd.length > best) best = bd.length, into = n;
      }
      if (into < 0) into = nearest_centroid(s);  // isolated
      if (into < 0) break;
      merge(into, s);
    }
  }

  // Merges across the weakest boundary first (its cost: the boundary's strength plus the
  // thickness difference term) until `target` regions are left, or, with no explicit target, the
  // weakest boundary reaches the merge threshold.
  void merge_weakest(int target) {
    using Item = std::tuple<double, int, int, int, int>;  // strength, a, b, stamp a, stamp b
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
    for (int a = 0; a < count_; ++a) {
      if (parent_[a] != a) continue;
      for (const auto& [b, bd] : nb_[a]) {
        if (a < b) heap.push({cost(a, b, bd), a, b, stamp_[a], stamp_[b]});
      }
    }
    const bool automatic = options_.target_parts <= 0;
    while (alive_ > target && !heap.empty()) {
      const auto [s, a, b, sa, sb] = heap.top();
      if (automatic && s >= options_.merge_threshold) break;
      heap.pop();
      if (parent_[a] != a || parent_[b] != b || stamp_[a] != sa || stamp_[b] != sb) continue;
      // Keep the larger region's id (stable centroid bookkeeping does not depend on it).
      const int keep = area_[a] >= area_[b] ? a : b, gone = keep == a ? b : a;
      merge(keep, gone);
      for (const auto& [n, bd] : nb_[keep]) {
        const int x = std::min(keep, n), y = std::max(keep, n);
        heap.push({cost(x, y, bd), x, y, stamp_[x], stamp_[y]});
      }
    }
  }

  // Joins the smallest region to the one with the nearest centroid until `target` are left
  // (an explicit target with disconnected leftovers).
  void join_nearest(int target) {
    while (alive_ > target) {
      int s = -1;
      for (int r = 0; r < count_; ++r) {
        if (parent_[r] == r && (s < 0 || area_[r] < area_[s])) s = r;
      }
      merge(nearest_centroid(s), s);
    }
  }

  // Every face's final part, numbered by decreasing area, ties by first face.
  std::vector<int> labels(const std::vector<int>& regions, std::size_t F) const {
    std::vector<int> roots;
    for (int r = 0; r < count_; ++r) {
      if (parent_[r] == r) roots.push_back(r);
    }
    std::sort(roots.begin(), roots.end(), [&](int x, int y) {
      return area_[x] != area_[y] ? area_[x] > area_[y] : first_face_[x] < first_face_[y];
    });
    std::vector<int> id(count_, -1);
    for (std::size_t i = 0; i < roots.size(); ++i) id[roots[i]] = static_cast<int>(i);
    auto root = [&](int r) {
      while (parent_[r] != r) r = parent_[r];
      return r;
    };
    std::vector<int> out(F);
    for (std::uint32_t f = 0; f < F; ++f) out[f] = id[root(regions[f])];
    return out;
  }

 private:
  void measure(const WorkingMesh& w, const std::vector<int>& regions, const std::vector<float>& flt) {
    const std::size_t F = w.triangles.size();
    for (std::uint32_t f = 0; f < F; ++f) {
      const int r = regions[f];
      const Triangle& t = w.triangles[f];
      const Eigen::Vector3d centroid =
          ((w.positions[t[0]] + w.positions[t[1]] + w.positions[t[2]]) / 3.0f).cast<double>();
      area_[r] += w.face_area[f];
      moment_[r] += w.face_area[f] * centroid;
      first_face_[r] = std::min(first_face_[r], f);
      total_ += w.face_area[f];
      if (thick_ && std::isfinite(flt[f])) {
        t_area_[r] += w.face_area[f];
        t_sum_[r] += w.face_area[f] * flt[f];
      }
    }
  }

  void find_boundaries(const WorkingMesh& w, const std::vector<float>& vc, const std::vector<int>& regions) {
    const std::size_t F = w.triangles.size();
    for (std::uint32_t f = 0; f < F; ++f) {
      for (std::uint32_t k = w.adj_offset[f]; k < w.adj_offset[f + 1]; ++k) {
        const std::uint32_t g = w.adj[k];
        if (g <= f || regions[f] == regions[g]) continue;
        const auto& e = w.adj_edge[k];
        const double len = (w.positions[e[0]] - w.positions[e[1]]).norm();
        const double c = 0.5 * (vc[e[0]] + vc[e[1]]);
        for (int side = 0; side < 2; ++side) {
          Boundary& b = side ? nb_[regions[g]][regions[f]] : nb_[regions[f]][regions[g]];
          b.length += len;
          b.weighted += c * len;
        }
      }
    }
  }

  void merge(int a, int b) {  // b into a
    parent_[b] = a;
    area_[a] += area_[b];
    moment_[a] += moment_[b];
    t_area_[a] += t_area_[b];
    t_sum_[a] += t_sum_[b];
    first_face_[a] = std::min(first_face_[a], first_face_[b]);
    for (const auto& [n, bd] : nb_[b]) {
      nb_[n].erase(b);
      if (n == a) continue;
      Boundary& ab = nb_[a][n];
      ab.length += bd.length;
      ab.weighted += bd.weighted;
      nb_[n][a] = ab;
    }
    nb_[b].clear();
    nb_[a].erase(b);
    ++stamp_[a];
    ++stamp_[b];
    --alive_;
  }

  // A small region that hangs off a single neighbour behind a strongly concave boundary (a
  // horn, an ear, a small leg) is a part, not noise: kept unless it is below keep_small_floor *
  // min_area. Small tiles between several regions (the plates of a scaly or grooved surface)
  // are still absorbed.
  bool protected_small(int r, double min_area) const {
    if (options_.keep_small_strength <= 0 || area_[r] < options_.keep_small_floor * min_area) return false;
    if (nb_[r].size() != 1) return false;  // an appendage of one region, not a tile of a mosaic
    double len = 0, wsum = 0;
    for (const auto& [n, bd] : nb_[r]) len += bd.length, wsum += bd.weighted;
    return len > 0 && wsum / len >= options_.keep_small_strength;
  }

  // The live region other than s with the nearest centroid; -1 when there is none.
  int nearest_centroid(int s) const {
    const Eigen::Vector3d cs = moment_[s] / std::max(area_[s], 1e-30);
    int into = -1;
    double dbest = std::numeric_limits<double>::infinity();
    for (int r = 0; r < count_; ++r) {
      if (parent_[r] != r || r == s) continue;
      const double d = (moment_[r] / std::max(area_[r], 1e-30) - cs).squaredNorm();
      if (d < dbest) dbest = d, into = r;
    }
    return into;
  }

  double cost(int a, int b, const Boundary& bd) const {
    double c = bd.strength();
    if (thick_ && t_area_[a] > 0 && t_area_[b] > 0) {
      const double d = std::abs(t_sum_[a] / t_area_[a] - t_sum_[b] / t_area_[b]);
      c += options_.thickness_weight * std::max(0.0, d - options_.thickness_tolerance);
    }
    return c;
  }

  const MergeOptions& options_;
  int count_;
  std::vector<double> area_;
  std::vector<double> t_area_, t_sum_;  // area with known thickness, sum area*log T
  bool thick_;
  std::vector<Eigen::Vector3d> moment_;
  std::vector<std::uint32_t> first_face_;
  std::vector<std::map<int, Boundary>> nb_;
  std::vector<int> parent_;
  std::vector<int> stamp_;
  int alive_;
  double total_ = 0.0;
};

}  // namespace

std::vector<int> merge_regions(const WorkingMesh& w, const std::vector<float>& vc,
                               const std::vector<int>& regions, int count,
                               const MergeOptions& options,
                               const std::vector<float>& flt) {
  RegionGraph graph(w, vc, regions, count, options, flt);
  const int target = options.target_parts > 0 ? options.target_parts : 1;
  // 1. Absorb small regions (smallest first), never going below the target count.
  const double min_area = options.min_area_fraction * graph.total_area();
  graph.absorb_small(target, min_area);
  // 2. Weakest boundary first.
  graph.merge_weakest(target);
  // 3. Explicit target with disconnected leftovers: join nearest centroids.
  if (options.target_parts > 0) graph.join_nearest(target);
  // Merging may leave new small regions behind a strong boundary: absorb them too.
  graph.absorb_small(target, min_area);
  return graph.labels(regions, w.triangles.size());
}

}  // namespace flexforge::segment
