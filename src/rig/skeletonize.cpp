// Level-set diagram skeletons: Lazarus & Verroust, "Level Set Diagrams of Polyhedral Objects"
// (ACM Solid Modeling 1999), computed on interior voxels instead of the surface so that it holds
// for soups and self-intersecting meshes; source at a geodesic extremity (the farthest voxel from
// the thickest one, i.e. the end of a geodesic diameter, as in Hilaga et al. 2001).
#include "flexforge/rig/skeletonize.h"

#include <algorithm>
#include <functional>
#include <map>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace flexforge::rig {

CurveSkeleton level_set_skeleton(const VoxelGrid& g, const std::vector<float>& thick,
                                 const MirrorPlane& plane, const SkeletonizeOptions& options) {
  CurveSkeleton sk;
  const int components = static_cast<int>(g.component_voxels.size());
  std::vector<std::vector<std::size_t>> members(components);
  for (std::size_t i = 0; i < g.size(); ++i)
    if (g.component[i] >= 0) members[g.component[i]].push_back(i);

  const float bin = std::max(1.0f, options.bin_cells) * g.cell;
  for (int c = 0; c < components; ++c) {
    const auto& vox = members[c];
    if (vox.size() < options.min_component_voxels) continue;
    std::size_t thickest = vox[0];
    for (std::size_t i : vox)
      if (thick[i] > thick[thickest]) thickest = i;
    const std::vector<float> d0 = geodesic_distance(g, {thickest});
    std::size_t source = SIZE_MAX;
    float far = -1.0f;
    if (plane.found) {
      for (std::size_t i : vox)
        if (std::abs(plane.signed_distance(g.center(i))) <= 0.75f * g.cell && d0[i] > far) far = d0[i], source = i;
    }
    if (source == SIZE_MAX) {
      for (std::size_t i : vox)
        if (d0[i] > far) far = d0[i], source = i;
    }
    std::vector<std::int64_t> pred;
    const std::vector<float> gd = geodesic_distance(g, {source}, &pred);

    // Connected pieces of each bin (26-neighbourhood, same bin only).
    std::unordered_map<std::size_t, int> node_of;
    node_of.reserve(vox.size() * 2);
    auto bin_of = [&](std::size_t i) { return static_cast<int>(gd[i] / bin); };
    std::vector<std::size_t> order(vox);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return gd[a] < gd[b]; });
    const int first_node = static_cast<int>(sk.position.size());
    std::vector<std::size_t> min_voxel;  // per node: its voxel nearest the source
    std::vector<std::size_t> stack;
    std::vector<Eigen::Vector3d> sums;
    for (std::size_t s : order) {
      if (node_of.count(s)) continue;
      const int id = static_cast<int>(sums.size());
      const int b = bin_of(s);
      node_of[s] = id;
      min_voxel.push_back(s);
      sums.push_back(Eigen::Vector3d::Zero());
      sk.voxels.push_back(0);
      stack.push_back(s);
      while (!stack.empty()) {
        const std::size_t i = stack.back();
        stack.pop_back();
        sums[id] += g.center(i).cast<double>();
        ++sk.voxels.back();
        g.for_each_neighbor(i, [&](std::size_t j) {
          if (g.component[j] != c || bin_of(j) != b || node_of.count(j)) return;
          node_of[j] = id;
          stack.push_back(j);
        });
      }
    }
    const int count = static_cast<int>(sums.size());
    // Node centre: the centroid of the piece's thickest voxels (thickness >= medial_fraction of
    // the piece's maximum). On a thin limb that is the slice centroid; on a bulky body cut by a
    // curved distance front it stays on the medial sheet where the plain centroid would drift.
    std::vector<float> max_thick(count, 0.0f);
    for (std::size_t i : vox) max_thick[node_of.at(i)] = std::max(max_thick[node_of.at(i)], thick[i]);
    std::vector<Eigen::Vector3d> medial(count, Eigen::Vector3d::Zero());
    std::vector<int> medial_n(count, 0);
    for (std::size_t i : vox) {
      const int id = node_of.at(i);
      if (thick[i] >= options.medial_fraction * max_thick[id]) medial[id] += g.center(i).cast<double>(), ++medial_n[id];
    }
    for (int n = 0; n < count; ++n) {
      const int nv = sk.voxels[first_node + n];
      Vec3 p = options.medial_fraction > 0.0f ? Vec3((medial[n] / medial_n[n]).cast<float>())
                                              : Vec3((sums[n] / nv).cast<float>());
      // The centroid of a curved slice may fall outside the solid; pull it in.
      std::size_t at = g.locate(p);
      if (!g.solid[at] || g.component[at] != c) {
        const std::size_t near = g.nearest_solid(p, 4);
        if (near != SIZE_MAX && g.component[near] == c) {
          at = near;
          p = g.center(near);
        }
      }
      sk.position.push_back(p);
      sk.radius.push_back(g.solid[at] ? thick[at] : g.cell);
      sk.component.push_back(c);
      // The voxel of this piece nearest the source reached it from the previous bin.
      const std::int64_t pv = pred[min_voxel[n]];
      sk.parent.push_back(pv < 0 ? -1 : first_node + node_of.at(static_cast<std::size_t>(pv)));
    }
    if (options.cut_loops_at_contacts) {
      // Limbs that touch (a paw on another, knees together) close loops in the piece graph. The
      // shortest-path tree above cuts a loop where the distance fronts meet, which can be far
      // from the contact (down one leg, through the feet, up the other). Instead keep the
      // maximum spanning tree of the piece adjacency graph weighted by relative interface size:
      // a contact patch is small next to a limb's own cross-section, so that is where it cuts.
      std::map<std::pair<int, int>, int> iface;
      std::vector<int> seen;
      for (std::size_t i : vox) {
        const int a = node_of.at(i);
        seen.clear();
        g.for_each_neighbor(i, [&](std::size_t j) {
          if (g.component[j] != c) return;
          const int b = node_of.at(j);
          if (b != a && std::find(seen.begin(), seen.end(), b) == seen.end()) seen.push_back(b);
        });
        for (int b : seen) ++iface[{std::min(a, b), std::max(a, b)}];
      }
      struct Link {
        float w;
        int a, b;
      };
      std::vector<Link> links;
      for (const auto& [ab, n] : iface) {
        const int smaller = std::min(sk.voxels[first_node + ab.first], sk.voxels[first_node + ab.second]);
        links.push_back({static_cast<float>(n) / std::max(1, smaller), ab.first, ab.second});
      }
      std::stable_sort(links.begin(), links.end(), [](const Link& l, const Link& r) { return l.w > r.w; });
      std::vector<int> uf(count);
      for (int k = 0; k < count; ++k) uf[k] = k;
      std::function<int(int)> find = [&](int k) { return uf[k] == k ? k : uf[k] = find(uf[k]); };
      std::vector<std::vector<int>> adj(count);
      for (const Link& l : links) {
        const int ra = find(l.a), rb = find(l.b);
        if (ra == rb) continue;
        uf[ra] = rb;
        adj[l.a].push_back(l.b);
        adj[l.b].push_back(l.a);
      }
      const int root = node_of.at(source);
      std::vector<int> par(count, -2);
      par[root] = -1;
      std::vector<int> queue{root};
      for (std::size_t q = 0; q < queue.size(); ++q)
        for (int w : adj[queue[q]])
          if (par[w] == -2) par[w] = queue[q], queue.push_back(w);
      for (int k = 0; k < count; ++k)
        if (par[k] != -2) sk.parent[first_node + k] = par[k] < 0 ? -1 : first_node + par[k];
    }
  }
  return sk;
}

}  // namespace flexforge::rig
