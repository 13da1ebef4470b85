// PartHead (flexforge/model/part_head.h): the plain-C++ face classifier over the torch network.
#include "flexforge/model/part_head.h"

#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/sampling.h"
#include "flexforge/model/part_head_net.h"
#include "flexforge/nn/weights.h"

#include <Eigen/Geometry>
#include <algorithm>
#include <torch/torch.h>

namespace flexforge::model {

namespace {

// Encoder samples per shape at inference: as in training (PartHeadTrainOptions::points).
constexpr std::size_t kInferenceSamples = 8192;

torch::Tensor to_tensor(const std::vector<Vec3>& v) {
  auto t = torch::empty({static_cast<int64_t>(v.size()), 3}, torch::kFloat);
  auto a = t.accessor<float, 2>();
  for (std::size_t i = 0; i < v.size(); ++i) {
    for (int k = 0; k < 3; ++k) a[static_cast<int64_t>(i)][k] = v[i][k];
  }
  return t;
}

}  // namespace

PartHeadShape sample_part_head_shape(const std::vector<Vec3>& positions,
                                     const std::vector<Triangle>& triangles, std::size_t count,
                                     std::uint64_t seed) {
  Mesh m;
  m.positions = positions;
  m.triangles = triangles;
  const Aabb box = bounding_box(m);
  const float diagonal = box.diagonal();
  if (!(diagonal > 0)) throw Error(ExitCode::InvalidInput, "part head: the mesh has zero size");
  const Vec3 centre = 0.5f * (box.min + box.max);
  for (Vec3& p : m.positions) p = (p - centre) / diagonal;
  SurfaceSamples s = sample_surface(m, count, seed);
  return {std::move(s.points), std::move(s.normals), std::move(s.faces)};
}

struct PartHead::Impl {
  PartHeadNet net{nullptr};
  std::vector<bool> instanced;
};

PartHead::PartHead(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PartHead::~PartHead() = default;

std::shared_ptr<const PartHead> PartHead::load(const ModelDirectory& dir) {
  const nn::ModelConfig config = dir.network(kPartHeadNetwork);
  const PartHeadOptions options = PartHeadOptions::from_config(config);
  if (options.classes.size() < 2) config.fail("a part head needs at least 2 classes");
  auto impl = std::make_unique<Impl>();
  impl->net = PartHeadNet(options);
  const auto instanced = config.get<std::vector<std::string>>("instanced", {});
  for (const std::string& name : options.classes) {
    impl->instanced.push_back(std::find(instanced.begin(), instanced.end(), name) != instanced.end());
  }
  nn::load_weights(*impl->net, dir.weights(kPartHeadNetwork));
  impl->net->eval();
  return std::shared_ptr<const PartHead>(new PartHead(std::move(impl)));
}

const std::vector<std::string>& PartHead::classes() const { return impl_->net->options.classes; }
const std::vector<bool>& PartHead::instanced() const { return impl_->instanced; }

std::vector<float> PartHead::predict_faces(const std::vector<Vec3>& positions,
                                           const std::vector<Triangle>& triangles) const {
  const PartHeadShape shape = sample_part_head_shape(positions, triangles, kInferenceSamples, 0);
  // Queries: every face's centroid and normal, normalised like the samples.
  Mesh m;
  m.positions = positions;
  m.triangles = triangles;
  const Aabb box = bounding_box(m);
  const Vec3 centre = 0.5f * (box.min + box.max);
  const float diagonal = box.diagonal();
  std::vector<Vec3> centroids(triangles.size()), normals(triangles.size());
  for (std::size_t f = 0; f < triangles.size(); ++f) {
    const Vec3& a = positions[triangles[f][0]];
    const Vec3& b = positions[triangles[f][1]];
    const Vec3& c = positions[triangles[f][2]];
    centroids[f] = ((a + b + c) / 3.0f - centre) / diagonal;
    const Vec3 n = (b - a).cross(c - a);
    normals[f] = n.norm() > 0 ? Vec3(n.normalized()) : Vec3::Zero();
  }
  torch::InferenceMode guard;
  PartHeadBatch query{to_tensor(centroids), to_tensor(normals),
                          torch::zeros({static_cast<int64_t>(triangles.size())}, torch::kLong), 1};
  // The centroids join the encoder input so that every query's voxel is active; the voxel
  // features are means, so the extra points do not change their scale.
  PartHeadBatch input{torch::cat({to_tensor(shape.points), query.points}),
                          torch::cat({to_tensor(shape.normals), query.normals}),
                          torch::zeros({static_cast<int64_t>(shape.points.size() + triangles.size())},
                                       torch::kLong),
                          1};
  const auto probs = torch::softmax(impl_->net->forward(input, query), 1).contiguous();
  return std::vector<float>(probs.data_ptr<float>(), probs.data_ptr<float>() + probs.numel());
}

}  // namespace flexforge::model
