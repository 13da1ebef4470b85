// Foundation benchmark: import, export and mesh checks on real and synthetic meshes, with the peer
// (Assimp's own exporters, Assimp's raw import) timed in the same run so results read as ratios.
// Run through scripts/bench.sh; prints one JSON object per measurement and a table.
#include "flexforge/core/metrics.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/io/fbx_writer.h"
#include "flexforge/io/gltf_writer.h"
#include "flexforge/io/import.h"

#include <assimp/Exporter.hpp>
#include <assimp/Importer.hpp>
#include <assimp/postprocess.h>
#include <assimp/scene.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

using namespace flexforge;

namespace {

// Median wall time of `repeats` runs after one warm-up, in milliseconds.
double median_ms(const std::function<void()>& fn, int repeats) {
  fn();
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void report(const std::string& what, const std::string& input, double ours_ms,
            const std::string& peer, double peer_ms) {
  nlohmann::json j = {{"bench", what}, {"input", input}, {"flexforge_ms", ours_ms}};
  if (!peer.empty()) {
    j["peer"] = peer;
    j["peer_ms"] = peer_ms;
    j["speedup_vs_peer"] = peer_ms / ours_ms;
  }
  std::printf("%s\n", j.dump().c_str());
}

Mesh torus(int nu, int nv) {
  Mesh m;
  const float pi = 3.14159265358979f;
  for (int i = 0; i < nu; ++i) {
    for (int j = 0; j < nv; ++j) {
      const float u = 2 * pi * i / nu, v = 2 * pi * j / nv;
      m.positions.emplace_back((2 + std::cos(v)) * std::cos(u), (2 + std::cos(v)) * std::sin(u),
                               std::sin(v));
    }
  }
  auto id = [&](int i, int j) { return std::uint32_t(((i + nu) % nu) * nv + (j + nv) % nv); };
  for (int i = 0; i < nu; ++i) {
    for (int j = 0; j < nv; ++j) {
      m.triangles.push_back({id(i, j), id(i + 1, j), id(i + 1, j + 1)});
      m.triangles.push_back({id(i, j), id(i + 1, j + 1), id(i, j + 1)});
    }
  }
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MESH...\n", argv[0]);
    return 2;
  }
  for (int a = 1; a < argc; ++a) {
    const std::string path = argv[a];
    const std::string name = path.substr(path.find_last_of('/') + 1);
    const unsigned flags = aiProcess_Triangulate | aiProcess_JoinIdenticalVertices |
                           aiProcess_SortByPType | aiProcess_ValidateDataStructure;
    // Import: flexforge's load_scene (Assimp + conversion to Scene) against Assimp alone.
    const double assimp_read = median_ms([&] { Assimp::Importer i; i.ReadFile(path, flags); }, 5);
    const double ours_read = median_ms([&] { io::load_scene(path); }, 5);
    report("import", name, ours_read, "assimp ReadFile (no conversion)", assimp_read);

    const Scene scene = io::load_scene(path);
    Assimp::Importer importer;
    const aiScene* ai = importer.ReadFile(path, flags);
    Assimp::Exporter exporter;
    const double ours_glb = median_ms([&] { io::encode_glb(scene); }, 5);
    const double assimp_glb = median_ms([&] { exporter.ExportToBlob(ai, "glb2"); }, 5);
    report("encode_glb", name, ours_glb, "assimp glb2 exporter", assimp_glb);
    const double ours_fbx = median_ms([&] { io::encode_fbx(scene); }, 5);
    const double assimp_fbx = median_ms([&] { exporter.ExportToBlob(ai, "fbx"); }, 5);
    report("encode_fbx", name, ours_fbx, "assimp fbx exporter (Blender cannot open it)", assimp_fbx);

    const Mesh& mesh = scene.parts.at(0).mesh;
    report("analyze_topology", name, median_ms([&] { analyze_topology(mesh); }, 5), "", 0);
    for (bool p2s : {false, true}) {
      MetricOptions o;
      o.point_to_surface = p2s;
      report(p2s ? "chamfer_100k_point_to_surface" : "chamfer_100k_point_to_point", name,
             median_ms([&] { compare_meshes(mesh, mesh, o); }, 3), "", 0);
    }
  }
  const Mesh big = torus(1000, 500);
  report("analyze_topology", "torus 1M faces", median_ms([&] { analyze_topology(big); }, 3), "", 0);
  return 0;
}
