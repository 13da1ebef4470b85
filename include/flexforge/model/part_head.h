// The learned part head as the rest of the program sees it (no torch): load the "part_head"
// network of a model directory and predict a part class per face of any triangle mesh. The
// segmentation (src/segment/learned_parts.cpp) turns these into parts; training lives in
// part_head_training.h. Implemented in src/model/ (part_head_net.cpp, part_head_predict.cpp,
// part_head_loader.cpp).
#pragma once

#include "flexforge/core/mesh.h"
#include "flexforge/model/model_files.h"
#include "flexforge/segment/segment.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace flexforge::model {

// Key of the network in a model directory's config.json.
inline constexpr const char* kPartHeadNetwork = "part_head";

// Encoder input for one shape: area-weighted surface samples, normalised the way the head was
// trained (bbox centre at the origin, bbox diagonal 1). Shared by training and inference.
struct PartHeadShape {
  std::vector<Vec3> points;            // normalised
  std::vector<Vec3> normals;           // unit geometric face normals
  std::vector<std::uint32_t> faces;    // face each sample lies on
};

// Samples `count` points (deterministic for a seed) of the mesh normalised by its bbox.
PartHeadShape sample_part_head_shape(const std::vector<Vec3>& positions,
                                     const std::vector<Triangle>& triangles, std::size_t count,
                                     std::uint64_t seed);

class PartHead final : public segment::PartClassifier {
 public:
  // Loads dir's part head. Error(Model) naming the file when the entry, its config or its
  // weights are missing, corrupt or do not match.
  static std::shared_ptr<const PartHead> load(const ModelDirectory& dir);
  ~PartHead() override;

  const std::vector<std::string>& classes() const override;
  // Per class: whether training shapes had several instances of it (legs, tentacles, petals);
  // from the config's "instanced" list (all false when absent).
  const std::vector<bool>& instanced() const override;
  // Class probabilities per face, row-major [faces * classes()], at each face's centroid with
  // its geometric normal. Any scale and position: the mesh is normalised first.
  std::vector<float> predict_faces(const std::vector<Vec3>& positions,
                                   const std::vector<Triangle>& triangles) const override;

  struct Impl;

 private:
  explicit PartHead(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The part head of a model spec (directory or installed model name) for segment_mesh/scene:
// sets options.classifier, or, when the model has none or it does not load, classifier_error
// and its code (Auto then falls back to the geometric method, Learned fails with it). Loaded
// once per process and spec (a benchmark or a batch segments many meshes; a failed load is
// remembered too, so Auto warns once). Callers skip it for the geometric method, which needs no
// model.
void attach_part_head(segment::SegmentOptions& options, const std::string& model_spec);

}  // namespace flexforge::model
