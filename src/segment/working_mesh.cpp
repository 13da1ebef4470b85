// The welded, consistently oriented working mesh of the segmentation (see working_mesh.h).
//
// Orientation: breadth-first propagation across manifold edges (a neighbour that runs the shared
// edge in the same direction is flipped), then each component is flipped as a whole when its
// signed volume is negative, so vertex normals point outwards on closed surfaces. The
// concavity measure reads "above the tangent plane" along the normal, so a soup with mixed
// winding would otherwise read convex creases as concave.
#include "flexforge/segment/working_mesh.h"

#include "flexforge/core/disjoint_sets.h"

#include "flexforge/core/mesh_ops.h"

#include <Eigen/Geometry>

#include <algorithm>
#include <numeric>
#include <queue>

namespace flexforge::segment {

namespace {

// True when triangle t contains the directed edge a -> b.
bool has_directed(const Triangle& t, std::uint32_t a, std::uint32_t b) {
  for (int k = 0; k < 3; ++k) {
    if (t[k] == a && t[(k + 1) % 3] == b) return true;
  }
  return false;
}

// Welded positions (centred, scaled by the diagonal) and the faces that stay triangles.
void weld(const Mesh& mesh, double tolerance, WorkingMesh& w) {
  const Aabb box = bounding_box(mesh);
  const float diag = box.diagonal();
  const std::vector<std::uint32_t> map = weld_map(mesh, static_cast<float>(tolerance) * diag);
  w.vertex_of_input = map;
  std::uint32_t welded = 0;
  for (std::uint32_t m : map) welded = std::max(welded, m + 1);
  w.positions.assign(welded, Vec3::Zero());
  std::vector<char> seen(welded, 0);
  const Vec3 c = box.center();
  for (std::size_t i = 0; i < map.size(); ++i) {
    if (!seen[map[i]]) {
      seen[map[i]] = 1;
      w.positions[map[i]] = (mesh.positions[i] - c) / diag;
    }
  }
  for (std::size_t f = 0; f < mesh.triangles.size(); ++f) {
    const Triangle& t = mesh.triangles[f];
    const Triangle u{map[t[0]], map[t[1]], map[t[2]]};
    if (u[0] == u[1] || u[1] == u[2] || u[0] == u[2]) continue;
    w.triangles.push_back(u);
    w.input_face.push_back(static_cast<std::uint32_t>(f));
  }
}

// Two faces sharing the undirected edge `key` (a << 32 | b, a < b).
struct FacePair {
  std::uint32_t f, g;
  std::uint64_t key;
};

// Every undirected edge once (`edges`) and the pairs of faces sharing an edge (`pairs`).
struct EdgePairs {
  std::vector<FacePair> pairs;
  std::vector<std::uint64_t> edges;
};

EdgePairs edge_pairs(const WorkingMesh& w) {
  const std::size_t F = w.triangles.size();
  // Undirected edge uses, sorted by (edge key, face): runs of equal keys are the faces at an edge.
  struct Use {
    std::uint64_t key;
    std::uint32_t face;
  };
  std::vector<Use> uses;
  uses.reserve(3 * F);
  for (std::uint32_t f = 0; f < F; ++f) {
    for (int k = 0; k < 3; ++k) {
      std::uint32_t a = w.triangles[f][k], b = w.triangles[f][(k + 1) % 3];
      if (a > b) std::swap(a, b);
      uses.push_back({(std::uint64_t(a) << 32) | b, f});
    }
  }
  std::sort(uses.begin(), uses.end(), [](const Use& x, const Use& y) {
    return x.key != y.key ? x.key < y.key : x.face < y.face;
  });
  EdgePairs out;
  for (std::size_t i = 0; i < uses.size();) {
    std::size_t j = i;
    while (j < uses.size() && uses[j].key == uses[i].key) ++j;
    out.edges.push_back(uses[i].key);
    // All pairs at a non-manifold edge (capped at 16 faces: beyond that, consecutive pairs keep
    // the fan connected without a quadratic blow-up).
    const std::size_t n = j - i;
    for (std::size_t a = i; a < j; ++a) {
      for (std::size_t b = a + 1; b < j; ++b) {
        if (n > 16 && b != a + 1) break;
        if (uses[a].face == uses[b].face) continue;
        out.pairs.push_back({uses[a].face, uses[b].face, uses[i].key});
      }
    }
    i = j;
  }
  return out;
}

// Face adjacency (adj_offset, adj, adj_edge) from the pairs, vertex adjacency from the edges.
void build_adjacency(const EdgePairs& ep, WorkingMesh& w) {
  const std::size_t F = w.triangles.size();
  const std::size_t V = w.positions.size();
  std::vector<std::uint32_t> fdeg(F + 1, 0), vdeg(V + 1, 0);
  for (const FacePair& p : ep.pairs) {
    ++fdeg[p.f];
    ++fdeg[p.g];
  }
  w.adj_offset.assign(F + 1, 0);
  for (std::size_t f = 0; f < F; ++f) w.adj_offset[f + 1] = w.adj_offset[f] + fdeg[f];
  w.adj.resize(w.adj_offset[F]);
  w.adj_edge.resize(w.adj_offset[F]);
  {
    std::vector<std::uint32_t> fill(w.adj_offset.begin(), w.adj_offset.end() - 1);
    for (const FacePair& p : ep.pairs) {
      const std::array<std::uint32_t, 2> e{std::uint32_t(p.key >> 32), std::uint32_t(p.key)};
      w.adj[fill[p.f]] = p.g;
      w.adj_edge[fill[p.f]++] = e;
      w.adj[fill[p.g]] = p.f;
      w.adj_edge[fill[p.g]++] = e;
    }
  }
  for (std::uint64_t e : ep.edges) {
    ++vdeg[e >> 32];
    ++vdeg[e & 0xffffffffu];
  }
  w.vadj_offset.assign(V + 1, 0);
  for (std::size_t v = 0; v < V; ++v) w.vadj_offset[v + 1] = w.vadj_offset[v] + vdeg[v];
  w.vadj.resize(w.vadj_offset[V]);
  {
    std::vector<std::uint32_t> fill(w.vadj_offset.begin(), w.vadj_offset.end() - 1);
    for (std::uint64_t e : ep.edges) {
      const std::uint32_t a = e >> 32, b = e & 0xffffffffu;
      w.vadj[fill[a]++] = b;
      w.vadj[fill[b]++] = a;
    }
  }
}

// Components through shared edges.
void label_components(const std::vector<FacePair>& pairs, WorkingMesh& w) {
  const std::size_t F = w.triangles.size();
  DisjointSets sets(F);
  for (const FacePair& p : pairs) sets.unite(p.f, p.g);
  w.face_component.assign(F, -1);
  std::vector<int> root_id(F, -1);
  for (std::uint32_t f = 0; f < F; ++f) {
    const std::uint32_t r = sets.find(f);
    if (root_id[r] < 0) root_id[r] = w.component_count++;
    w.face_component[f] = root_id[r];
  }
}

// Consistent orientation across manifold edges (exactly two faces on the edge), then outward:
// components with negative signed volume are flipped.
void orient(WorkingMesh& w) {
  const std::size_t F = w.triangles.size();
  std::vector<char> visited(F, 0);
  for (std::uint32_t s = 0; s < F; ++s) {
    if (visited[s]) continue;
    visited[s] = 1;
    std::queue<std::uint32_t> q;
    q.push(s);
    while (!q.empty()) {
      const std::uint32_t f = q.front();
      q.pop();
      for (std::uint32_t k = w.adj_offset[f]; k < w.adj_offset[f + 1]; ++k) {
        const std::uint32_t g = w.adj[k];
        if (visited[g]) continue;
        // Only propagate across manifold edges: count the faces on this edge around f.
        const auto& e = w.adj_edge[k];
        int on_edge = 0;
        for (std::uint32_t m = w.adj_offset[f]; m < w.adj_offset[f + 1]; ++m) {
          if (w.adj_edge[m] == e) ++on_edge;
        }
        if (on_edge != 1) continue;
        const Triangle& tf = w.triangles[f];
        Triangle& tg = w.triangles[g];
        const std::uint32_t a = e[0], b = e[1];
        const bool f_ab = has_directed(tf, a, b);
        const bool g_ab = has_directed(tg, a, b);
        if (f_ab == g_ab) std::swap(tg[1], tg[2]);
        visited[g] = 1;
        q.push(g);
      }
    }
  }
  std::vector<double> volume(w.component_count, 0.0);
  for (std::uint32_t f = 0; f < F; ++f) {
    const Triangle& t = w.triangles[f];
    const Eigen::Vector3d a = w.positions[t[0]].cast<double>(), b = w.positions[t[1]].cast<double>(),
                          d = w.positions[t[2]].cast<double>();
    volume[w.face_component[f]] += a.dot(b.cross(d));
  }
  for (std::uint32_t f = 0; f < F; ++f) {
    if (volume[w.face_component[f]] < 0) std::swap(w.triangles[f][1], w.triangles[f][2]);
  }
}

// Face areas and area-weighted vertex normals.
void measure_faces(WorkingMesh& w) {
  const std::size_t F = w.triangles.size();
  const std::size_t V = w.positions.size();
  w.face_area.resize(F);
  std::vector<Vec3> acc(V, Vec3::Zero());
  for (std::uint32_t f = 0; f < F; ++f) {
    const Triangle& t = w.triangles[f];
    const Vec3 n = (w.positions[t[1]] - w.positions[t[0]]).cross(w.positions[t[2]] - w.positions[t[0]]);
    w.face_area[f] = 0.5f * n.norm();
    for (int k = 0; k < 3; ++k) acc[t[k]] += n;
  }
  w.vertex_normals.resize(V);
  for (std::size_t v = 0; v < V; ++v) {
    const float len = acc[v].norm();
    w.vertex_normals[v] = len > 0 ? Vec3(acc[v] / len) : Vec3(0, 0, 1);
  }
}

}  // namespace

WorkingMesh build_working_mesh(const Mesh& mesh, double tolerance) {
  WorkingMesh w;
  weld(mesh, tolerance, w);
  const EdgePairs ep = edge_pairs(w);
  build_adjacency(ep, w);
  label_components(ep.pairs, w);
  orient(w);
  measure_faces(w);
  return w;
}

}  // namespace flexforge::segment
