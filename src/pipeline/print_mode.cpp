#include "flexforge/pipeline/print_mode.h"

#include "flexforge/complete/complete.h"
#include "flexforge/complete/self_intersections.h"
#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/sampling.h"
#include "flexforge/core/scene_ops.h"
#include "flexforge/extract/flexicubes.h"
#include "flexforge/extract/mesh_to_field.h"

#include <Eigen/Geometry>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace flexforge::pipeline {

namespace {

using json = nlohmann::json;

double signed_volume(const Mesh& m) {
  double v = 0;
  for (const Triangle& t : m.triangles) {
    const Eigen::Vector3d a = m.positions[t[0]].cast<double>(), b = m.positions[t[1]].cast<double>(),
                          c = m.positions[t[2]].cast<double>();
    v += a.dot(b.cross(c)) / 6.0;
  }
  return v;
}

// The largest face-connected piece; the others are counted and their area share returned.
Mesh largest_piece(const Mesh& mesh, std::size_t* dropped, double* dropped_share) {
  const Components c = connected_components(mesh);
  *dropped = c.count > 1 ? static_cast<std::size_t>(c.count - 1) : 0;
  *dropped_share = 0;
  if (c.count <= 1) return mesh;
  const std::vector<double> areas = component_areas(mesh, c);
  const int keep = static_cast<int>(std::max_element(areas.begin(), areas.end()) - areas.begin());
  double total = 0;
  for (double a : areas) total += a;
  *dropped_share = total > 0 ? 1.0 - areas[keep] / total : 0.0;
  std::vector<std::uint8_t> faces(mesh.triangles.size());
  for (std::size_t f = 0; f < faces.size(); ++f) faces[f] = c.face_component[f] == keep;
  return submesh(mesh, faces);
}

// Chord length through the solid from a surface point along direction d (pointing inward): march
// until the far side, stepping by the distance to the nearest surface, which near the start is
// the wall behind and so at least doubles the step each time.
double chord(const extract::MeshSignedDistance& sdf, const Vec3& p, const Vec3& d, double limit) {
  const double eps = 1e-4 * limit;
  double t = eps;
  for (int i = 0; i < 200 && t < limit; ++i) {
    const float v = sdf(p + static_cast<float>(t) * d);
    if (v >= 0) return t;
    t += std::max(static_cast<double>(-v), eps);
  }
  return t;
}

// Wall thickness at a surface point: the median chord over a cone of 9 inward rays (the normal
// and 8 rays 20 degrees off it), as in the shape diameter function. A single ray along the face
// normal reads a faceted surface's tilted facets and sharp creases as walls a fraction of their
// real thickness; the median over the cone ignores such outliers and still reads a thin slab as
// thin (its chords grow by 1 / cos 20 degrees at most).
double wall_at(const extract::MeshSignedDistance& sdf, const Vec3& p, const Vec3& n, double limit) {
  const Vec3 in = -n.normalized();
  const Vec3 u = (std::abs(in.x()) < 0.9f ? Vec3::UnitX() : Vec3::UnitY()).cross(in).normalized();
  const Vec3 v = in.cross(u);
  const float tilt = std::tan(20.0f * 3.14159265f / 180.0f);
  std::array<double, 9> chords{};
  chords[0] = chord(sdf, p, in, limit);
  for (int k = 0; k < 8; ++k) {
    const float a = static_cast<float>(k) * 3.14159265f / 4.0f;
    const Vec3 d = (in + tilt * (std::cos(a) * u + std::sin(a) * v)).normalized();
    chords[k + 1] = chord(sdf, p, d, limit);
  }
  std::nth_element(chords.begin(), chords.begin() + 4, chords.end());
  return chords[4];
}

}  // namespace

void PrintOptions::validate() const {
  if (!(size_mm >= 0.1 && size_mm <= 10000)) throw Error(ExitCode::Usage, "size_mm: expected 0.1 to 10000 millimetres");
  if (resolution < 32 || resolution > 1024) throw Error(ExitCode::Usage, "print_resolution: expected 32 to 1024");
  if (!(min_wall_mm >= 0 && min_wall_mm <= size_mm / 10))
    throw Error(ExitCode::Usage, "min_wall_mm: expected 0 to a tenth of the size");
}

json PrintCheck::to_json() const {
  return {{"closed", closed},
          {"components", components},
          {"self_intersections", self_intersections},
          {"size_mm", {size_mm[0], size_mm[1], size_mm[2]}},
          {"volume_mm3", volume_mm3},
          {"min_wall_mm", min_wall_mm},
          {"thin_share", thin_share},
          {"min_wall_threshold_mm", min_wall_threshold_mm},
          {"overhang_share", overhang_share},
          {"passed", passed()}};
}

json PrintResult::to_json() const {
  return {{"parts", parts},
          {"parts_closed_first", parts_closed_first},
          {"dropped_pieces", dropped_pieces},
          {"dropped_area_share", dropped_area_share},
          {"resolution", resolution},
          {"wall_offset_mm", wall_offset_mm},
          {"faces", shell.triangles.size()},
          {"check", check.to_json()}};
}

PrintCheck check_print(const Mesh& mesh, double min_wall_mm) {
  PrintCheck c;
  c.min_wall_threshold_mm = min_wall_mm;
  if (mesh.triangles.empty()) return c;
  const Mesh welded = weld(mesh, 0.0f);
  const ClosedSurfaceCheck closed = check_closed_surface(welded);
  c.closed = closed.watertight && closed.oriented;
  c.components = static_cast<std::size_t>(connected_components(welded).count);
  c.self_intersections = complete::self_intersection_count(welded);
  const Aabb box = bounding_box(welded);
  for (int i = 0; i < 3; ++i) c.size_mm[i] = box.max[i] - box.min[i];
  c.volume_mm3 = std::abs(signed_volume(welded));

  // Overhangs: faces looking down more steeply than 45 degrees, except those on the plate.
  const std::vector<Vec3> normals = face_normals(welded);
  const float plate = box.min.z() + 1e-3f * std::max(c.size_mm[2], 1e-9);
  double area = 0, overhang = 0;
  for (std::size_t f = 0; f < welded.triangles.size(); ++f) {
    const Triangle& t = welded.triangles[f];
    const Vec3 &a = welded.positions[t[0]], &b = welded.positions[t[1]], &d = welded.positions[t[2]];
    const double fa = 0.5 * (b - a).cross(d - a).norm();
    area += fa;
    const bool on_plate = a.z() <= plate && b.z() <= plate && d.z() <= plate;
    if (!on_plate && normals[f].z() < -std::cos(45.0 * 3.14159265358979 / 180.0)) overhang += fa;
  }
  c.overhang_share = area > 0 ? overhang / area : 0;

  // Wall thickness at 2000 surface samples (the far side found through the solid).
  if (c.closed) {
    const extract::MeshSignedDistance sdf(welded);
    const SurfaceSamples s = sample_surface(welded, 2000, 7);
    const double limit = std::max({c.size_mm[0], c.size_mm[1], c.size_mm[2]});
    std::size_t thin = 0;
    c.min_wall_mm = limit;
    for (std::size_t i = 0; i < s.points.size(); ++i) {
      const double w = wall_at(sdf, s.points[i], s.normals[i], limit);
      c.min_wall_mm = std::min(c.min_wall_mm, w);
      if (w < min_wall_mm) ++thin;
    }
    c.thin_share = s.points.empty() ? 0 : static_cast<double>(thin) / static_cast<double>(s.points.size());
  }
  return c;
}

PrintResult make_print_shell(const Scene& scene, const PrintOptions& options) {
  options.validate();
  PrintResult result;
  // Parts that are not closed surfaces are closed first: the union field needs an inside.
  std::vector<Mesh> parts;
  for (const Part& part : scene.parts) {
    if (part.mesh.triangles.empty()) continue;
    ++result.parts;
    Mesh m = weld(part.mesh, 0.0f);
    const ClosedSurfaceCheck closed = check_closed_surface(m);
    if (!(closed.watertight && closed.oriented)) {
      complete::CompleteOptions co;
      m = complete::complete_mesh(m, co);
      ++result.parts_closed_first;
    }
    m.skin.clear();
    parts.push_back(std::move(m));
  }
  if (parts.empty()) throw Error(ExitCode::InvalidInput, "print: the scene has no faces");
  Mesh all;
  for (const Mesh& m : parts) {
    const auto base = static_cast<std::uint32_t>(all.positions.size());
    all.positions.insert(all.positions.end(), m.positions.begin(), m.positions.end());
    for (const Triangle& t : m.triangles) all.triangles.push_back({t[0] + base, t[1] + base, t[2] + base});
  }
  // Room in the grid for the growth: the offset is a few hundredths of the extent at most.
  const double S = options.size_mm, w = options.min_wall_mm;
  const double margin = 0.05 + 4 * w / S;
  const extract::NormalizeTransform norm = extract::normalize_for_field(all, margin);
  for (Mesh& m : parts) transform(m, norm.forward());
  // Growing the union by r makes its longest extent E + 2r (normalised) and a zero-thickness wall
  // 2r thick; scaled to S mm that wall is 2r S / (E + 2r), which equals w for r = w E / (2 (S - w)).
  // A tenth more covers the extraction's sub-cell error, so that the thinnest wall measures >= w.
  const double E = 1.0 - margin;
  const double offset = w > 0 ? 1.1 * w * E / (2 * (S - w)) : 0.0;

  int resolution = options.resolution;
  for (int attempt = 0; attempt < 3; ++attempt, resolution = resolution * 3 / 4) {
    extract::SparseVoxelField field = extract::union_field(parts, resolution, 0, offset);
    extract::ExtractOptions eo;
    eo.watertight = true;
    Mesh shell = extract::extract_flexicubes(field, eo);
    if (shell.triangles.empty()) continue;
    shell = largest_piece(weld(shell, 0.0f), &result.dropped_pieces, &result.dropped_area_share);
    transform(shell, norm.inverse());
    // Scene Y up -> printer Z up (x, y, z) -> (x, -z, y); scaled to the size, on the plate.
    Mat4 up = Mat4::Zero();
    up(0, 0) = 1;
    up(1, 2) = -1;
    up(2, 1) = 1;
    up(3, 3) = 1;
    transform(shell, up);
    Aabb box = bounding_box(shell);
    const float largest = (box.max - box.min).maxCoeff();
    const float scale = static_cast<float>(options.size_mm) / largest;
    const Vec3 centre = 0.5f * (box.min + box.max);
    for (Vec3& p : shell.positions) {
      p = (p - Vec3(centre.x(), centre.y(), box.min.z())) * scale;
    }
    shell.normals.clear();
    shell.colors.clear();
    const std::size_t crossings = complete::self_intersection_count(shell, 1);
    if (crossings > 0) {
      spdlog::warn("print: the shell at resolution {} intersects itself; extracting again coarser", resolution);
      continue;
    }
    compute_vertex_normals(shell);
    result.resolution = resolution;
    result.wall_offset_mm = offset * scale / norm.scale;
    result.shell = std::move(shell);
    result.check = check_print(result.shell, w > 0 ? w : 0.8);
    return result;
  }
  throw Error(ExitCode::StageFailed, "print: no self-intersection-free shell at resolution " +
                                         std::to_string(options.resolution) + " or coarser");
}

Scene print_scene(const PrintResult& result, const Scene& source) {
  Scene out;
  out.parts.push_back(Part{"print", result.shell, ""});
  out.metadata = source.metadata.is_object() ? source.metadata : json::object();
  out.metadata["print"] = {{"units", "millimetre"}, {"up", "+Z"}};
  return out;
}

}  // namespace flexforge::pipeline
