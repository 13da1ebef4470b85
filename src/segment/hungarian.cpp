// Optimal assignment (Hungarian / Kuhn-Munkres) with row and column potentials.
//
// Source: H. W. Kuhn, "The Hungarian method for the assignment problem", 1955; J. Munkres,
// "Algorithms for the assignment and transportation problems", 1957; this O(n^2 m) form with
// potentials and shortest augmenting paths is the one in Jonker & Volgenant (1987) and in the
// e-maxx notes. Maximisation is minimisation of the negated weights; the smaller side is put on
// the rows so every row can be assigned.
#include "flexforge/segment/evaluate.h"

#include <limits>

namespace flexforge::segment {

std::vector<int> max_weight_assignment(const std::vector<double>& weight, int rows, int cols) {
  std::vector<int> result(rows, -1);
  if (rows == 0 || cols == 0) return result;
  const bool transpose = rows > cols;
  const int n = transpose ? cols : rows, m = transpose ? rows : cols;
  auto cost = [&](int i, int j) {  // 1-based, i row of the n x m problem
    const int r = transpose ? j - 1 : i - 1, c = transpose ? i - 1 : j - 1;
    return -weight[static_cast<std::size_t>(r) * cols + c];
  };
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(n + 1, 0), v(m + 1, 0);
  std::vector<int> p(m + 1, 0), way(m + 1, 0);
  for (int i = 1; i <= n; ++i) {
    p[0] = i;
    int j0 = 0;
    std::vector<double> minv(m + 1, inf);
    std::vector<char> used(m + 1, 0);
    do {
      used[j0] = 1;
      const int i0 = p[j0];
      double delta = inf;
      int j1 = 0;
      for (int j = 1; j <= m; ++j) {
        if (used[j]) continue;
        const double cur = cost(i0, j) - u[i0] - v[j];
        if (cur < minv[j]) minv[j] = cur, way[j] = j0;
        if (minv[j] < delta) delta = minv[j], j1 = j;
      }
      for (int j = 0; j <= m; ++j) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      const int j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  for (int j = 1; j <= m; ++j) {
    if (p[j] == 0) continue;
    if (transpose) {
      result[j - 1] = p[j] - 1;
    } else {
      result[p[j] - 1] = j - 1;
    }
  }
  return result;
}

}  // namespace flexforge::segment
