// Geodesic voxel binding: Dionne & de Lasa, "Geodesic Voxel Binding for Production Character
// Meshes" (SCA 2013): bone-to-vertex distances through the voxelised interior, inverse-power
// falloff; followed by Laplacian smoothing of the weights over the mesh (as in bone heat,
// Baran & Popovic 2007, whose diffusion gives the same smooth joint transitions).
#include "flexforge/rig/skinning.h"

#include "flexforge/core/error.h"
#include "flexforge/core/parallel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace flexforge::rig {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

struct Bone {
  int joint;
  Vec3 a, b;
};

float point_segment(const Vec3& p, const Vec3& a, const Vec3& b) {
  const Vec3 ab = b - a;
  const float t = ab.squaredNorm() > 0 ? std::clamp((p - a).dot(ab) / ab.squaredNorm(), 0.0f, 1.0f) : 0.0f;
  return (p - (a + t * ab)).norm();
}

using Weights = std::vector<std::pair<int, float>>;

// Keeps the strongest `k` entries above `min_rel` of the largest, renormalised.
void sparsify(Weights& w, int k, float min_rel) {
  std::sort(w.begin(), w.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (w.empty()) return;
  const float top = w.front().second;
  Weights out;
  for (const auto& e : w)
    if (static_cast<int>(out.size()) < k && e.second >= min_rel * top && e.second > 0) out.push_back(e);
  float s = 0;
  for (const auto& e : out) s += e.second;
  for (auto& e : out) e.second /= s;
  w.swap(out);
}

}  // namespace

std::vector<std::vector<SkinInfluence>> bind_skin(const Mesh& mesh, const VoxelGrid& g,
                                                  const JointTree& tree,
                                                  const SkinningOptions& options) {
  const std::size_t nv = mesh.positions.size();
  std::vector<Bone> bones;
  for (std::size_t j = 0; j < tree.parent.size(); ++j) {
    const int p = tree.parent[j];
    // A bone bridging two solid pieces only ties the skeleton into one tree; it binds no skin, so
    // weights never cross from one piece to another.
    if (p >= 0 && tree.component[p] == tree.component[j]) bones.push_back({p, tree.position[p], tree.position[j]});
  }
  if (bones.empty()) {
    // A single joint: everything is bound to it.
    return std::vector<std::vector<SkinInfluence>>(nv, {{0u, 1.0f}});
  }
  // The solid voxel of each vertex (its shell voxel, or the nearest solid one).
  std::vector<std::size_t> vox(nv);
  std::unordered_map<std::size_t, int> slot;
  std::vector<std::size_t> slots;
  for (std::size_t v = 0; v < nv; ++v) {
    vox[v] = g.nearest_solid(mesh.positions[v], 4);
    if (vox[v] != SIZE_MAX && !slot.count(vox[v])) {
      slot[vox[v]] = static_cast<int>(slots.size());
      slots.push_back(vox[v]);
    }
  }
  const std::size_t nb = bones.size(), ns = slots.size();
  std::vector<float> dist(nb * ns, kInf);  // [bone][slot]
  parallel_for(nb, [&](std::size_t b) {
    const Bone& bone = bones[b];
    std::vector<std::size_t> seeds;
    const float len = (bone.b - bone.a).norm();
    const int steps = std::max(1, static_cast<int>(std::ceil(len / (0.5f * g.cell))));
    for (int s = 0; s <= steps; ++s) {
      const Vec3 p = bone.a + (bone.b - bone.a) * (static_cast<float>(s) / steps);
      const std::size_t i = g.locate(p);
      if (g.solid[i]) seeds.push_back(i);
    }
    if (seeds.empty()) {
      const std::size_t i = g.nearest_solid(0.5f * (bone.a + bone.b), 6);
      if (i != SIZE_MAX) seeds.push_back(i);
    }
    if (seeds.empty()) return;
    const std::vector<float> d = geodesic_distance(g, seeds);
    for (std::size_t s = 0; s < ns; ++s) dist[b * ns + s] = d[slots[s]];
  }, 0, 1);

  // Raw weights per vertex, summed per joint (a joint with several children owns several bones).
  std::vector<Weights> w(nv);
  const float eps = g.cell;
  parallel_for(nv, [&](std::size_t v) {
    const Vec3& p = mesh.positions[v];
    std::vector<float> d(nb, kInf);
    float dmin = kInf;
    if (vox[v] != SIZE_MAX) {
      const int s = slot.at(vox[v]);
      const float off = (p - g.center(vox[v])).norm();
      for (std::size_t b = 0; b < nb; ++b) {
        d[b] = dist[b * ns + s] + off;
        dmin = std::min(dmin, d[b]);
      }
    }
    if (!std::isfinite(dmin)) {  // no bone reachable through the solid: Euclidean fallback
      for (std::size_t b = 0; b < nb; ++b) {
        d[b] = point_segment(p, bones[b].a, bones[b].b);
        dmin = std::min(dmin, d[b]);
      }
    }
    std::unordered_map<int, float> per_joint;
    for (std::size_t b = 0; b < nb; ++b) {
      if (!std::isfinite(d[b])) continue;
      const float r = (dmin + eps) / (d[b] + eps);
      const float wb = std::pow(r, options.falloff);
      if (wb < 1e-3f) continue;
      float& acc = per_joint[bones[b].joint];
      acc = std::max(acc, wb);
    }
    Weights& out = w[v];
    for (const auto& [j, x] : per_joint) out.push_back({j, x});
    sparsify(out, options.max_influences, options.min_weight);
  });

  // Smoothing over mesh edges (Jacobi): only along the surface, so never across unconnected parts.
  std::vector<std::vector<std::uint32_t>> nbr(nv);
  for (const Triangle& t : mesh.triangles)
    for (int k = 0; k < 3; ++k) {
      nbr[t[k]].push_back(t[(k + 1) % 3]);
      nbr[t[k]].push_back(t[(k + 2) % 3]);
    }
  for (int it = 0; it < options.smoothing_iterations; ++it) {
    std::vector<Weights> next(nv);
    parallel_for(nv, [&](std::size_t v) {
      if (nbr[v].empty()) {
        next[v] = w[v];
        return;
      }
      std::unordered_map<int, float> acc;
      for (const auto& [j, x] : w[v]) acc[j] += (1.0f - options.smoothing) * x;
      const float share = options.smoothing / nbr[v].size();
      for (std::uint32_t u : nbr[v])
        for (const auto& [j, x] : w[u]) acc[j] += share * x;
      for (const auto& [j, x] : acc) next[v].push_back({j, x});
      sparsify(next[v], 8, 0.0f);
    });
    w.swap(next);
  }
  std::vector<std::vector<SkinInfluence>> skin(nv);
  for (std::size_t v = 0; v < nv; ++v) {
    sparsify(w[v], options.max_influences, options.min_weight);
    if (w[v].empty()) w[v].push_back({bones.front().joint, 1.0f});
    // Exact unit sum in float: the largest weight absorbs the rounding.
    float rest = 0;
    for (std::size_t k = 1; k < w[v].size(); ++k) rest += w[v][k].second;
    w[v][0].second = 1.0f - rest;
    for (const auto& [j, x] : w[v]) skin[v].push_back({static_cast<std::uint32_t>(j), x});
  }
  return skin;
}

}  // namespace flexforge::rig
