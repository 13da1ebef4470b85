// Joint-tree extraction from a curve skeleton: branch pruning by length relative to thickness
// (the usual medial-axis pruning criterion, e.g. Tagliasacchi et al., "Mean Curvature Skeletons",
// SGP 2012, section 5), Douglas-Peucker chain simplification (Douglas & Peucker 1973) with a
// maximum bone length so long limbs get intermediate joints, root at the main body's centre of
// mass (Baran & Popovic, "Automatic Rigging and Animation of 3D Characters", SIGGRAPH 2007, root
// their template at the hips; without a template the centre of mass is the neutral choice).
#include "flexforge/rig/bone_graph.h"

#include "flexforge/core/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <set>

namespace flexforge::rig {

namespace {

using Adjacency = std::vector<std::set<int>>;

Adjacency undirected(const CurveSkeleton& sk) {
  Adjacency adj(sk.position.size());
  for (std::size_t i = 0; i < sk.parent.size(); ++i) {
    const int p = sk.parent[i];
    if (p >= 0 && p != static_cast<int>(i)) {
      adj[i].insert(p);
      adj[p].insert(static_cast<int>(i));
    }
  }
  return adj;
}

// Removes, per pass and per junction, the shortest side branch below the length threshold, until
// nothing changes. A branch = path from a leaf to the first node of degree >= 3.
void prune(const CurveSkeleton& sk, Adjacency& adj, std::vector<char>& alive, float abs_len,
           float rel_radius) {
  for (int pass = 0; pass < 64; ++pass) {
    std::vector<std::pair<int, std::vector<int>>> best(adj.size(), {-1, {}});
    std::vector<float> best_len(adj.size(), std::numeric_limits<float>::infinity());
    for (std::size_t leaf = 0; leaf < adj.size(); ++leaf) {
      if (!alive[leaf] || adj[leaf].size() != 1) continue;
      std::vector<int> path{static_cast<int>(leaf)};
      int prev = -1, cur = static_cast<int>(leaf);
      float len = 0.0f;
      while (true) {
        int next = -1;
        for (int n : adj[cur])
          if (n != prev) next = n;
        if (next < 0) break;
        len += (sk.position[next] - sk.position[cur]).norm();
        prev = cur;
        cur = next;
        if (adj[cur].size() >= 3) break;
        path.push_back(cur);
      }
      if (adj[cur].size() < 3) continue;  // a bare chain: nothing to prune
      if (len >= std::max(abs_len, rel_radius * sk.radius[cur])) continue;
      if (len < best_len[cur]) {
        best_len[cur] = len;
        best[cur] = {cur, path};
      }
    }
    bool changed = false;
    for (const auto& [junction, path] : best) {
      if (junction < 0 || adj[junction].size() < 3) continue;
      for (int v : path) {
        for (int n : adj[v]) adj[n].erase(v);
        adj[v].clear();
        alive[v] = 0;
      }
      changed = true;
    }
    if (!changed) break;
  }
}

float point_segment(const Vec3& p, const Vec3& a, const Vec3& b) {
  const Vec3 ab = b - a;
  const float t = ab.squaredNorm() > 0 ? std::clamp((p - a).dot(ab) / ab.squaredNorm(), 0.0f, 1.0f) : 0.0f;
  return (p - (a + t * ab)).norm();
}

void douglas_peucker(const std::vector<Vec3>& pts, int lo, int hi, float tol, std::vector<char>& keep) {
  if (hi - lo < 2) return;
  float worst = -1.0f;
  int at = -1;
  for (int i = lo + 1; i < hi; ++i) {
    const float d = point_segment(pts[i], pts[lo], pts[hi]);
    if (d > worst) worst = d, at = i;
  }
  if (worst > tol) {
    keep[at] = 1;
    douglas_peucker(pts, lo, at, tol, keep);
    douglas_peucker(pts, at, hi, tol, keep);
  }
}

struct Simplified {
  std::vector<int> node;                  // skeleton node of each joint
  std::vector<std::pair<int, int>> edges;  // joint index pairs
};

// Walks every chain between key nodes (degree != 2) and keeps DP vertices plus evenly spaced
// splits of long pieces.
Simplified simplify(const CurveSkeleton& sk, const Adjacency& adj, const std::vector<char>& alive,
                    float tol, float max_len) {
  Simplified out;
  std::vector<int> joint_of(adj.size(), -1);
  auto joint = [&](int n) {
    if (joint_of[n] < 0) {
      joint_of[n] = static_cast<int>(out.node.size());
      out.node.push_back(n);
    }
    return joint_of[n];
  };
  std::set<std::pair<int, int>> walked;  // directed first steps already traced
  for (std::size_t s = 0; s < adj.size(); ++s) {
    if (!alive[s]) continue;
    const bool key = adj[s].size() != 2;
    if (!key) continue;
    if (adj[s].empty()) {
      joint(static_cast<int>(s));
      continue;
    }
    for (int first : adj[s]) {
      if (walked.count({static_cast<int>(s), first})) continue;
      std::vector<int> chain{static_cast<int>(s)};
      int prev = static_cast<int>(s), cur = first;
      while (true) {
        chain.push_back(cur);
        if (adj[cur].size() != 2) break;
        int next = -1;
        for (int n : adj[cur])
          if (n != prev) next = n;
        prev = cur;
        cur = next;
      }
      walked.insert({chain.back(), chain[chain.size() - 2]});
      walked.insert({static_cast<int>(s), first});
      std::vector<Vec3> pts;
      for (int n : chain) pts.push_back(sk.position[n]);
      std::vector<char> keep(chain.size(), 0);
      keep.front() = keep.back() = 1;
      douglas_peucker(pts, 0, static_cast<int>(chain.size()) - 1, tol, keep);
      // Split pieces longer than max_len at evenly spaced arc lengths (nearest chain node).
      std::vector<int> kept;
      for (std::size_t i = 0; i < chain.size(); ++i)
        if (keep[i]) kept.push_back(static_cast<int>(i));
      std::vector<int> final_idx;
      for (std::size_t k = 0; k + 1 < kept.size(); ++k) {
        const int a = kept[k], b = kept[k + 1];
        std::vector<float> arc{0.0f};
        for (int i = a + 1; i <= b; ++i) arc.push_back(arc.back() + (pts[i] - pts[i - 1]).norm());
        final_idx.push_back(a);
        const int pieces = static_cast<int>(std::ceil(arc.back() / max_len - 1e-3f));
        for (int p = 1; p < pieces; ++p) {
          const float target = arc.back() * p / pieces;
          int bestI = a;
          float bestD = std::numeric_limits<float>::infinity();
          for (int i = a; i <= b; ++i)
            if (std::abs(arc[i - a] - target) < bestD) bestD = std::abs(arc[i - a] - target), bestI = i;
          if (bestI != final_idx.back() && bestI != b) final_idx.push_back(bestI);
        }
      }
      final_idx.push_back(kept.back());
      for (std::size_t k = 0; k + 1 < final_idx.size(); ++k)
        out.edges.push_back({joint(chain[final_idx[k]]), joint(chain[final_idx[k + 1]])});
    }
  }
  return out;
}

}  // namespace

JointTree build_joint_tree(const CurveSkeleton& sk, const Vec3& com, float diag,
                           const BoneGraphOptions& options) {
  if (sk.position.empty()) throw Error(ExitCode::StageFailed, "rig: no skeleton could be extracted");
  Adjacency adj = undirected(sk);
  std::vector<char> alive(adj.size(), 1);
  prune(sk, adj, alive, options.prune_length * diag, options.prune_radius);

  auto build = [&](float scale) {
    return simplify(sk, adj, alive, options.simplify_tolerance * diag * scale,
                    options.max_bone_length * diag * scale);
  };
  Simplified simp = build(1.0f);
  if (options.target_joints > 0) {
    // Joint count falls as the scale grows: bisect on log(scale).
    float lo = std::log(0.02f), hi = std::log(50.0f);
    Simplified best = simp;
    auto off = [&](const Simplified& s) { return std::abs(static_cast<int>(s.node.size()) - options.target_joints); };
    for (int it = 0; it < 24; ++it) {
      const float mid = 0.5f * (lo + hi);
      Simplified s = build(std::exp(mid));
      if (off(s) < off(best)) best = s;
      if (static_cast<int>(s.node.size()) > options.target_joints) lo = mid;
      else hi = mid;
    }
    simp = best;
  }

  const int n = static_cast<int>(simp.node.size());
  std::vector<Vec3> pos(n);
  std::vector<float> rad(n);
  std::vector<int> comp(n);
  for (int j = 0; j < n; ++j) {
    pos[j] = sk.position[simp.node[j]];
    rad[j] = sk.radius[simp.node[j]];
    comp[j] = sk.component[simp.node[j]];
  }
  std::vector<std::vector<int>> jadj(n);
  for (auto [a, b] : simp.edges) {
    jadj[a].push_back(b);
    jadj[b].push_back(a);
  }
  // Join the trees of secondary solid pieces to the main one: each piece's joint nearest the
  // main tree hangs from the nearest main joint (bones may cross empty space between pieces; the
  // skin never does, it is bound through the voxels of each piece).
  std::vector<int> tree_of(n, -1);
  int trees = 0;
  for (int s = 0; s < n; ++s) {
    if (tree_of[s] >= 0) continue;
    std::vector<int> stack{s};
    tree_of[s] = trees;
    while (!stack.empty()) {
      const int v = stack.back();
      stack.pop_back();
      for (int w : jadj[v])
        if (tree_of[w] < 0) tree_of[w] = trees, stack.push_back(w);
    }
    ++trees;
  }
  int main_tree = tree_of[0];
  for (int j = 0; j < n; ++j)
    if (comp[j] == 0) { main_tree = tree_of[j]; break; }
  std::vector<char> connected(trees, 0);
  connected[main_tree] = 1;
  for (int round = 1; round < trees; ++round) {
    float best = std::numeric_limits<float>::infinity();
    int ba = -1, bb = -1;
    for (int a = 0; a < n; ++a) {
      if (connected[tree_of[a]]) continue;
      for (int b = 0; b < n; ++b) {
        if (!connected[tree_of[b]]) continue;
        const float d = (pos[a] - pos[b]).norm();
        if (d < best) best = d, ba = a, bb = b;
      }
    }
    if (ba < 0) break;
    jadj[ba].push_back(bb);
    jadj[bb].push_back(ba);
    connected[tree_of[ba]] = 1;
  }

  // Root: the point of the main tree's bones nearest the centre of mass; an existing joint when
  // one is within a quarter of that bone's length, else a new joint splitting the bone.
  int root = -1;
  {
    float best = std::numeric_limits<float>::infinity();
    int ea = -1, eb = -1;
    float et = 0.0f;
    for (int a = 0; a < n; ++a) {
      if (tree_of[a] != main_tree) continue;
      if (jadj[a].empty() && (pos[a] - com).norm() < best) best = (pos[a] - com).norm(), ea = a, eb = -1;
      for (int b : jadj[a]) {
        if (b < a || tree_of[b] != main_tree) continue;
        const Vec3 ab = pos[b] - pos[a];
        const float t = ab.squaredNorm() > 0 ? std::clamp((com - pos[a]).dot(ab) / ab.squaredNorm(), 0.0f, 1.0f) : 0.0f;
        const float d = (pos[a] + t * ab - com).norm();
        if (d < best) best = d, ea = a, eb = b, et = t;
      }
    }
    if (eb < 0) {
      root = ea;
    } else if (et < 0.25f) {
      root = ea;
    } else if (et > 0.75f) {
      root = eb;
    } else {
      root = n;
      pos.push_back(pos[ea] + et * (pos[eb] - pos[ea]));
      rad.push_back((1 - et) * rad[ea] + et * rad[eb]);
      comp.push_back(comp[ea]);
      jadj.push_back({ea, eb});
      std::replace(jadj[ea].begin(), jadj[ea].end(), eb, root);
      std::replace(jadj[eb].begin(), jadj[eb].end(), ea, root);
    }
  }
  // Breadth-first order from the root: parents precede children.
  JointTree tree;
  std::vector<int> new_index(pos.size(), -1);
  std::queue<int> q;
  q.push(root);
  new_index[root] = 0;
  std::vector<int> order{root};
  std::vector<int> parent_old{-1};
  while (!q.empty()) {
    const int v = q.front();
    q.pop();
    for (int w : jadj[v]) {
      if (new_index[w] >= 0) continue;
      new_index[w] = static_cast<int>(order.size());
      order.push_back(w);
      parent_old.push_back(v);
      q.push(w);
    }
  }
  for (std::size_t k = 0; k < order.size(); ++k) {
    tree.position.push_back(pos[order[k]]);
    tree.radius.push_back(rad[order[k]]);
    tree.component.push_back(comp[order[k]]);
    tree.parent.push_back(parent_old[k] < 0 ? -1 : new_index[parent_old[k]]);
  }
  return tree;
}

}  // namespace flexforge::rig
