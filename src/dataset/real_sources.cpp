#include "flexforge/dataset/real_sources.h"

#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/scene_ops.h"
#include "flexforge/io/furniture_catalog.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

namespace fs = std::filesystem;

namespace flexforge::dataset {

namespace {

std::string slug(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c)) {
      out += static_cast<char>(std::tolower(c));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "model" : out;
}

std::optional<double> positive_number(const std::map<std::string, std::string>& fields,
                                      const std::string& key) {
  auto it = fields.find(key);
  if (it == fields.end()) return std::nullopt;
  try {
    std::size_t used = 0;
    const double v = std::stod(it->second, &used);
    if (used == 0 || !std::isfinite(v) || v <= 0.0) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<Eigen::Matrix3f> rotation_of(const std::map<std::string, std::string>& fields) {
  auto it = fields.find("modelRotation");
  if (it == fields.end()) return std::nullopt;
  std::istringstream in(it->second);
  Eigen::Matrix3f m;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      if (!(in >> m(r, c))) return std::nullopt;
  return m;
}

std::vector<std::string> split_tags(const std::string& text) {
  std::vector<std::string> tags;
  std::string current;
  for (char c : text + ",") {
    if (c == ',' || c == ';') {
      while (!current.empty() && std::isspace(static_cast<unsigned char>(current.back()))) current.pop_back();
      const std::size_t first = current.find_first_not_of(" \t");
      if (first != std::string::npos) tags.push_back(current.substr(first));
      current.clear();
    } else {
      current += c;
    }
  }
  return tags;
}

// Files named by the OBJ's mtllib lines, and the texture files named by those MTL files, as
// archive members relative to the OBJ's directory.
std::vector<std::string> referenced_files(const std::string& text, const char* keyword_prefix) {
  std::vector<std::string> names;
  std::istringstream in(text);
  std::string line;
  const std::string prefix = keyword_prefix;
  while (std::getline(in, line)) {
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    std::string keyword = line.substr(first, line.find_first_of(" \t", first) - first);
    if (keyword.rfind(prefix, 0) != 0) continue;
    // The file name is the last whitespace-separated word (options such as -s 1 1 1 come first).
    std::string rest = line.substr(first + keyword.size());
    while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.back()))) rest.pop_back();
    const std::size_t start = rest.find_last_of(" \t");
    std::string name = start == std::string::npos ? rest : rest.substr(start + 1);
    if (!name.empty()) names.push_back(name);
  }
  return names;
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw Error(ExitCode::OutputFailed, path.string() + ": cannot write");
}

// Unpacks the OBJ and what it references into `dir`; returns the OBJ's path there.
fs::path unpack_sweethome3d(const RealModel& model, const fs::path& dir) {
  std::string member = model.member;
  if (!member.empty() && member.front() == '/') member.erase(0, 1);
  const std::string obj = io::read_zip_member(model.archive, member);
  const std::string base = member.find('/') == std::string::npos ? "" : member.substr(0, member.rfind('/') + 1);
  const fs::path obj_path = dir / fs::path(member).filename();
  write_bytes(obj_path, obj);
  const std::vector<std::string> members = io::list_zip_members(model.archive);
  const std::set<std::string> present(members.begin(), members.end());
  for (const std::string& mtl : referenced_files(obj, "mtllib")) {
    if (!present.count(base + mtl)) continue;
    const std::string mtl_text = io::read_zip_member(model.archive, base + mtl);
    write_bytes(dir / mtl, mtl_text);
    for (const std::string& texture : referenced_files(mtl_text, "map_")) {
      if (texture.find("..") != std::string::npos || texture.front() == '/') continue;
      if (!present.count(base + texture)) continue;
      write_bytes(dir / texture, io::read_zip_member(model.archive, base + texture));
    }
  }
  return obj_path;
}

// Scale so that the bounding box spans `size` (per axis), min corner kept at the floor.
void fit_to_size(Scene& scene, const Vec3& size) {
  const Aabb box = scene_bounds(scene);
  const Vec3 extent = box.extent();
  Mat4 m = Mat4::Identity();
  for (int a = 0; a < 3; ++a) m(a, a) = extent[a] > 1e-9f ? size[a] / extent[a] : 1.0f;
  Mat4 to_origin = Mat4::Identity();
  to_origin.block<3, 1>(0, 3) = -box.center();
  transform_scene(scene, m * to_origin);
}

}  // namespace

std::vector<RealModel> list_sweethome3d(const fs::path& dir, const std::vector<std::string>& exclude,
                                        const std::string& only) {
  std::vector<fs::path> archives;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".sh3f") archives.push_back(entry.path());
  }
  if (ec) throw Error(ExitCode::InvalidInput, dir.string() + ": cannot list directory: " + ec.message());
  if (archives.empty()) throw Error(ExitCode::InvalidInput, dir.string() + ": no .sh3f furniture catalogs");
  std::sort(archives.begin(), archives.end());
  std::vector<RealModel> models;
  for (const fs::path& archive : archives) {
    const std::string stem = archive.stem().string();
    if (std::find(exclude.begin(), exclude.end(), stem) != exclude.end()) continue;
    if (!only.empty() && stem != only) continue;
    const io::FurnitureCatalog catalog = io::read_furniture_catalog(archive);
    for (const io::CatalogPiece& piece : catalog.pieces) {
      auto field = [&](const std::string& key) {
        auto it = piece.fields.find(key);
        return it == piece.fields.end() ? std::string() : it->second;
      };
      RealModel m;
      m.source = "sweethome3d";
      m.catalog = stem;
      m.name = field("name");
      m.category = field("category");
      m.tags = split_tags(field("tags"));
      m.archive = archive;
      m.member = field("model");
      char number[16];
      std::snprintf(number, sizeof number, "%04d", piece.id);
      m.id = "sh3d-" + slug(stem) + "-" + number;
      const auto w = positive_number(piece.fields, "width");
      const auto h = positive_number(piece.fields, "height");
      const auto d = positive_number(piece.fields, "depth");
      if (w && h && d) m.size_cm = Vec3(static_cast<float>(*w), static_cast<float>(*h), static_cast<float>(*d));
      m.rotation = rotation_of(piece.fields);
      models.push_back(std::move(m));
    }
  }
  return models;
}

std::vector<RealModel> list_flightgear(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->path().extension() == ".ac") files.push_back(it->path());
  }
  if (files.empty()) throw Error(ExitCode::InvalidInput, dir.string() + ": no FlightGear .ac models");
  std::sort(files.begin(), files.end());
  std::vector<RealModel> models;
  std::set<std::string> ids;
  for (const fs::path& file : files) {
    RealModel m;
    m.source = "flightgear";
    const fs::path rel = fs::relative(file, dir);
    m.catalog = rel.begin() != rel.end() && rel.has_parent_path() ? rel.begin()->string() : "Models";
    m.category = rel.has_parent_path() ? rel.parent_path().filename().string() : m.catalog;
    std::string name = file.stem().string();
    // "FerryBoat1" -> "ferry boat 1", "brick-farm" -> "brick farm"
    std::string spaced;
    for (std::size_t i = 0; i < name.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(name[i]);
      const unsigned char prev = i ? static_cast<unsigned char>(name[i - 1]) : ' ';
      if (c == '-' || c == '_' || c == '.') {
        spaced += ' ';
        continue;
      }
      if (i > 0 && ((std::isupper(c) && std::islower(prev)) || (std::isdigit(c) && std::isalpha(prev)) ||
                    (std::isalpha(c) && std::isdigit(prev)))) {
        spaced += ' ';
      }
      spaced += static_cast<char>(std::tolower(c));
    }
    // Numbers tell variants apart ("farmhouse 1"); the id keeps them, the name does not.
    std::istringstream words(spaced);
    std::string word;
    m.name.clear();
    while (words >> word) {
      if (std::all_of(word.begin(), word.end(), [](unsigned char c) { return std::isdigit(c); })) continue;
      m.name += (m.name.empty() ? "" : " ") + word;
    }
    if (m.name.empty()) m.name = spaced;
    std::string id = "fg-" + slug(rel.parent_path().string() + "-" + file.stem().string());
    while (ids.count(id)) id += "-x";
    ids.insert(id);
    m.id = id;
    m.archive = file;
    models.push_back(std::move(m));
  }
  return models;
}

Scene load_real_model(const RealModel& model, const fs::path& scratch, io::ImportReport* report) {
  io::ImportOptions options;
  options.material_colors = true;
  options.keep_skin = false;
  Scene scene;
  if (model.source == "sweethome3d") {
    const fs::path dir = scratch / model.id;
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(dir, ec);
    if (ec) throw Error(ExitCode::OutputFailed, dir.string() + ": cannot create: " + ec.message());
    try {
      scene = io::load_scene(unpack_sweethome3d(model, dir), options, report);
    } catch (...) {
      fs::remove_all(dir, ec);
      throw;
    }
    fs::remove_all(dir, ec);
    if (model.rotation) {
      Mat4 r = Mat4::Identity();
      r.topLeftCorner<3, 3>() = *model.rotation;
      transform_scene(scene, r);
    }
    if (model.size_cm) fit_to_size(scene, *model.size_cm);
  } else if (model.source == "flightgear") {
    scene = io::load_scene(model.archive, options, report);
    Mat4 to_cm = Mat4::Identity();
    to_cm.topLeftCorner<3, 3>() *= 100.0f;
    transform_scene(scene, to_cm);
  } else {
    throw Error(ExitCode::Usage, "unknown real source '" + model.source + "'");
  }
  return scene;
}

}  // namespace flexforge::dataset
