// Retopology benchmark (scripts/bench.sh retopo): flexforge's retopologize() against
// meshoptimizer 0.18 (meshopt_simplify) and CGAL 5.5 edge collapse (Lindstrom-Turk cost and
// placement, the Surface_mesh_simplification defaults), same meshes, same budgets, same run.
//
// Per mesh and budget (500, 2000, 5000 faces; budgets at or above 90% of the input are
// skipped): point-to-surface Chamfer-L1 and Hausdorff to the input (docs/metrics.md:
// normalised by the input's bounding box, 100k samples per mesh), face count and its error
// against the budget, closed/manifold/degenerate checks, wall time. flexforge also runs without
// its fitting pass (collapse only, an ablation) and with --quad (quad ratio). Then the time
// scaling on 10k / 100k / 1M-face inputs. One JSON object per line on stdout, then a table.
//
// This is the only translation unit that includes CGAL (header-only and slow to compile).
#include "flexforge/core/scene_ops.h"
#include "flexforge/core/metrics.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/io/import.h"
#include "flexforge/retopo/retopo.h"
#if FLEXFORGE_BENCH_SYNTH
#include "flexforge/synth/synth.h"
#endif

#include <CGAL/Simple_cartesian.h>
#include <CGAL/Surface_mesh.h>
#include <CGAL/Surface_mesh_simplification/edge_collapse.h>
#include <CGAL/Surface_mesh_simplification/Policies/Edge_collapse/GarlandHeckbert_policies.h>
#include <meshoptimizer.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

using namespace flexforge;
using namespace flexforge::retopo;
namespace SMS = CGAL::Surface_mesh_simplification;

namespace {

using Kernel = CGAL::Simple_cartesian<double>;
using SurfaceMesh = CGAL::Surface_mesh<Kernel::Point_3>;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// --- peers -------------------------------------------------------------------------------------

Mesh run_meshopt(const Mesh& in, std::size_t target) {
  std::vector<unsigned> idx;
  idx.reserve(in.triangles.size() * 3);
  for (const Triangle& t : in.triangles) idx.insert(idx.end(), t.begin(), t.end());
  std::vector<unsigned> dst(idx.size());
  // target_error 1 (relative to the mesh extent) lets it go as far as its topology rules allow:
  // the face budget is what is being compared.
  float err = 0;
  const std::size_t n = meshopt_simplify(dst.data(), idx.data(), idx.size(),
                                         in.positions[0].data(), in.positions.size(), sizeof(Vec3),
                                         target * 3, 1.0f, 0, &err);
  Mesh out;
  out.positions = in.positions;
  for (std::size_t i = 0; i < n; i += 3) out.triangles.push_back({dst[i], dst[i + 1], dst[i + 2]});
  return out;
}

// Stops when the live face count reaches the budget (Surface_mesh counts removed faces apart).
struct FaceCountStop {
  std::size_t target;
  template <typename F, typename Profile>
  bool operator()(const F&, const Profile& profile, std::size_t, std::size_t) const {
    return profile.surface_mesh().number_of_faces() <= target;
  }
};

struct CgalInput {
  SurfaceMesh mesh;
  bool ok = false;
};

CgalInput to_cgal(const Mesh& in) {
  CgalInput c;
  std::vector<SurfaceMesh::Vertex_index> v;
  for (const Vec3& p : in.positions) v.push_back(c.mesh.add_vertex(Kernel::Point_3(p.x(), p.y(), p.z())));
  std::size_t dropped = 0;
  for (const Triangle& t : in.triangles) {
    if (c.mesh.add_face(v[t[0]], v[t[1]], v[t[2]]) == SurfaceMesh::null_face()) ++dropped;
  }
  c.ok = dropped == 0;  // CGAL needs a manifold halfedge mesh; it drops faces it cannot add
  return c;
}

Mesh run_cgal(const CgalInput& in, std::size_t target, bool gh = false) {
  SurfaceMesh sm = in.mesh;
  if (gh) {
    SMS::GarlandHeckbert_plane_policies<SurfaceMesh, Kernel> policies(sm);
    SMS::edge_collapse(sm, FaceCountStop{target},
                       CGAL::parameters::get_cost(policies.get_cost()).get_placement(policies.get_placement()));
  } else {
    SMS::edge_collapse(sm, FaceCountStop{target});  // default policies: Lindstrom-Turk
  }
  sm.collect_garbage();
  Mesh out;
  for (auto v : sm.vertices()) {
    const auto& p = sm.point(v);
    out.positions.emplace_back(static_cast<float>(p.x()), static_cast<float>(p.y()),
                               static_cast<float>(p.z()));
  }
  for (auto f : sm.faces()) {
    Triangle t{};
    int k = 0;
    for (auto v : CGAL::vertices_around_face(sm.halfedge(f), sm)) {
      if (k < 3) t[k] = static_cast<std::uint32_t>(v.idx());
      ++k;
    }
    out.triangles.push_back(t);
  }
  return out;
}

// --- inputs ------------------------------------------------------------------------------------

struct Input {
  std::string name;
  std::string kind;  // real | synth
  Mesh mesh;
};

Mesh merged(const Scene& s) { return weld(join_parts(s), 0.0f); }

// A bumpy closed surface with about `faces` triangles: a subdivided icosahedron displaced along
// the normal by a sum of waves (detail at several scales, no symmetry a simplifier can exploit).
Mesh bumpy_sphere(std::size_t faces) {
  Mesh m;
  const float t = (1.0f + std::sqrt(5.0f)) / 2.0f;
  m.positions = {{-1, t, 0}, {1, t, 0}, {-1, -t, 0}, {1, -t, 0}, {0, -1, t}, {0, 1, t},
                 {0, -1, -t}, {0, 1, -t}, {t, 0, -1}, {t, 0, 1}, {-t, 0, -1}, {-t, 0, 1}};
  m.triangles = {{0, 11, 5}, {0, 5, 1}, {0, 1, 7}, {0, 7, 10}, {0, 10, 11}, {1, 5, 9}, {5, 11, 4},
                 {11, 10, 2}, {10, 7, 6}, {7, 1, 8}, {3, 9, 4}, {3, 4, 2}, {3, 2, 6}, {3, 6, 8},
                 {3, 8, 9}, {4, 9, 5}, {2, 4, 11}, {6, 2, 10}, {8, 6, 7}, {9, 8, 1}};
  // Subdivide each triangle into n^2 (n chosen for the face count), points on the sphere.
  const int n = std::max(1, static_cast<int>(std::lround(std::sqrt(faces / 20.0))));
  Mesh out;
  std::map<std::tuple<long, long, long>, std::uint32_t> index;
  auto vertex = [&](const Vec3& p) {
    const Vec3 u = p.normalized();
    const auto key = std::make_tuple(std::lround(u.x() * 1e6), std::lround(u.y() * 1e6), std::lround(u.z() * 1e6));
    auto it = index.find(key);
    if (it != index.end()) return it->second;
    const float r = 1.0f + 0.08f * std::sin(7 * u.x()) * std::cos(5 * u.y()) +
                    0.04f * std::sin(13 * u.z() + 2 * u.x()) + 0.015f * std::sin(29 * u.y() * u.x());
    out.positions.push_back(u * r);
    return index[key] = static_cast<std::uint32_t>(out.positions.size() - 1);
  };
  for (const Triangle& tr : m.triangles) {
    const Vec3 a = m.positions[tr[0]], b = m.positions[tr[1]], c = m.positions[tr[2]];
    auto at = [&](int i, int j) { return a + (b - a) * (float(i) / n) + (c - a) * (float(j) / n); };
    for (int i = 0; i < n; ++i) {
      for (int j = 0; i + j < n; ++j) {
        out.triangles.push_back({vertex(at(i, j)), vertex(at(i + 1, j)), vertex(at(i, j + 1))});
        if (i + j + 2 <= n) {
          out.triangles.push_back({vertex(at(i + 1, j)), vertex(at(i + 1, j + 1)), vertex(at(i, j + 1))});
        }
      }
    }
  }
  return out;
}

// --- measurement -------------------------------------------------------------------------------

struct Result {
  std::string mesh, method;
  std::size_t budget = 0, input_faces = 0, faces = 0, quads = 0;
  double chamfer = 0, hausdorff = 0, seconds = 0;
  bool closed = false, manifold = false;
  std::size_t degenerate = 0;
  bool input_closed = false;
};

Result measure(const std::string& name, const std::string& method, const Mesh& input,
               bool input_closed, std::size_t budget, const Mesh& out, double seconds,
               std::size_t faces_counted, std::size_t quads) {
  Result r;
  r.mesh = name;
  r.method = method;
  r.budget = budget;
  r.input_faces = input.face_count();
  r.faces = faces_counted;
  r.quads = quads;
  r.seconds = seconds;
  r.input_closed = input_closed;
  MetricOptions mo;
  mo.point_to_surface = true;
  mo.samples = 100000;
  const MeshDistance d = compare_meshes(out, input, mo);
  r.chamfer = d.chamfer_l1;
  r.hausdorff = d.hausdorff;
  const TopologyReport t = analyze_topology(out);
  r.closed = t.watertight && t.oriented && t.degenerate_faces == 0;
  r.manifold = t.manifold;
  r.degenerate = t.degenerate_faces;
  nlohmann::json j = {{"bench", "retopo"},   {"mesh", name},          {"method", method},
                      {"budget", budget},    {"input_faces", r.input_faces},
                      {"faces", r.faces},    {"quads", quads},        {"chamfer_l1_p2s", r.chamfer},
                      {"hausdorff", r.hausdorff}, {"closed", r.closed}, {"manifold", r.manifold},
                      {"degenerate", r.degenerate}, {"input_closed", input_closed},
                      {"seconds", seconds}};
  std::printf("%s\n", j.dump().c_str());
  std::fflush(stdout);
  return r;
}

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: %s MESH_DIR [--synth N] [--synth-start K] [--synth-only] [--no-scaling]\n"
                 "       [--only NAME] [--budgets 500,2000] [--flexforge-only] [--no-ablation]\n"
                 "       [--cgal-gh] [--feature-angle DEG] [--fit-iterations K]\n",
                 argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  int synth_count = 20;
  bool scaling = true;
  std::string only;
  bool peers = true;
  bool cgal_gh = false;   // --cgal-gh: also CGAL's Garland-Heckbert policies (plane quadrics)
  bool ablation = true;   // --no-ablation: skip flexforge-collapse-only and flexforge-quad
  bool real_meshes = true;  // --synth-only: skip the real meshes
  int synth_start = 0;    // --synth-start K: synth assets K .. K+N-1
  std::vector<std::size_t> budgets = {500, 2000, 5000};
  RetopoOptions base;     // --feature-angle / --fit-iterations: tuning runs
  // --flexforge-only: skip the peers and the ablations (quick tuning runs)
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--synth" && i + 1 < argc) synth_count = std::stoi(argv[++i]);
    else if (a == "--synth-start" && i + 1 < argc) synth_start = std::stoi(argv[++i]);
    else if (a == "--synth-only") real_meshes = false;
    else if (a == "--no-ablation") ablation = false;
    else if (a == "--feature-angle" && i + 1 < argc) base.feature_angle_deg = std::stod(argv[++i]);
    else if (a == "--fit-iterations" && i + 1 < argc) base.fit_iterations = std::stoi(argv[++i]);
    else if (a == "--budgets" && i + 1 < argc) {
      budgets.clear();
      std::string list = argv[++i];
      for (std::size_t at = 0; at < list.size();) {
        std::size_t comma = list.find(',', at);
        if (comma == std::string::npos) comma = list.size();
        budgets.push_back(std::stoul(list.substr(at, comma - at)));
        at = comma + 1;
      }
    }
    else if (a == "--no-scaling") scaling = false;
    else if (a == "--only" && i + 1 < argc) only = argv[++i];
    else if (a == "--flexforge-only") peers = false;
    else if (a == "--cgal-gh") cgal_gh = true;
  }
  const std::vector<std::string> real = {"bunny00",  "armadillo", "refined_elephant", "camel",
                                         "fandisk",  "homer",     "man",              "ChineseDragon-10kv",
                                         "knot2",    "bull"};
  std::vector<Input> inputs;
  for (const std::string& n : real) {
    if (!real_meshes || (!only.empty() && n != only)) continue;
    inputs.push_back({n, "real", merged(io::load_scene(dir + "/" + n + ".off"))});
  }
#if FLEXFORGE_BENCH_SYNTH
  if (only.empty()) {
    synth::SynthConfig sc;
    sc.views = 0;
    sc.part_meshes = false;
    sc.resolution = 96;
    for (int i = synth_start; i < synth_start + synth_count; ++i) {
      synth::SynthAsset a = synth::generate_asset(sc, 2024, static_cast<std::size_t>(i));
      Mesh m;
      m.positions = a.mesh.positions;
      m.triangles = a.mesh.triangles;
      inputs.push_back({a.id, "synth", std::move(m)});
    }
  }
#else
  if (synth_count > 0) std::fprintf(stderr, "synth assets: built without the synth dataset\n");
#endif

  std::vector<Result> results;
  for (const Input& in : inputs) {
    const TopologyReport t = analyze_topology(in.mesh);
    const bool closed = t.watertight && t.oriented;
    const CgalInput cg = to_cgal(in.mesh);
    for (std::size_t budget : budgets) {
      if (budget * 10 >= in.mesh.face_count() * 9) continue;
      auto t0 = std::chrono::steady_clock::now();
      RetopoOptions o = base;
      o.target_faces = budget;
      RetopoReport rep;
      Mesh ff = retopologize(in.mesh, o, &rep);
      double s = seconds_since(t0);
      results.push_back(measure(in.name, "flexforge", in.mesh, closed, budget, ff, s, rep.output_faces, 0));

      if (!peers) continue;
      if (ablation) {
      o.fit_iterations = 0;
      t0 = std::chrono::steady_clock::now();
      Mesh nofit = retopologize(in.mesh, o, &rep);
      s = seconds_since(t0);
      results.push_back(measure(in.name, "flexforge-collapse-only", in.mesh, closed, budget, nofit, s, rep.output_faces, 0));

      o.fit_iterations = base.fit_iterations;
      o.quad = true;
      t0 = std::chrono::steady_clock::now();
      Mesh quad = retopologize(in.mesh, o, &rep);
      s = seconds_since(t0);
      results.push_back(measure(in.name, "flexforge-quad", in.mesh, closed, budget, quad, s, rep.output_faces, rep.quads));
      }

      t0 = std::chrono::steady_clock::now();
      Mesh mo = run_meshopt(in.mesh, budget);
      s = seconds_since(t0);
      results.push_back(measure(in.name, "meshoptimizer", in.mesh, closed, budget, mo, s, mo.face_count(), 0));

      if (cg.ok) {
        t0 = std::chrono::steady_clock::now();
        Mesh cm = run_cgal(cg, budget);
        s = seconds_since(t0);
        results.push_back(measure(in.name, "cgal-lt", in.mesh, closed, budget, cm, s, cm.face_count(), 0));
        if (cgal_gh) {
          t0 = std::chrono::steady_clock::now();
          Mesh gm = run_cgal(cg, budget, true);
          s = seconds_since(t0);
          results.push_back(measure(in.name, "cgal-gh", in.mesh, closed, budget, gm, s, gm.face_count(), 0));
        }
      }
    }
  }

  // Summary table: medians per budget and method, over the meshes every method ran on.
  const std::vector<std::string> methods = {"flexforge", "flexforge-collapse-only", "flexforge-quad",
                                            "meshoptimizer", "cgal-lt", "cgal-gh"};
  std::printf("\n%-8s %-6s %-24s %5s %12s %12s %10s %9s %8s %8s\n", "set", "budget", "method", "n",
              "chamfer_med", "hausdorff_md", "face_err%", "closed%", "time_s", "quad%");
  for (const std::string set : {"real", "synth", "all"}) {
    for (std::size_t budget : budgets) {
      for (const std::string& m : methods) {
        std::vector<double> ch, ha, err, tm, qr;
        int closed = 0, closed_in = 0, n = 0;
        for (const Result& r : results) {
          if (r.method != m || r.budget != budget) continue;
          const bool is_real = std::find(real.begin(), real.end(), r.mesh) != real.end();
          if (set == "real" && !is_real) continue;
          if (set == "synth" && is_real) continue;
          ++n;
          ch.push_back(r.chamfer);
          ha.push_back(r.hausdorff);
          err.push_back(100.0 * std::abs(double(r.faces) - double(budget)) / double(budget));
          tm.push_back(r.seconds);
          if (r.faces > 0) qr.push_back(100.0 * r.quads / double(r.faces));
          if (r.input_closed) {
            ++closed_in;
            closed += r.closed;
          }
        }
        if (n == 0) continue;
        std::printf("%-8s %-6zu %-24s %5d %12.4e %12.4e %10.2f %9.1f %8.3f %8.1f\n", set.c_str(),
                    budget, m.c_str(), n, median(ch), median(ha), *std::max_element(err.begin(), err.end()),
                    closed_in ? 100.0 * closed / closed_in : NAN, median(tm), median(qr));
      }
    }
  }
  // Time ratios (median over meshes of peer_time / flexforge_time), per budget.
  for (std::size_t budget : budgets) {
    std::vector<double> vs_mo, vs_cg, nofit_vs_cg;
    std::map<std::string, std::map<std::string, double>> t;
    for (const Result& r : results) {
      if (r.budget == budget) t[r.mesh][r.method] = r.seconds;
    }
    for (auto& [mesh, m] : t) {
      if (m.count("meshoptimizer")) vs_mo.push_back(m["flexforge"] / m["meshoptimizer"]);
      if (m.count("cgal-lt")) {
        vs_cg.push_back(m["flexforge"] / m["cgal-lt"]);
        if (m.count("flexforge-collapse-only")) nofit_vs_cg.push_back(m["flexforge-collapse-only"] / m["cgal-lt"]);
      }
    }
    std::printf("time ratio @%zu: flexforge/meshoptimizer %.2f  flexforge/cgal-lt %.2f  "
                "collapse-only/cgal-lt %.2f (medians)\n",
                budget, median(vs_mo), median(vs_cg), median(nofit_vs_cg));
  }

  if (scaling && only.empty() && real_meshes) {
    std::printf("\nscaling (bumpy sphere -> 2000 faces), seconds:\n%10s %12s %12s %12s %12s\n",
                "faces", "flexforge", "collapse-only", "meshopt", "cgal-lt");
    for (std::size_t faces : {10000u, 100000u, 1000000u}) {
      const Mesh in = bumpy_sphere(faces);
      RetopoOptions o;
      o.target_faces = 2000;
      auto t0 = std::chrono::steady_clock::now();
      Mesh a = retopologize(in, o);
      const double t_ff = seconds_since(t0);
      o.fit_iterations = 0;
      t0 = std::chrono::steady_clock::now();
      Mesh b = retopologize(in, o);
      const double t_nofit = seconds_since(t0);
      t0 = std::chrono::steady_clock::now();
      Mesh c = run_meshopt(in, 2000);
      const double t_mo = seconds_since(t0);
      const CgalInput cg = to_cgal(in);
      t0 = std::chrono::steady_clock::now();
      Mesh d = run_cgal(cg, 2000);
      const double t_cg = seconds_since(t0);
      nlohmann::json j = {{"bench", "retopo_scaling"}, {"input_faces", in.face_count()},
                          {"flexforge_s", t_ff}, {"collapse_only_s", t_nofit},
                          {"meshoptimizer_s", t_mo}, {"cgal_lt_s", t_cg},
                          {"faces", {a.face_count(), b.face_count(), c.face_count(), d.face_count()}}};
      std::printf("%s\n", j.dump().c_str());
      std::printf("%10zu %12.3f %12.3f %12.3f %12.3f\n", in.face_count(), t_ff, t_nofit, t_mo, t_cg);
      std::fflush(stdout);
    }
  }
  return 0;
}
