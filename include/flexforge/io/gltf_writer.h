// glTF 2.0 writer (GLB and .gltf + .bin), written by flexforge itself: Assimp 5.2.5's glTF2
// exporter keeps the first 4 bone weights it meets and never renormalises (docs/cli.md, "Output").
//
// Layout: one node per Part (named, semantic label in node extras), one mesh and primitive per
// part (POSITION, NORMAL, COLOR_0, JOINTS_0/WEIGHTS_0, uint32 indices), one shared material,
// and, for skinned scenes, the joint tree as nodes plus one skin with inverse bind matrices.
// Skinned mesh nodes sit at the scene root, as the glTF spec asks. Each Scene::animations clip
// becomes one named animation with LINEAR rotation/translation channels on the joint nodes.
// Scene::metadata is written to asset.extras. Every file this writes passes the Khronos glTF
// validator with 0 errors (tested).
#pragma once

#include "flexforge/core/scene.h"

#include <string>

namespace flexforge::io {

std::string encode_glb(const Scene& scene);

struct GltfFiles {
  std::string json;  // the .gltf document
  std::string bin;   // the buffer it references as `bin_uri`
};
GltfFiles encode_gltf(const Scene& scene, const std::string& bin_uri);

}  // namespace flexforge::io
