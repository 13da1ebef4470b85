// learned_parts(): class probabilities per face -> parts (see learned_parts.h).
#include "flexforge/segment/learned_parts.h"

#include "flexforge/core/error.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace flexforge::segment {

namespace {

// Smoothing: a face's distribution becomes the area-weighted mean over itself and its edge
// neighbours, which removes single-face flips along part boundaries.
std::vector<float> smoothed(const WorkingMesh& w, const std::vector<float>& probabilities, std::size_t C,
                            int smoothing) {
  const std::size_t F = w.triangles.size();
  std::vector<float> q = probabilities, next(q.size());
  for (int it = 0; it < smoothing; ++it) {
    for (std::size_t f = 0; f < F; ++f) {
      float* dst = &next[f * C];
      double weight = w.face_area[f];
      for (std::size_t c = 0; c < C; ++c) dst[c] = static_cast<float>(w.face_area[f] * q[f * C + c]);
      for (std::uint32_t k = w.adj_offset[f]; k < w.adj_offset[f + 1]; ++k) {
        const std::uint32_t g = w.adj[k];
        weight += w.face_area[g];
        for (std::size_t c = 0; c < C; ++c) dst[c] += static_cast<float>(w.face_area[g] * q[g * C + c]);
      }
      if (weight > 0) {
        for (std::size_t c = 0; c < C; ++c) dst[c] = static_cast<float>(dst[c] / weight);
      }
    }
    q.swap(next);
  }
  return q;
}

// Connected components of same-label faces, merged into one another as fragments are absorbed.
struct Components {
  std::vector<int> comp;  // per face
  std::vector<int> label;
  std::vector<double> area;
  std::vector<std::vector<std::uint32_t>> faces;
  std::vector<int> alive;

  int size() const { return static_cast<int>(label.size()); }
  void absorb(int c, int into) {
    for (std::uint32_t f : faces[c]) comp[f] = into;
    faces[into].insert(faces[into].end(), faces[c].begin(), faces[c].end());
    faces[c].clear();
    area[into] += area[c];
    area[c] = 0.0;
    alive[c] = 0;
  }
};

// Components of same-label faces (and, for an instanced class, the same split region).
Components label_components(const WorkingMesh& w, const std::vector<int>& label, const std::vector<int>* split,
                            const std::vector<bool>* instanced) {
  const std::size_t F = w.triangles.size();
  const auto split_class = [&](int c) {
    return split && instanced && static_cast<std::size_t>(c) < instanced->size() && (*instanced)[c];
  };
  Components k;
  k.comp.assign(F, -1);
  std::vector<std::uint32_t> stack;
  for (std::size_t s = 0; s < F; ++s) {
    if (k.comp[s] >= 0) continue;
    const int id = static_cast<int>(k.label.size());
    k.label.push_back(label[s]);
    k.area.push_back(0.0);
    k.comp[s] = id;
    stack.assign(1, static_cast<std::uint32_t>(s));
    while (!stack.empty()) {
      const std::uint32_t f = stack.back();
      stack.pop_back();
      k.area[id] += w.face_area[f];
      for (std::uint32_t e = w.adj_offset[f]; e < w.adj_offset[f + 1]; ++e) {
        const std::uint32_t g = w.adj[e];
        if (k.comp[g] < 0 && label[g] == label[s] &&
            (!split_class(label[s]) || (*split)[g] == (*split)[s])) {
          k.comp[g] = id;
          stack.push_back(g);
        }
      }
    }
  }
  k.faces.resize(k.size());
  for (std::size_t f = 0; f < F; ++f) k.faces[k.comp[f]].push_back(static_cast<std::uint32_t>(f));
  k.alive.assign(k.size(), 1);
  return k;
}

// Ambiguous fragments, smallest first: a component whose faces give a neighbour's class at
// least `ambiguity` times the probability of their own class joins that neighbour (a chair leg
// whose lower end the head half-calls "foot" stays one leg).
void absorb_ambiguous(const WorkingMesh& w, const std::vector<float>& q, std::size_t C, double ambiguity,
                      const std::vector<int>& order, Components& k) {
  for (int c : order) {
    if (!k.alive[c]) continue;
    double own = 0.0;
    std::map<int, double> score;
    for (std::uint32_t f : k.faces[c]) {
      own += w.face_area[f] * q[f * C + static_cast<std::size_t>(k.label[c])];
      for (std::uint32_t e = w.adj_offset[f]; e < w.adj_offset[f + 1]; ++e) {
        const int d = k.comp[w.adj[e]];
        // Same-class neighbours were separated on purpose (instances); never undo that here.
        if (d != c && k.label[d] != k.label[c]) score.emplace(d, 0.0);
      }
    }
    if (score.empty()) continue;
    int best = -1;
    for (auto& [d, value] : score) {
      for (std::uint32_t f : k.faces[c]) value += w.face_area[f] * q[f * C + static_cast<std::size_t>(k.label[d])];
      if (best < 0 || value > score[best]) best = d;
    }
    if (score[best] >= ambiguity * own) k.absorb(c, best);
  }
}

// The component whose face centroids come nearest to the centre of c's faces; -1 when none.
int nearest_other(const WorkingMesh& w, const Components& k, int c) {
  const std::size_t F = w.triangles.size();
  const auto face_centroid = [&](std::uint32_t f) {
    const auto& t = w.triangles[f];
    return ((w.positions[t[0]] + w.positions[t[1]] + w.positions[t[2]]) / 3.0f).eval();
  };
  Vec3 centre = Vec3::Zero();
  for (std::uint32_t f : k.faces[c]) centre += face_centroid(f);
  centre /= static_cast<float>(k.faces[c].size());
  int best = -1;
  float best_distance = 0.0f;
  for (std::size_t f = 0; f < F; ++f) {
    const int d = k.comp[f];
    if (d == c) continue;
    const float distance = (face_centroid(static_cast<std::uint32_t>(f)) - centre).squaredNorm();
    if (best < 0 || distance < best_distance) best = d, best_distance = distance;
  }
  return best;
}

// Small components, smallest first, join the neighbour with the longest shared boundary (and
// take its class). A component with no neighbour (a separate piece of the mesh: debris, a
// button, a leaf) joins the part nearest to it, so that no part below the threshold survives.
void absorb_small(const WorkingMesh& w, double threshold, const std::vector<int>& order, Components& k) {
  for (int c : order) {
    if (!k.alive[c]) continue;
    if (k.area[c] >= threshold) break;
    std::map<int, double> boundary;
    for (std::uint32_t f : k.faces[c]) {
      for (std::uint32_t e = w.adj_offset[f]; e < w.adj_offset[f + 1]; ++e) {
        const int d = k.comp[w.adj[e]];
        if (d == c) continue;
        const auto& edge = w.adj_edge[e];
        boundary[d] += (w.positions[edge[0]] - w.positions[edge[1]]).norm();
      }
    }
    if (boundary.empty()) {
      const int nearest = nearest_other(w, k, c);
      if (nearest >= 0) k.absorb(c, nearest);
      continue;
    }
    int best = boundary.begin()->first;
    for (const auto& [d, length] : boundary) {
      if (length > boundary[best]) best = d;
    }
    k.absorb(c, best);
  }
}

}  // namespace

LearnedParts learned_parts(const WorkingMesh& w, const std::vector<float>& probabilities,
                           const std::vector<std::string>& classes, double min_part_area,
                           int smoothing, double ambiguity, const std::vector<int>* split,
                           const std::vector<bool>* instanced) {
  const std::size_t F = w.triangles.size();
  const std::size_t C = classes.size();
  if (C == 0 || probabilities.size() != F * C) {
    throw Error(ExitCode::StageFailed, "segment: part head output does not match the mesh");
  }
  LearnedParts out;
  double total_area = 0.0, confident = 0.0;
  for (std::size_t f = 0; f < F; ++f) {
    const float* p = &probabilities[f * C];
    total_area += w.face_area[f];
    confident += w.face_area[f] * *std::max_element(p, p + C);
  }
  out.confidence = total_area > 0 ? confident / total_area : 0.0;

  const std::vector<float> q = smoothed(w, probabilities, C, smoothing);
  std::vector<int> label(F);
  for (std::size_t f = 0; f < F; ++f) {
    const float* p = &q[f * C];
    label[f] = static_cast<int>(std::max_element(p, p + C) - p);
  }

  if (split && split->size() != F) throw Error(ExitCode::StageFailed, "segment: split does not match the mesh");
  Components k = label_components(w, label, split, instanced);
  const int K = k.size();
  std::vector<int> order(K);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return k.area[a] < k.area[b]; });
  if (ambiguity > 0) absorb_ambiguous(w, q, C, ambiguity, order, k);
  absorb_small(w, min_part_area * total_area, order, k);

  // Surviving components become parts, by decreasing area (ties by first face).
  std::vector<int> kept;
  for (int c = 0; c < K; ++c) {
    if (k.alive[c]) kept.push_back(c);
  }
  std::stable_sort(kept.begin(), kept.end(), [&](int a, int b) { return k.area[a] > k.area[b]; });
  std::vector<int> id_of(K, -1);
  for (std::size_t i = 0; i < kept.size(); ++i) {
    id_of[kept[i]] = static_cast<int>(i);
    out.semantic.push_back(classes[static_cast<std::size_t>(k.label[kept[i]])]);
  }
  out.part_count = static_cast<int>(kept.size());
  out.face_part.resize(F);
  for (std::size_t f = 0; f < F; ++f) out.face_part[f] = id_of[k.comp[f]];
  return out;
}

}  // namespace flexforge::segment
