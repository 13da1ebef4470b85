// Real artist models that Debian ships, listed with their metadata and loaded in one frame
// (docs/dataset.md): +Y up, centimetres.
//   sweethome3d: the Sweet Home 3D furniture catalogs (*.sh3f, package sweethome3d-furniture):
//     OBJ+MTL+textures inside zip archives; name, category, tags and width/depth/height in cm
//     from the catalog's properties; an optional modelRotation (3x3, row-major) turns the model
//     +Y up; the model is then scaled to the catalog's width (x), height (y) and depth (z), as
//     Sweet Home 3D itself does.
//   flightgear: the FlightGear scenery models (*.ac under Models/, package
//     flightgear-data-models): name from the file, category from the directory; AC3D is +Y up
//     in metres as Assimp reads it (a 44 m water tower spans y 0..44), scaled to cm.
#pragma once

#include "flexforge/core/scene.h"
#include "flexforge/io/import.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace flexforge::dataset {

struct RealModel {
  std::string source;   // "sweethome3d" | "flightgear"
  std::string catalog;  // the .sh3f stem ("Scopia"), or the FlightGear directory ("Maritime")
  std::string id;       // unique, file-name safe: "sh3d-scopia-0042", "fg-maritime-ferry"
  std::string name;     // English name ("Oak chair"; FlightGear: file stem with spaces)
  std::string category; // catalog category ("Living room") or directory name
  std::vector<std::string> tags;
  std::optional<Vec3> size_cm;  // catalog width (x), height (y), depth (z)
  std::optional<Eigen::Matrix3f> rotation; // catalog modelRotation
  std::filesystem::path archive;  // sweethome3d: the .sh3f; flightgear: the .ac file
  std::string member;             // sweethome3d: the OBJ's path inside the archive
};

// Every piece of every *.sh3f in `dir`, catalogs in name order, pieces in id order. Pieces of
// catalogs named in `exclude` are left out; a non-empty `only` keeps that one catalog alone (the
// held-out evaluation set). Error(InvalidInput) naming the directory when it has no .sh3f, or
// naming an archive that does not read.
std::vector<RealModel> list_sweethome3d(const std::filesystem::path& dir,
                                        const std::vector<std::string>& exclude,
                                        const std::string& only = {});
// Every *.ac under `dir` (FlightGear's Models/), sorted by path. Error(InvalidInput) naming the
// directory when it holds none.
std::vector<RealModel> list_flightgear(const std::filesystem::path& dir);

// Loads the model with material colours (io::ImportOptions::material_colors), +Y up, in cm, one
// part per Assimp mesh (OBJ group and material). sweethome3d models are unpacked into a fresh
// directory under `scratch` first (the OBJ, its MTL files and the textures they name), removed
// afterwards. Error(InvalidInput) naming the model when it does not read.
Scene load_real_model(const RealModel& model, const std::filesystem::path& scratch,
                      io::ImportReport* report = nullptr);

}  // namespace flexforge::dataset
