// segment_mesh(): the segmentation pipeline (see segment.h for the steps and the contract), the
// split into named parts and the --json part list.
#include "flexforge/segment/segment.h"

#include "flexforge/core/crash_guard.h"
#include "flexforge/core/scene_ops.h"

#include "flexforge/core/error.h"
#include "flexforge/core/parallel.h"
#include "flexforge/segment/concavity.h"
#include "flexforge/segment/learned_parts.h"
#include "flexforge/segment/limb_split.h"
#include "flexforge/segment/region_merge.h"
#include "flexforge/segment/thickness.h"
#include "flexforge/segment/working_mesh.h"

#include <Eigen/Geometry>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <mutex>

#include <spdlog/spdlog.h>

namespace flexforge::segment {

SegmentMethod parse_segment_method(const std::string& name) {
  if (name == "auto") return SegmentMethod::Auto;
  if (name == "learned") return SegmentMethod::Learned;
  if (name == "geometric") return SegmentMethod::Geometric;
  throw Error(ExitCode::Usage, "method: expected auto, learned or geometric, got '" + name + "'");
}

const char* segment_method_name(SegmentMethod method) {
  switch (method) {
    case SegmentMethod::Auto: return "auto";
    case SegmentMethod::Learned: return "learned";
    case SegmentMethod::Geometric: return "geometric";
  }
  return "?";
}

void SegmentOptions::validate() const {
  if (method == SegmentMethod::Learned && parts > 0) {
    throw Error(ExitCode::Usage, "parts N runs the geometric method; use method auto or geometric with it");
  }
  if (!std::isfinite(confidence_threshold) || confidence_threshold < 0 || confidence_threshold > 1) {
    throw Error(ExitCode::Usage, "segment: confidence threshold must be in [0, 1]");
  }
  if (!std::isfinite(learned_ambiguity) || learned_ambiguity < 0 || learned_ambiguity > 1) {
    throw Error(ExitCode::Usage, "segment: learned ambiguity must be in [0, 1]");
  }
  if (learned_smoothing < 0 || learned_smoothing > 100) {
    throw Error(ExitCode::Usage, "segment: learned smoothing must be 0..100 iterations");
  }
  if (parts < 0 || parts > 100000) throw Error(ExitCode::Usage, "parts must be 'auto' or 1..100000");
  if (!std::isfinite(min_part_area) || min_part_area < 0 || min_part_area >= 1) {
    throw Error(ExitCode::Usage, "min_part_area must be a fraction of the surface area in [0, 1)");
  }
  if (scales.empty() || scales.size() > 8) throw Error(ExitCode::Usage, "segment: 1..8 concavity scales");
  for (double s : scales) {
    if (!std::isfinite(s) || s <= 0 || s > 1) throw Error(ExitCode::Usage, "segment: scales must be in (0, 1]");
  }
  if (!std::isfinite(core_threshold) || core_threshold <= 0 || core_threshold > 1) {
    throw Error(ExitCode::Usage, "segment: core threshold must be in (0, 1]");
  }
  if (!std::isfinite(merge_threshold) || merge_threshold < 0 || merge_threshold > 1) {
    throw Error(ExitCode::Usage, "segment: merge threshold must be in [0, 1]");
  }
  if (!std::isfinite(thickness_band) || thickness_band < 0 || thickness_band > 10 ||
      !std::isfinite(thickness_weight) || thickness_weight < 0 || thickness_weight > 100 ||
      !std::isfinite(thickness_tolerance) || thickness_tolerance < 0 || thickness_tolerance > 10) {
    throw Error(ExitCode::Usage, "segment: thickness band/weight/tolerance out of range");
  }
  if (!std::isfinite(keep_small_strength) || keep_small_strength < 0 || keep_small_strength > 1 ||
      !std::isfinite(keep_small_floor) || keep_small_floor < 0 || keep_small_floor > 1) {
    throw Error(ExitCode::Usage, "segment: keep-small strength/floor must be in [0, 1]");
  }
  if (!std::isfinite(bend_degrees) || bend_degrees < 0 || bend_degrees > 180 ||
      !std::isfinite(bend_sharpness) || bend_sharpness < 1 || bend_sharpness > 10) {
    throw Error(ExitCode::Usage, "segment: bend angle must be in [0, 180], bend sharpness in [1, 10]");
  }
  if (!std::isfinite(weld_tolerance) || weld_tolerance < 0 || weld_tolerance > 0.01) {
    throw Error(ExitCode::Usage, "segment: weld tolerance must be in [0, 0.01]");
  }
}

// The geometric pipeline on the working mesh: a part id per working face (steps 2-3b).
static std::vector<int> geometric_parts(const WorkingMesh& w, const SegmentOptions& options, int* regions_out) {
  const std::vector<float> vc = vertex_concavity(w, options.scales, options.threads);
  std::vector<int> band;
  std::vector<float> flt;
  if (options.thickness_band > 0) {
    const std::vector<float> vt = vertex_thickness(w, 0.01f, options.threads);
    const std::size_t WF = w.triangles.size();
    flt.assign(WF, std::numeric_limits<float>::quiet_NaN());
    band.assign(WF, std::numeric_limits<int>::min());
    for (std::size_t f = 0; f < WF; ++f) {
      float sum = 0;
      int n = 0;
      for (std::uint32_t v : w.triangles[f]) {
        if (vt[v] > 0) sum += std::log(vt[v]), ++n;
      }
      if (n == 0) continue;
      flt[f] = sum / n;
      band[f] = static_cast<int>(std::floor(flt[f] / options.thickness_band));
    }
  }
  int count = 0;
  const std::vector<int> regions = watershed_regions(w, vc, options.core_threshold, &count, band);
  *regions_out = count;
  MergeOptions merge;
  merge.target_parts = options.parts;
  merge.merge_threshold = options.merge_threshold;
  merge.min_area_fraction = options.min_part_area;
  merge.thickness_weight = options.thickness_band > 0 ? options.thickness_weight : 0.0;
  merge.thickness_tolerance = options.thickness_tolerance;
  merge.keep_small_strength = options.keep_small_strength;
  merge.keep_small_floor = options.keep_small_floor;
  std::vector<int> parts = merge_regions(w, vc, regions, count, merge, flt);
  if (options.parts <= 0 && options.bend_degrees > 0) {
    LimbSplitOptions limb;
    limb.bend_degrees = options.bend_degrees;
    limb.sharpness = options.bend_sharpness;
    limb.min_area_fraction = options.min_part_area;
    split_bent_limbs(w, parts, limb);
  }
  return parts;
}

Segmentation segment_mesh(const Mesh& mesh, const SegmentOptions& options) {
  options.validate();
  mesh.validate("segment input");
  if (mesh.triangles.empty()) throw Error(ExitCode::InvalidInput, "segment: the mesh has no faces");
  if (!(bounding_box(mesh).diagonal() > 0)) {
    throw Error(ExitCode::InvalidInput, "segment: the mesh has zero size");
  }
  const std::size_t F = mesh.triangles.size();
  Segmentation seg;
  seg.face_part.assign(F, -1);

  const WorkingMesh w = build_working_mesh(mesh, options.weld_tolerance);
  bool learned = false;
  std::vector<std::string> learned_semantic;
  std::vector<int> geometric;  // geometric parts per working face, when already computed
  int geometric_regions = 0;
  // --parts N asks for a part count, which only the geometric merging can honour.
  if (!w.triangles.empty() && options.method != SegmentMethod::Geometric && options.parts <= 0) {
    const PartClassifier* head = options.classifier.get();
    if (!head) {
      if (options.method == SegmentMethod::Learned) {
        throw Error(options.classifier_error_code, options.classifier_error);
      }
      static std::once_flag warned;
      std::call_once(warned, [&] {
        spdlog::warn("segment: {}; using the geometric method", options.classifier_error);
      });
      seg.fallback_reason = "no part head";
    } else {
      const std::vector<float> probs = head->predict_faces(w.positions, w.triangles);
      // Instances of a class that comes in several per shape (legs, tentacles, petals) can touch
      // each other where they join the rest (spider legs at the body, tentacles under the mantle):
      // the geometric parts, whose boundaries follow those creases, split them.
      const std::vector<bool>& instanced = head->instanced();
      if (options.learned_instance_split &&
          std::find(instanced.begin(), instanced.end(), true) != instanced.end()) {
        geometric = geometric_parts(w, options, &geometric_regions);
      }
      const LearnedParts lp = learned_parts(w, probs, head->classes(), options.min_part_area,
                                            options.learned_smoothing, options.learned_ambiguity,
                                            geometric.empty() ? nullptr : &geometric, &instanced);
      seg.confidence = lp.confidence;
      if (options.method == SegmentMethod::Learned || lp.confidence >= options.confidence_threshold) {
        learned = true;
        learned_semantic = lp.semantic;
        for (std::size_t k = 0; k < lp.face_part.size(); ++k) seg.face_part[w.input_face[k]] = lp.face_part[k];
      } else {
        char buf[96];
        std::snprintf(buf, sizeof(buf), "part head confidence %.3f below %.3f", lp.confidence,
                      options.confidence_threshold);
        seg.fallback_reason = buf;
      }
    }
  } else if (options.method != SegmentMethod::Geometric && options.parts > 0) {
    seg.fallback_reason = "--parts N";
  }
  if (!w.triangles.empty() && !learned) {
    // (Auto falling back after the instance split already has them: same options, parts = 0.)
    const std::vector<int> parts =
        geometric.empty() ? geometric_parts(w, options, &seg.regions_before_merge) : geometric;
    if (!geometric.empty()) seg.regions_before_merge = geometric_regions;
    for (std::size_t k = 0; k < parts.size(); ++k) seg.face_part[w.input_face[k]] = parts[k];
  }
  // Faces that collapsed when welded (or were degenerate): the part of a kept face on one of
  // their welded vertices, else part 0. Kept faces are visited in index order (deterministic).
  std::vector<std::int32_t> vertex_part(w.positions.size(), -1);
  for (std::size_t k = 0; k < w.triangles.size(); ++k) {
    for (std::uint32_t v : w.triangles[k]) {
      if (vertex_part[v] < 0) vertex_part[v] = seg.face_part[w.input_face[k]];
    }
  }
  for (std::size_t f = 0; f < F; ++f) {
    if (seg.face_part[f] >= 0) continue;
    std::int32_t p = 0;
    for (std::uint32_t v : mesh.triangles[f]) {
      const std::int32_t q = vertex_part[w.vertex_of_input[v]];
      if (q >= 0) {
        p = q;
        break;
      }
    }
    seg.face_part[f] = p;
  }
  for (std::int32_t p : seg.face_part) seg.part_count = std::max(seg.part_count, p + 1);
  seg.part_area.assign(seg.part_count, 0.0);
  for (std::size_t f = 0; f < F; ++f) {
    const Triangle& t = mesh.triangles[f];
    const Eigen::Vector3d a = mesh.positions[t[0]].cast<double>();
    seg.part_area[seg.face_part[f]] +=
        0.5 * (mesh.positions[t[1]].cast<double>() - a).cross(mesh.positions[t[2]].cast<double>() - a).norm();
  }
  seg.semantic.assign(seg.part_count, "");
  if (learned) {
    seg.method = "learned";
    for (int p = 0; p < seg.part_count && p < static_cast<int>(learned_semantic.size()); ++p) {
      seg.semantic[p] = learned_semantic[p];
    }
  }
  return seg;
}

std::vector<std::string> part_names(const Segmentation& seg) {
  std::map<std::string, int> total, used;
  for (const std::string& s : seg.semantic) {
    if (!s.empty()) ++total[s];
  }
  std::vector<std::string> names;
  for (int p = 0; p < seg.part_count; ++p) {
    const std::string s = p < static_cast<int>(seg.semantic.size()) ? seg.semantic[p] : "";
    if (s.empty()) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "part_%02d", p);
      names.push_back(buf);
    } else {
      names.push_back(total[s] > 1 ? s + "_" + std::to_string(++used[s]) : s);
    }
  }
  return names;
}

std::vector<Part> split_parts(const Mesh& mesh, const Segmentation& seg) {
  if (seg.face_part.size() != mesh.triangles.size()) {
    throw Error(ExitCode::StageFailed, "segment: segmentation does not match the mesh");
  }
  const std::vector<std::string> names = part_names(seg);
  std::vector<Part> parts(seg.part_count);
  std::vector<std::int64_t> remap(mesh.positions.size(), -1);
  std::vector<std::vector<std::uint32_t>> faces(seg.part_count);
  for (std::size_t f = 0; f < mesh.triangles.size(); ++f) faces[seg.face_part[f]].push_back(f);
  for (int p = 0; p < seg.part_count; ++p) {
    Part& part = parts[p];
    part.name = names[p];
    part.semantic = p < static_cast<int>(seg.semantic.size()) ? seg.semantic[p] : "";
    Mesh& m = part.mesh;
    std::vector<std::uint32_t> used;
    for (std::uint32_t f : faces[p]) {
      Triangle t;
      for (int k = 0; k < 3; ++k) {
        const std::uint32_t v = mesh.triangles[f][k];
        if (remap[v] < 0) {
          remap[v] = static_cast<std::int64_t>(m.positions.size());
          m.positions.push_back(mesh.positions[v]);
          if (mesh.has_normals()) m.normals.push_back(mesh.normals[v]);
          if (mesh.has_colors()) m.colors.push_back(mesh.colors[v]);
          if (mesh.has_skin()) m.skin.push_back(mesh.skin[v]);
          used.push_back(v);
        }
        t[k] = static_cast<std::uint32_t>(remap[v]);
      }
      m.triangles.push_back(t);
    }
    for (std::uint32_t v : used) remap[v] = -1;
  }
  return parts;
}

Scene segment_scene(const Scene& scene, const SegmentOptions& options, Segmentation* out) {
  const StageScope stage_scope("segment");  // names the stage in a crash report
  const Mesh joined = join_parts(scene);  // attributes survive only when every part has them
  Segmentation seg = segment_mesh(joined, options);
  Scene result;
  result.parts = split_parts(joined, seg);
  result.skeleton = scene.skeleton;
  result.animations = scene.animations;
  result.metadata = scene.metadata;
  result.metadata["segmentation"] = {{"parts", seg.part_count},
                                     {"regions", seg.regions_before_merge},
                                     {"method", seg.method},
                                     {"confidence", seg.confidence}};
  if (out) *out = std::move(seg);
  return result;
}

nlohmann::json describe_parts(const Scene& scene, const Segmentation* segmentation) {
  nlohmann::json list = nlohmann::json::array();
  for (const Part& p : scene.parts) {
    double area = 0.0;
    for (const Triangle& t : p.mesh.triangles) {
      const Eigen::Vector3d a = p.mesh.positions[t[0]].cast<double>();
      area += 0.5 * (p.mesh.positions[t[1]].cast<double>() - a)
                        .cross(p.mesh.positions[t[2]].cast<double>() - a)
                        .norm();
    }
    const Aabb box = bounding_box(p.mesh);
    list.push_back({{"name", p.name},
                    {"semantic", p.semantic},
                    {"faces", p.mesh.triangles.size()},
                    {"area", area},
                    {"bbox",
                     {{"min", {box.min.x(), box.min.y(), box.min.z()}},
                      {"max", {box.max.x(), box.max.y(), box.max.z()}}}}});
    if (segmentation) {
      list.back()["method"] = segmentation->method;
      list.back()["confidence"] = segmentation->confidence;
    }
  }
  return list;
}

}  // namespace flexforge::segment
