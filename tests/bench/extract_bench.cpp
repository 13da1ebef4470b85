// Extraction benchmark (scripts/bench.sh extract).
//
//   flexforge_bench_extract timing MESH...   sparse FlexiCubes on the surface voxels vs dense
//                                            marching cubes (scikit-image, via python3) of the same
//                                            full grid, R = 64/128/256
//   flexforge_bench_extract quality DIR      direct-extraction quality at R = 64/128: 10 real meshes
//                                            from DIR + 50 held-out synth assets
//
// timing: per mesh and R, the direct field (surface voxels + exact signed distance at their
// corners) is built once; flexforge's extraction is timed on it, then the same values are placed in
// a dense (R+1)^3 float32 volume whose other points carry only the sign (flood fill from the
// border: outside +1/R, enclosed -1/R; they have no crossing, so the dense and sparse contours
// agree) and written as .npy; python3 times skimage.measure.marching_cubes(volume, 0) alone.
// One JSON object per line on stdout, then tables.
#include "flexforge/core/metrics.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/parallel.h"
#include "flexforge/core/scene_ops.h"
#include "flexforge/extract/flexicubes.h"
#include "flexforge/extract/mesh_to_field.h"
#include "flexforge/io/import.h"
#include "flexforge/synth/synth.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using namespace flexforge;
namespace fs = std::filesystem;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Mesh load_mesh(const fs::path& p) { return weld(join_parts(io::load_scene(p)), 0.0f); }

Mesh normalized_copy(const Mesh& m) {
  Mesh out;
  out.positions = m.positions;
  out.triangles = m.triangles;
  transform(out, extract::normalize_for_field(m, 0.05).forward());
  return out;
}

// Dense volume with the field's values at its grid points and the sign elsewhere.
std::vector<float> dense_volume(const extract::SparseVoxelField& f) {
  const int R = f.resolution;
  const std::size_t n1 = std::size_t(R) + 1;
  const float unset = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> v(n1 * n1 * n1, unset);
  auto id = [n1](std::size_t x, std::size_t y, std::size_t z) { return (x * n1 + y) * n1 + z; };
  for (std::size_t i = 0; i < f.voxels.size(); ++i) {
    for (int c = 0; c < 8; ++c) {
      v[id(f.voxels[i][0] + extract::kCubeCorners[c][0], f.voxels[i][1] + extract::kCubeCorners[c][1],
           f.voxels[i][2] + extract::kCubeCorners[c][2])] = f.sdf[8 * i + c];
    }
  }
  std::vector<std::uint32_t> queue;
  const float out_value = 1.0f / R, in_value = -1.0f / R;
  for (std::size_t x = 0; x < n1; ++x)
    for (std::size_t y = 0; y < n1; ++y)
      for (std::size_t z = 0; z < n1; ++z) {
        const bool border = x == 0 || y == 0 || z == 0 || x == n1 - 1 || y == n1 - 1 || z == n1 - 1;
        if (border && std::isnan(v[id(x, y, z)])) {
          v[id(x, y, z)] = out_value;
          queue.push_back(std::uint32_t(id(x, y, z)));
        }
      }
  const std::int64_t step[3] = {std::int64_t(n1 * n1), std::int64_t(n1), 1};
  for (std::size_t h = 0; h < queue.size(); ++h) {
    const std::int64_t p = queue[h];
    const std::int64_t c[3] = {p / step[0], (p / step[1]) % std::int64_t(n1), p % std::int64_t(n1)};
    for (int a = 0; a < 3; ++a)
      for (int d = -1; d <= 1; d += 2) {
        if (c[a] + d < 0 || c[a] + d >= std::int64_t(n1)) continue;
        const std::int64_t q = p + d * step[a];
        if (!std::isnan(v[q])) continue;
        v[q] = out_value;
        queue.push_back(std::uint32_t(q));
      }
  }
  for (float& x : v) {
    if (std::isnan(x)) x = in_value;
  }
  return v;
}

void write_npy(const fs::path& path, const std::vector<float>& v, std::size_t n) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(n) +
                       ", " + std::to_string(n) + ", " + std::to_string(n) + "), }";
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream out(path, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  const std::uint16_t len = std::uint16_t(header.size());
  out.write(reinterpret_cast<const char*>(&len), 2);
  out << header;
  out.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * sizeof(float)));
}

// Runs skimage marching cubes on the .npy; returns {seconds, faces} or {-1, 0} on failure.
std::pair<double, std::size_t> skimage_mc(const fs::path& npy) {
  // Debian's python3-skimage lives under /usr/bin/python3 (a pyenv python3 earlier in PATH would
  // not see it); FLEXFORGE_PYTHON overrides.
  const char* py = std::getenv("FLEXFORGE_PYTHON");
  const std::string cmd = std::string(py ? py : "/usr/bin/python3") +
      " -c \"import sys,time,numpy as np; from skimage.measure import marching_cubes; "
      "v=np.load(sys.argv[1]); t=time.perf_counter(); verts,faces,_,_=marching_cubes(v,0.0); "
      "print(time.perf_counter()-t, len(faces))\" '" + npy.string() + "'";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return {-1.0, 0};
  double t = -1.0;
  std::size_t faces = 0;
  if (std::fscanf(pipe, "%lf %zu", &t, &faces) != 2) t = -1.0;
  pclose(pipe);
  return {t, faces};
}

// Midpoint subdivision (each triangle -> 4): the same surface with 4x the faces, to time the
// direct field against input size.
Mesh subdivide(const Mesh& m) {
  Mesh out;
  out.positions = m.positions;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> mid;
  auto midpoint = [&](std::uint32_t a, std::uint32_t b) {
    const auto key = std::minmax(a, b);
    const auto it = mid.find(key);
    if (it != mid.end()) return it->second;
    const std::uint32_t id = std::uint32_t(out.positions.size());
    out.positions.push_back(0.5f * (m.positions[a] + m.positions[b]));
    mid.emplace(key, id);
    return id;
  };
  for (const Triangle& t : m.triangles) {
    const std::uint32_t ab = midpoint(t[0], t[1]), bc = midpoint(t[1], t[2]), ca = midpoint(t[2], t[0]);
    out.triangles.push_back({t[0], ab, ca});
    out.triangles.push_back({ab, t[1], bc});
    out.triangles.push_back({ca, bc, t[2]});
    out.triangles.push_back({ab, bc, ca});
  }
  return out;
}

void time_field_vs_faces(const std::string& path) {
  Mesh m = load_mesh(path);
  for (int level = 0; level < 2; ++level) {
    const Mesh norm = normalized_copy(m);
    for (unsigned threads : {1u, 2u}) {
      double best = 1e30;
      std::size_t voxels = 0;
      for (int rep = 0; rep < 2; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        const extract::SparseVoxelField f = extract::direct_field(norm, 128, threads);
        best = std::min(best, seconds_since(t0));
        voxels = f.voxels.size();
      }
      nlohmann::json j = {{"bench", "extract_field_time"}, {"mesh", fs::path(path).stem().string()},
                          {"input_faces", norm.face_count()}, {"R", 128}, {"threads", threads},
                          {"active_voxels", voxels}, {"direct_field_s", best}};
      std::printf("%s\n", j.dump().c_str());
      std::printf("direct_field R=128: %zu input faces, %u thread(s): %.3f s (%zu voxels)\n",
                  norm.face_count(), threads, best, voxels);
    }
    m = subdivide(m);
  }
}

int run_timing(const std::vector<std::string>& paths) {
  time_field_vs_faces(paths.front());
  const fs::path tmp = fs::temp_directory_path() / "flexforge_extract_bench";
  fs::create_directories(tmp);
  struct Row {
    std::string mesh;
    int R;
    std::size_t voxels, faces, mc_faces;
    double field_s, extract_s, mc_s;
  };
  std::vector<Row> rows;
  for (const std::string& p : paths) {
    const Mesh input = load_mesh(p);
    const Mesh norm = normalized_copy(input);
    const std::string name = fs::path(p).stem().string();
    for (int R : {64, 128, 256}) {
      auto t0 = std::chrono::steady_clock::now();
      const extract::SparseVoxelField field = extract::direct_field(norm, R);
      const double field_s = seconds_since(t0);
      // Best of 3 for the extraction (short at low R).
      double extract_s = 1e30;
      Mesh out;
      for (int rep = 0; rep < 3; ++rep) {
        t0 = std::chrono::steady_clock::now();
        out = extract::extract_flexicubes(field);
        extract_s = std::min(extract_s, seconds_since(t0));
      }
      const fs::path npy = tmp / (name + "_" + std::to_string(R) + ".npy");
      write_npy(npy, dense_volume(field), std::size_t(R) + 1);
      const auto [mc_s, mc_faces] = skimage_mc(npy);
      fs::remove(npy);
      rows.push_back({name, R, field.voxels.size(), out.face_count(), mc_faces, field_s, extract_s, mc_s});
      nlohmann::json j = {{"bench", "extract_timing"}, {"mesh", name}, {"input_faces", input.face_count()},
                          {"R", R}, {"active_voxels", field.voxels.size()},
                          {"dense_cells", std::size_t(R) * R * R}, {"field_s", field_s},
                          {"flexicubes_s", extract_s}, {"flexicubes_faces", out.face_count()},
                          {"skimage_mc_s", mc_s}, {"skimage_faces", mc_faces},
                          {"threads", worker_threads()}};
      std::printf("%s\n", j.dump().c_str());
      std::fflush(stdout);
    }
  }
  std::printf("\n%-10s %4s %9s %10s %10s %10s %10s %10s %8s\n", "mesh", "R", "voxels", "field s",
              "ffc s", "skimage s", "ffc faces", "sk faces", "sk/ffc");
  for (const Row& r : rows) {
    std::printf("%-10s %4d %9zu %10.4f %10.4f %10.4f %10zu %10zu %8.1f\n", r.mesh.c_str(), r.R,
                r.voxels, r.field_s, r.extract_s, r.mc_s, r.faces, r.mc_faces, r.mc_s / r.extract_s);
  }
  // Growth per doubling of R (geometric mean over meshes).
  for (int R : {128, 256}) {
    double g_ffc = 0, g_mc = 0, g_field = 0;
    int k = 0;
    for (const Row& r : rows) {
      if (r.R != R) continue;
      for (const Row& q : rows) {
        if (q.mesh == r.mesh && q.R == R / 2) {
          g_ffc += std::log(r.extract_s / q.extract_s);
          g_mc += std::log(r.mc_s / q.mc_s);
          g_field += std::log(r.field_s / q.field_s);
          ++k;
        }
      }
    }
    if (k) {
      std::printf("growth R %d->%d (geo-mean): flexicubes x%.2f  skimage x%.2f  field x%.2f\n",
                  R / 2, R, std::exp(g_ffc / k), std::exp(g_mc / k), std::exp(g_field / k));
    }
  }
  return 0;
}

struct Quality {
  double chamfer, chamfer_p2s, f01, f005, nc, seconds;
  bool closed;
  bool wt_closed;  // watertight=true run: closed, oriented 2-manifold
  double wt_f01;   // and its F@0.01
};

Quality measure(const Mesh& input, int R) {
  const auto t0 = std::chrono::steady_clock::now();
  const Mesh out = extract::direct_extract(input, R);
  const double s = seconds_since(t0);
  MetricOptions mo;
  mo.samples = 100000;
  const MeshDistance d = compare_meshes(out, input, mo);
  // The point-to-point Chamfer has a sampling floor of ~1-2e-3 that hides differences between
  // near-identical surfaces (docs/metrics.md), so the point-to-surface variant is reported too.
  MetricOptions p2s = mo;
  p2s.point_to_surface = true;
  const MeshDistance ds = compare_meshes(out, input, p2s);
  const Mesh wt = extract::direct_extract(input, R, true);
  const TopologyReport wt_topo = analyze_topology(wt);
  const MeshDistance dw = compare_meshes(wt, input, mo);
  return {d.chamfer_l1,
          ds.chamfer_l1,
          d.fscore[0],
          d.fscore[1],
          d.normal_consistency,
          s,
          analyze_topology(out).watertight,
          wt_topo.watertight && wt_topo.oriented,
          dw.fscore[0]};
}

int run_quality(const fs::path& dir) {
  struct Item {
    std::string set, name;
    Mesh mesh;
  };
  std::vector<Item> items;
  for (const char* n : {"elephant", "cow", "pig", "homer", "bunny00", "camel", "armadillo", "man",
                        "dino", "bull"}) {
    items.push_back({"real", n, load_mesh(dir / (std::string(n) + ".off"))});
  }
  synth::SynthConfig cfg;
  cfg.views = 0;
  cfg.part_meshes = false;
  for (int i = 0; i < 50; ++i) {
    synth::SynthAsset a = synth::generate_asset(cfg, 777000 + std::uint64_t(i), std::size_t(i));
    items.push_back({"synth", a.id, std::move(a.mesh)});
  }
  std::map<std::pair<std::string, int>, std::vector<Quality>> by;
  std::printf("\n%-6s %-20s %4s %10s %10s %8s %8s %8s %8s %6s %6s %8s\n", "set", "mesh", "R",
              "CD p2p", "CD p2s", "F@0.01", "F@0.005", "NC", "time s", "closed", "wt cl", "wt F1");
  for (const Item& it : items) {
    for (int R : {64, 128}) {
      const Quality q = measure(it.mesh, R);
      by[{it.set, R}].push_back(q);
      nlohmann::json j = {{"bench", "extract_quality"}, {"set", it.set}, {"mesh", it.name},
                          {"R", R}, {"chamfer_l1", q.chamfer},
                          {"chamfer_l1_point_to_surface", q.chamfer_p2s}, {"f_0.01", q.f01},
                          {"f_0.005", q.f005}, {"normal_consistency", q.nc},
                          {"direct_extract_s", q.seconds}, {"watertight", q.closed},
                          {"watertight_mode_closed", q.wt_closed}, {"watertight_mode_f_0.01", q.wt_f01},
                          {"metric", "point-to-point, 100k samples"}};
      std::fprintf(stderr, "%s\n", j.dump().c_str());
      std::printf("%-6s %-20s %4d %10.3e %10.3e %8.4f %8.4f %8.4f %8.3f %6s %6s %8.4f\n",
                  it.set.c_str(), it.name.c_str(), R, q.chamfer, q.chamfer_p2s, q.f01, q.f005,
                  q.nc, q.seconds, q.closed ? "yes" : "no", q.wt_closed ? "yes" : "no", q.wt_f01);
      std::fflush(stdout);
    }
  }
  std::printf("\nsummary (means; 100k samples per mesh, GT bounding-box diagonal = 1; closed = plain\n"
              "extraction is a closed 2-manifold; watertight mode = ExtractOptions::watertight):\n");
  for (const auto& [key, qs] : by) {
    double c = 0, cs = 0, f1 = 0, f2 = 0, nc = 0, t = 0, fmin = 1, wf = 0;
    int closed = 0, wt_closed = 0;
    for (const Quality& q : qs) {
      c += q.chamfer;
      cs += q.chamfer_p2s;
      wf += q.wt_f01;
      wt_closed += q.wt_closed;
      f1 += q.f01;
      f2 += q.f005;
      nc += q.nc;
      t += q.seconds;
      fmin = std::min(fmin, q.f01);
      closed += q.closed;
    }
    const double n = double(qs.size());
    std::printf("%-6s R=%-4d n=%-3zu CD p2p %.3e  CD p2s %.3e  F@0.01 %.4f (min %.4f)  F@0.005 %.4f  "
                "NC %.4f  closed %d/%zu  watertight mode: closed %d/%zu F@0.01 %.4f  mean time %.3f s\n",
                key.first.c_str(), key.second, qs.size(), c / n, cs / n, f1 / n, fmin, f2 / n, nc / n,
                closed, qs.size(), wt_closed, qs.size(), wf / n, t / n);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc >= 3 && std::string(argv[1]) == "timing") {
      return run_timing(std::vector<std::string>(argv + 2, argv + argc));
    }
    if (argc == 3 && std::string(argv[1]) == "quality") return run_quality(argv[2]);
    std::fprintf(stderr, "usage: %s timing MESH... | quality MESH_DIR\n", argv[0]);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flexforge_bench_extract: %s\n", e.what());
    return 1;
  }
}
