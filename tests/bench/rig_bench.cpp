// Rigging benchmark (scripts/bench.sh rig):
//   synth --seed S --per-category K   held-out synth creatures: CD-J2J / CD-J2B / CD-B2B and
//                                     skinning precision / recall / L1 against the ground truth,
//                                     one JSON line per asset, then one per category and overall
//   real OUTDIR MESH...               rig real meshes: time, GLB + FBX, a posed preview PNG (rest
//                                     and posed side by side, skeleton drawn over), max stretch,
//                                     and CGAL's mean-curvature-flow skeleton time on the same mesh
// CGAL (Mean_curvature_flow_skeletonization, Tagliasacchi et al. 2012) is confined to this file.
#include "flexforge/core/scene_ops.h"
#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/scene.h"
#include "flexforge/io/export.h"
#include "flexforge/io/import.h"
#include "flexforge/rig/evaluate.h"
#include "flexforge/rig/rig.h"
#include "flexforge/render/rasterizer.h"
#include "flexforge/synth/synth.h"

#include <CGAL/Exact_predicates_inexact_constructions_kernel.h>
#include <CGAL/Surface_mesh.h>
#include <CGAL/extract_mean_curvature_flow_skeleton.h>
#include <Eigen/Geometry>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

using namespace flexforge;

namespace {

using Kernel = CGAL::Exact_predicates_inexact_constructions_kernel;
using SurfaceMesh = CGAL::Surface_mesh<Kernel::Point_3>;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}


// --- synth held-out evaluation ------------------------------------------------------------------

void write_synth_preview(const std::string& dir, const std::string& id, const Mesh& mesh,
                         const rig::SkeletonPoints& pred, const rig::SkeletonPoints& gt);
std::string g_preview_dir;  // synth --previews DIR

int run_synth(std::uint64_t seed, int per_category, const rig::RigOptions& options) {
  const std::vector<std::string> categories = {"humanoid", "cat",   "dog",   "horse",   "cow",   "bird",
                                               "fish",     "snake", "octopus", "spider", "dragon"};
  synth::SynthConfig config;
  config.views = 0;
  config.part_meshes = false;
  struct Acc {
    double j2j = 0, j2b = 0, b2b = 0, p = 0, r = 0, l1 = 0, sec = 0, joints = 0, gt_joints = 0;
    int n = 0;
  };
  std::map<std::string, Acc> per;
  Acc all;
  for (const std::string& cat : categories) {
    for (int k = 0; k < per_category; ++k) {
      const synth::SynthAsset a = synth::generate_category_asset(config, cat, seed, static_cast<std::size_t>(k));
      const float diag = bounding_box(a.mesh).diagonal();
      const rig::RigResult r = rig::rig_mesh(a.mesh, options);
      const rig::SkeletonPoints pred = rig::skeleton_points(r.skeleton), gt = rig::skeleton_points(a.skeleton);
      const rig::SkeletonMetrics sm = rig::skeleton_metrics(pred, gt, diag);
      const rig::SkinMetrics km = rig::skin_metrics(pred, r.skin, gt, a.mesh.skin);
      if (!g_preview_dir.empty()) write_synth_preview(g_preview_dir, a.id, a.mesh, pred, gt);
      double gt_inf = 0, pred_inf = 0;  // mean influences (weight > 1e-4) per vertex
      for (const auto& v : a.mesh.skin)
        for (const auto& i : v) gt_inf += i.weight > 1e-4f;
      for (const auto& v : r.skin)
        for (const auto& i : v) pred_inf += i.weight > 1e-4f;
      gt_inf /= std::max<std::size_t>(1, a.mesh.skin.size());
      pred_inf /= std::max<std::size_t>(1, r.skin.size());
      std::cout << nlohmann::json{{"bench", "rig_synth"}, {"id", a.id}, {"pose", a.pose},
                                  {"rig_type", rig::rig_type_name(r.type)}, {"symmetry", r.symmetry.found},
                                  {"joints", r.skeleton.joints.size()}, {"gt_joints", a.skeleton.joints.size()},
                                  {"cd_j2j", sm.cd_j2j}, {"cd_j2b", sm.cd_j2b}, {"cd_b2b", sm.cd_b2b},
                                  {"skin_precision", km.precision}, {"skin_recall", km.recall}, {"skin_l1", km.l1},
                                  {"gt_influences", gt_inf}, {"pred_influences", pred_inf},
                                  {"seconds", r.timings.total_s}}.dump() << std::endl;
      for (Acc* acc : {&per[cat], &all}) {
        acc->j2j += sm.cd_j2j, acc->j2b += sm.cd_j2b, acc->b2b += sm.cd_b2b;
        acc->p += km.precision, acc->r += km.recall, acc->l1 += km.l1, acc->sec += r.timings.total_s;
        acc->joints += r.skeleton.joints.size(), acc->gt_joints += a.skeleton.joints.size();
        ++acc->n;
      }
    }
  }
  auto line = [](const std::string& name, const Acc& a) {
    const double n = std::max(1, a.n);
    return nlohmann::json{{"bench", "rig_synth_summary"}, {"category", name}, {"assets", a.n},
                          {"cd_j2j", a.j2j / n}, {"cd_j2b", a.j2b / n}, {"cd_b2b", a.b2b / n},
                          {"skin_precision", a.p / n}, {"skin_recall", a.r / n}, {"skin_l1", a.l1 / n},
                          {"joints", a.joints / n}, {"gt_joints", a.gt_joints / n}, {"seconds", a.sec / n}};
  };
  for (const auto& [cat, acc] : per) std::cout << line(cat, acc).dump() << std::endl;
  std::cout << line("all", all).dump() << std::endl;
  return 0;
}

// --- posed preview ------------------------------------------------------------------------------

// World transforms of a pose: joint j rotates its subtree by rot[j] about its bind position.
std::vector<Mat4> pose_transforms(const Skeleton& s, const std::vector<Eigen::Matrix3f>& rot) {
  std::vector<Mat4> m(s.joints.size());
  for (std::size_t j = 0; j < s.joints.size(); ++j) {
    const Vec3 p = s.joints[j].bind_world.block<3, 1>(0, 3);
    Mat4 local = Mat4::Identity();
    local.topLeftCorner<3, 3>() = rot[j];
    local.block<3, 1>(0, 3) = p - rot[j] * p;
    m[j] = s.joints[j].parent < 0 ? local : Mat4(m[s.joints[j].parent] * local);
  }
  return m;
}

// Rotates up to six limb joints (children of branching joints that start a chain of >= 2
// bones) by 40 degrees about an axis across the bone.
std::vector<Eigen::Matrix3f> demo_pose(const Skeleton& s) {
  const std::size_t n = s.joints.size();
  std::vector<Eigen::Matrix3f> rot(n, Eigen::Matrix3f::Identity());
  std::vector<int> children(n, 0);
  for (const Joint& j : s.joints)
    if (j.parent >= 0) ++children[j.parent];
  int posed = 0;
  for (std::size_t j = 1; j < n && posed < 6; ++j) {
    const int p = s.joints[j].parent;
    if (p < 0 || children[p] < 2 || children[j] != 1) continue;
    // bone from j to its only child
    std::size_t c = 0;
    for (std::size_t k = 0; k < n; ++k)
      if (s.joints[k].parent == static_cast<int>(j)) c = k;
    const Vec3 dir = (s.joints[c].bind_world.block<3, 1>(0, 3) - s.joints[j].bind_world.block<3, 1>(0, 3)).normalized();
    Vec3 axis = dir.cross(Vec3::UnitZ());
    if (axis.norm() < 0.3f) axis = dir.cross(Vec3::UnitX());
    rot[j] = Eigen::AngleAxisf((posed % 2 ? -40.0f : 40.0f) * 3.14159265f / 180.0f, axis.normalized()).toRotationMatrix();
    ++posed;
  }
  return rot;
}

struct PoseStats {
  // How far (bbox-diagonal units) a vertex moves beyond its reach: the largest displacement any of
  // its influencing bones would give it rigidly. Linear blend skinning is a convex combination,
  // so this is 0 up to rounding; a positive value would mean a broken weight (sum != 1, negative).
  double max_beyond_reach = 0;
  double max_edge_stretch = 0;  // max posed/rest edge length
  double p99_edge_stretch = 0;
  std::size_t edges_over_2x = 0, edges = 0;
};

Mesh skin_mesh(const Mesh& rest, const std::vector<std::vector<SkinInfluence>>& skin,
               const std::vector<Mat4>& m, PoseStats* stats) {
  Mesh out = rest;
  double worst = 0;
  for (std::size_t v = 0; v < rest.positions.size(); ++v) {
    const Vec3& p = rest.positions[v];
    Vec3 q = Vec3::Zero();
    double reach = 0;
    for (const auto& inf : skin[v]) {
      const Vec3 t = (m[inf.joint] * p.homogeneous()).head<3>();
      q += inf.weight * t;
      reach = std::max(reach, static_cast<double>((t - p).norm()));
    }
    out.positions[v] = q;
    worst = std::max(worst, (q - p).norm() - reach);
  }
  std::vector<double> ratios;
  for (const Triangle& t : rest.triangles)
    for (int k = 0; k < 3; ++k) {
      const double a = (rest.positions[t[k]] - rest.positions[t[(k + 1) % 3]]).norm();
      const double b = (out.positions[t[k]] - out.positions[t[(k + 1) % 3]]).norm();
      if (a > 1e-12) ratios.push_back(b / a);
    }
  std::sort(ratios.begin(), ratios.end());
  for (double x : ratios) stats->edges_over_2x += x > 2.0;
  stats->edges = ratios.size();
  stats->max_beyond_reach = worst / bounding_box(rest).diagonal();
  stats->max_edge_stretch = ratios.empty() ? 0 : ratios.back();
  stats->p99_edge_stretch = ratios.empty() ? 0 : ratios[ratios.size() * 99 / 100];
  out.normals.clear();
  compute_vertex_normals(out);
  return out;
}

void draw_line(render::Image& img, Eigen::Vector2f a, Eigen::Vector2f b, std::array<std::uint8_t, 3> c, int r) {
  const int steps = std::max(1, static_cast<int>((b - a).norm() * 2));
  for (int s = 0; s <= steps; ++s) {
    const Eigen::Vector2f p = a + (b - a) * (static_cast<float>(s) / steps);
    for (int dy = -r; dy <= r; ++dy)
      for (int dx = -r; dx <= r; ++dx) {
        const int x = static_cast<int>(p.x()) + dx, y = static_cast<int>(p.y()) + dy;
        if (x < 0 || y < 0 || x >= img.width || y >= img.height) continue;
        std::uint8_t* px = &img.rgba[(static_cast<std::size_t>(y) * img.width + x) * 4];
        px[0] = c[0], px[1] = c[1], px[2] = c[2], px[3] = 255;
      }
  }
}

Eigen::Vector2f project(const render::Camera& cam, const Vec3& p) {
  const Vec3 c = (cam.world_to_camera() * p.homogeneous()).head<3>();
  const Eigen::Matrix3f k = cam.intrinsics();
  return {k(0, 0) * c.x() / (-c.z()) + k(0, 2), k(1, 1) * (-c.y()) / (-c.z()) + k(1, 2)};
}

// Mesh rendered, skeleton drawn over (bones red, joints yellow, root blue) on a white background.
render::Image preview(const Mesh& mesh, const std::vector<Vec3>& joints, const std::vector<int>& parent,
                     const render::Camera& cam) {
  Mesh m = mesh;
  m.colors.clear();
  render::Image img = render::render(m, cam, 2);
  for (std::size_t i = 0; i < img.rgba.size(); i += 4) {
    const float a = img.rgba[i + 3] / 255.0f;
    for (int c = 0; c < 3; ++c) img.rgba[i + c] = static_cast<std::uint8_t>(img.rgba[i + c] * a + 255 * (1 - a));
    img.rgba[i + 3] = 255;
  }
  for (std::size_t j = 0; j < joints.size(); ++j)
    if (parent[j] >= 0) draw_line(img, project(cam, joints[parent[j]]), project(cam, joints[j]), {220, 30, 30}, 1);
  for (std::size_t j = 0; j < joints.size(); ++j)
    draw_line(img, project(cam, joints[j]), project(cam, joints[j]),
              parent[j] < 0 ? std::array<std::uint8_t, 3>{30, 60, 230} : std::array<std::uint8_t, 3>{250, 200, 0}, 3);
  return img;
}

render::Image side_by_side(const std::vector<render::Image>& imgs) {
  render::Image out;
  out.height = imgs[0].height;
  for (const auto& i : imgs) out.width += i.width;
  out.rgba.assign(static_cast<std::size_t>(out.width) * out.height * 4, 255);
  int x0 = 0;
  for (const auto& i : imgs) {
    for (int y = 0; y < i.height; ++y)
      std::copy_n(&i.rgba[static_cast<std::size_t>(y) * i.width * 4], i.width * 4,
                  &out.rgba[(static_cast<std::size_t>(y) * out.width + x0) * 4]);
    x0 += i.width;
  }
  return out;
}

// Front and side views, predicted skeleton in red/yellow, ground truth in green.
void write_synth_preview(const std::string& dir, const std::string& id, const Mesh& mesh,
                         const rig::SkeletonPoints& pred, const rig::SkeletonPoints& gt) {
  std::filesystem::create_directories(dir);
  const auto cams = render::orbit_cameras(bounding_box(mesh), 2, 320, 10.0f, 0.0f);
  std::vector<render::Image> views;
  for (const auto& cam : {cams[0], render::orbit_cameras(bounding_box(mesh), 4, 320, 10.0f, 90.0f)[0]}) {
    render::Image img = preview(mesh, pred.joints, pred.parent, cam);
    for (std::size_t j = 0; j < gt.joints.size(); ++j)
      if (gt.parent[j] >= 0) draw_line(img, project(cam, gt.joints[gt.parent[j]]), project(cam, gt.joints[j]), {20, 170, 40}, 0);
    views.push_back(img);
  }
  std::ofstream(std::filesystem::path(dir) / (id + ".png"), std::ios::binary) << render::encode_png(side_by_side(views));
}

// --- CGAL MCF skeleton timing -------------------------------------------------------------------

nlohmann::json cgal_mcf(const Mesh& mesh) {
  SurfaceMesh sm;
  std::vector<SurfaceMesh::Vertex_index> vs;
  for (const Vec3& p : mesh.positions) vs.push_back(sm.add_vertex(Kernel::Point_3(p.x(), p.y(), p.z())));
  std::size_t refused = 0;
  for (const Triangle& t : mesh.triangles)
    if (sm.add_face(vs[t[0]], vs[t[1]], vs[t[2]]) == SurfaceMesh::null_face()) ++refused;
  if (refused || !CGAL::is_closed(sm))
    return {{"ok", false}, {"error", "CGAL MCF needs a closed 2-manifold (" + std::to_string(refused) + " faces refused)"}};
  using Skel = CGAL::Mean_curvature_flow_skeletonization<SurfaceMesh>::Skeleton;
  Skel skel;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    CGAL::extract_mean_curvature_flow_skeleton(sm, skel);
  } catch (const std::exception& e) {
    return {{"ok", false}, {"error", e.what()}};
  }
  return {{"ok", true}, {"seconds", seconds_since(t0)}, {"skeleton_vertices", boost::num_vertices(skel)}};
}

int run_real(const std::filesystem::path& out_dir, const std::vector<std::string>& meshes,
             const rig::RigOptions& options) {
  std::filesystem::create_directories(out_dir);
  for (const std::string& path : meshes) {
    const std::string stem = std::filesystem::path(path).stem().string();
    nlohmann::json rec{{"bench", "rig_real"}, {"mesh", stem}};
    try {
      io::ImportOptions import;
      import.keep_skin = false;
      Scene scene = io::load_scene(path, import);
      const Mesh mesh = join_parts(scene);
      rec["faces"] = mesh.triangles.size();
      const rig::RigResult r = rig::rig_mesh(mesh, options);
      rec["seconds"] = r.timings.total_s;
      rec["seconds_voxelize"] = r.timings.voxelize_s;
      rec["seconds_skeleton"] = r.timings.skeleton_s;
      rec["seconds_skinning"] = r.timings.skinning_s;
      rec["joints"] = r.skeleton.joints.size();
      rec["rig_type"] = rig::rig_type_name(r.type);
      rec["symmetry"] = r.symmetry.found;
      rec["symmetry_score"] = r.symmetry.score;
      Scene rigged;
      rigged.parts.push_back({stem, mesh, ""});
      rigged.parts[0].mesh.skin = r.skin;
      rigged.skeleton = r.skeleton;
      io::save_scene(rigged, out_dir / (stem + ".glb"));
      io::save_scene(rigged, out_dir / (stem + ".fbx"));
      // Posed preview: rest | posed, from the front three-quarter view.
      const auto rot = demo_pose(r.skeleton);
      const auto m = pose_transforms(r.skeleton, rot);
      PoseStats st;
      const Mesh posed = skin_mesh(mesh, r.skin, m, &st);
      std::vector<Vec3> posed_joints;
      std::vector<int> parents;
      for (std::size_t j = 0; j < r.skeleton.joints.size(); ++j) {
        posed_joints.push_back((m[j] * r.joint_positions[j].homogeneous()).head<3>());
        parents.push_back(r.skeleton.joints[j].parent);
      }
      Aabb box = bounding_box(mesh);
      for (const Vec3& p : posed.positions) box.expand(p);
      const auto cams = render::orbit_cameras(box, 2, 400, 15.0f, 30.0f);
      Mesh rest = mesh;
      compute_vertex_normals(rest);
      const render::Image img = side_by_side({preview(rest, r.joint_positions, parents, cams[0]),
                                             preview(posed, posed_joints, parents, cams[0]),
                                             preview(rest, r.joint_positions, parents, cams[1])});
      std::ofstream(out_dir / (stem + "_posed.png"), std::ios::binary) << render::encode_png(img);
      rec["max_beyond_reach"] = st.max_beyond_reach;
      rec["max_edge_stretch"] = st.max_edge_stretch;
      rec["p99_edge_stretch"] = st.p99_edge_stretch;
      rec["edges_over_2x"] = st.edges_over_2x;
      rec["edges"] = st.edges;
      rec["cgal_mcf"] = cgal_mcf(mesh);
      rec["ok"] = true;
    } catch (const std::exception& e) {
      rec["ok"] = false;
      rec["error"] = e.what();
    }
    std::cout << rec.dump() << std::endl;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "synth") {
    std::uint64_t seed = 20250707;
    int per = 8;
    rig::RigOptions o;  // defaults unless overridden (parameter studies)
    for (std::size_t i = 1; i + 1 < args.size(); i += 2) {
      const std::string& k = args[i];
      const float v = k == "--previews" ? 0.0f : std::stof(args[i + 1]);
      if (k == "--seed") seed = std::stoull(args[i + 1]);
      else if (k == "--per-category") per = std::stoi(args[i + 1]);
      else if (k == "--resolution") o.resolution = static_cast<int>(v);
      else if (k == "--max-bone") o.bones.max_bone_length = v;
      else if (k == "--tolerance") o.bones.simplify_tolerance = v;
      else if (k == "--prune") o.bones.prune_length = v;
      else if (k == "--prune-radius") o.bones.prune_radius = v;
      else if (k == "--falloff") o.skinning.falloff = v;
      else if (k == "--medial") o.skeleton.medial_fraction = v;
      else if (k == "--bin") o.skeleton.bin_cells = v;
      else if (k == "--cut-loops") o.skeleton.cut_loops_at_contacts = v != 0.0f;
      else if (k == "--min-weight") o.skinning.min_weight = v;
      else if (k == "--smooth") o.skinning.smoothing_iterations = static_cast<int>(v);
      else if (k == "--joints") o.joints = static_cast<int>(v);
      else if (k == "--previews") g_preview_dir = args[i + 1];
    }
    return run_synth(seed, per, o);
  }
  if (args.size() >= 5 && args[0] == "real" && args[1] == "--resolution") {
    rig::RigOptions o;
    o.resolution = std::stoi(args[2]);
    return run_real(args[3], {args.begin() + 4, args.end()}, o);
  }
  if (args.size() >= 3 && args[0] == "real") return run_real(args[1], {args.begin() + 2, args.end()}, {});
  std::cerr << "usage: flexforge_bench_rig synth [--seed S] [--per-category K]\n"
               "       flexforge_bench_rig real [--resolution R] OUTDIR MESH...\n";
  return 2;
}
