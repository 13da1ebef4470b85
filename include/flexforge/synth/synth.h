// The procedural asset dataset (docs/synth.md; `flexforge synth`): labelled 3D assets
// generated from analytic signed distance functions, deterministic by (seed, index).
//
// generate_asset() yields one asset entirely in memory (training and evaluation read assets
// without files); write_dataset() (dataset.h) writes many of them in parallel.
#pragma once

#include "flexforge/core/scene.h"
#include "flexforge/synth/categories.h"
#include "flexforge/render/rasterizer.h"
#include "flexforge/synth/sdf.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace flexforge::synth {

// A synth view is a render of the asset: the rasteriser lives in render/.
using render::Camera;
using render::Image;

struct SynthConfig {
  std::vector<std::string> categories;  // empty = all, in registry order
  // Mesher cells along the longest side of the asset's bounds (16..512); refined up to 2x for
  // assets whose thinnest primitive would be under two cells thick.
  int resolution = 64;
  int views = 4;          // rendered views per asset (0..64)
  int image_size = 256;   // view width = height in pixels (16..4096)
  bool part_meshes = true;  // also mesh every part on its own (complete-part ground truth)

  // Throws Error(Usage) naming the option for an unknown category (listing the valid ones) or a
  // value out of range.
  void validate() const;
  // Category names this config draws from, in order.
  std::vector<std::string> category_list() const;
};

struct SynthPart {
  std::string name;      // instance name ("leg_2"); unique within the asset
  std::string semantic;  // semantic label ("leg")
  std::string color;     // palette colour name; the asset mesh's vertex colour on this part
  Vec3 rgb = Vec3::Zero();  // linear RGB of the palette colour (vertex colour value)
  PartShape shape;       // this part's SDF alone
  Mesh complete;         // closed 2-manifold mesh of the part alone (empty if !part_meshes)
  std::size_t surface_faces = 0;  // faces of SynthAsset::mesh labelled with this part
  double surface_area = 0.0;      // their area
};

struct SynthView {
  Camera camera;
  Image image;
};

struct SynthAsset {
  std::string id;        // "<category>_<index, 6 digits>": also the file stem
  std::string category;
  std::string family;
  std::uint64_t seed = 0;
  std::size_t index = 0;
  std::string pose;      // "static" (rigid categories), "rest" or "random"

  AssetShape shape;      // the asset's SDF: shape.distance(p) < 0 inside
  // The watertight asset mesh: closed, oriented 2-manifold; normals (SDF gradient), colours
  // (the nearest part's palette colour), face_parts (index into `parts` for every face) and,
  // for articulated assets, skin (weights summing to 1).
  Mesh mesh;
  std::vector<SynthPart> parts;
  Skeleton skeleton;     // empty for rigid categories; joints lie inside the solid
  std::vector<std::string> captions;  // >= 3
  nlohmann::json attributes;          // the sampled parameters and counts
  std::vector<SynthView> views;
  float cell_size = 0.0f;             // mesher cell edge used for `mesh`

  float sdf(const Vec3& p) const { return shape.distance(p); }
  // Export form: one node per part holding that part's faces of `mesh` (so the nodes together
  // are the watertight mesh and the split is the face labelling), skinned when articulated,
  // metadata() in asset.extras.
  Scene scene() const;
  // The faces of `mesh` labelled with part p (what a perfect segmentation returns for that part),
  // with only the vertices they use: positions, normals, colours, skin, face_parts. Empty when
  // the part has no faces.
  Mesh part_surface(std::size_t p) const;
  // Complete parts as one scene, one node per part (unskinned).
  Scene parts_scene() const;
  // The JSONL record (no file names; dataset.h adds them).
  nlohmann::json metadata() const;
};

// Category of asset `index` under `config`: category_list()[index % size].
std::string category_for_index(const SynthConfig& config, std::size_t index);

// Generates asset `index` of the dataset seeded with `seed`. Pure: the result depends only on
// (config, seed, index). Throws Error(Usage) for an invalid config, Error(StageFailed) if the
// generated mesh breaks its contract (never expected; it is checked, not assumed).
SynthAsset generate_asset(const SynthConfig& config, std::uint64_t seed, std::size_t index);

// Generates the asset for an explicit category (ignores config.categories).
SynthAsset generate_category_asset(const SynthConfig& config, const std::string& category,
                                   std::uint64_t seed, std::size_t index);

}  // namespace flexforge::synth
