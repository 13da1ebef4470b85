// The CGAL side of part completion: soup repair, hole filling with fairing, orientation,
// self-intersection checks and the alpha-wrap fallback. This is the only translation unit of the
// library that includes CGAL (its Polygon_mesh_processing headers take about a minute to compile).
#define CGAL_EIGEN3_ENABLED 1  // the fairing solver (triangulate_refine_and_fair_hole) needs Eigen

#include "close_surface.h"

#include "flexforge/core/error.h"

#include <CGAL/Exact_predicates_inexact_constructions_kernel.h>
#include <CGAL/Polygon_mesh_processing/border.h>
#include <CGAL/Polygon_mesh_processing/connected_components.h>
#include <CGAL/Polygon_mesh_processing/orient_polygon_soup.h>
#include <CGAL/Polygon_mesh_processing/orientation.h>
#include <CGAL/Polygon_mesh_processing/polygon_soup_to_polygon_mesh.h>
#include <CGAL/Polygon_mesh_processing/repair.h>
#include <CGAL/Polygon_mesh_processing/repair_polygon_soup.h>
#include <CGAL/Polygon_mesh_processing/self_intersections.h>
#include <CGAL/Polygon_mesh_processing/triangulate_hole.h>
#include <CGAL/Surface_mesh.h>
#include <CGAL/Surface_mesh_simplification/Policies/Edge_collapse/Bounded_normal_change_filter.h>
#include <CGAL/Surface_mesh_simplification/Policies/Edge_collapse/Count_stop_predicate.h>
#include <CGAL/Surface_mesh_simplification/edge_collapse.h>
#include <CGAL/alpha_wrap_3.h>
#include <CGAL/boost/graph/helpers.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <spdlog/spdlog.h>

namespace flexforge::complete::detail {

namespace {

namespace PMP = CGAL::Polygon_mesh_processing;
using Kernel = CGAL::Exact_predicates_inexact_constructions_kernel;
using Point = Kernel::Point_3;
using SurfaceMesh = CGAL::Surface_mesh<Point>;
using VertexIndex = SurfaceMesh::Vertex_index;
using HalfedgeIndex = SurfaceMesh::Halfedge_index;
using FaceIndex = SurfaceMesh::Face_index;

struct Soup {
  std::vector<Point> points;
  std::vector<std::vector<std::size_t>> polygons;
};

double diagonal(const std::vector<Point>& points) {
  if (points.empty()) return 0.0;
  const CGAL::Bbox_3 box = CGAL::bbox_3(points.begin(), points.end());
  const double dx = box.xmax() - box.xmin(), dy = box.ymax() - box.ymin(),
               dz = box.zmax() - box.zmin();
  return std::sqrt(dx * dx + dy * dy + dz * dz);
}

// CGAL's default refinement density (density_control_factor): patch faces match the rim's edge
// length. Patch face counts scale with the square of the factor.
constexpr double kDefaultDensity = 1.4142135623730951;

// Fills every boundary cycle of `mesh` with `method`. Returns false if some hole could not be
// triangulated (the mesh is then still open).
bool fill_holes(SurfaceMesh& mesh, FillMethod method, int continuity, double density = kDefaultDensity) {
  std::vector<HalfedgeIndex> cycles;
  PMP::extract_boundary_cycles(mesh, std::back_inserter(cycles));
  bool all = true;
  for (HalfedgeIndex h : cycles) {
    if (!mesh.is_border(h)) continue;  // already closed by an earlier patch (cannot happen, cheap)
    std::vector<FaceIndex> faces;
    std::vector<VertexIndex> vertices;
    switch (method) {
      case FillMethod::Fair: {
        const auto r = PMP::triangulate_refine_and_fair_hole(
            mesh, h, std::back_inserter(faces), std::back_inserter(vertices),
            CGAL::parameters::fairing_continuity(static_cast<unsigned>(continuity))
                .density_control_factor(density));
        // A failed fairing solve still leaves the refined patch in place: the hole is closed,
        // only flatter, which is what Refine would give.
        (void)std::get<0>(r);
        break;
      }
      case FillMethod::Refine:
        PMP::triangulate_and_refine_hole(mesh, h, std::back_inserter(faces),
                                         std::back_inserter(vertices),
                                         CGAL::parameters::density_control_factor(density));
        break;
      case FillMethod::Flat:
        PMP::triangulate_hole(mesh, h, std::back_inserter(faces));
        break;
    }
    if (faces.empty()) all = false;
  }
  return all && CGAL::is_closed(mesh);
}

// orient_polygon_soup() splits non-manifold vertices into copies at the same position. The
// halfedge mesh is then valid, but a file only has positions: the copies would read as one
// pinched (non-manifold) vertex, and triangles meeting at coincident copies count as
// intersecting. Each copy after the first moves 2% of the way towards the centroid of its own
// one-ring, which separates the sheets by far less than the visible-surface tolerance.
std::size_t separate_coincident_vertices(SurfaceMesh& mesh) {
  std::map<std::array<double, 3>, std::vector<VertexIndex>> at;
  for (VertexIndex v : mesh.vertices()) {
    const Point& p = mesh.point(v);
    at[{p.x(), p.y(), p.z()}].push_back(v);
  }
  std::size_t moved = 0;
  for (auto& [key, group] : at) {
    if (group.size() < 2) continue;
    for (std::size_t i = 1; i < group.size(); ++i) {
      const VertexIndex v = group[i];
      double c[3] = {0, 0, 0};
      int n = 0;
      for (VertexIndex w : CGAL::vertices_around_target(mesh.halfedge(v), mesh)) {
        const Point& q = mesh.point(w);
        c[0] += q.x(), c[1] += q.y(), c[2] += q.z();
        ++n;
      }
      if (n == 0) continue;
      const double t = 0.02 * static_cast<double>(i) / static_cast<double>(group.size());
      mesh.point(v) = Point(key[0] + t * (c[0] / n - key[0]), key[1] + t * (c[1] / n - key[1]),
                            key[2] + t * (c[2] / n - key[2]));
      ++moved;
    }
  }
  return moved;
}

using KeptMap = SurfaceMesh::Property_map<FaceIndex, bool>;

// Face pairs that cross, leaving out pairs of two kept (input) faces: when the input already
// crosses itself (a mesher fold, touching sheets), removing that would mean moving the visible
// surface, which completion must not do; the check is that completion adds no crossing of its
// own. Coincident vertex copies are separated first (they would read as crossings).
std::vector<std::pair<FaceIndex, FaceIndex>> new_crossings(SurfaceMesh& mesh, const KeptMap* kept) {
  separate_coincident_vertices(mesh);
  std::vector<std::pair<FaceIndex, FaceIndex>> pairs, out;
  PMP::self_intersections(mesh, std::back_inserter(pairs));
  for (const auto& p : pairs) {
    if (kept && (*kept)[p.first] && (*kept)[p.second]) continue;
    out.push_back(p);
  }
  return out;
}

// Local repair of a filled mesh whose patches cross the surface (measured on the synth
// occlusion set: a few to a few dozen face pairs per failing part, most of them folds where a
// jagged label boundary makes a notch in the rim). The crossing patch faces, the kept faces
// they cross when those touch a patch (the notch), and `round` + 1 rings of patch faces around
// them are removed and the new, smaller holes refilled flat. Returns true when no crossing is
// left. Without allow_trim only patch faces are replaced. `trimmed` counts kept faces removed
// (their area is then covered by the refill).
bool repair_crossings(SurfaceMesh& mesh, KeptMap kept, bool allow_trim, std::size_t& trimmed) {
  for (int round = 0; round < 4; ++round) {
    const auto pairs = new_crossings(mesh, &kept);
    if (pairs.empty()) return true;
    std::size_t with_kept = 0;
    for (const auto& [a, b] : pairs) with_kept += (kept[a] || kept[b]) ? 1 : 0;
    spdlog::debug("complete: repair round {}: {} crossing pairs ({} with a kept face)", round,
                  pairs.size(), with_kept);
    auto touches_patch = [&](FaceIndex f) {
      for (HalfedgeIndex h : CGAL::halfedges_around_face(mesh.halfedge(f), mesh)) {
        for (FaceIndex g : CGAL::faces_around_target(h, mesh)) {
          if (g != SurfaceMesh::null_face() && !kept[g]) return true;
        }
      }
      return false;
    };
    std::set<FaceIndex> region;
    for (const auto& [a, b] : pairs) {
      for (FaceIndex f : {a, b}) {
        if (!kept[f] || (allow_trim && touches_patch(f))) region.insert(f);
      }
    }
    for (int ring = 0; ring <= round; ++ring) {
      std::vector<FaceIndex> grow;
      for (FaceIndex f : region) {
        for (HalfedgeIndex h : CGAL::halfedges_around_face(mesh.halfedge(f), mesh)) {
          for (FaceIndex g : CGAL::faces_around_target(h, mesh)) {
            if (g != SurfaceMesh::null_face() && !kept[g]) grow.push_back(g);
          }
        }
      }
      region.insert(grow.begin(), grow.end());
    }
    for (FaceIndex f : region) {
      if (mesh.is_removed(f)) continue;
      if (kept[f]) ++trimmed;
      CGAL::Euler::remove_face(mesh.halfedge(f), mesh);
    }
    if (!fill_holes(mesh, FillMethod::Flat, 0)) return false;
  }
  return new_crossings(mesh, &kept).empty();
}

std::size_t count_self_intersections(SurfaceMesh mesh) { return new_crossings(mesh, nullptr).size(); }

// orient_to_bound_a_volume() assumes a closed mesh whose every connected component bounds a
// volume; on a zero-volume component (a filled single triangle or flat quad is two faces on the
// same vertices) it crashes. This checks that: closed, and each component has at least 4 faces
// and a volume that is not negligible against its area (|V| / A^1.5 above 1e-9; a sphere has
// 0.094, a shell of 0.2% thickness about 1e-3).
bool bounds_volumes(SurfaceMesh& mesh) {
  if (mesh.number_of_faces() < 4 || !CGAL::is_closed(mesh)) return false;
  auto component = mesh.add_property_map<FaceIndex, std::size_t>("f:component-check").first;
  const std::size_t count = PMP::connected_components(mesh, component);
  std::vector<double> volume(count, 0.0), area(count, 0.0);
  std::vector<std::size_t> faces(count, 0);
  for (FaceIndex f : mesh.faces()) {
    const HalfedgeIndex h = mesh.halfedge(f);
    const Point& a = mesh.point(mesh.source(h));
    const Point& b = mesh.point(mesh.target(h));
    const Point& c = mesh.point(mesh.target(mesh.next(h)));
    const Kernel::Vector_3 va = a - CGAL::ORIGIN, vb = b - CGAL::ORIGIN, vc = c - CGAL::ORIGIN;
    const std::size_t k = component[f];
    volume[k] += CGAL::scalar_product(va, CGAL::cross_product(vb, vc)) / 6.0;
    area[k] += std::sqrt(CGAL::cross_product(b - a, c - a).squared_length()) / 2.0;
    ++faces[k];
  }
  mesh.remove_property_map(component);
  for (std::size_t k = 0; k < count; ++k) {
    if (faces[k] < 4 || !(area[k] > 0) ||
        !(std::abs(volume[k]) > 1e-9 * std::pow(area[k], 1.5))) {
      return false;
    }
  }
  return true;
}

// The surface solidified: each vertex is copied to both sides along its area-weighted normal by
// half the thickness, the copy on the inner side with reversed faces, and the two sides are
// joined by a strip of two triangles along every boundary edge. The input must be an oriented
// 2-manifold with boundary (what soup repair gives). Returns an empty mesh when a vertex has no
// usable normal or the faces would not form a 2-manifold. `source`, when given, receives for each
// shell face (by index) the input face it was made from (a rim strip face: the face at its edge).
SurfaceMesh thin_shell(const SurfaceMesh& input, double thickness,
                       std::vector<FaceIndex>* source = nullptr) {
  using Vector = Kernel::Vector_3;
  std::vector<Vector> normal(input.num_vertices(), CGAL::NULL_VECTOR);
  for (FaceIndex f : input.faces()) {
    const HalfedgeIndex h = input.halfedge(f);
    const Point& a = input.point(input.source(h));
    const Point& b = input.point(input.target(h));
    const Point& c = input.point(input.target(input.next(h)));
    const Vector n = CGAL::cross_product(b - a, c - a);  // length = twice the area
    for (VertexIndex v : CGAL::vertices_around_face(h, input)) normal[static_cast<std::size_t>(v)] += n;
  }
  SurfaceMesh shell;
  std::vector<VertexIndex> outer(input.num_vertices()), inner(input.num_vertices());
  for (VertexIndex v : input.vertices()) {
    const std::size_t i = static_cast<std::size_t>(v);
    const double length = std::sqrt(normal[i].squared_length());
    if (!(length > 0)) return {};
    const Vector offset = normal[i] * (0.5 * thickness / length);
    outer[i] = shell.add_vertex(input.point(v) + offset);
    inner[i] = shell.add_vertex(input.point(v) - offset);
  }
  FaceIndex from;
  auto add = [&](VertexIndex a, VertexIndex b, VertexIndex c) {
    if (source) source->push_back(from);
    return shell.add_face(a, b, c) != SurfaceMesh::null_face();
  };
  for (FaceIndex f : input.faces()) {
    from = f;
    std::array<std::size_t, 3> v{};
    int k = 0;
    for (VertexIndex w : CGAL::vertices_around_face(input.halfedge(f), input)) {
      if (k < 3) v[k] = static_cast<std::size_t>(w);
      ++k;
    }
    if (k != 3) return {};
    if (!add(outer[v[0]], outer[v[1]], outer[v[2]]) || !add(inner[v[0]], inner[v[2]], inner[v[1]])) {
      return {};
    }
  }
  for (HalfedgeIndex h : input.halfedges()) {
    if (!input.is_border(h)) continue;
    // The face's own halfedge u -> v runs opposite to the border halfedge.
    const HalfedgeIndex inside = input.opposite(h);
    from = input.face(inside);
    const std::size_t u = static_cast<std::size_t>(input.source(inside));
    const std::size_t v = static_cast<std::size_t>(input.target(inside));
    if (!add(outer[v], outer[u], inner[u]) || !add(inner[u], inner[v], outer[v])) return {};
  }
  if (!CGAL::is_closed(shell)) return {};
  return shell;
}

// Lindstrom-Turk edge collapse down to `max_faces` (a closed mesh keeps its topology: CGAL only
// collapses edges that satisfy the link condition). Returns false as well when the filter left
// it above the budget. Returns false when the result crosses itself.
bool simplify_to_budget(SurfaceMesh& mesh, std::size_t max_faces) {
  if (max_faces == 0 || mesh.number_of_faces() <= max_faces) return true;
  namespace SMS = CGAL::Surface_mesh_simplification;
  // A closed triangle mesh has 3/2 edges per face.
  const SMS::Count_stop_predicate<SurfaceMesh> stop(max_faces * 3 / 2);
  // The filter refuses collapses that flip a face, the usual source of crossings.
  SMS::edge_collapse(mesh, stop, CGAL::parameters::filter(SMS::Bounded_normal_change_filter<>()));
  mesh.collect_garbage();
  return mesh.number_of_faces() <= max_faces && new_crossings(mesh, nullptr).empty();
}

ClosedSurface to_result(const SurfaceMesh& mesh) {
  ClosedSurface out;
  std::vector<std::uint32_t> index(mesh.num_vertices(), UINT32_MAX);
  for (FaceIndex f : mesh.faces()) {
    std::array<std::uint32_t, 3> tri{};
    int k = 0;
    for (VertexIndex v : CGAL::vertices_around_face(mesh.halfedge(f), mesh)) {
      if (k == 3) throw Error(ExitCode::StageFailed, "completion produced a non-triangle face");
      std::uint32_t& id = index[static_cast<std::size_t>(v)];
      if (id == UINT32_MAX) {
        const Point& p = mesh.point(v);
        id = static_cast<std::uint32_t>(out.positions.size());
        out.positions.emplace_back(p.x(), p.y(), p.z());
      }
      tri[k++] = id;
    }
    out.triangles.push_back(tri);
  }
  return out;
}

// What close_surface learnt about its input, reported with whatever closes it.
struct InputFacts {
  std::size_t holes = 0;
  std::size_t split = 0;             // vertices duplicated to orient the soup
  std::size_t input_crossings = 0;
};

// The soup repaired (exact weld, collapsed/duplicate polygons and unused points dropped) and
// oriented, which duplicates the points where the faces cannot form a 2-manifold, as a mesh.
SurfaceMesh repaired_input(const std::vector<Eigen::Vector3d>& positions,
                           const std::vector<std::array<std::uint32_t, 3>>& triangles, Soup& soup,
                           InputFacts& facts) {
  soup.points.reserve(positions.size());
  for (const Eigen::Vector3d& p : positions) soup.points.emplace_back(p.x(), p.y(), p.z());
  soup.polygons.reserve(triangles.size());
  for (const auto& t : triangles) soup.polygons.push_back({t[0], t[1], t[2]});

  PMP::repair_polygon_soup(soup.points, soup.polygons);
  if (soup.polygons.empty()) {
    throw Error(ExitCode::StageFailed, "no non-degenerate faces left after soup repair");
  }
  const std::size_t before = soup.points.size();
  PMP::orient_polygon_soup(soup.points, soup.polygons);
  SurfaceMesh input;
  PMP::polygon_soup_to_polygon_mesh(soup.points, soup.polygons, input);
  PMP::remove_isolated_vertices(input);
  input.collect_garbage();

  std::vector<HalfedgeIndex> cycles;
  PMP::extract_boundary_cycles(input, std::back_inserter(cycles));
  facts.holes = cycles.size();
  facts.split = soup.points.size() - before;
  facts.input_crossings = count_self_intersections(input);
  if (facts.input_crossings > 0) {
    spdlog::debug("complete: the input crosses itself ({} face pairs); those are kept",
                  facts.input_crossings);
  }
  return input;
}

// The closed mesh as the result, checked against the budget and for bounding a volume. Fills
// keep every original face where it was, so they are never simplified (that would move the
// visible surface); only a wrap or a shell, new surface throughout, is.
ClosedSurface finish(SurfaceMesh& mesh, const std::string& how, std::size_t trimmed_faces,
                     const Attempt& attempt, const InputFacts& facts) {
  mesh.collect_garbage();
  const std::size_t faces_before = mesh.number_of_faces();
  const bool may_simplify = how == "wrap" || how == "shell";
  if (!may_simplify && attempt.max_faces > 0 && faces_before > attempt.max_faces) {
    throw Error(ExitCode::StageFailed, "closing by " + how + " gave " + std::to_string(faces_before) +
                                           " faces, over the budget of " +
                                           std::to_string(attempt.max_faces));
  }
  if (may_simplify && !simplify_to_budget(mesh, attempt.max_faces)) {
    throw Error(ExitCode::StageFailed, "closing by " + how + " gave " + std::to_string(faces_before) +
                                           " faces, and simplifying to the budget of " +
                                           std::to_string(attempt.max_faces) +
                                           " made it cross itself");
  }
  if (!bounds_volumes(mesh)) {
    throw Error(ExitCode::StageFailed, "closing by " + how + " gave a mesh that bounds no volume");
  }
  PMP::orient_to_bound_a_volume(mesh);
  ClosedSurface out = to_result(mesh);
  if (mesh.number_of_faces() < faces_before) out.simplified_from = faces_before;
  out.trimmed_faces = trimmed_faces;
  out.holes = facts.holes;
  out.split_vertices = facts.split;
  out.input_self_intersections = facts.input_crossings;
  out.closed_by = how;
  return out;
}

// Hole filling, the requested method first, then the flatter ones, which stay closer to the rim
// and so are less likely to cross the kept surface; nothing when none gives a closed mesh within
// the budget and free of new crossings.
std::optional<ClosedSurface> fill_within_budget(const SurfaceMesh& input, const CompleteOptions& options,
                                                const Attempt& attempt, const InputFacts& facts) {
  std::vector<FillMethod> order{options.method};
  for (FillMethod m : {FillMethod::Refine, FillMethod::Flat}) {
    if (std::find(order.begin(), order.end(), m) == order.end() &&
        static_cast<int>(m) > static_cast<int>(options.method)) {
      order.push_back(m);
    }
  }
  std::size_t trimmed = 0;
  for (FillMethod method : order) {
    SurfaceMesh mesh = input;
    KeptMap mesh_kept = mesh.property_map<FaceIndex, bool>("f:kept").first;
    if (!fill_holes(mesh, method, options.fairing_continuity)) {
      spdlog::debug("complete: {} fill left a hole open", to_string(method));
      continue;
    }
    // Refined patches can hold far more faces than the part (a wide hole at a fine rim). The
    // patch is then refilled coarser, at the density that fits the budget (with a 20% margin
    // for the crossing repair); a flatter method adds fewer faces still, and simplifying
    // would move the kept surface.
    const std::size_t kept_faces = input.number_of_faces();
    if (attempt.max_faces > 0 && mesh.number_of_faces() > attempt.max_faces &&
        method != FillMethod::Flat && attempt.max_faces > kept_faces) {
      const double room = 0.8 * static_cast<double>(attempt.max_faces - kept_faces);
      const double patch = static_cast<double>(mesh.number_of_faces() - kept_faces);
      const double density = std::max(0.05, kDefaultDensity * std::sqrt(room / patch));
      spdlog::debug("complete: {} fill gives {} faces, over the budget of {}; refilling at "
                    "density {:.3f}", to_string(method), mesh.number_of_faces(), attempt.max_faces,
                    density);
      mesh = input;
      mesh_kept = mesh.property_map<FaceIndex, bool>("f:kept").first;
      if (!fill_holes(mesh, method, options.fairing_continuity, density)) continue;
    }
    if (attempt.max_faces > 0 && mesh.number_of_faces() > attempt.max_faces &&
        method != FillMethod::Flat) {
      spdlog::debug("complete: {} fill gives {} faces, over the budget of {}", to_string(method),
                    mesh.number_of_faces(), attempt.max_faces);
      continue;
    }
    if (!options.check_result) {
      separate_coincident_vertices(mesh);
      return finish(mesh, to_string(method), 0, attempt, facts);
    }
    trimmed = 0;
    if (repair_crossings(mesh, mesh_kept, attempt.allow_trim, trimmed)) {
      mesh.collect_garbage();
      if (attempt.max_faces > 0 && mesh.number_of_faces() > attempt.max_faces) {
        spdlog::debug("complete: {} fill gives {} faces after repair, over the budget of {}",
                      to_string(method), mesh.number_of_faces(), attempt.max_faces);
        continue;
      }
      if (bounds_volumes(mesh)) return finish(mesh, to_string(method), trimmed, attempt, facts);
      spdlog::debug("complete: {} fill bounds no volume", to_string(method));
      continue;
    }
    spdlog::debug("complete: {} fill crosses the surface", to_string(method));
  }
  return std::nullopt;
}

// Alpha wrap: closed, 2-manifold and free of self-intersections by construction. It wraps the
// repaired open surface, not a filled one: a fill that crossed the surface would hide kept
// faces inside the wrap (measured: up to 4% of the diagonal away), while the open surface gets
// a thin shell around it whose distance to every kept face is about the wrap offset.
ClosedSurface wrap_surface(const SurfaceMesh& source, const CompleteOptions& options,
                           const Attempt& attempt, const InputFacts& facts) {
  std::vector<Point> points;
  std::vector<std::array<std::size_t, 3>> faces;
  std::vector<std::size_t> index(source.num_vertices());
  for (VertexIndex v : source.vertices()) {
    index[static_cast<std::size_t>(v)] = points.size();
    points.push_back(source.point(v));
  }
  for (FaceIndex f : source.faces()) {
    std::array<std::size_t, 3> tri{};
    int k = 0;
    for (VertexIndex v : CGAL::vertices_around_face(source.halfedge(f), source)) {
      if (k < 3) tri[k] = index[static_cast<std::size_t>(v)];
      ++k;
    }
    if (k == 3) faces.push_back(tri);
  }
  const double diag = diagonal(points);
  // A wrap has about area / alpha^2 faces, whatever the input had, so a fine alpha can give far
  // more faces than the budget, and simplifying a wrap by a large factor makes it cross itself
  // (measured on a real elk part: 40k faces down to 1.5k). So a wrap within 40x of the budget is
  // simplified (Lindstrom-Turk keeps it closest to the wrapped surface: 0.5% of the diagonal
  // where a coarser wrap strays 1.2%); when that crosses, or the excess is larger, the wrap is
  // redone with a larger alpha (at most 4x a step, four steps).
  double alpha = options.wrap_alpha * diag;
  std::string failure;
  for (int step = 0; step < 5; ++step) {
    if (step > 0 && std::chrono::steady_clock::now() > attempt.deadline) {
      throw Error(ExitCode::StageFailed, "time limit reached after " + std::to_string(step) +
                                             " wraps (" + failure + ")");
    }
    SurfaceMesh wrap;
    CGAL::alpha_wrap_3(points, faces, alpha, options.wrap_offset * diag, wrap);
    if (!CGAL::is_closed(wrap) || !new_crossings(wrap, nullptr).empty()) {
      throw Error(ExitCode::StageFailed, "alpha wrap did not give a closed, self-intersection-free mesh");
    }
    const double excess = attempt.max_faces > 0
                              ? static_cast<double>(wrap.number_of_faces()) /
                                    (0.8 * static_cast<double>(attempt.max_faces))
                              : 0.0;
    if (excess <= 40 || step == 4) {
      try {
        ClosedSurface out = finish(wrap, "wrap", 0, attempt, facts);
        out.coarsened = step > 0;
        return out;
      } catch (const Error& e) {
        if (step == 4) throw;
        failure = e.what();
      }
    }
    // Aim at a wrap with ~4x the budget, which simplifies without crossing more often than a
    // wrap at the budget keeps the surface.
    alpha *= std::clamp(0.5 * std::sqrt(std::max(excess, 1.0)), 1.25, 4.0);
    spdlog::debug("complete: wrap gave {} faces for a budget of {}; rewrapping at alpha {:.4f}",
                  wrap.number_of_faces(), attempt.max_faces, alpha / diag);
  }
  throw Error(ExitCode::StageFailed, failure);
}

// The surface solidified. Where the normals of a crease or fold make a shell of the full
// thickness cross itself, a quarter of it often does not. Where that still crosses (a surface
// folded onto itself, as a decoded band can be), the surface faces under the crossing shell
// faces and a ring around them are removed and the rest solidified again (at most three
// rounds, and only when the attempt may trim: complete_mesh then checks how far the visible
// surface moved, and redoes the part without trimming when that is over the tolerance).
ClosedSurface solidified(const SurfaceMesh& input, double diag, const Attempt& attempt,
                         const InputFacts& facts) {
  SurfaceMesh surface = input;
  std::size_t trimmed = 0;
  double thickness = kShellThickness;
  std::string why;
  for (int round = 0; round < 5; ++round) {
    std::vector<FaceIndex> source;
    SurfaceMesh solid = thin_shell(surface, thickness * diag, &source);
    if (solid.is_empty()) {
      throw Error(ExitCode::StageFailed, "the surface has no consistent normals for a thin shell");
    }
    const auto pairs = new_crossings(solid, nullptr);
    if (pairs.empty()) return finish(solid, "shell", trimmed, attempt, facts);
    why = "a thin shell of this surface crosses itself (" + std::to_string(pairs.size()) +
          " face pairs; the input had " + std::to_string(facts.input_crossings) + ")";
    if (round == 0) {
      thickness *= 0.25;
      continue;
    }
    if (!attempt.allow_trim || round == 4) break;
    std::set<FaceIndex> cut;
    for (const auto& [a, b] : pairs) {
      cut.insert(source[static_cast<std::size_t>(a)]);
      cut.insert(source[static_cast<std::size_t>(b)]);
    }
    std::vector<FaceIndex> ring;
    for (FaceIndex f : cut) {
      for (VertexIndex v : CGAL::vertices_around_face(surface.halfedge(f), surface)) {
        for (FaceIndex g : CGAL::faces_around_target(surface.halfedge(v), surface)) {
          if (g != SurfaceMesh::null_face()) ring.push_back(g);
        }
      }
    }
    cut.insert(ring.begin(), ring.end());
    if (cut.size() >= surface.number_of_faces() / 10) break;  // not a local fold
    spdlog::debug("complete: thin shell crosses itself ({} face pairs); trimming {} faces",
                  pairs.size(), cut.size());
    for (FaceIndex f : cut) CGAL::Euler::remove_face(surface.halfedge(f), surface);
    trimmed += cut.size();
    PMP::remove_isolated_vertices(surface);
    surface.collect_garbage();
    PMP::duplicate_non_manifold_vertices(surface);
  }
  throw Error(ExitCode::StageFailed, why);
}

}  // namespace

ClosedSurface close_surface(const std::vector<Eigen::Vector3d>& positions,
                            const std::vector<std::array<std::uint32_t, 3>>& triangles,
                            const CompleteOptions& options, const Attempt& attempt) {
  Soup soup;
  InputFacts facts;
  SurfaceMesh input = repaired_input(positions, triangles, soup, facts);

  input.set_recycle_garbage(false);  // new faces never reuse a kept face's slot (and flag)
  KeptMap kept = input.add_property_map<FaceIndex, bool>("f:kept", false).first;
  for (FaceIndex f : input.faces()) kept[f] = true;

  // Each way of closing either gives a result or says why not; the next one is then tried, so
  // one call goes through all of them and a CGAL exception in one is a reason, not the end.
  std::string failure;
  auto step = [&](auto&& close) { return try_closing(close, failure); };
  auto shell = [&] { return solidified(input, diagonal(soup.points), attempt, facts); };
  if (attempt.thin_shell) return shell();

  if (!attempt.wrap_only) {
    std::optional<ClosedSurface> closed;
    if (facts.holes == 0) {
      closed = step([&]() -> ClosedSurface {
        SurfaceMesh mesh = input;
        if (!new_crossings(mesh, &kept).empty()) {
          throw Error(ExitCode::StageFailed, "the closed input crosses itself");
        }
        return finish(mesh, "already closed", 0, attempt, facts);
      });
    } else {
      closed = step([&]() -> ClosedSurface {
        if (auto filled = fill_within_budget(input, options, attempt, facts)) return *filled;
        throw Error(ExitCode::StageFailed, "hole filling gave no closed mesh without self-intersections");
      });
    }
    if (closed) return *closed;
    if (!options.wrap_fallback) throw Error(ExitCode::StageFailed, failure + " (wrap fallback off)");
    // When no fill closes the part, both fallbacks leave the holes open and enclose the visible
    // surface in a thin closed shell. Solidifying the surface itself does it in a fraction of a
    // second, keeps the original faces 0.1% of the diagonal away and adds only the rim strip;
    // the alpha wrap took seconds to minutes per part (22 s on average over the synth
    // benchmark's wrapped parts, 34 s for one octopus body) and strays up to 0.8%. So the shell
    // comes first, and the wrap only where the shell crosses itself (surfaces that touch
    // themselves, or bend tighter than the shell is thick).
    if (auto solid = step(shell)) return *solid;
  }
  return wrap_surface(input, options, attempt, facts);
}

}  // namespace flexforge::complete::detail
