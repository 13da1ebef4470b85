#include "flexforge/complete/self_intersections.h"

#include <CGAL/Exact_predicates_inexact_constructions_kernel.h>
#include <CGAL/Polygon_mesh_processing/orient_polygon_soup.h>
#include <CGAL/Polygon_mesh_processing/polygon_soup_to_polygon_mesh.h>
#include <CGAL/Polygon_mesh_processing/repair_polygon_soup.h>
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

}  // namespace

std::size_t self_intersection_count(const Mesh& mesh, std::size_t limit) {
  if (mesh.triangles.empty() || limit == 0) return 0;
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
  Limited state{0, limit};
  try {
    PMP::self_intersections(surface, CountingIterator(&state));
  } catch (const Limited::Full&) {
  }
  return state.count;
}

}  // namespace flexforge::complete
