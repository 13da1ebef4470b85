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

std::vector<int> merge_regions(const WorkingMesh& w, const std::vector<float>& vc,
                               const std::vector<int>& regions, int count,
                               const MergeOptions& options,
                               const std::vector<float>& flt) {
  const std::size_t F = w.triangles.size();
  std::vector<double> area(count, 0.0);
  std::vector<double> t_area(count, 0.0), t_sum(count, 0.0);  // area with known thickness, sum area*log T
  const bool thick = flt.size() == F && options.thickness_weight > 0;
  std::vector<Eigen::Vector3d> moment(count, Eigen::Vector3d::Zero());
  std::vector<std::uint32_t> first_face(count, std::numeric_limits<std::uint32_t>::max());
  double total = 0.0;
  for (std::uint32_t f = 0; f < F; ++f) {
    const int r = regions[f];
    const Triangle& t = w.triangles[f];
    const Eigen::Vector3d centroid =
        ((w.positions[t[0]] + w.positions[t[1]] + w.positions[t[2]]) / 3.0f).cast<double>();
    area[r] += w.face_area[f];
    moment[r] += w.face_area[f] * centroid;
    first_face[r] = std::min(first_face[r], f);
    total += w.face_area[f];
    if (thick && std::isfinite(flt[f])) {
      t_area[r] += w.face_area[f];
      t_sum[r] += w.face_area[f] * flt[f];
    }
  }
  std::vector<std::map<int, Boundary>> nb(count);
  for (std::uint32_t f = 0; f < F; ++f) {
    for (std::uint32_t k = w.adj_offset[f]; k < w.adj_offset[f + 1]; ++k) {
      const std::uint32_t g = w.adj[k];
      if (g <= f || regions[f] == regions[g]) continue;
      const auto& e = w.adj_edge[k];
      const double len = (w.positions[e[0]] - w.positions[e[1]]).norm();
      const double c = 0.5 * (vc[e[0]] + vc[e[1]]);
      for (int side = 0; side < 2; ++side) {
        Boundary& b = side ? nb[regions[g]][regions[f]] : nb[regions[f]][regions[g]];
        b.length += len;
        b.weighted += c * len;
      }
    }
  }
  // Union-find over regions; `alive` regions are roots.
  std::vector<int> parent(count);
  std::iota(parent.begin(), parent.end(), 0);
  std::vector<int> stamp(count, 0);
  int alive = count;
  auto merge = [&](int a, int b) {  // b into a
    parent[b] = a;
    area[a] += area[b];
    moment[a] += moment[b];
    t_area[a] += t_area[b];
    t_sum[a] += t_sum[b];
    first_face[a] = std::min(first_face[a], first_face[b]);
    for (const auto& [n, bd] : nb[b]) {
      nb[n].erase(b);
      if (n == a) continue;
      Boundary& ab = nb[a][n];
      ab.length += bd.length;
      ab.weighted += bd.weighted;
      nb[n][a] = ab;
    }
    nb[b].clear();
    nb[a].erase(b);
    ++stamp[a];
    ++stamp[b];
    --alive;
  };

  const int target = options.target_parts > 0 ? options.target_parts : 1;
  // 1. Absorb small regions (smallest first), never going below the target count.
  const double min_area = options.min_area_fraction * total;
  // A small region that hangs off a single neighbour behind a strongly concave boundary (a
  // horn, an ear, a small leg) is a part, not noise: kept unless it is below keep_small_floor *
  // min_area. Small tiles between several regions (the plates of a scaly or grooved surface)
  // are still absorbed.
  auto protected_small = [&](int r) {
    if (options.keep_small_strength <= 0 || area[r] < options.keep_small_floor * min_area) return false;
    if (nb[r].size() != 1) return false;  // an appendage of one region, not a tile of a mosaic
    double len = 0, wsum = 0;
    for (const auto& [n, bd] : nb[r]) len += bd.length, wsum += bd.weighted;
    return len > 0 && wsum / len >= options.keep_small_strength;
  };
  auto absorb_small = [&]() {
    while (alive > target) {
      int s = -1;
      for (int r = 0; r < count; ++r) {
        if (parent[r] == r && area[r] < min_area && (s < 0 || area[r] < area[s]) && !protected_small(r)) s = r;
      }
      if (s < 0) break;
      int into = -1;
      double best = -1.0;
      for (const auto& [n, bd] : nb[s]) {
        if (bd.length > best) best = bd.length, into = n;
      }
      if (into < 0) {  // isolated: nearest centroid
        const Eigen::Vector3d cs = moment[s] / std::max(area[s], 1e-30);
        double dbest = std::numeric_limits<double>::infinity();
        for (int r = 0; r < count; ++r) {
          if (parent[r] != r || r == s) continue;
          const double d = (moment[r] / std::max(area[r], 1e-30) - cs).squaredNorm();
          if (d < dbest) dbest = d, into = r;
        }
      }
      if (into < 0) break;
      merge(into, s);
    }
  };
  absorb_small();

  auto cost = [&](int a, int b, const Boundary& bd) {
    double c = bd.strength();
    if (thick && t_area[a] > 0 && t_area[b] > 0) {
      const double d = std::abs(t_sum[a] / t_area[a] - t_sum[b] / t_area[b]);
      c += options.thickness_weight * std::max(0.0, d - options.thickness_tolerance);
    }
    return c;
  };
  // 2. Weakest boundary first.
  using Item = std::tuple<double, int, int, int, int>;  // strength, a, b, stamp a, stamp b
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
  for (int a = 0; a < count; ++a) {
    if (parent[a] != a) continue;
    for (const auto& [b, bd] : nb[a]) {
      if (a < b) heap.push({cost(a, b, bd), a, b, stamp[a], stamp[b]});
    }
  }
  const bool automatic = options.target_parts <= 0;
  while (alive > target && !heap.empty()) {
    const auto [s, a, b, sa, sb] = heap.top();
    if (automatic && s >= options.merge_threshold) break;
    heap.pop();
    if (parent[a] != a || parent[b] != b || stamp[a] != sa || stamp[b] != sb) continue;
    // Keep the larger region's id (stable centroid bookkeeping does not depend on it).
    const int keep = area[a] >= area[b] ? a : b, gone = keep == a ? b : a;
    merge(keep, gone);
    for (const auto& [n, bd] : nb[keep]) {
      const int x = std::min(keep, n), y = std::max(keep, n);
      heap.push({cost(x, y, bd), x, y, stamp[x], stamp[y]});
    }
  }
  // 3. Explicit target with disconnected leftovers: join nearest centroids.
  if (!automatic) {
    while (alive > target) {
      int s = -1;
      for (int r = 0; r < count; ++r) {
        if (parent[r] == r && (s < 0 || area[r] < area[s])) s = r;
      }
      const Eigen::Vector3d cs = moment[s] / std::max(area[s], 1e-30);
      int into = -1;
      double dbest = std::numeric_limits<double>::infinity();
      for (int r = 0; r < count; ++r) {
        if (parent[r] != r || r == s) continue;
        const double d = (moment[r] / std::max(area[r], 1e-30) - cs).squaredNorm();
        if (d < dbest) dbest = d, into = r;
      }
      merge(into, s);
    }
  }
  // Merging may leave new small regions behind a strong boundary: absorb them too.
  absorb_small();

  // Renumber by decreasing area, ties by first face.
  std::vector<int> roots;
  for (int r = 0; r < count; ++r) {
    if (parent[r] == r) roots.push_back(r);
  }
  std::sort(roots.begin(), roots.end(), [&](int x, int y) {
    return area[x] != area[y] ? area[x] > area[y] : first_face[x] < first_face[y];
  });
  std::vector<int> id(count, -1);
  for (std::size_t i = 0; i < roots.size(); ++i) id[roots[i]] = static_cast<int>(i);
  auto root = [&](int r) {
    while (parent[r] != r) r = parent[r];
    return r;
  };
  std::vector<int> out(F);
  for (std::uint32_t f = 0; f < F; ++f) out[f] = id[root(regions[f])];
  return out;
}

}  // namespace flexforge::segment
