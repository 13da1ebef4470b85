// Area-weighted uniform sampling of points on a triangle mesh's surface.
#pragma once

#include "flexforge/core/mesh.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace flexforge {

struct SurfaceSamples {
  std::vector<Vec3> points;          // on the surface, mesh units
  std::vector<Vec3> normals;         // unit geometric normal of the face each point lies on
  std::vector<std::uint32_t> faces;  // index of that face
};

// Draws `count` points uniformly with respect to surface area: a face is picked with probability
// proportional to its area (cumulative areas + binary search), then a point uniformly inside it
// (barycentrics from the square-root mapping). Zero-area faces are never picked.
// Deterministic: the same mesh, count and seed give bit-identical output with any standard
// library (std::mt19937_64 is fully specified; the mapping to [0, 1) is our own 53-bit one, no
// std:: distributions), given IEEE double arithmetic without -ffast-math.
// count == 0 returns empty vectors. O(F + count log F).
// Throws Error(InvalidInput) if the mesh is invalid or its total area is zero (no faces).
SurfaceSamples sample_surface(const Mesh& mesh, std::size_t count, std::uint64_t seed);

// The [0, 1) mapping used above: the top 53 bits of one 64-bit draw, times 2^-53. Exposed so
// other deterministic samplers share it.
double unit_interval(std::uint64_t random_bits);

}  // namespace flexforge
