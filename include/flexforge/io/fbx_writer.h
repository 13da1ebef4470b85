// Binary FBX 7.4 export, written from scratch because Assimp 5.2.5's FBX exporter produces files
// Blender cannot open (see docs/cli.md, "Output").
//
// Conventions of the written file:
// - Y up, right-handed (UpAxis=Y, FrontAxis=+Z, CoordAxis=+X), like glTF and our Scene.
// - UnitScaleFactor = 100: one file unit is one metre (FBX counts in centimetres), so Blender and
//   other FBX readers import the geometry at the same size as a GLB of the same scene. Vertex
//   coordinates are written unchanged.
// - Each Part becomes a "Mesh" Model at the scene root (named after Part::name) with its Geometry
//   and a plain grey Material; normals become LayerElementNormal (ByPolygonVertex/Direct) and
//   colours LayerElementColor (ByPolygonVertex/IndexToDirect, linear RGBA as stored).
// - Skinned parts (Scene::skeleton non-empty and Mesh::skin set): one LimbNode Model per joint
//   under a "Null" Model named "Armature", local transforms from Joint::bind_world, a Skin
//   deformer with one Cluster per joint (the 4 strongest influences per vertex, renormalised) and
//   a BindPose.
// - Each Scene::animations clip becomes an AnimationStack (named after the clip, one action each
//   in Blender) with one AnimationLayer; every animated joint gets "R" (Lcl Rotation, Euler XYZ
//   degrees) and, for translations, "T" curve nodes with one linear AnimationCurve per axis. The
//   Takes section lists the clips; GlobalSettings declares 30 fps and the longest clip's span.
// - The output is deterministic: the same scene always gives the same bytes.
#pragma once

#include "flexforge/core/scene.h"

#include <string>

namespace flexforge::io {

struct FbxOptions {
  std::string creator = "flexforge";  // written to Creator and SceneInfo's application name
};

// Encodes the whole scene as a binary FBX 7.4 file in memory. Each Part becomes a Model node
// (named after Part::name) with its Geometry; vertex colours and normals become layer elements.
// Throws flexforge::Error(InvalidInput) for an invalid scene and Error(StageFailed) when the
// scene does not fit the format (more than 2^31 polygon corners, a file over 4 GiB).
std::string encode_fbx(const Scene& scene, const FbxOptions& options = {});

}  // namespace flexforge::io
