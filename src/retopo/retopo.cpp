// Retopology driver: weld, collapse to the budget, fit back to the input, pair into quads,
// carry attributes over. The algorithms live in their own files (quadric, edge_collapse,
// vertex_fit, quad_pairing); this file only sequences them and owns the budget bookkeeping.
#include "flexforge/retopo/retopo.h"

#include "flexforge/core/crash_guard.h"
#include "flexforge/core/bvh.h"
#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/sampling.h"
#include "flexforge/core/skin_weights.h"
#include "flexforge/retopo/edge_collapse.h"
#include "flexforge/retopo/edge_flip.h"
#include "flexforge/retopo/quad_pairing.h"
#include "flexforge/retopo/vertex_fit.h"

#include <Eigen/Geometry>

#include <algorithm>
#include <numeric>
#include <cmath>
#include <map>
#include <string>

namespace flexforge::retopo {

void RetopoOptions::validate() const {
  if (target_faces < 1 || target_faces > 1000000000) {
    throw Error(ExitCode::Usage, "target_faces must be between 1 and 1000000000");
  }
  if (!std::isfinite(feature_angle_deg) || feature_angle_deg < 0.0 || feature_angle_deg > 180.0) {
    throw Error(ExitCode::Usage, "feature_angle_deg must be between 0 and 180 degrees");
  }
  if (fit_iterations < 0 || fit_iterations > 100) {
    throw Error(ExitCode::Usage, "fit iterations must be between 0 and 100");
  }
  if (surface_samples > 10000000) {
    throw Error(ExitCode::Usage, "surface_samples must be at most 10000000 (0 = automatic)");
  }
}

namespace {

// Enough original samples that every coarse face sees dozens of them.
std::size_t automatic_surface_samples(std::size_t output_faces) {
  return std::clamp<std::size_t>(40 * output_faces, 50000, 400000);
}

bool within_budget(std::size_t faces, std::size_t target) {
  return std::abs(static_cast<double>(faces) - static_cast<double>(target)) <=
         0.05 * static_cast<double>(target);
}

// Quad mode: collapse until pairing the triangles gives about `target` faces. Starting from
// 2 * target triangles (which can never pair below target faces) and only ever collapsing
// further keeps this monotone; each step predicts the triangles still to remove from the
// measured pairing rate.
void collapse_for_quads(EdgeCollapse& collapse, std::size_t target, std::size_t input_faces) {
  std::size_t triangles = collapse.collapse_to(std::min(2 * target, input_faces));
  for (int step = 0; step < 12; ++step) {
    const CollapseResult r = collapse.result();
    const QuadPairing pairing = pair_triangles(r.mesh);
    const double faces = static_cast<double>(pairing.face_count());
    if (faces <= 1.015 * static_cast<double>(target)) return;
    const double quad_fraction = pairing.quad_triangle_fraction();
    const double per_triangle = std::max(0.5, 1.0 - 0.5 * quad_fraction);
    const double excess = (faces - static_cast<double>(target)) / per_triangle;
    const auto next = static_cast<std::size_t>(
        std::max(1.0, static_cast<double>(triangles) - std::max(2.0, 0.9 * excess)));
    const std::size_t reached = collapse.collapse_to(next);
    if (reached >= triangles) return;  // no collapse left
    triangles = reached;
  }
}

// Skin and colour at a point of the input: barycentric blend of the face's corners.
void transfer_attributes(const Mesh& input, const TriangleBvh& bvh, Mesh& out) {
  if (!input.has_colors() && !input.has_skin()) return;
  const std::size_t n = out.positions.size();
  if (input.has_colors()) out.colors.assign(n, Vec4::Zero());
  if (input.has_skin()) out.skin.assign(n, {});
  std::map<std::uint32_t, float> blend;
  for (std::size_t v = 0; v < n; ++v) {
    const TriangleBvh::Hit h = bvh.closest_point(out.positions[v]);
    const Triangle& t = input.triangles[h.face];
    if (input.has_colors()) {
      Vec4 c = Vec4::Zero();
      for (int k = 0; k < 3; ++k) c += h.barycentric[k] * input.colors[t[k]];
      out.colors[v] = c.cwiseMax(0.0f).cwiseMin(1.0f);
    }
    if (input.has_skin()) {
      blend.clear();
      for (int k = 0; k < 3; ++k) {
        for (const SkinInfluence& s : input.skin[t[k]]) {
          if (s.weight > 0.0f) blend[s.joint] += h.barycentric[k] * s.weight;
        }
      }
      std::vector<SkinInfluence> all;
      for (const auto& [joint, w] : blend) all.push_back({joint, w});
      // Top 4, renormalised: what every exporter and engine keeps, decided here so that the
      // weights in memory are the ones written.
      const FourInfluences four = top4_normalized(all, 0);
      for (int k = 0; k < 4; ++k) {
        if (four.weights[k] > 0.0f) out.skin[v].push_back({four.joints[k], four.weights[k]});
      }
    }
  }
}

// Artist meshes hold hundreds of small separate pieces (screws, knobs, crystals, leaves,
// decals), often one node each; each keeps at least one triangle (a closed one at least four)
// however far it is collapsed, so their sum can stay far above the budget (a chandelier's 1,781
// crystals: 5,242 faces for a budget of 2000). The smallest pieces by area, over all the meshes
// given, are removed until the total is within `target` triangles: never the largest piece and
// never one over 1% of the surface, so a person's limbs or a lamp's shade stay. Returns how many
// were removed and adds their area to `dropped_area` (a mesh may end up empty).
constexpr double kMaxPieceArea = 0.01;  // of the whole surface

std::size_t drop_smallest_pieces(const std::vector<Mesh*>& meshes, std::size_t target, double& dropped_area) {
  struct Piece {
    std::size_t mesh;
    int component;
    double area;
    std::size_t faces;
  };
  std::vector<Piece> pieces;
  std::vector<Components> components;
  std::size_t count = 0;
  for (std::size_t m = 0; m < meshes.size(); ++m) {
    const Mesh& mesh = *meshes[m];
    components.push_back(connected_components(mesh));
    const std::size_t first = pieces.size();
    const std::vector<double> area = component_areas(mesh, components.back());
    for (int c = 0; c < components.back().count; ++c) pieces.push_back({m, c, area[static_cast<std::size_t>(c)], 0});
    for (int c : components.back().face_component) ++pieces[first + static_cast<std::size_t>(c)].faces;
    count += mesh.triangles.size();
  }
  if (pieces.size() <= 1 || count <= target) return 0;
  double total_area = 0.0;
  for (const Piece& p : pieces) total_area += p.area;
  std::stable_sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) { return a.area < b.area; });
  std::vector<std::vector<bool>> drop(meshes.size());
  for (std::size_t m = 0; m < meshes.size(); ++m) drop[m].assign(static_cast<std::size_t>(components[m].count), false);
  std::size_t dropped = 0;
  for (std::size_t i = 0; i + 1 < pieces.size() && count > target; ++i) {
    if (pieces[i].area > kMaxPieceArea * total_area) break;
    dropped_area += pieces[i].area;
    drop[pieces[i].mesh][static_cast<std::size_t>(pieces[i].component)] = true;
    count -= pieces[i].faces;
    ++dropped;
  }
  for (std::size_t m = 0; m < meshes.size(); ++m) {
    Mesh& mesh = *meshes[m];
    std::vector<std::uint8_t> keep(mesh.triangles.size());
    bool any_dropped = false;
    for (std::size_t f = 0; f < keep.size(); ++f) {
      keep[f] = !drop[m][static_cast<std::size_t>(components[m].face_component[f])];
      any_dropped |= !keep[f];
    }
    if (any_dropped) mesh = submesh(mesh, keep);
  }
  return dropped;
}

}  // namespace

Mesh retopologize(const Mesh& mesh, const RetopoOptions& options, RetopoReport* report_out) {
  options.validate();
  mesh.validate("retopo input");
  RetopoReport report;
  report.input_faces = mesh.face_count();
  if (mesh.face_count() <= options.target_faces || mesh.empty()) {
    report.unchanged = true;
    report.output_triangles = report.output_faces = mesh.face_count();
    report.budget_met = within_budget(report.output_faces, options.target_faces);
    if (report_out) *report_out = report;
    return mesh;
  }

  // Topology comes from positions alone: attribute seams in the input must not read as holes.
  Mesh welded = weld(mesh, 0.0f);
  // A face stored once per side makes every edge non-manifold, which locks its vertices: a
  // double-sided artist cooktop of 18,804 faces stopped at 11,436 for a budget of 2000.
  report.duplicate_faces = drop_duplicate_faces(welded);
  CollapseOptions copts;
  copts.feature_angle_deg = options.feature_angle_deg;
  copts.preserve_part_seams = options.preserve_parts;
  EdgeCollapse collapse(welded, copts);
  if (options.quad) {
    collapse_for_quads(collapse, options.target_faces, welded.face_count());
  } else {
    collapse.collapse_to(options.target_faces);
  }
  CollapseResult collapsed = collapse.result();
  report.features_relaxed = collapsed.features_relaxed;
  Mesh out = std::move(collapsed.mesh);
  const std::size_t ceiling = options.target_faces + options.target_faces / 20;  // +5%
  const std::size_t counted = options.quad ? out.face_count() / 2 : out.face_count();
  if (!options.strict_topology && counted > ceiling) {
    // Quad mode counts a quad as one face: about two triangles each.
    report.dropped_components = drop_smallest_pieces(
        {&out}, options.quad ? 2 * options.target_faces : options.target_faces, report.dropped_area);
  }

  const TriangleBvh input_bvh(mesh);
  SurfaceSamples samples;
  if (options.fit_iterations > 0 && !out.empty()) {
    samples = sample_surface(mesh,
                             options.surface_samples > 0 ? options.surface_samples
                                                         : automatic_surface_samples(out.face_count()),
                             options.seed);
  }
  EdgeFlipOptions flip;
  flip.feature_angle_deg = options.feature_angle_deg;
  flip.respect_parts = options.preserve_parts;
  // Alternate vertex fitting and surface-fitting flips: each makes the other's next step
  // better (flips change which samples project where; fitting changes which diagonal fits).
  auto fit = [&](Mesh& m, int iterations) {
    if (iterations <= 0 || m.empty()) return;
    VertexFitOptions fopts;
    fopts.iterations = iterations;
    fopts.threads = options.threads;
    // Three rounds: measured on bunny/armadillo/homer, more rounds gain under 1%.
    const int rounds = std::min(3, iterations / 2);
    VertexFitOptions part_fit = fopts;
    part_fit.iterations = std::max(1, fopts.iterations / (rounds + 1));
    for (int r = 0; r < rounds; ++r) {
      report.fit_reverted_vertices += fit_vertices(m, input_bvh, samples, part_fit).reverted_vertices;
      flip_edges_to_surface(m, input_bvh, flip);
    }
    part_fit.iterations = std::max(1, fopts.iterations - rounds * part_fit.iterations);
    part_fit.check_last = true;  // the result is never worse than what the last call started from
    report.fit_reverted_vertices += fit_vertices(m, input_bvh, samples, part_fit).reverted_vertices;
  };
  fit(out, options.fit_iterations);

  if (options.quad) {
    // Fitting and flips change which triangles pair up, so the count is only known now:
    // while it is above the budget, collapse the fitted mesh a little further (its own
    // Lindstrom-Turk costs; a few percent of its triangles) and fit again briefly.
    QuadPairing pairing = pair_triangles(out);
    for (int step = 0; step < 6; ++step) {
      const double faces = static_cast<double>(pairing.face_count());
      const double target = static_cast<double>(options.target_faces);
      if (faces <= 1.02 * target) break;
      const double per_triangle = std::max(0.5, 1.0 - 0.5 * pairing.quad_triangle_fraction());
      const double excess = (faces - target) / per_triangle;
      const std::size_t tris = out.face_count();
      const auto next = static_cast<std::size_t>(
          std::max(4.0, static_cast<double>(tris) - std::max(2.0, excess)));
      EdgeCollapse again(out, copts);
      if (again.collapse_to(next) >= tris) break;  // nothing left to collapse
      Mesh smaller = again.result().mesh;
      fit(smaller, std::min(options.fit_iterations, 4));
      const QuadPairing p2 = pair_triangles(smaller);
      // Never trade a count within the budget for one further away below it.
      if (std::abs(double(p2.face_count()) - target) > std::abs(faces - target)) break;
      out = std::move(smaller);
      pairing = p2;
    }
    std::vector<Triangle> tris;
    std::vector<std::int32_t> parts;
    tris.reserve(out.face_count());
    auto emit = [&](std::uint32_t f) {
      tris.push_back(out.triangles[f]);
      if (!out.face_parts.empty()) parts.push_back(out.face_parts[f]);
    };
    for (const auto& p : pairing.pairs) {
      emit(p[0]);
      emit(p[1]);
    }
    for (std::uint32_t f : pairing.singles) emit(f);
    out.triangles = std::move(tris);
    if (!out.face_parts.empty()) out.face_parts = std::move(parts);
    report.quads = pairing.pairs.size();
  }

  transfer_attributes(mesh, input_bvh, out);
  if (mesh.has_normals()) compute_vertex_normals(out);
  report.output_triangles = out.face_count();
  report.output_faces = out.face_count() - report.quads;
  report.budget_met = within_budget(report.output_faces, options.target_faces);
  if (report_out) *report_out = report;
  return out;
}

namespace {

// Every part at its share of the budget (shares follow face counts, the density the input chose
// for each part).
Scene retopologize_parts(const Scene& scene, const RetopoOptions& options, RetopoReport& sum) {
  const std::size_t total = scene.face_count();
  Scene out;
  out.skeleton = scene.skeleton;
  out.animations = scene.animations;
  out.metadata = scene.metadata;
  sum = RetopoReport{};
  sum.unchanged = true;
  for (const Part& part : scene.parts) {
    RetopoOptions po = options;
    const double share = total > 0 ? static_cast<double>(options.target_faces) *
                                         static_cast<double>(part.mesh.face_count()) /
                                         static_cast<double>(total)
                                   : 0.0;
    po.target_faces = std::max<std::size_t>(4, static_cast<std::size_t>(std::llround(share)));
    if (po.surface_samples == 0 && total > 0 && scene.parts.size() > 1) {
      // The part's share of the samples the whole scene would get, never under 40 per face
      // (a single part keeps the automatic count of retopologize).
      const double scene_samples = static_cast<double>(automatic_surface_samples(options.target_faces));
      po.surface_samples = std::max<std::size_t>(
          40 * po.target_faces, static_cast<std::size_t>(std::llround(
                                    scene_samples * static_cast<double>(part.mesh.face_count()) /
                                    static_cast<double>(total))));
    }
    RetopoReport r;
    Part p = part;
    p.mesh = retopologize(part.mesh, po, &r);
    out.parts.push_back(std::move(p));
    sum.input_faces += r.input_faces;
    sum.output_triangles += r.output_triangles;
    sum.output_faces += r.output_faces;
    sum.quads += r.quads;
    sum.unchanged = sum.unchanged && r.unchanged;
    sum.features_relaxed = sum.features_relaxed || r.features_relaxed;
    sum.fit_reverted_vertices += r.fit_reverted_vertices;
    sum.dropped_components += r.dropped_components;
    sum.duplicate_faces += r.duplicate_faces;
    sum.dropped_area += r.dropped_area;
  }
  return out;
}

}  // namespace

Scene retopologize_scene(const Scene& scene, const RetopoOptions& options,
                         RetopoReport* report_out) {
  const StageScope stage_scope("retopo");  // names the stage in a crash report
  options.validate();
  scene.validate();
  RetopoReport sum;
  Scene out = retopologize_parts(scene, options, sum);
  // Each part keeps at least its own pieces; a scene of many small parts (knobs, screws, one
  // node each) can stay above the budget. The smallest pieces over the whole scene then go, as
  // within one mesh (quad mode keeps them: its triangles are ordered in pairs).
  if (!options.strict_topology && !options.quad &&
      sum.output_faces > options.target_faces + options.target_faces / 20) {
    std::vector<Mesh*> meshes;
    for (Part& p : out.parts) meshes.push_back(&p.mesh);
    sum.dropped_components += drop_smallest_pieces(meshes, options.target_faces, sum.dropped_area);
    out.parts.erase(std::remove_if(out.parts.begin(), out.parts.end(),
                                   [](const Part& p) { return p.mesh.empty(); }),
                    out.parts.end());
    sum.output_triangles = sum.output_faces = out.face_count();
  }
  sum.budget_met = within_budget(sum.output_faces, options.target_faces);
  if (sum.dropped_area > 0.0) {
    double input_area = 0.0;
    for (const Part& p : scene.parts) {
      for (double a : component_areas(p.mesh, connected_components(p.mesh))) input_area += a;
    }
    sum.dropped_area_share = input_area > 0.0 ? std::min(1.0, sum.dropped_area / input_area) : 0.0;
  }
  out.metadata["retopo"] = {{"target_faces", options.target_faces},
                            {"faces", sum.output_faces},
                            {"triangles", sum.output_triangles},
                            {"quads", sum.quads},
                            {"quad_mode", options.quad}};
  if (report_out) *report_out = sum;
  return out;
}

}  // namespace flexforge::retopo
