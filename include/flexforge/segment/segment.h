// Part segmentation (`flexforge segment`, docs/segment.md): every face of any triangle mesh gets
// a part id; a Scene-level helper splits the mesh into one named Part per id.
//
// Pipeline (each step in its own file under src/segment/):
//   1. working_mesh.cpp   weld (so STL soups and split seams connect), drop collapsed faces,
//                         orient faces consistently per component; map back to input faces.
//   2. concavity.cpp      multiscale geodesic concavity per vertex (how far the surface around a
//                         point rises above its tangent plane, relative to the geodesic radius).
//   3. region_merge.cpp   watershed of the concavity field from its convex cores, then greedy
//                         merging of the regions whose shared boundary is least concave.
//   3b. limb_split.cpp    appendage parts cut where their axis turns sharply (elbow, knee, ankle).
//   4. segment.cpp        orchestration, small-part clean-up, ids ordered by area, naming.
//
// Or, with SegmentMethod::Learned / Auto, a learned per-face classifier passed in through the
// options (PartClassifier below; the model layer's part head, flexforge/model/part_head.h):
// a class per face from a sparse-conv net trained on the procedural dataset's part labels, turned
// into parts by learned_parts.cpp (components of same-class faces), each named by its class.
// Auto uses it only when the head is confident about the mesh as a whole (in-domain shapes) and
// otherwise runs the geometric pipeline above.
//
// Works on non-manifold meshes, several components (each component is at least one part),
// open meshes with holes and unwelded soups. Deterministic: the result depends only on the mesh
// and the options, never on the thread count.
#pragma once

#include "flexforge/core/error.h"
#include "flexforge/core/mesh.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/scene.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace flexforge::segment {

enum class SegmentMethod {
  Auto,       // the learned head when the model has one and it is confident, else geometric
  Learned,    // the learned head; Error(Model) when the model has none or it cannot be loaded
  Geometric,  // concavity watershed + merging (steps 1-4 above); names nothing
};

// "auto" | "learned" | "geometric"; Error(Usage) otherwise.
SegmentMethod parse_segment_method(const std::string& name);
const char* segment_method_name(SegmentMethod method);

// A per-face part classifier for the learned method. Segmentation never loads one itself: the
// model layer implements it (model::PartHead) and the pipeline or the CLI loads it and passes it
// in (model::attach_part_head), so this stage stays below the model layer.
class PartClassifier {
 public:
  virtual ~PartClassifier() = default;
  virtual const std::vector<std::string>& classes() const = 0;
  // Per class: whether it comes in several instances per shape (legs, tentacles, petals).
  virtual const std::vector<bool>& instanced() const = 0;
  // Class probabilities per face, row-major [faces * classes()]. Any scale and position.
  virtual std::vector<float> predict_faces(const std::vector<Vec3>& positions,
                                           const std::vector<Triangle>& triangles) const = 0;
};

struct SegmentOptions {
  // Geometric by default in the library (no model directory needed); the CLI and the pipeline
  // stage default to Auto.
  SegmentMethod method = SegmentMethod::Geometric;
  // The classifier for Auto / Learned. Without one Auto runs the geometric method (warning once
  // with classifier_error) and Learned fails with classifier_error and its code.
  std::shared_ptr<const PartClassifier> classifier;
  std::string classifier_error = "no part classifier was given";
  ExitCode classifier_error_code = ExitCode::Model;
  // Auto keeps the learned result when the head's area-weighted mean top-class probability is at
  // least this. Chosen on synth seed 2 (114 assets: 0.940..0.998) against 19 libcgal-demo meshes
  // (0.73..0.946, the highest a real cactus whose second arm the head splits in four): 0.95 sends
  // every real mesh to the geometric path and keeps the learned result on 109 of 114
  // (docs/segment.md).
  double confidence_threshold = 0.95;
  // Learned path: smoothing iterations of the per-face probabilities over the face graph.
  int learned_smoothing = 2;
  // Learned path: a same-class component joins a neighbour when its faces give the neighbour's
  // class at least this fraction of their own class's probability (0 = off).
  double learned_ambiguity = 0.5;
  // Learned path: split the regions of classes that come in several instances per shape (legs,
  // tentacles) along the geometric parts, so instances that touch become separate parts.
  bool learned_instance_split = true;
  // 0 = choose the number of parts automatically (merge while the boundary between two regions
  // is weakly concave); N > 0 = merge down to exactly N parts when the over-segmentation has at
  // least N regions (never fewer parts than connected components... unless N asks for it, in
  // which case the nearest components are joined).
  int parts = 0;
  // Parts whose area is below this fraction of the total surface area are merged into the
  // neighbour they share the longest boundary with (or the nearest part, for a separate small
  // component). 0 keeps every region. 0.5% by default: smaller parts (a 4-face "armrest", debris
  // of a generated surface, 229 leaves of a real potted plant) are noise to every later stage.
  double min_part_area = 0.005;
  // Geodesic radii, as fractions of the bounding-box diagonal, at which concavity is measured.
  // Chosen on the synth tuning seeds (1 and 2, 3 assets per category): {0.015, 0.03} beat
  // {0.02, 0.04} (the earlier default, chosen on seed 1), {0.01, 0.02, 0.04} and {0.03, 0.06,
  // 0.12} (coarser scales blur neighbouring creases into one band).
  std::vector<double> scales{0.015, 0.03};
  // Faces with concavity below this are "convex core" (watershed markers). 0.08 beat 0.10,
  // 0.12 and 0.15 on the tuning seeds (a lower threshold keeps shallow joints as boundaries).
  double core_threshold = 0.08;
  // Auto mode merges two adjacent regions while the mean concavity along their shared boundary
  // is below this.
  double merge_threshold = 0.25;
  // Parts below min_part_area are kept when the mean concavity of their whole boundary is at
  // least keep_small_strength (0 = never) and their area at least keep_small_floor * min_part_area.
  // Only a region with a single neighbour qualifies (an appendage, not a tile of a mosaic).
  // Off by default, so that no part below min_part_area survives; 0.4 keeps appendages.
  double keep_small_strength = 0.0;
  double keep_small_floor = 0.25;
  // Experimental thickness cue (thickness.h), off by default: it lost on the synth tuning seeds
  // (tapering tubes split into bands; see docs/segment.md). Convex cores are split where the
  // quantised log thickness changes band (band width thickness_band, natural log units; 0
  // disables the cue), and a boundary costs thickness_weight * max(0, |log(T_a / T_b)| -
  // thickness_tolerance) more to merge.
  double thickness_band = 0.0;
  double thickness_weight = 0.0;
  double thickness_tolerance = 0.0;
  // Bent-limb split (limb_split.h), auto mode only: an appendage part is cut where its axis
  // turns by at least bend_degrees (0 = off) within a short stretch (bend_sharpness: see
  // LimbSplitOptions::sharpness). 30 beat 25 and 35 on the tuning seeds (synth mIoU 0.7339,
  // 0.7340; off: 0.7282).
  double bend_degrees = 30.0;
  double bend_sharpness = 1.5;
  // Vertices closer than this fraction of the diagonal are welded for the analysis.
  double weld_tolerance = 1e-6;
  unsigned threads = 0;  // 0 = worker_threads() (--threads)

  // Throws Error(Usage) naming the field when a value is out of range.
  void validate() const;
};

struct Segmentation {
  std::vector<std::int32_t> face_part;  // one entry per input face, each in [0, part_count)
  int part_count = 0;                   // ids are ordered by decreasing area
  std::vector<std::string> semantic;    // per part; empty string when not confident
  std::vector<double> part_area;        // per part, in squared mesh units
  int regions_before_merge = 0;         // watershed regions (diagnostics)
  std::string method = "geometric";     // what produced it: "learned" or "geometric"
  // The part head's confidence on this mesh (area-weighted mean top-class probability) when it
  // ran, else -1.
  double confidence = -1.0;
  std::string fallback_reason;          // Auto: why the geometric path ran instead (empty if not)
};

// Segments one mesh. Every input face gets a part, including degenerate faces and faces that
// collapse when welded (they take the part of a face sharing a vertex, else part 0).
// Throws Error(InvalidInput) for an invalid or empty mesh, Error(Usage) for bad options.
// Cost: O(F * B log B) for B vertices inside the largest geodesic ball, plus O(F log F).
Segmentation segment_mesh(const Mesh& mesh, const SegmentOptions& options = {});

// The name a part gets in files: its semantic label when known ("leg", then "leg_1", "leg_2"
// if it repeats), else "part_00", "part_01", ... by part id.
std::vector<std::string> part_names(const Segmentation& segmentation);

// Splits `mesh` into one Part per segment (vertices compacted, per-vertex attributes and
// skin kept; face_parts cleared). Parts come in part-id order; names from part_names().
std::vector<Part> split_parts(const Mesh& mesh, const Segmentation& segmentation);

// Scene-level: all parts of `scene` are joined into one mesh (in scene space), segmented, and
// split into named parts. The skeleton and metadata are kept; metadata gains
// "segmentation": {"parts": N, "regions": R, "method": M, "confidence": C}. `out` (optional) receives the segmentation of the
// joined mesh.
Scene segment_scene(const Scene& scene, const SegmentOptions& options = {},
                    Segmentation* out = nullptr);

// The part list for --json: [{"name", "semantic", "faces", "area", "bbox": {"min", "max"}}];
// with a segmentation, every entry also carries its "method" and "confidence".
nlohmann::json describe_parts(const Scene& scene, const Segmentation* segmentation = nullptr);

}  // namespace flexforge::segment
