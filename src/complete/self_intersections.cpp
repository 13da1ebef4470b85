#include "flexforge/complete/self_intersections.h"

#include <CGAL/Exact_predicates_inexact_constructions_kernel.h>
#include <CGAL/Polygon_mesh_processing/orient_polygon_soup.h>
#include <CGAL/Polygon_mesh_processing/polygon_soup_to_polygon_mesh.h>
#include <CGAL/Polygon_mesh_processing/repair_polygon_soup.h>
#include <CGAL/Polygon_mesh_processing/repair_self_intersections.h>
#include <CGAL/Polygon_mesh_processing/self_intersections.h>
#include <CGAL/Surface_mesh.h>

#include <iterator>
#include <vector>

namespace flexforge::complete {

namespace {

namespace PMP = CGAL::Polygon_mesh_processing;
using Kernel = CGAL::Exact_predicates_inexact_constructions_kernel;
using Point = Kernel::Point_3;
using SurfaceMesh = CGAL::Surface_mesh<Point>;
using FacePair = std::pair<SurfaceMesh::Face_index, SurfaceMesh::Face_index>;

// Stops the search once `limit` pairs are found: a broken mesh can have millions.
struct Limited {
  std::size_t count = 0, limit = 0;
  struct Full {};
};

class CountingIterator {
 public:
  using iterator_category = std::output_iterator_tag;
  using value_type = void;
  using difference_type = std::ptrdiff_t;
  using pointer = void;
  using reference = void;
  explicit CountingIterator(Limited* state) : state_(state) {}
  CountingIterator& operator*() { return *this; }
  CountingIterator& operator=(const FacePair&) {
    if (++state_->count >= state_->limit) throw Limited::Full{};
    return *this;
  }
  CountingIterator& operator++() { return *this; }
  CountingIterator operator++(int) { return *this; }

 private:
  Limited* state_;
};

// The mesh as a CGAL surface: identical points merged, orientation made consistent, non-manifold
// vertices split, so that any triangle soup becomes a valid face graph.
SurfaceMesh to_surface(const Mesh& mesh) {
  std::vector<Point> points;
  points.reserve(mesh.positions.size());
  for (const Vec3& p : mesh.positions) points.emplace_back(p.x(), p.y(), p.z());
  std::vector<std::vector<std::size_t>> polygons;
  polygons.reserve(mesh.triangles.size());
  for (const Triangle& t : mesh.triangles) polygons.push_back({t[0], t[1], t[2]});
  PMP::repair_polygon_soup(points, polygons);
  PMP::orient_polygon_soup(points, polygons);  // splits non-manifold vertices so the soup is a mesh
  SurfaceMesh surface;
  PMP::polygon_soup_to_polygon_mesh(points, polygons, surface);
  return surface;
}

}  // namespace

std::size_t self_intersection_count(const Mesh& mesh, std::size_t limit) {
  if (mesh.triangles.empty() || limit == 0) return 0;
  const SurfaceMesh surface = to_surface(mesh);
  Limited state{0, limit};
  try {
    PMP::self_intersections(surface, CountingIterator(&state));
  } catch (const Limited::Full&) {
  }
  return state.count;
}

bool repair_self_intersections(Mesh& mesh) {
  if (mesh.triangles.empty()) return true;
  SurfaceMesh surface = to_surface(mesh);
  try {
    if (!PMP::experimental::remove_self_intersections(surface, PMP::parameters::preserve_genus(false))) return false;
  } catch (const std::exception&) {
    return false;  // CGAL gave up on a configuration it cannot handle: the caller keeps the mesh
  }
  if (PMP::does_self_intersect(surface)) return false;
  Mesh out;
  std::vector<std::uint32_t> index(surface.number_of_vertices() + surface.number_of_removed_vertices(), 0);
  for (const auto v : surface.vertices()) {
    index[v] = static_cast<std::uint32_t>(out.positions.size());
    const Point& p = surface.point(v);
    out.positions.emplace_back(static_cast<float>(p.x()), static_cast<float>(p.y()), static_cast<float>(p.z()));
  }
  for (const auto f : surface.faces()) {
    std::vector<std::uint32_t> corners;
    for (const auto v : CGAL::vertices_around_face(surface.halfedge(f), surface)) corners.push_back(index[v]);
    for (std::size_t k = 1; k + 1 < corners.size(); ++k) out.triangles.push_back({corners[0], corners[k], corners[k + 1]});
  }
  mesh = std::move(out);
  return true;
}

}  // namespace flexforge::complete
