// Part completion (`flexforge complete`, docs/complete.md): every part of a scene becomes a closed,
// consistently oriented 2-manifold without crossings of its own that keeps the part's own (visible)
// faces and fills what was hidden or cut away by the other parts.
//
// Per part (geometry in src/complete/close_surface.cpp, the one CGAL translation unit):
//   1. polygon-soup repair: exact weld, drop collapsed and duplicate faces, orient the soup and
//      split non-manifold vertices and edges (CGAL orient_polygon_soup), so any face set can
//      become a halfedge mesh;
//   2. every boundary cycle is filled: triangulated, refined to the density of its rim and faired
//      (CGAL triangulate_refine_and_fair_hole, a bi-Laplacian/Laplacian membrane through the rim)
//      so a hole under fingers or a seam cut by a neighbouring part closes with a smooth surface
//      that continues the tangents of the rim instead of a flat cap;
//   3. the closed result is checked for crossings it introduced (crossings among the input's own
//      faces are kept and counted: removing them would move the visible surface). Crossing
//      patches are repaired locally (crossing patch faces plus a growing ring, and kept faces at
//      a patch rim they cross, are removed and refilled flat; kept-face removal is undone when it
//      moves an original face more than max_visible_deviation). A part still crossing is retried
//      with flat refined patches, then plain triangulation. A part no fill closes keeps its holes
//      and is enclosed in a thin shell: the surface solidified by kShellThickness (fast, kept
//      faces moved by 0.1% of the diagonal; where it crosses itself, thinner, then with the
//      faces under the crossings trimmed), or, where no shell is clean, an alpha wrap of the
//      open surface (slow; kept faces moved by about the wrap offset; alpha and offset are
//      halved up to twice while they stray further than max_visible_deviation). Every result
//      is oriented outward (orient_to_bound_a_volume, called only after checking that each
//      component is closed and bounds a volume).
//   4. Flat, single-sided and zero-volume parts (a glass pane, one triangle, a flat quad) have no
//      inside to fill: they become a thin closed shell (the surface solidified by 0.2% of the
//      part's diagonal). Zero-area parts, and parts no method closes, are left as they were and
//      the report says so (closed_by "left open", left_open_reason).
//   5. The result stays within a face budget (CompleteOptions::max_faces) and a time limit per
//      part (CompleteOptions::time_limit_seconds).
// New vertices take colour and skin from the nearest original vertex; normals are recomputed.
#pragma once
#include "flexforge/core/mesh.h"
#include "flexforge/core/scene.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace flexforge::complete {

// How holes are closed. Fair is the product; the others are the comparison baselines the
// benchmark measures (and the retries Fair falls back to).
enum class FillMethod {
  Fair,    // triangulate + refine + fair (smooth continuation of the rim)
  Refine,  // triangulate + refine (a flat-ish membrane at the rim's density)
  Flat,    // triangulate only (min-area / min-dihedral triangulation of the rim, no new vertices)
};

// "fair" | "refine" | "flat"; throws Error(Usage) naming the valid values otherwise.
FillMethod parse_fill_method(const std::string& name);
std::string to_string(FillMethod method);

struct CompleteOptions {
  FillMethod method = FillMethod::Fair;
  // Fairing continuity at the rim: 0 = C0 (membrane), 1 = C1 (tangent-continuous, the default),
  // 2 = C2 (curvature-continuous). Only used by FillMethod::Fair.
  int fairing_continuity = 1;
  // Enclose the part in a thin shell or an alpha wrap when hole filling cannot give a valid
  // closed mesh (false: throw Error(StageFailed) for that part instead).
  bool wrap_fallback = true;
  // Alpha wrap size and offset as fractions of the part's bounding-box diagonal.
  double wrap_alpha = 0.01;
  double wrap_offset = 0.001;
  // Where a filled patch crosses the kept surface, the repair may remove kept faces at the
  // patch's rim and refill; the result is accepted only if every original face stays within
  // this fraction of the part's bounding-box diagonal (visible_deviation), else the part is
  // redone without removing kept faces.
  double max_visible_deviation = 0.004;
  // false: return the first closed fill without the self-intersection check, retries or wrap.
  // Only for measuring the plain methods as baselines (complete_bench); the output may then
  // self-intersect.
  bool check_result = true;
  // Face budget per part: 0 = automatic, kFaceGrowth x the part's input faces but at least
  // kMinFaceBudget (no closed shell of a one-triangle part fits in 4 faces). A closing over the
  // budget is redone with a flatter fill (no new vertices), and a wrap or shell over it is
  // simplified to it (Lindstrom-Turk edge collapse, which keeps a closed mesh closed).
  std::size_t max_faces = 0;
  // Time per part: once a part has taken this long, no further refinement, retry or wrap is
  // started (a step already running finishes); the part keeps the best valid result so far, else
  // it is left as it was.
  double time_limit_seconds = 20.0;
  // Throws Error(Usage) naming the option for a value out of range.
  void validate() const;
};

// Automatic face budget: kFaceGrowth x the input part's faces, at least kMinFaceBudget.
inline constexpr std::size_t kFaceGrowth = 4;
inline constexpr std::size_t kMinFaceBudget = 4096;
std::size_t face_budget(const CompleteOptions& options, std::size_t input_faces);

// What happened to one part.
struct PartReport {
  std::string name;
  std::size_t input_faces = 0;
  std::size_t output_faces = 0;
  std::size_t holes = 0;            // boundary cycles found after soup repair
  std::size_t split_vertices = 0;   // non-manifold vertices duplicated by the soup repair
  std::size_t input_self_intersections = 0;  // face pairs of the input that already cross
                                             // (kept: completion never moves kept faces)
  std::size_t trimmed_faces = 0;    // kept faces removed: at a patch rim by the crossing repair
                                    // (their area refilled), or under a thin shell's self-crossing
  double deviation = 0.0;           // visible_deviation of the input to the result
  // "already closed", "fair", "refine", "flat", "wrap", "shell" (the surface solidified
  // into a thin closed shell: flat, single-sided or zero-volume parts, and parts no fill closes) or "left open" (returned as it was:
  // zero area, or no method gave a valid closed mesh; see left_open_reason).
  std::string closed_by;
  std::string left_open_reason;
  std::size_t face_budget = 0;
  std::size_t simplified_from = 0;  // faces before simplification to the budget (0 = none)
  double seconds = 0.0;
};

// Completes one part mesh. The result is a closed, consistently oriented (outward), 2-manifold
// mesh with no self-intersections besides those the input already had, whose vertex positions are unique (analyze_topology sees it
// as watertight and oriented). Colours and skin are carried when the input has them (new
// vertices copy the nearest original vertex), normals are recomputed when the input had them,
// face_parts is filled with the input's most common value when the input had it.
// Throws Error(InvalidInput) for an invalid mesh or one without faces, Error(StageFailed) if no
// method (including the wrap fallback, when allowed) yields a valid closed mesh.
Mesh complete_mesh(const Mesh& part, const CompleteOptions& options, PartReport* report = nullptr);

// Completes every part of the scene (parts in parallel on worker_threads()); names, semantics,
// skeleton and metadata are kept. Parts without faces are dropped with a warning. `reports`, if
// given, receives one entry per output part, in order.
Scene complete_scene(const Scene& scene, const CompleteOptions& options,
                     std::vector<PartReport>* reports = nullptr);

// Largest distance from the original (visible) surface to the completed one, as a fraction of
// the original's bounding-box diagonal: every vertex of `original` plus `samples` area-weighted
// surface samples are projected onto `completed` (point-to-surface, BVH). This is the "visible
// surface kept" figure of docs/complete.md and docs/metrics.md (target <= 0.005).
double visible_deviation(const Mesh& original, const Mesh& completed, std::size_t samples = 20000,
                         std::uint64_t seed = 0);

// Per-part summary for --json output and reports.
nlohmann::json describe(const std::vector<PartReport>& reports);

}  // namespace flexforge::complete
