// Internal: the geometric core of part completion, kept in the one translation unit that
// includes CGAL (close_surface.cpp) so the rest of src/complete/ compiles at plain C++ speed.
#pragma once
#include "flexforge/complete/complete.h"
#include "flexforge/core/error.h"

#include <spdlog/spdlog.h>

#include <Eigen/Core>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flexforge::complete::detail {

struct ClosedSurface {
  std::vector<Eigen::Vector3d> positions;
  std::vector<std::array<std::uint32_t, 3>> triangles;
  std::size_t holes = 0;           // boundary cycles of the repaired input
  std::size_t split_vertices = 0;  // vertices added by splitting non-manifold ones
  std::size_t input_self_intersections = 0;  // face pairs of the input crossing each other
  std::size_t trimmed_faces = 0;  // kept faces removed by the crossing repair (refilled)
  std::string closed_by;           // see PartReport::closed_by
  std::size_t simplified_from = 0;  // faces before the face-budget simplification (0 = none)
  bool coarsened = false;  // the wrap was redone at a larger alpha to fit the face budget
};

// Every CGAL call here has its preconditions checked first (CGAL's mesh-processing functions may
// crash rather than throw on input they do not expect: orient_to_bound_a_volume on a flat or
// zero-volume closed mesh, for one). Flat, single-sided and zero-volume input is closed as a thin
// shell (the surface solidified by kShellThickness: its two sides joined along the boundary).
//
// Closes a triangle soup (double positions, any topology) following CompleteOptions; see
// complete.h for the method order. The caller checks the visible deviation afterwards and
// may try again with another Attempt. Throws Error(StageFailed) when nothing gives a valid mesh.
struct Attempt {
  bool allow_trim = true;   // the crossing repair may replace kept faces at a patch rim
  bool wrap_only = false;   // skip hole filling, go straight to the alpha wrap
  bool thin_shell = false;  // skip filling and wrapping: solidify the surface (thin_shell below)
  std::size_t max_faces = 0;  // face budget of the result (0 = none); see CompleteOptions
  // No new wrap is started after this (CompleteOptions::time_limit_seconds from the part's start).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

// Thickness of a thin shell as a fraction of the part's bounding-box diagonal: each side moves by
// half of it, 0.1% of the diagonal, well inside the visible-surface tolerance (0.4%).
inline constexpr double kShellThickness = 0.002;

// Runs `close` (a callable returning a ClosedSurface). A StageFailed error, or any other exception
// (CGAL's own), is a reason to try the next way of closing: it lands in `failure`, is logged at
// debug level, and the result is empty. Other errors propagate.
template <class Close>
std::optional<ClosedSurface> try_closing(Close&& close, std::string& failure) {
  try {
    return close();
  } catch (const Error& e) {
    if (e.code() != ExitCode::StageFailed) throw;
    failure = e.what();
  } catch (const std::exception& e) {
    failure = std::string("CGAL: ") + e.what();
  }
  spdlog::debug("complete: {}", failure);
  return std::nullopt;
}

ClosedSurface close_surface(const std::vector<Eigen::Vector3d>& positions,
                            const std::vector<std::array<std::uint32_t, 3>>& triangles,
                            const CompleteOptions& options, const Attempt& attempt);

}  // namespace flexforge::complete::detail
