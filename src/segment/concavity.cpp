// Multiscale geodesic concavity (see concavity.h).
//
// Sources: the idea of judging concavity by how far the surface rises above a point's tangent
// plane, relative to the neighbourhood size, follows the "concavity-aware" part decompositions
// (Lien & Amato, "Approximate convex decomposition of polyhedra", SPM 2007; Au, Zheng, Chen,
// Tai, "Mesh segmentation with concavity-aware fields", TVCG 2012), which measure a point's
// distance to a local convex hull. A tangent plane bounds the local hull from below, so the
// maximum rise above it is a cheap, monotone stand-in for that distance. The multiscale maximum
// is ours, for the gradual fillets of smooth unions (synth data) and organic joints.
#include "flexforge/segment/concavity.h"

#include "flexforge/core/parallel.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace flexforge::segment {

namespace {

struct Scratch {
  std::vector<std::uint32_t> stamp;  // ball membership: == generation for the current query
  std::vector<std::uint32_t> queue;
  std::uint32_t generation = 0;
};

// A point graph the rise is measured on: the welded mesh itself, or a vertex clustering of it.
struct Graph {
  std::vector<Vec3> positions, normals;
  std::vector<std::uint32_t> offset, adj;  // CSR
};

// Highest rise above the tangent plane (P, n) among the nodes of the Euclidean ball of radius r
// around node p that are connected to p inside the ball. Breadth-first search that never leaves
// the ball: it is the geodesic ball wherever the surface does not fold back within r, needs no
// priority queue, and still excludes a limb that passes close by without being joined to p
// inside the ball.
float max_rise(const Graph& g, std::uint32_t p, float r, Scratch& s) {
  const std::size_t V = g.positions.size();
  // A fresh generation per query (the scratch outlives calls and meshes).
  if (s.stamp.size() < V || ++s.generation == 0) {
    s.stamp.assign(std::max(V, s.stamp.size()), 0);
    s.generation = 1;
  }
  const std::uint32_t id = s.generation;
  const Vec3 P = g.positions[p];
  const Vec3 n = g.normals[p];
  const float r2 = r * r;
  float best = 0.0f;
  s.queue.clear();
  s.queue.push_back(p);
  s.stamp[p] = id;
  for (std::size_t head = 0; head < s.queue.size(); ++head) {
    const std::uint32_t v = s.queue[head];
    best = std::max(best, (g.positions[v] - P).dot(n));
    for (std::uint32_t e = g.offset[v]; e < g.offset[v + 1]; ++e) {
      const std::uint32_t u = g.adj[e];
      if (s.stamp[u] == id) continue;
      s.stamp[u] = id;
      if ((g.positions[u] - P).squaredNorm() <= r2) s.queue.push_back(u);
    }
  }
  return best;
}

// Vertex clustering: one node per (grid cell of edge `cell`, dominant normal direction) bucket,
// so the two sides of a thin plate never merge; node = mean position and normalised summed
// normal; nodes joined when a mesh edge joins their buckets. node_of[v] = node of vertex v
// (unused vertices: UINT32_MAX).
Graph cluster_graph(const WorkingMesh& w, const std::vector<char>& used, float cell,
                    std::vector<std::uint32_t>& node_of) {
  const std::size_t V = w.positions.size();
  struct Key {
    std::uint64_t k;
    std::uint32_t v;
  };
  std::vector<Key> keys;
  keys.reserve(V);
  auto c = [&](float x) {
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(std::floor(x / cell)) + (1 << 19)) & 0xfffff;
  };
  for (std::uint32_t v = 0; v < V; ++v) {
    if (!used[v]) continue;
    const Vec3& q = w.positions[v];
    const Vec3& n = w.vertex_normals[v];
    int axis = 0;
    n.cwiseAbs().maxCoeff(&axis);
    const std::uint64_t dir = static_cast<std::uint64_t>(2 * axis + (n[axis] < 0));
    keys.push_back({(c(q.x()) << 43) | (c(q.y()) << 23) | (c(q.z()) << 3) | dir, v});
  }
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    return a.k != b.k ? a.k < b.k : a.v < b.v;
  });
  node_of.assign(V, std::numeric_limits<std::uint32_t>::max());
  Graph g;
  std::vector<int> count;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i == 0 || keys[i].k != keys[i - 1].k) {
      g.positions.push_back(Vec3::Zero());
      g.normals.push_back(Vec3::Zero());
      count.push_back(0);
    }
    const std::uint32_t node = static_cast<std::uint32_t>(g.positions.size() - 1);
    node_of[keys[i].v] = node;
    g.positions[node] += w.positions[keys[i].v];
    g.normals[node] += w.vertex_normals[keys[i].v];
    ++count[node];
  }
  const std::size_t N = g.positions.size();
  for (std::size_t i = 0; i < N; ++i) {
    g.positions[i] /= static_cast<float>(count[i]);
    const float len = g.normals[i].norm();
    g.normals[i] = len > 0 ? Vec3(g.normals[i] / len) : Vec3(0, 0, 1);
  }
  std::vector<std::uint64_t> edges;
  for (std::uint32_t v = 0; v < V; ++v) {
    if (!used[v]) continue;
    for (std::uint32_t e = w.vadj_offset[v]; e < w.vadj_offset[v + 1]; ++e) {
      const std::uint32_t a = node_of[v], b = node_of[w.vadj[e]];
      if (a != b) edges.push_back((std::uint64_t(a) << 32) | b);
    }
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  g.offset.assign(N + 1, 0);
  for (std::uint64_t e : edges) ++g.offset[(e >> 32) + 1];
  for (std::size_t i = 0; i < N; ++i) g.offset[i + 1] += g.offset[i];
  g.adj.resize(edges.size());
  for (std::size_t i = 0; i < edges.size(); ++i) g.adj[i] = static_cast<std::uint32_t>(edges[i]);
  return g;
}

}  // namespace

std::vector<float> vertex_concavity(const WorkingMesh& w, const std::vector<double>& scales,
                                    unsigned threads) {
  const std::size_t V = w.positions.size();
  std::vector<float> out(V, 0.0f);
  if (scales.empty() || V == 0) return out;
  // Vertices not used by any face keep 0.
  std::vector<char> used(V, 0);
  for (const Triangle& t : w.triangles) used[t[0]] = used[t[1]] = used[t[2]] = 1;

  for (const double scale : scales) {
    const float r = static_cast<float>(scale);
    // The field at scale r varies over distances ~r, so it is evaluated on a vertex clustering
    // with cells of r/8 whenever that is coarser than the mesh: the ball then holds ~200 nodes
    // whatever the tessellation, and a scale costs O(V) rather than O(V r^2 / edge^2).
    std::vector<std::uint32_t> node_of;
    Graph g = cluster_graph(w, used, r / 8.0f, node_of);
    if (g.positions.size() * 2 >= V) {  // not coarser: use the mesh itself
      g.positions = w.positions;
      g.normals = w.vertex_normals;
      g.offset = w.vadj_offset;
      g.adj = w.vadj;
      for (std::uint32_t v = 0; v < V; ++v) node_of[v] = v;
    }
    std::vector<float> value(g.positions.size(), 0.0f);
    parallel_for(
        g.positions.size(),
        [&](std::size_t i) {
          thread_local Scratch s;
          value[i] = max_rise(g, static_cast<std::uint32_t>(i), r, s) / r;
        },
        threads, 64);
    for (std::uint32_t v = 0; v < V; ++v) {
      if (used[v]) out[v] = std::max(out[v], std::min(value[node_of[v]], 1.0f));
    }
  }
  return out;
}

}  // namespace flexforge::segment
