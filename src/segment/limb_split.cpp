// Bent-limb splitting (see limb_split.h).
//
// The axis of an appendage is traced as the centroids of the level sets of the geodesic distance
// from where it attaches (the idea of level-set / Reeb-graph skeletons, e.g. Lazarus & Verroust,
// "Level set diagrams of polyhedral objects", SMA 1999): on a tube, each band of faces at equal
// distance from the attachment is a ring around the axis. The limb is cut on the band where the
// axis turns sharply.
#include "flexforge/segment/limb_split.h"

#include "flexforge/core/disjoint_sets.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <queue>
#include <map>
#include <utility>

namespace flexforge::segment {

namespace {

constexpr double kPi = 3.14159265358979323846;

double turn_degrees(const Eigen::Vector3d& u, const Eigen::Vector3d& v) {
  const double nu = u.norm(), nv = v.norm();
  if (nu <= 0 || nv <= 0) return 0.0;
  return std::acos(std::clamp(u.dot(v) / (nu * nv), -1.0, 1.0)) * 180.0 / kPi;
}

// Per part: its faces, and its neighbours with the length of boundary shared with each.
struct PartAdjacency {
  std::vector<std::vector<std::uint32_t>> faces;
  std::vector<std::map<int, double>> neighbours;
};

PartAdjacency part_adjacency(const WorkingMesh& w, const std::vector<int>& part, int P) {
  const std::size_t F = w.triangles.size();
  PartAdjacency g;
  g.faces.resize(P);
  g.neighbours.resize(P);  // shared boundary length
  for (std::uint32_t f = 0; f < F; ++f) {
    g.faces[part[f]].push_back(f);
    for (std::uint32_t k = w.adj_offset[f]; k < w.adj_offset[f + 1]; ++k) {
      const int q = part[w.adj[k]];
      const auto& e = w.adj_edge[k];
      if (q != part[f]) g.neighbours[part[f]][q] += (w.positions[e[0]] - w.positions[e[1]]).norm();
    }
  }
  return g;
}

// Band width of the level sets: two mean edge lengths, so that a band is a connected ring of
// faces, but at least 0.4% of the diagonal (the cut is placed no finer than that).
double band_width(const WorkingMesh& w) {
  const std::size_t F = w.triangles.size();
  double edge_sum = 0.0;
  std::size_t edges = 0;
  for (std::uint32_t f = 0; f < F; ++f) {
    for (std::uint32_t k = w.adj_offset[f]; k < w.adj_offset[f + 1]; ++k) {
      const auto& e = w.adj_edge[k];
      edge_sum += (w.positions[e[0]] - w.positions[e[1]]).norm();
      ++edges;
    }
  }
  return std::max(0.004, edges ? 2.0 * edge_sum / edges : 0.0);
}

// Geodesic distance (face-centroid graph) within part p from its faces on the boundary with
// part `attach`; faces of p it does not reach keep an infinite distance.
void geodesic_from_attachment(const WorkingMesh& w, const std::vector<int>& part, int p, int attach,
                              const std::vector<std::uint32_t>& fs,
                              const std::vector<Eigen::Vector3d>& centroid, std::vector<double>& dist) {
  using Item = std::pair<double, std::uint32_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
  for (std::uint32_t f : fs) {
    for (std::uint32_t k = w.adj_offset[f]; k < w.adj_offset[f + 1]; ++k) {
      if (part[w.adj[k]] == attach) {
        dist[f] = 0.0;
        heap.push({0.0, f});
        break;
      }
    }
  }
  while (!heap.empty()) {
    const auto [d, f] = heap.top();
    heap.pop();
    if (d > dist[f]) continue;
    for (std::uint32_t k = w.adj_offset[f]; k < w.adj_offset[f + 1]; ++k) {
      const std::uint32_t g = w.adj[k];
      if (part[g] != p) continue;
      const double nd = d + (centroid[g] - centroid[f]).norm();
      if (nd < dist[g]) dist[g] = nd, heap.push({nd, g});
    }
  }
}

// The level sets of one part: per band its area `a`, area-weighted centroid `c`, area-weighted
// ring radius sum `r` and the number of pieces (at least 20% of the band's area) it falls into.
struct Bands {
  int count = 0;
  std::vector<double> a;
  std::vector<Eigen::Vector3d> c;
  std::vector<double> r;
  std::vector<int> pieces;
  int of(double distance, double h) const { return std::min(count - 1, static_cast<int>(distance / h)); }
};

Bands measure_bands(const WorkingMesh& w, const std::vector<int>& part, int p,
                    const std::vector<std::uint32_t>& fs, const std::vector<Eigen::Vector3d>& centroid,
                    const std::vector<double>& dist, double h, int nb, DisjointSets& uf,
                    std::vector<double>& piece_area) {
  Bands b;
  b.count = nb;
  auto bin_of = [&](std::uint32_t f) { return b.of(dist[f], h); };
  b.a.assign(nb, 0.0);
  b.c.assign(nb, Eigen::Vector3d::Zero());
  for (std::uint32_t f : fs) {
    if (!std::isfinite(dist[f])) continue;
    b.a[bin_of(f)] += w.face_area[f];
    b.c[bin_of(f)] += w.face_area[f] * centroid[f];
  }
  for (int i = 0; i < nb; ++i) {
    if (b.a[i] > 0) b.c[i] /= b.a[i];
  }
  // Ring radius per band and the number of pieces a band falls into: past the first band that
  // is not one ring the part branches (a hand's fingers, a chair frame), and the centroid
  // path means nothing there.
  b.r.assign(nb, 0.0);
  for (std::uint32_t f : fs) {
    if (!std::isfinite(dist[f])) continue;
    b.r[bin_of(f)] += w.face_area[f] * (centroid[f] - b.c[bin_of(f)]).norm();
    uf.make_set(f);
  }
  for (std::uint32_t f : fs) {
    if (!std::isfinite(dist[f])) continue;
    for (std::uint32_t k = w.adj_offset[f]; k < w.adj_offset[f + 1]; ++k) {
      const std::uint32_t g = w.adj[k];
      if (part[g] == p && std::isfinite(dist[g]) && bin_of(g) == bin_of(f)) {
        uf.unite(f, g);
      }
    }
  }
  // Pieces of a band with at least 20% of its area (slivers where the band boundary zigzags
  // across the tessellation do not count).
  for (std::uint32_t f : fs) piece_area[f] = 0.0;
  for (std::uint32_t f : fs) {
    if (std::isfinite(dist[f])) piece_area[uf.find(f)] += w.face_area[f];
  }
  b.pieces.assign(nb, 0);
  for (std::uint32_t f : fs) {
    if (std::isfinite(dist[f]) && uf.find(f) == f &&
        piece_area[f] >= 0.2 * b.a[bin_of(f)]) {
      ++b.pieces[bin_of(f)];
    }
  }
  return b;
}

// The bands to cut at: where the centroid path turns by bend_degrees or more over a window of k
// bands (and not merely inside a wider smooth curve), strongest first, one per 2k bands, each
// leaving enough area and length on both sides. `chain`: bands [0, chain) are single rings.
std::vector<int> bend_cuts(const Bands& b, int chain, int k, double D, double R, double h,
                           double min_area, const LimbSplitOptions& options) {
  const int nb = b.count;
  const std::vector<Eigen::Vector3d>& c = b.c;
  std::vector<double> turn(nb, 0.0);
  if (D > options.max_slenderness * R) chain = 0;  // a wire-thin appendage: one part
  // Not within two radii of the attachment (its bands are not yet rings across the axis).
  const int first = std::max(k, static_cast<int>(std::ceil(2.0 * R / h)));
  for (int i = first; i + k < chain; ++i) {
    const double t1 = turn_degrees(c[i] - c[i - k], c[i + k] - c[i]);
    const double t2 = turn_degrees(c[i] - c[std::max(0, i - 2 * k)], c[std::min(chain - 1, i + 2 * k)] - c[i]);
    if (t1 >= options.bend_degrees && t2 < options.sharpness * t1) turn[i] = t1;
  }
  // Strongest bends first, one per 2k bands; both sides must keep enough area.
  std::vector<double> cum(nb + 1, 0.0);
  for (int i = 0; i < nb; ++i) cum[i + 1] = cum[i] + b.a[i];
  std::vector<int> cuts;
  while (true) {
    int best = -1;
    for (int i = 0; i < nb; ++i) {
      if (turn[i] > 0 && (best < 0 || turn[i] > turn[best])) best = i;
    }
    if (best < 0) break;
    for (int i = std::max(0, best - 2 * k); i < std::min(nb, best + 2 * k + 1); ++i) turn[i] = 0;
    int lo = 0, hi = nb;
    for (int x : cuts) {
      if (x <= best) lo = std::max(lo, x);
      else hi = std::min(hi, x);
    }
    const double len_lo = (best - lo) * h, len_hi = (hi < nb ? hi * h : D) - best * h;
    if (cum[best] - cum[lo] >= min_area && cum[hi] - cum[best] >= min_area &&
        std::min(len_lo, len_hi) >= options.min_piece_radii * R) {
      cuts.push_back(best);
    }
  }
  std::sort(cuts.begin(), cuts.end());
  return cuts;
}

// Renumber by decreasing area, ties by first face.
void renumber_by_area(const WorkingMesh& w, std::vector<int>& part, int P) {
  const std::size_t F = w.triangles.size();
  std::vector<double> area(P, 0.0);
  std::vector<std::uint32_t> first(P, std::numeric_limits<std::uint32_t>::max());
  for (std::uint32_t f = 0; f < F; ++f) {
    area[part[f]] += w.face_area[f];
    first[part[f]] = std::min(first[part[f]], f);
  }
  std::vector<int> order;
  for (int p = 0; p < P; ++p) {
    if (first[p] != std::numeric_limits<std::uint32_t>::max()) order.push_back(p);
  }
  std::sort(order.begin(), order.end(), [&](int x, int y) {
    return area[x] != area[y] ? area[x] > area[y] : first[x] < first[y];
  });
  std::vector<int> id(P, -1);
  for (std::size_t i = 0; i < order.size(); ++i) id[order[i]] = static_cast<int>(i);
  for (int& p : part) p = id[p];
}

}  // namespace

void split_bent_limbs(const WorkingMesh& w, std::vector<int>& part, const LimbSplitOptions& options) {
  const std::size_t F = w.triangles.size();
  if (F == 0 || part.size() != F) return;
  int P = 0;
  for (int p : part) P = std::max(P, p + 1);
  std::vector<Eigen::Vector3d> centroid(F);
  double total = 0.0;
  for (std::size_t f = 0; f < F; ++f) {
    const Triangle& t = w.triangles[f];
    centroid[f] = ((w.positions[t[0]] + w.positions[t[1]] + w.positions[t[2]]) / 3.0f).cast<double>();
    total += w.face_area[f];
  }
  if (options.bend_degrees > 0) {
    const PartAdjacency graph = part_adjacency(w, part, P);
    const double min_area = options.min_area_fraction * total;
    const double h = band_width(w);
    std::vector<double> dist(F, std::numeric_limits<double>::infinity());
    DisjointSets uf(F);
    std::vector<double> piece_area(F, 0.0);  // per union-find root, reset per part
    const int P0 = P;
    for (int p = 0; p < P0; ++p) {
      // An appendage hangs off one part; a second neighbour is allowed because limbs touch
      // (legs at the crotch, an arm against the body). The attachment is the neighbour with the
      // longest shared boundary.
      if (graph.neighbours[p].empty() || graph.neighbours[p].size() > 2) continue;
      int attach = -1;
      double longest = -1.0;
      for (const auto& [q, len] : graph.neighbours[p]) {
        if (len > longest) longest = len, attach = q;
      }
      const std::vector<std::uint32_t>& fs = graph.faces[p];
      geodesic_from_attachment(w, part, p, attach, fs, centroid, dist);
      double D = 0.0;
      for (std::uint32_t f : fs) {
        if (std::isfinite(dist[f])) D = std::max(D, dist[f]);
      }
      const int nb = static_cast<int>(D / h) + 1;
      if (nb < 8) {
        for (std::uint32_t f : fs) dist[f] = std::numeric_limits<double>::infinity();
        continue;
      }
      const Bands bands = measure_bands(w, part, p, fs, centroid, dist, h, nb, uf, piece_area);
      // Bands [0, chain) are single rings. The first 8 bands are not checked: next to the
      // attachment a band can be a partial ring or two (a leg touching the other at the crotch).
      int chain = nb;
      for (int i = 8; i < nb; ++i) {
        if (bands.pieces[i] > 1) {
          chain = i;
          break;
        }
      }
      std::vector<double> radii;
      for (int i = 0; i < chain; ++i) {
        if (bands.a[i] > 0) radii.push_back(bands.r[i] / bands.a[i]);
      }
      if (radii.empty()) {
        for (std::uint32_t f : fs) dist[f] = std::numeric_limits<double>::infinity();
        continue;
      }
      std::nth_element(radii.begin(), radii.begin() + radii.size() / 2, radii.end());
      const double R = radii[radii.size() / 2];
      // Window: the turn is measured between the axis window_radii radii before and after a
      // band, so the bulge of a joint does not read as a bend and a cap's rounding is not one.
      const int k = std::max(2, static_cast<int>(std::ceil(options.window_radii * R / h)));
      const std::vector<int> cuts = bend_cuts(bands, chain, k, D, R, h, min_area, options);
      if (!cuts.empty()) {
        std::vector<int> id(cuts.size() + 1, p);
        for (std::size_t s = 1; s < id.size(); ++s) id[s] = P++;
        for (std::uint32_t f : fs) {
          if (!std::isfinite(dist[f])) continue;
          const int b = bands.of(dist[f], h);
          const int s = static_cast<int>(std::upper_bound(cuts.begin(), cuts.end(), b) - cuts.begin());
          part[f] = id[s];
        }
      }
      for (std::uint32_t f : fs) dist[f] = std::numeric_limits<double>::infinity();
    }
  }
  renumber_by_area(w, part, P);
}

}  // namespace flexforge::segment
