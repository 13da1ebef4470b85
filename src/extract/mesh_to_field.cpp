// Mesh -> sparse signed-distance field (extract/mesh_to_field.h).
//
// Sources this builds on (ideas and formulas only, no code):
//  * J. A. Baerentzen, H. Aanaes, "Signed Distance Computation Using the Angle Weighted
//    Pseudonormal", IEEE TVCG 2005: the sign of q - closest point against the pseudo-normal of
//    the closest feature is exact for closed 2-manifolds.
//  * T. Akenine-Moller, "Fast 3D Triangle-Box Overlap Testing", JGT 2001: the 13 separating axes
//    (box normals, triangle normal, 9 edge cross products).
#include "flexforge/extract/mesh_to_field.h"

#include "coord_map.h"
#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/parallel.h"
#include "flexforge/extract/flexicubes.h"

#include <Eigen/Geometry>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace flexforge::extract {

namespace {

using detail::CoordMap;
using detail::pack_coord;
using V3d = Eigen::Vector3d;

void check_resolution(int resolution) {
  if (resolution < 1 || resolution > SparseVoxelField::kMaxResolution) {
    throw Error(ExitCode::Usage, "field resolution " + std::to_string(resolution) +
                                     " is outside [1, " +
                                     std::to_string(SparseVoxelField::kMaxResolution) + "]");
  }
}

// Separating-axis test of a triangle (already translated so the box centre is the origin) against
// the box [-h, h]^3. Returns true when no axis separates them (touching counts as overlap).
bool triangle_box_overlap(const V3d& v0, const V3d& v1, const V3d& v2, double h) {
  for (int a = 0; a < 3; ++a) {  // box face normals = the triangle's bounding box
    const double lo = std::min({v0[a], v1[a], v2[a]});
    const double hi = std::max({v0[a], v1[a], v2[a]});
    if (lo > h || hi < -h) return false;
  }
  const V3d e[3] = {v1 - v0, v2 - v1, v0 - v2};
  for (int a = 0; a < 3; ++a) {  // cross products of the box axes with the triangle edges
    for (int k = 0; k < 3; ++k) {
      V3d axis = V3d::Zero();
      axis[(a + 1) % 3] = -e[k][(a + 2) % 3];
      axis[(a + 2) % 3] = e[k][(a + 1) % 3];
      const double p0 = axis.dot(v0), p1 = axis.dot(v1), p2 = axis.dot(v2);
      const double r = h * (std::abs(axis[0]) + std::abs(axis[1]) + std::abs(axis[2]));
      if (std::min({p0, p1, p2}) > r || std::max({p0, p1, p2}) < -r) return false;
    }
  }
  const V3d n = e[0].cross(e[1]);  // triangle plane
  const double r = h * (std::abs(n[0]) + std::abs(n[1]) + std::abs(n[2]));
  return std::abs(n.dot(v0)) <= r;
}

}  // namespace

Mat4 NormalizeTransform::forward() const {
  Mat4 m = Mat4::Identity();
  m.topLeftCorner<3, 3>() *= float(scale);
  m.topRightCorner<3, 1>() = -center * float(scale);
  return m;
}

Mat4 NormalizeTransform::inverse() const {
  Mat4 m = Mat4::Identity();
  m.topLeftCorner<3, 3>() *= float(1.0 / scale);
  m.topRightCorner<3, 1>() = center;
  return m;
}

NormalizeTransform normalize_for_field(const Mesh& mesh, double margin) {
  if (!(margin >= 0.0 && margin < 1.0)) {
    throw Error(ExitCode::Usage, "field margin " + std::to_string(margin) + " is outside [0, 1)");
  }
  mesh.validate();
  const Aabb box = bounding_box(mesh);
  if (!box.valid()) throw Error(ExitCode::InvalidInput, "cannot normalise a mesh without vertices");
  const double longest = box.extent().maxCoeff();
  if (!(longest > 0.0)) {
    throw Error(ExitCode::InvalidInput, "cannot normalise a mesh whose bounding box has zero size");
  }
  NormalizeTransform t;
  t.center = box.center();
  t.scale = (1.0 - margin) / longest;
  return t;
}

MeshSignedDistance::MeshSignedDistance(const Mesh& mesh)
    : mesh_(weld(mesh, 0.0f)), bvh_(mesh_) {
  const std::size_t f = mesh_.triangles.size();
  face_normal_ = face_normals(mesh_);
  vertex_normal_.assign(mesh_.positions.size(), Vec3::Zero());
  edge_normal_.assign(3 * f, Vec3::Zero());
  // Edges as (smaller, larger) vertex keys, sorted so each undirected edge's uses are adjacent.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> uses;
  uses.reserve(3 * f);
  for (std::size_t i = 0; i < f; ++i) {
    const Triangle& t = mesh_.triangles[i];
    for (int k = 0; k < 3; ++k) {
      const std::uint32_t a = t[k], b = t[(k + 1) % 3];
      uses.emplace_back((std::uint64_t(std::min(a, b)) << 32) | std::max(a, b),
                        std::uint32_t(3 * i + k));
      // Angle of the face at corner k, in double for slivers.
      const V3d p = mesh_.positions[t[k]].cast<double>();
      const V3d u = mesh_.positions[t[(k + 1) % 3]].cast<double>() - p;
      const V3d v = mesh_.positions[t[(k + 2) % 3]].cast<double>() - p;
      const double angle = std::atan2(u.cross(v).norm(), u.dot(v));
      vertex_normal_[t[k]] += float(angle) * face_normal_[i];
    }
  }
  std::sort(uses.begin(), uses.end());
  for (std::size_t s = 0; s < uses.size();) {
    std::size_t e = s;
    Vec3 sum = Vec3::Zero();
    while (e < uses.size() && uses[e].first == uses[s].first) sum += face_normal_[uses[e++].second / 3];
    for (std::size_t k = s; k < e; ++k) edge_normal_[uses[k].second] = sum;
    s = e;
  }
}

float MeshSignedDistance::operator()(const Vec3& q) const {
  const TriangleBvh::Hit hit = bvh_.closest_point(q);
  if (!(hit.distance > 0.0f)) return 0.0f;
  const Triangle& t = mesh_.triangles[hit.face];
  const Vec3& b = hit.barycentric;
  // The closest-point routine reports exact zeros outside a face's interior region, so the zero
  // pattern names the feature: one non-zero = a vertex, two = an edge, three = the face.
  const int nonzero = int(b[0] != 0.0f) + int(b[1] != 0.0f) + int(b[2] != 0.0f);
  Vec3 normal;
  if (nonzero == 3) {
    normal = face_normal_[hit.face];
  } else if (nonzero == 2) {
    const int k = b[2] == 0.0f ? 0 : (b[0] == 0.0f ? 1 : 2);  // edge k joins corners k, k+1
    normal = edge_normal_[3 * std::size_t(hit.face) + k];
  } else {
    const int k = b[0] != 0.0f ? 0 : (b[1] != 0.0f ? 1 : 2);
    normal = vertex_normal_[t[k]];
  }
  const double side = (q - hit.point).cast<double>().dot(normal.cast<double>());
  return side < 0.0 ? -hit.distance : hit.distance;
}

std::vector<float> MeshSignedDistance::evaluate(const std::vector<Vec3>& queries,
                                                unsigned threads) const {
  std::vector<float> out(queries.size());
  parallel_for(queries.size(), [&](std::size_t i) { out[i] = (*this)(queries[i]); }, threads, 256);
  return out;
}

std::vector<std::array<std::int32_t, 3>> surface_voxels(const Mesh& normalized_mesh,
                                                        int resolution, unsigned threads) {
  check_resolution(resolution);
  normalized_mesh.validate();
  const double R = resolution;
  const double half = 0.5 / R * (1.0 + 1e-6);
  const std::size_t f = normalized_mesh.triangles.size();
  // Fixed chunks of faces, each producing its own key list; concatenated in chunk order and
  // sorted, so the result is independent of scheduling.
  const std::size_t chunk = 2048;
  const std::size_t chunks = (f + chunk - 1) / chunk;
  std::vector<std::vector<std::uint64_t>> found(chunks);
  parallel_for(
      chunks,
      [&](std::size_t c) {
        std::vector<std::uint64_t>& keys = found[c];
        const std::size_t end = std::min(f, (c + 1) * chunk);
        for (std::size_t i = c * chunk; i < end; ++i) {
          const Triangle& t = normalized_mesh.triangles[i];
          // Grid coordinates: voxel j spans [j, j + 1].
          V3d g[3];
          for (int k = 0; k < 3; ++k) {
            g[k] = (normalized_mesh.positions[t[k]].cast<double>().array() + 0.5) * R;
          }
          int lo[3], hi[3];
          bool empty = false;
          for (int a = 0; a < 3; ++a) {
            const double mn = std::min({g[0][a], g[1][a], g[2][a]});
            const double mx = std::max({g[0][a], g[1][a], g[2][a]});
            lo[a] = int(std::max(0.0, std::floor(mn - 1e-6)));
            hi[a] = int(std::min(R - 1.0, std::floor(mx + 1e-6)));
            empty |= lo[a] > hi[a];
          }
          if (empty) continue;
          for (int x = lo[0]; x <= hi[0]; ++x) {
            for (int y = lo[1]; y <= hi[1]; ++y) {
              for (int z = lo[2]; z <= hi[2]; ++z) {
                const V3d centre((x + 0.5) / R - 0.5, (y + 0.5) / R - 0.5, (z + 0.5) / R - 0.5);
                const V3d v0 = normalized_mesh.positions[t[0]].cast<double>() - centre;
                const V3d v1 = normalized_mesh.positions[t[1]].cast<double>() - centre;
                const V3d v2 = normalized_mesh.positions[t[2]].cast<double>() - centre;
                if (!triangle_box_overlap(v0, v1, v2, half)) continue;
                keys.push_back(pack_coord(x, y, z));
              }
            }
          }
        }
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
      },
      threads, 1);
  std::vector<std::uint64_t> all;
  std::size_t total = 0;
  for (const auto& k : found) total += k.size();
  all.reserve(total);
  for (auto& k : found) {
    all.insert(all.end(), k.begin(), k.end());
    std::vector<std::uint64_t>().swap(k);
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  std::vector<std::array<std::int32_t, 3>> voxels(all.size());
  const std::uint64_t mask = (std::uint64_t(1) << 21) - 1;
  for (std::size_t i = 0; i < all.size(); ++i) {
    voxels[i] = {std::int32_t(all[i] >> 42), std::int32_t((all[i] >> 21) & mask),
                 std::int32_t(all[i] & mask)};
  }
  return voxels;
}

namespace {

// The grid points of the field's voxel corners, each once (ids in order of first use by the
// sorted voxels), in the normalised frame; corner[8 * i + c] is the id of voxel i's corner c.
std::vector<Vec3> corner_points(const SparseVoxelField& field, std::vector<std::int32_t>& corner) {
  const std::size_t n = field.voxels.size();
  CoordMap index(2 * n);
  std::vector<Vec3> points;
  corner.assign(8 * n, 0);
  const double R = field.resolution;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& v = field.voxels[i];
    for (int c = 0; c < 8; ++c) {
      const std::int64_t x = v[0] + kCubeCorners[c][0], y = v[1] + kCubeCorners[c][1], z = v[2] + kCubeCorners[c][2];
      const auto [id, inserted] = index.insert(pack_coord(x, y, z), std::int32_t(points.size()));
      if (inserted) points.emplace_back(float(x / R - 0.5), float(y / R - 0.5), float(z / R - 0.5));
      corner[8 * i + c] = id;
    }
  }
  return points;
}

}  // namespace

SparseVoxelField direct_field(const Mesh& normalized_mesh, int resolution, unsigned threads) {
  SparseVoxelField field;
  field.resolution = resolution;
  field.voxels = surface_voxels(normalized_mesh, resolution, threads);
  if (field.voxels.empty()) return field;
  const MeshSignedDistance sdf(normalized_mesh);
  const std::size_t n = field.voxels.size();
  std::vector<std::int32_t> corner;
  const std::vector<Vec3> points = corner_points(field, corner);
  const std::vector<float> values = sdf.evaluate(points, threads);
  field.sdf.resize(8 * n);
  for (std::size_t k = 0; k < 8 * n; ++k) field.sdf[k] = values[corner[k]];
  return field;
}

namespace {

// The voxels within `rings` steps (26-neighbourhood) of the given sorted set, inside the grid.
std::vector<std::array<std::int32_t, 3>> dilate_voxels(const std::vector<std::array<std::int32_t, 3>>& voxels,
                                                        int resolution, int rings) {
  CoordMap seen(voxels.size() * (2 * rings + 1));
  for (const auto& v : voxels) seen.insert(pack_coord(v[0], v[1], v[2]), 0);
  std::vector<std::array<std::int32_t, 3>> all = voxels, frontier = voxels, next;
  for (int ring = 0; ring < rings; ++ring) {
    next.clear();
    for (const auto& v : frontier)
      for (int dx = -1; dx <= 1; ++dx)
        for (int dy = -1; dy <= 1; ++dy)
          for (int dz = -1; dz <= 1; ++dz) {
            const std::array<std::int32_t, 3> u{v[0] + dx, v[1] + dy, v[2] + dz};
            if (u[0] < 0 || u[1] < 0 || u[2] < 0 || u[0] >= resolution || u[1] >= resolution || u[2] >= resolution) continue;
            if (seen.insert(pack_coord(u[0], u[1], u[2]), 0).second) next.push_back(u);
          }
    all.insert(all.end(), next.begin(), next.end());
    frontier.swap(next);
  }
  std::sort(all.begin(), all.end());
  return all;
}

}  // namespace

SparseVoxelField union_field(const std::vector<Mesh>& parts, int resolution, unsigned threads, double offset) {
  if (!(offset >= 0 && offset < 0.25)) throw Error(ExitCode::Usage, "union_field: offset must be in [0, 0.25)");
  SparseVoxelField field;
  field.resolution = resolution;
  std::vector<std::array<std::int32_t, 3>> voxels;
  for (const Mesh& part : parts) {
    const auto v = surface_voxels(part, resolution, threads);
    voxels.insert(voxels.end(), v.begin(), v.end());
  }
  std::sort(voxels.begin(), voxels.end());
  voxels.erase(std::unique(voxels.begin(), voxels.end()), voxels.end());
  // The offset surface lies `offset` outside the parts: every voxel it crosses is within
  // ceil(offset * resolution) cells of a voxel the parts cross.
  const int rings = static_cast<int>(std::ceil(offset * resolution - 1e-9));
  if (offset > 0 && !voxels.empty()) voxels = dilate_voxels(voxels, resolution, rings);
  field.voxels = std::move(voxels);
  if (field.voxels.empty()) return field;
  const std::size_t n = field.voxels.size();
  std::vector<std::int32_t> corner;
  const std::vector<Vec3> points = corner_points(field, corner);
  std::vector<float> best(points.size(), std::numeric_limits<float>::infinity());
  for (const Mesh& part : parts) {
    if (part.triangles.empty()) continue;
    const MeshSignedDistance sdf(part);
    const Aabb box = bounding_box(part);
    // Only the points where this part could lower the value: its box is nearer than |best|.
    std::vector<std::size_t> near;
    std::vector<Vec3> queries;
    for (std::size_t k = 0; k < points.size(); ++k) {
      const Vec3 outside = (box.min - points[k]).cwiseMax(points[k] - box.max).cwiseMax(0.0f);
      if (!(outside.norm() >= std::abs(best[k]))) near.push_back(k), queries.push_back(points[k]);
    }
    const std::vector<float> values = sdf.evaluate(queries, threads);
    for (std::size_t q = 0; q < near.size(); ++q) best[near[q]] = std::min(best[near[q]], values[q]);
  }
  for (float& b : best) b -= static_cast<float>(offset);
  if (offset > 0) {
    // Keep the voxels the offset surface crosses (corners of both signs); the rest of the band
    // lies wholly inside or outside it.
    std::vector<std::array<std::int32_t, 3>> kept;
    std::vector<float> sdf;
    for (std::size_t i = 0; i < n; ++i) {
      bool in = false, out = false;
      for (int c = 0; c < 8; ++c) (best[corner[8 * i + c]] < 0 ? in : out) = true;
      if (!(in && out)) continue;
      kept.push_back(field.voxels[i]);
      for (int c = 0; c < 8; ++c) sdf.push_back(best[corner[8 * i + c]]);
    }
    field.voxels = std::move(kept);
    field.sdf = std::move(sdf);
    return field;
  }
  field.sdf.resize(8 * n);
  for (std::size_t k = 0; k < 8 * n; ++k) field.sdf[k] = best[corner[k]];
  return field;
}

Mesh direct_extract(const Mesh& mesh, int resolution, bool watertight, double margin,
                    unsigned threads) {
  const NormalizeTransform norm = normalize_for_field(mesh, margin);
  Mesh normalized;
  normalized.positions = mesh.positions;
  normalized.triangles = mesh.triangles;
  transform(normalized, norm.forward());
  const SparseVoxelField field = direct_field(normalized, resolution, threads);
  ExtractOptions options;
  options.watertight = watertight;
  options.threads = threads;
  Mesh out = extract_flexicubes(field, options);
  transform(out, norm.inverse());
  return out;
}

}  // namespace flexforge::extract
