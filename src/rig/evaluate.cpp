// Rigging metrics as defined by RigNet (Xu et al., "RigNet: Neural Rigging for Articulated
// Characters", SIGGRAPH 2020, section 5) and reused by MagicArticulate (2025): Chamfer distances
// between joints, joints and bones, and densely sampled bones; skinning precision/recall/L1.
#include "flexforge/rig/evaluate.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace flexforge::rig {

SkeletonPoints skeleton_points(const Skeleton& skeleton) {
  SkeletonPoints p;
  for (const Joint& j : skeleton.joints) {
    p.joints.push_back(j.bind_world.block<3, 1>(0, 3));
    p.parent.push_back(j.parent);
  }
  return p;
}

namespace {

struct Segment {
  Vec3 a, b;
};

float point_segment(const Vec3& p, const Segment& s) {
  const Vec3 ab = s.b - s.a;
  const float t = ab.squaredNorm() > 0 ? std::clamp((p - s.a).dot(ab) / ab.squaredNorm(), 0.0f, 1.0f) : 0.0f;
  return (p - (s.a + t * ab)).norm();
}

std::vector<Segment> bones(const SkeletonPoints& s) {
  std::vector<Segment> out;
  for (std::size_t j = 0; j < s.joints.size(); ++j)
    if (s.parent[j] >= 0) out.push_back({s.joints[s.parent[j]], s.joints[j]});
  if (out.empty())
    for (const Vec3& p : s.joints) out.push_back({p, p});
  return out;
}

std::vector<Vec3> sample_bones(const std::vector<Segment>& segs, float step) {
  std::vector<Vec3> out;
  for (const Segment& s : segs) {
    const int n = std::max(1, static_cast<int>(std::ceil((s.b - s.a).norm() / step)));
    for (int i = 0; i <= n; ++i) out.push_back(s.a + (s.b - s.a) * (static_cast<float>(i) / n));
  }
  return out;
}

double mean_to_points(const std::vector<Vec3>& from, const std::vector<Vec3>& to) {
  double sum = 0;
  for (const Vec3& p : from) {
    float best = std::numeric_limits<float>::infinity();
    for (const Vec3& q : to) best = std::min(best, (p - q).squaredNorm());
    sum += std::sqrt(best);
  }
  return from.empty() ? 0.0 : sum / from.size();
}

double mean_to_segments(const std::vector<Vec3>& from, const std::vector<Segment>& to) {
  double sum = 0;
  for (const Vec3& p : from) {
    float best = std::numeric_limits<float>::infinity();
    for (const Segment& s : to) best = std::min(best, point_segment(p, s));
    sum += best;
  }
  return from.empty() ? 0.0 : sum / from.size();
}

// Bones a joint owns (to its children), or the degenerate bone at the joint for a leaf.
std::vector<std::vector<Segment>> owned(const SkeletonPoints& s) {
  std::vector<std::vector<Segment>> out(s.joints.size());
  for (std::size_t j = 0; j < s.joints.size(); ++j)
    if (s.parent[j] >= 0) out[s.parent[j]].push_back({s.joints[s.parent[j]], s.joints[j]});
  for (std::size_t j = 0; j < s.joints.size(); ++j)
    if (out[j].empty()) out[j].push_back({s.joints[j], s.joints[j]});
  return out;
}

}  // namespace

SkeletonMetrics skeleton_metrics(const SkeletonPoints& pred, const SkeletonPoints& truth, float scale,
                                 float step) {
  SkeletonMetrics m;
  const auto pb = bones(pred), tb = bones(truth);
  m.cd_j2j = 0.5 * (mean_to_points(pred.joints, truth.joints) + mean_to_points(truth.joints, pred.joints)) / scale;
  m.cd_j2b = 0.5 * (mean_to_segments(pred.joints, tb) + mean_to_segments(truth.joints, pb)) / scale;
  const auto ps = sample_bones(pb, step * scale), ts = sample_bones(tb, step * scale);
  m.cd_b2b = 0.5 * (mean_to_segments(ps, tb) + mean_to_segments(ts, pb)) / scale;
  return m;
}

SkinMetrics skin_metrics(const SkeletonPoints& pred, const std::vector<std::vector<SkinInfluence>>& pred_skin,
                         const SkeletonPoints& truth, const std::vector<std::vector<SkinInfluence>>& truth_skin) {
  SkinMetrics m;
  const auto po = owned(pred), to = owned(truth);
  m.joint_map.assign(pred.joints.size(), 0);
  for (std::size_t j = 0; j < pred.joints.size(); ++j) {
    std::vector<Vec3> samples;
    for (const Segment& s : po[j])
      for (int i = 0; i <= 8; ++i) samples.push_back(s.a + (s.b - s.a) * (i / 8.0f));
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < truth.joints.size(); ++k) {
      const double d = mean_to_segments(samples, to[k]);
      if (d < best) best = d, m.joint_map[j] = static_cast<int>(k);
    }
  }
  const std::size_t n = std::min(pred_skin.size(), truth_skin.size());
  constexpr float kInfluence = 1e-4f;
  double p_sum = 0, r_sum = 0, l1_sum = 0;
  for (std::size_t v = 0; v < n; ++v) {
    std::map<int, double> wp, wt;
    for (const auto& inf : pred_skin[v]) wp[m.joint_map[inf.joint]] += inf.weight;
    for (const auto& inf : truth_skin[v]) wt[static_cast<int>(inf.joint)] += inf.weight;
    int np = 0, nt = 0, both = 0;
    for (const auto& [k, w] : wp)
      if (w > kInfluence) {
        ++np;
        auto it = wt.find(k);
        if (it != wt.end() && it->second > kInfluence) ++both;
      }
    for (const auto& [k, w] : wt)
      if (w > kInfluence) ++nt;
    p_sum += np ? static_cast<double>(both) / np : 0.0;
    r_sum += nt ? static_cast<double>(both) / nt : 1.0;
    double l1 = 0;
    std::map<int, double> all = wp;
    for (const auto& [k, w] : wt) all[k] += 0;
    for (const auto& [k, w] : all) {
      const double a = wp.count(k) ? wp[k] : 0.0, b = wt.count(k) ? wt[k] : 0.0;
      l1 += std::abs(a - b);
    }
    l1_sum += l1;
  }
  if (n) m.precision = p_sum / n, m.recall = r_sum / n, m.l1 = l1_sum / n;
  return m;
}

}  // namespace flexforge::rig
