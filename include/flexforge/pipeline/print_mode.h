// Print mode (`--print`): one closed, consistently oriented, self-intersection-free shell in
// millimetres, Z up, standing on the build plate, for 3MF (unit millimeter) and binary STL; and
// the print-readiness checks `flexforge inspect --print` reports.
//
// Method: every part that is not a closed surface is closed first (the complete stage); the
// parts are then united as one signed-distance field, the smallest signed distance over the parts
// at each grid point (extract::union_field), and extracted closed by sparse FlexiCubes. Unlike
// mesh booleans this cannot fail on touching, coplanar or self-intersecting parts; the price is
// detail finer than one cell (the longest side / --print-resolution). The union is grown by half
// the minimum wall (--min-wall-mm) before extraction, so that every wall, including the paper-thin
// shells of single-sided parts, comes out at least that thick; the grown size is scaled back to
// --size-mm. Gaps narrower than the minimum wall close, as a printer would fuse them anyway.
// Pieces that do not touch
// the main body are dropped (reported). The shell is checked with CGAL's exact self-intersection
// test; should it intersect itself, it is extracted again at 3/4 and 9/16 of the resolution, and
// the command fails (exit 6) when none is clean.
#pragma once

#include "flexforge/core/scene.h"

#include <nlohmann/json.hpp>

#include <string>

namespace flexforge::pipeline {

struct PrintOptions {
  double size_mm = 100.0;  // largest dimension of the print (0.1 .. 10000)
  int resolution = 256;    // field cells along the longest side (32 .. 1024)
  double min_wall_mm = 0.8;  // every wall thickened to at least this (0 = as modelled; <= size_mm / 10)

  // Throws Error(Usage) naming the option.
  void validate() const;
};

struct PrintCheck {
  bool closed = false;          // watertight and consistently oriented
  std::size_t components = 0;
  std::size_t self_intersections = 0;  // intersecting face pairs (CGAL), counted up to 10^6
  double size_mm[3] = {0, 0, 0};       // bounding box
  double volume_mm3 = 0;
  double min_wall_mm = 0;   // thinnest wall at the surface samples (median chord of a cone of inward rays)
  double thin_share = 0;    // share of surface samples thinner than the threshold
  double min_wall_threshold_mm = 0;
  double overhang_share = 0;  // area share facing down more steeply than 45 degrees, off the plate
  bool passed() const {
    return closed && components == 1 && self_intersections == 0 && thin_share <= 0.01;
  }
  nlohmann::json to_json() const;
};

// The print checks of a mesh whose coordinates are millimetres with Z up.
PrintCheck check_print(const Mesh& mesh_mm, double min_wall_mm = 0.8);

struct PrintResult {
  Mesh shell;                        // millimetres, Z up, min z = 0, centred on x and y
  std::size_t parts = 0;             // parts of the input
  std::size_t parts_closed_first = 0;  // parts that were open and went through complete first
  std::size_t dropped_pieces = 0;    // separate pieces removed (not touching the main body)
  double dropped_area_share = 0;     // their share of the extracted surface
  int resolution = 0;                // the field resolution the shell came from
  double wall_offset_mm = 0;         // how far the surface was moved outward (half the minimum wall)
  PrintCheck check;
  nlohmann::json to_json() const;
};

// Throws Error(InvalidInput) for a scene without faces, Error(StageFailed) when no shell without
// self-intersections comes out.
PrintResult make_print_shell(const Scene& scene, const PrintOptions& options = {});

// The shell as a one-part scene ("print"), metadata noting the units.
Scene print_scene(const PrintResult& result, const Scene& source);

}  // namespace flexforge::pipeline
