// Low-poly retopology to a face budget (`flexforge retopo`).
//
// Pipeline: exact position weld, duplicate faces (a face stored once per side) kept once ->
// Lindstrom-Turk edge collapse to the budget (edge_collapse.h)
// -> vertex fitting back onto the input surface (vertex_fit.h) interleaved with surface-fitting
// edge flips -> optional triangle pairing into quads (quad_pairing.h; the count is re-targeted
// after fitting by collapsing the fitted mesh further) -> attribute transfer (colours, skin weights) by
// projecting every output vertex onto the input surface.
//
// Guarantees, for any valid input:
//  * Closed 2-manifold input gives closed, consistently oriented 2-manifold output; open
//    manifold input keeps its boundary loops. Non-manifold spots of the input are kept as they
//    are (their vertices are locked).
//  * No degenerate face and no face flipped against the surface it replaces.
//  * face_parts labels are carried face by face; with preserve_parts the seams between labels
//    stay seams (they are only shortened along themselves).
//  * Colours are interpolated and skin weights blended from the input at each output vertex's
//    closest input point; skins come out as at most 4 influences per vertex summing to 1.
//  * The face count is within 5% of the budget, unless the budget is below what the topology
//    allows (about 4 faces per closed component, more with many locked vertices): then the
//    result has the fewest faces reachable and RetopoReport::budget_met is false.
#pragma once

#include "flexforge/core/mesh.h"
#include "flexforge/core/scene.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace flexforge::retopo {

struct RetopoOptions {
  // Faces wanted in the output. Triangles; with quad, quads + leftover triangles, a quad
  // counting as one face.
  std::size_t target_faces = 2000;
  bool quad = false;
  // Keep the seams between face_parts labels as seams (Scene parts are always kept apart).
  bool preserve_parts = false;
  // Dihedral angle (degrees, between face normals) above which an edge is a sharp feature that
  // is only simplified along itself. 180 (the default) disables the explicit crease curves:
  // the Lindstrom-Turk volume cost already keeps sharp edges (collapsing across one sweeps
  // volume), and locking creases measured worse (design notes in edge_collapse.cpp).
  double feature_angle_deg = 180.0;
  // Vertex-fitting iterations after the collapse, interleaved with surface-fitting edge flips;
  // 0 skips both (pure edge collapse).
  int fit_iterations = 12;
  // false (default): when the collapse cannot reach the budget (every separate piece keeps at
  // least one triangle), the smallest pieces by area are removed until it is met (only pieces
  // each under 1% of the surface: a limb or a lampshade is never removed). true: every
  // piece is kept, and the result may stay above the budget (budget_met false).
  bool strict_topology = false;
  std::uint64_t seed = 0;  // sampling seed of the fit
  // Points sampled on the input surface for the fit. 0 = automatic: 40 per output face, at
  // least 50,000 and at most 400,000. retopologize_scene gives each part its face share of the
  // scene's automatic count (at least 40 per output face of the part): a floor of 50,000 per
  // part made a 10-part chair sample (and fit against) ten times the points of the whole
  // chair in one piece; on four generated assets at 5000 faces the share gives the same
  // Chamfer distance (within 0.2%) in 10-30% less time.
  std::size_t surface_samples = 0;
  unsigned threads = 0;    // 0 = worker_threads()

  // Throws Error(Usage) naming the field when a value is out of range.
  void validate() const;
};

struct RetopoReport {
  std::size_t input_faces = 0;
  std::size_t output_triangles = 0;
  std::size_t output_faces = 0;  // triangles, or quads + leftover triangles with quad
  std::size_t quads = 0;
  bool budget_met = true;        // |output_faces - target| <= 5% of target
  bool unchanged = false;        // the input was already at or under the budget
  bool features_relaxed = false; // some sharp feature curves were simplified across to reach it
  std::size_t fit_reverted_vertices = 0;
  std::size_t dropped_components = 0;  // small separate pieces removed to meet the budget
  double dropped_area = 0.0;           // their surface area (mesh units squared)
  double dropped_area_share = 0.0;     // ... as a share of the input's (retopologize_scene only)
  std::size_t duplicate_faces = 0;     // faces stored twice (once per side), simplified once
};

// Retopologises one mesh. With options.quad the triangles come out in pairs: the first
// 2 * report.quads triangles are the quads (each two consecutive triangles sharing their
// diagonal), the rest single triangles. If the input has at most target_faces faces it is
// returned as it is (unchanged = true). Throws Error(InvalidInput) for an invalid mesh.
Mesh retopologize(const Mesh& mesh, const RetopoOptions& options, RetopoReport* report = nullptr);

// Every part is retopologised on its own, with a share of the budget proportional to its face
// count (at least 4 faces); the skeleton and names are kept; metadata gains
// "retopo": {target_faces, faces, triangles, quads, quad_mode}.
Scene retopologize_scene(const Scene& scene, const RetopoOptions& options,
                         RetopoReport* report = nullptr);

}  // namespace flexforge::retopo
