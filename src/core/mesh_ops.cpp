// Mesh operations: bounds, normals, welding, components, boundary edges, topology report.
//
// Sources this builds on (ideas and formulas only, no code):
//  * Area-weighted vertex normals: the un-normalised face cross product is twice the face area
//    times its unit normal, so summing cross products weights by area (G. Thürmer, C. Wüthrich,
//    "Computing vertex normals from polygonal facets", JGT 1998, discusses the weightings).
//  * Normal transformation by the inverse transpose: standard (e.g. Akenine-Möller et al.,
//    "Real-Time Rendering", 4th ed., section 4.1.7).
//  * Spatial hashing for welding: uniform grid with cell size = tolerance, query of the 27
//    neighbouring cells (M. Teschner et al., "Optimized Spatial Hashing for Collision Detection
//    of Deformable Objects", VMV 2003).
//  * Union-find with path halving (Tarjan, "Efficiency of a Good But Not Linear Set Union
//    Algorithm", JACM 1975), in core/disjoint_sets.h.
//  * Edge-based manifold / orientation classification and vertex fans: M. Botsch et al.,
//    "Polygon Mesh Processing", AK Peters 2010, chapter 2 (halfedge data structures).
//  * LSD radix sort: Knuth, TAOCP vol. 3, section 5.2.5.
#include "flexforge/core/mesh_ops.h"

#include "flexforge/core/disjoint_sets.h"

#include "flexforge/core/error.h"

#include <Eigen/Geometry>
#include <Eigen/LU>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string>
#include <unordered_map>
#include <utility>

namespace flexforge {

// ---------------------------------------------------------------------------------------------
// Aabb
// ---------------------------------------------------------------------------------------------

bool Aabb::valid() const {
  return min.x() <= max.x() && min.y() <= max.y() && min.z() <= max.z();
}

Vec3 Aabb::extent() const { return valid() ? Vec3(max - min) : Vec3::Zero(); }

float Aabb::diagonal() const { return valid() ? (max - min).norm() : 0.0f; }

Vec3 Aabb::center() const { return valid() ? Vec3(0.5f * (min + max)) : Vec3::Zero(); }

void Aabb::expand(const Vec3& p) {
  min = min.cwiseMin(p);
  max = max.cwiseMax(p);
}

Aabb bounding_box(const Mesh& mesh) {
  Aabb box;
  for (const Vec3& p : mesh.positions) box.expand(p);
  return box;
}

// ---------------------------------------------------------------------------------------------
// Internal helpers
// ---------------------------------------------------------------------------------------------

namespace {

Eigen::Vector3d to_d(const Vec3& v) { return v.cast<double>(); }

// Un-normalised face normal (twice the area times the unit normal), in double.
Eigen::Vector3d face_cross(const Mesh& mesh, const Triangle& t) {
  const Eigen::Vector3d a = to_d(mesh.positions[t[0]]);
  const Eigen::Vector3d b = to_d(mesh.positions[t[1]]);
  const Eigen::Vector3d c = to_d(mesh.positions[t[2]]);
  return (b - a).cross(c - a);
}

bool has_repeated_index(const Triangle& t) {
  return t[0] == t[1] || t[1] == t[2] || t[0] == t[2];
}

// Zero area in the sense documented in mesh_ops.h.
bool is_zero_area(const Mesh& mesh, const Triangle& t) {
  const Eigen::Vector3d a = to_d(mesh.positions[t[0]]);
  const Eigen::Vector3d b = to_d(mesh.positions[t[1]]);
  const Eigen::Vector3d c = to_d(mesh.positions[t[2]]);
  const double cross = (b - a).cross(c - a).norm();
  const double longest2 =
      std::max({(b - a).squaredNorm(), (c - b).squaredNorm(), (a - c).squaredNorm()});
  return cross <= 1e-12 * longest2;
}

// Bit pattern of a float with -0.0 folded onto +0.0, so that exact welding treats them as equal.
std::uint32_t float_key(float f) {
  if (f == 0.0f) f = 0.0f;
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

std::uint64_t mix64(std::uint64_t x) {  // splitmix64 finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::vector<std::uint32_t> weld_map_exact(const Mesh& mesh) {
  const std::size_t n = mesh.positions.size();
  std::vector<std::uint32_t> map(n);
  if (n == 0) return map;
  std::size_t capacity = 16;
  while (capacity < 2 * n) capacity <<= 1;
  const std::uint32_t kEmpty = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> slot_vertex(capacity, kEmpty);  // representative's input index
  std::vector<std::array<std::uint32_t, 3>> keys(n);
  std::uint32_t next_id = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Vec3& p = mesh.positions[i];
    keys[i] = {float_key(p.x()), float_key(p.y()), float_key(p.z())};
    const std::uint64_t h =
        mix64((static_cast<std::uint64_t>(keys[i][0]) << 32 | keys[i][1]) ^
              mix64(keys[i][2] + 0x9e3779b97f4a7c15ULL));
    std::size_t s = h & (capacity - 1);
    while (true) {
      const std::uint32_t rep = slot_vertex[s];
      if (rep == kEmpty) {
        slot_vertex[s] = static_cast<std::uint32_t>(i);
        map[i] = next_id++;
        break;
      }
      if (keys[rep] == keys[i]) {
        map[i] = map[rep];
        break;
      }
      s = (s + 1) & (capacity - 1);
    }
  }
  return map;
}

struct CellKey {
  std::int64_t x, y, z;
  bool operator==(const CellKey& o) const { return x == o.x && y == o.y && z == o.z; }
};
struct CellHash {
  std::size_t operator()(const CellKey& k) const {
    return static_cast<std::size_t>(mix64(static_cast<std::uint64_t>(k.x) ^
                                          mix64(static_cast<std::uint64_t>(k.y) ^
                                                mix64(static_cast<std::uint64_t>(k.z)))));
  }
};

std::int64_t cell_coord(float v, double inv_cell) {
  const double c = std::floor(static_cast<double>(v) * inv_cell);
  const double limit = 1e18;  // keeps the neighbour offsets (+-1) inside int64
  return static_cast<std::int64_t>(std::clamp(c, -limit, limit));
}

std::vector<std::uint32_t> weld_map_tolerance(const Mesh& mesh, float tolerance) {
  const std::size_t n = mesh.positions.size();
  const std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> map(n);
  std::vector<std::uint32_t> next_in_cell(n, kNone);  // chain of representatives per cell
  std::unordered_map<CellKey, std::uint32_t, CellHash> cell_head;
  cell_head.reserve(n);
  const double inv_cell = 1.0 / static_cast<double>(tolerance);
  const double tol2 = static_cast<double>(tolerance) * static_cast<double>(tolerance);
  std::uint32_t next_id = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Eigen::Vector3d p = to_d(mesh.positions[i]);
    const CellKey c{cell_coord(mesh.positions[i].x(), inv_cell),
                    cell_coord(mesh.positions[i].y(), inv_cell),
                    cell_coord(mesh.positions[i].z(), inv_cell)};
    std::uint32_t best = kNone;
    for (int dx = -1; dx <= 1; ++dx)
      for (int dy = -1; dy <= 1; ++dy)
        for (int dz = -1; dz <= 1; ++dz) {
          auto it = cell_head.find(CellKey{c.x + dx, c.y + dy, c.z + dz});
          if (it == cell_head.end()) continue;
          for (std::uint32_t r = it->second; r != kNone; r = next_in_cell[r]) {
            if (r < best && (to_d(mesh.positions[r]) - p).squaredNorm() <= tol2) best = r;
          }
        }
    if (best != kNone) {
      map[i] = map[best];
    } else {
      map[i] = next_id++;
      auto [it, inserted] = cell_head.emplace(c, static_cast<std::uint32_t>(i));
      if (!inserted) {
        // Append at the chain's tail is not needed: order inside a cell does not matter
        // because the search takes the minimum index.
        next_in_cell[i] = it->second;
        it->second = static_cast<std::uint32_t>(i);
      }
    }
  }
  return map;
}

// LSD radix sort of (key, value) pairs by key, 16-bit digits; passes whose digit is constant
// over all keys are skipped. Stable, O(n) per pass.
struct KeyValue {
  std::uint64_t key;
  std::uint32_t value;
};

void radix_sort(std::vector<KeyValue>& items) {
  const std::size_t n = items.size();
  if (n < 2) return;
  std::vector<KeyValue> buffer(n);
  std::vector<std::size_t> count(1 << 16);
  for (int shift = 0; shift < 64; shift += 16) {
    std::fill(count.begin(), count.end(), 0);
    for (const KeyValue& kv : items) ++count[(kv.key >> shift) & 0xffff];
    if (count[(items[0].key >> shift) & 0xffff] == n) continue;  // digit constant: skip
    std::size_t sum = 0;
    for (std::size_t& c : count) {
      const std::size_t c0 = c;
      c = sum;
      sum += c0;
    }
    for (const KeyValue& kv : items) buffer[count[(kv.key >> shift) & 0xffff]++] = kv;
    items.swap(buffer);
  }
}

// Half-edges of all faces without a repeated index, sorted so that the uses of one undirected
// edge are adjacent. key = min << 32 | max << 1 | (runs max -> min); value = 3 * face + corner,
// where the half-edge runs from corner to corner + 1 (mod 3). Requires vertex count < 2^31.
std::vector<KeyValue> sorted_half_edges(const std::vector<Triangle>& triangles,
                                        std::size_t vertex_count) {
  if (vertex_count >= (std::size_t{1} << 31) ||
      triangles.size() >= std::numeric_limits<std::uint32_t>::max() / 3) {
    throw Error(ExitCode::InvalidInput, "mesh is too large for topology analysis (" +
                                            std::to_string(vertex_count) + " vertices, " +
                                            std::to_string(triangles.size()) + " faces)");
  }
  std::vector<KeyValue> half_edges;
  half_edges.reserve(triangles.size() * 3);
  for (std::size_t f = 0; f < triangles.size(); ++f) {
    const Triangle& t = triangles[f];
    if (has_repeated_index(t)) continue;
    for (int k = 0; k < 3; ++k) {
      const std::uint32_t a = t[k];
      const std::uint32_t b = t[(k + 1) % 3];
      const std::uint64_t lo = std::min(a, b);
      const std::uint64_t hi = std::max(a, b);
      const std::uint64_t backwards = a > b ? 1 : 0;
      half_edges.push_back({lo << 32 | hi << 1 | backwards, static_cast<std::uint32_t>(3 * f + k)});
    }
  }
  radix_sort(half_edges);
  return half_edges;
}

std::uint64_t undirected(std::uint64_t key) { return key >> 1; }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Normals and transforms
// ---------------------------------------------------------------------------------------------

std::vector<Vec3> face_normals(const Mesh& mesh) {
  mesh.validate();
  std::vector<Vec3> normals(mesh.triangles.size());
  for (std::size_t f = 0; f < mesh.triangles.size(); ++f) {
    const Triangle& t = mesh.triangles[f];
    if (has_repeated_index(t) || is_zero_area(mesh, t)) {
      normals[f] = Vec3::Zero();
    } else {
      normals[f] = face_cross(mesh, t).normalized().cast<float>();
    }
  }
  return normals;
}

void compute_vertex_normals(Mesh& mesh) {
  mesh.validate();
  std::vector<Eigen::Vector3d> sum(mesh.positions.size(), Eigen::Vector3d::Zero());
  for (const Triangle& t : mesh.triangles) {
    if (has_repeated_index(t)) continue;
    const Eigen::Vector3d n = face_cross(mesh, t);
    for (std::uint32_t v : t) sum[v] += n;
  }
  mesh.normals.resize(mesh.positions.size());
  for (std::size_t v = 0; v < sum.size(); ++v) {
    const double len = sum[v].norm();
    if (len > 0.0 && std::isfinite(len)) {
      mesh.normals[v] = (sum[v] / len).cast<float>();
    } else {
      mesh.normals[v] = Vec3(0.0f, 0.0f, 1.0f);
    }
  }
}

void transform(Mesh& mesh, const Mat4& m) {
  const Eigen::Matrix3f linear = m.topLeftCorner<3, 3>();
  const Vec3 translation = m.topRightCorner<3, 1>();
  for (Vec3& p : mesh.positions) p = linear * p + translation;
  if (!mesh.normals.empty()) {
    const Eigen::Matrix3d normal_matrix = linear.cast<double>().inverse().transpose();
    for (Vec3& n : mesh.normals) {
      const Eigen::Vector3d tn = normal_matrix * n.cast<double>();
      const double len = tn.norm();
      n = (len > 0.0 && std::isfinite(len)) ? Vec3((tn / len).cast<float>())
                                              : Vec3(0.0f, 0.0f, 1.0f);
    }
  }
  if (linear.cast<double>().determinant() < 0.0) {
    for (Triangle& t : mesh.triangles) std::swap(t[1], t[2]);
  }
}

Mat4 normalize_to_unit_diagonal_transform(const Aabb& box) {
  const float diag = box.diagonal();
  if (!box.valid() || !(diag > 0.0f) || !std::isfinite(diag)) {
    throw Error(ExitCode::InvalidInput,
                "cannot normalise a mesh whose bounding box is empty or has zero size");
  }
  const float s = 1.0f / diag;
  Mat4 m = Mat4::Identity();
  m(0, 0) = m(1, 1) = m(2, 2) = s;
  m.topRightCorner<3, 1>() = -s * box.center();
  return m;
}

// ---------------------------------------------------------------------------------------------
// Welding
// ---------------------------------------------------------------------------------------------

std::vector<std::uint32_t> weld_map(const Mesh& mesh, float tolerance) {
  if (!(tolerance >= 0.0f) || !std::isfinite(tolerance)) {
    throw Error(ExitCode::InvalidInput,
                "weld tolerance must be finite and >= 0 (got " + std::to_string(tolerance) + ")");
  }
  mesh.validate();
  if (mesh.positions.size() > std::numeric_limits<std::uint32_t>::max() - 1) {
    throw Error(ExitCode::InvalidInput, "mesh has too many vertices to weld");
  }
  return tolerance == 0.0f ? weld_map_exact(mesh) : weld_map_tolerance(mesh, tolerance);
}

Mesh weld(const Mesh& mesh, float tolerance) {
  const std::vector<std::uint32_t> map = weld_map(mesh, tolerance);
  std::uint32_t count = 0;
  for (std::uint32_t m : map) count = std::max(count, m + 1);

  Mesh out;
  out.positions.resize(count);
  if (mesh.has_normals()) out.normals.resize(count);
  if (mesh.has_colors()) out.colors.resize(count);
  if (mesh.has_skin()) out.skin.resize(count);
  std::vector<bool> filled(count, false);
  for (std::size_t i = 0; i < map.size(); ++i) {
    const std::uint32_t w = map[i];
    if (filled[w]) continue;  // first vertex of the group wins
    filled[w] = true;
    out.positions[w] = mesh.positions[i];
    if (mesh.has_normals()) out.normals[w] = mesh.normals[i];
    if (mesh.has_colors()) out.colors[w] = mesh.colors[i];
    if (mesh.has_skin()) out.skin[w] = mesh.skin[i];
  }

  out.triangles.reserve(mesh.triangles.size());
  const bool parts = !mesh.face_parts.empty();
  if (parts) out.face_parts.reserve(mesh.face_parts.size());
  for (std::size_t f = 0; f < mesh.triangles.size(); ++f) {
    const Triangle& t = mesh.triangles[f];
    const Triangle w{map[t[0]], map[t[1]], map[t[2]]};
    if (has_repeated_index(w)) continue;
    out.triangles.push_back(w);
    if (parts) out.face_parts.push_back(mesh.face_parts[f]);
  }
  return out;
}

std::size_t drop_duplicate_faces(Mesh& mesh) {
  const std::size_t n = mesh.triangles.size();
  std::vector<std::array<std::uint32_t, 3>> keys(n);
  for (std::size_t f = 0; f < n; ++f) {
    const Triangle& t = mesh.triangles[f];
    keys[f] = {t[0], t[1], t[2]};
    std::sort(keys[f].begin(), keys[f].end());
  }
  std::vector<std::uint32_t> order(n);
  for (std::size_t f = 0; f < n; ++f) order[f] = static_cast<std::uint32_t>(f);
  // Stable, so the first face of each set is the one kept.
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return keys[a] < keys[b]; });
  std::vector<std::uint8_t> keep(n, 1);
  std::size_t removed = 0;
  for (std::size_t i = 1; i < n; ++i) {
    if (keys[order[i]] == keys[order[i - 1]]) {
      keep[order[i]] = 0;
      ++removed;
    }
  }
  if (removed == 0) return 0;
  std::size_t w = 0;
  const bool parts = !mesh.face_parts.empty();
  for (std::size_t f = 0; f < n; ++f) {
    if (!keep[f]) continue;
    mesh.triangles[w] = mesh.triangles[f];
    if (parts) mesh.face_parts[w] = mesh.face_parts[f];
    ++w;
  }
  mesh.triangles.resize(w);
  if (parts) mesh.face_parts.resize(w);
  return removed;
}

// ---------------------------------------------------------------------------------------------
// Components, boundary, degenerate faces
// ---------------------------------------------------------------------------------------------

Components connected_components(const Mesh& mesh) {
  mesh.validate();
  DisjointSets sets(mesh.positions.size());
  for (const Triangle& t : mesh.triangles) {
    sets.unite(t[0], t[1]);
    sets.unite(t[1], t[2]);
  }
  Components result;
  result.face_component.resize(mesh.triangles.size());
  std::vector<int> root_label(mesh.positions.size(), -1);
  for (std::size_t f = 0; f < mesh.triangles.size(); ++f) {
    const std::uint32_t root = sets.find(mesh.triangles[f][0]);
    if (root_label[root] < 0) root_label[root] = result.count++;
    result.face_component[f] = root_label[root];
  }
  return result;
}

Mesh submesh(const Mesh& mesh, const std::vector<std::uint8_t>& keep_face) {
  const std::size_t n = mesh.positions.size();
  const bool normals = mesh.normals.size() == n, colors = mesh.colors.size() == n, skin = mesh.skin.size() == n;
  const bool parts = mesh.face_parts.size() == mesh.triangles.size();
  std::vector<std::uint32_t> remap(n, UINT32_MAX);
  Mesh out;
  for (std::size_t f = 0; f < mesh.triangles.size(); ++f) {
    if (!keep_face[f]) continue;
    Triangle t = mesh.triangles[f];
    for (std::uint32_t& v : t) {
      if (remap[v] == UINT32_MAX) {
        remap[v] = static_cast<std::uint32_t>(out.positions.size());
        out.positions.push_back(mesh.positions[v]);
        if (normals) out.normals.push_back(mesh.normals[v]);
        if (colors) out.colors.push_back(mesh.colors[v]);
        if (skin) out.skin.push_back(mesh.skin[v]);
      }
      v = remap[v];
    }
    out.triangles.push_back(t);
    if (parts) out.face_parts.push_back(mesh.face_parts[f]);
  }
  return out;
}

std::vector<double> component_areas(const Mesh& mesh, const Components& c) {
  std::vector<double> area(static_cast<std::size_t>(c.count), 0.0);
  for (std::size_t f = 0; f < mesh.triangles.size(); ++f) {
    const Triangle& t = mesh.triangles[f];
    const Vec3 e1 = mesh.positions[t[1]] - mesh.positions[t[0]];
    const Vec3 e2 = mesh.positions[t[2]] - mesh.positions[t[0]];
    area[static_cast<std::size_t>(c.face_component[f])] += 0.5 * static_cast<double>(e1.cross(e2).norm());
  }
  return area;
}

std::size_t drop_small_components(Mesh& mesh, double min_share) {
  const Components c = connected_components(mesh);
  if (c.count < 2) return 0;
  const std::vector<double> area = component_areas(mesh, c);
  double total = 0.0;
  for (double a : area) total += a;
  std::vector<bool> keep(area.size());
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < area.size(); ++i) {
    keep[i] = area[i] >= min_share * total;
    dropped += !keep[i];
  }
  if (dropped == 0) return 0;
  std::vector<std::uint8_t> face_kept(mesh.triangles.size());
  for (std::size_t f = 0; f < face_kept.size(); ++f) face_kept[f] = keep[static_cast<std::size_t>(c.face_component[f])];
  mesh = submesh(mesh, face_kept);
  return dropped;
}

ClosedSurfaceCheck check_closed_surface(const Mesh& mesh) {
  ClosedSurfaceCheck r;
  if (mesh.triangles.empty()) return r;
  const Mesh welded = weld(mesh, 0.0f);
  const TopologyReport t = analyze_topology(welded);
  r.watertight = t.watertight;
  r.oriented = t.oriented;
  const Components c = connected_components(welded);
  r.components = static_cast<std::size_t>(c.count);
  const std::vector<double> area = component_areas(welded, c);
  double total = 0.0, smallest = 0.0;
  for (double a : area) total += a;
  if (!area.empty()) smallest = *std::min_element(area.begin(), area.end());
  r.smallest_share = total > 0.0 ? smallest / total : 0.0;
  return r;
}

std::vector<Edge> boundary_edges(const Mesh& mesh) {
  mesh.validate();
  const std::vector<KeyValue> half_edges =
      sorted_half_edges(mesh.triangles, mesh.positions.size());
  std::vector<std::uint32_t> boundary_half_edges;
  for (std::size_t i = 0; i < half_edges.size();) {
    std::size_t j = i + 1;
    while (j < half_edges.size() &&
           undirected(half_edges[j].key) == undirected(half_edges[i].key)) {
      ++j;
    }
    if (j - i == 1) boundary_half_edges.push_back(half_edges[i].value);
    i = j;
  }
  std::sort(boundary_half_edges.begin(), boundary_half_edges.end());
  std::vector<Edge> edges;
  edges.reserve(boundary_half_edges.size());
  for (std::uint32_t h : boundary_half_edges) {
    const Triangle& t = mesh.triangles[h / 3];
    edges.push_back({t[h % 3], t[(h % 3 + 1) % 3]});
  }
  return edges;
}

std::vector<std::uint32_t> degenerate_faces(const Mesh& mesh) {
  mesh.validate();
  std::vector<std::uint32_t> result;
  for (std::size_t f = 0; f < mesh.triangles.size(); ++f) {
    const Triangle& t = mesh.triangles[f];
    if (has_repeated_index(t) || is_zero_area(mesh, t)) {
      result.push_back(static_cast<std::uint32_t>(f));
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Topology report
// ---------------------------------------------------------------------------------------------

TopologyReport analyze_topology(const Mesh& mesh) {
  const std::vector<std::uint32_t> map = weld_map(mesh, 0.0f);  // validates
  std::uint32_t vertex_count = 0;
  for (std::uint32_t m : map) vertex_count = std::max(vertex_count, m + 1);

  const std::size_t face_count = mesh.triangles.size();
  std::vector<Triangle> tris(face_count);
  for (std::size_t f = 0; f < face_count; ++f) {
    const Triangle& t = mesh.triangles[f];
    tris[f] = {map[t[0]], map[t[1]], map[t[2]]};
  }

  TopologyReport r;
  r.faces = face_count;

  // Referenced (welded) vertices and degenerate faces.
  std::vector<char> referenced(vertex_count, 0);
  for (std::size_t f = 0; f < face_count; ++f) {
    const Triangle& w = tris[f];
    for (std::uint32_t v : w) referenced[v] = 1;
    if (has_repeated_index(w) || is_zero_area(mesh, mesh.triangles[f])) ++r.degenerate_faces;
  }
  for (char c : referenced) r.vertices += c != 0;

  // Edge classification over sorted half-edges; corners that meet at an edge endpoint are
  // joined in a union-find over face corners (3 * face + k) to count vertex fans.
  const std::vector<KeyValue> half_edges = sorted_half_edges(tris, vertex_count);
  DisjointSets corners(3 * face_count);
  for (std::size_t i = 0; i < half_edges.size();) {
    std::size_t j = i + 1;
    while (j < half_edges.size() &&
           undirected(half_edges[j].key) == undirected(half_edges[i].key)) {
      ++j;
    }
    const std::size_t uses = j - i;
    std::size_t backwards = 0;
    for (std::size_t k = i; k < j; ++k) backwards += half_edges[k].key & 1;
    const std::size_t forwards = uses - backwards;
    if (uses == 1) {
      ++r.boundary_edges;
    } else if (uses == 2) {
      if (forwards != 1) ++r.inconsistent_edges;
    } else {
      ++r.non_manifold_edges;
      if (forwards != backwards) ++r.inconsistent_edges;
    }
    if (uses > 1) {
      // Corner of each use at the edge's "from" and "to" vertices. The "lo" endpoint is the
      // from-corner for forward uses and the to-corner for backward ones.
      auto corner_at = [](const KeyValue& kv, bool lo_end) {
        const std::uint32_t f = kv.value / 3;
        const std::uint32_t k = kv.value % 3;
        const bool from = ((kv.key & 1) == 0) == lo_end;
        return 3 * f + (from ? k : (k + 1) % 3);
      };
      for (std::size_t k = i + 1; k < j; ++k) {
        corners.unite(corner_at(half_edges[i], true), corner_at(half_edges[k], true));
        corners.unite(corner_at(half_edges[i], false), corner_at(half_edges[k], false));
      }
    }
    i = j;
  }

  // Fans per vertex = number of union-find roots among its corners (non-degenerate faces only).
  std::vector<std::uint8_t> fans(vertex_count, 0);
  for (std::size_t f = 0; f < face_count; ++f) {
    if (has_repeated_index(tris[f])) continue;
    for (std::uint32_t k = 0; k < 3; ++k) {
      const std::uint32_t c = static_cast<std::uint32_t>(3 * f + k);
      if (corners.find(c) == c) {
        std::uint8_t& n = fans[tris[f][k]];
        if (n < 2) ++n;
      }
    }
  }
  for (std::uint8_t n : fans) r.non_manifold_vertices += n > 1;

  // Face-connected components over welded indices.
  DisjointSets vertex_sets(vertex_count);
  for (const Triangle& t : tris) {
    vertex_sets.unite(t[0], t[1]);
    vertex_sets.unite(t[1], t[2]);
  }
  std::vector<char> root_seen(vertex_count, 0);
  for (const Triangle& t : tris) {
    const std::uint32_t root = vertex_sets.find(t[0]);
    if (!root_seen[root]) {
      root_seen[root] = 1;
      ++r.components;
    }
  }

  r.manifold = r.non_manifold_edges == 0 && r.non_manifold_vertices == 0;
  r.watertight = r.manifold && r.boundary_edges == 0 && face_count > 0;
  r.oriented = r.inconsistent_edges == 0;
  return r;
}

}  // namespace flexforge
