// generate_asset: category build -> SDF -> meshes, labels, colours, skin, skeleton, captions,
// views. Every step is single-threaded and ordered, so an asset is a pure function of
// (config, seed, index); parallelism lives one level up, across assets (dataset.cpp).
#include "flexforge/synth/synth.h"
#include "flexforge/core/color.h"

#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/synth/captions.h"
#include "flexforge/synth/mesher.h"

#include <Eigen/Geometry>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

namespace flexforge::synth {

namespace {

using nlohmann::json;

double round6(double x) { return std::round(x * 1e6) / 1e6; }
json vec_json(const Vec3& v) { return json::array({round6(v.x()), round6(v.y()), round6(v.z())}); }

// Outward unit normals from the SDF gradient (central differences); the geometric face normal
// average is the fallback where the gradient vanishes (e.g. exactly on a medial point).
void sdf_normals(Mesh& mesh, const Field& field, float h) {
  mesh.normals.resize(mesh.positions.size());
  std::vector<Vec3> fallback;
  for (std::size_t i = 0; i < mesh.positions.size(); ++i) {
    const Vec3& p = mesh.positions[i];
    const Vec3 dx(h, 0, 0), dy(0, h, 0), dz(0, 0, h);
    Vec3 g(field(p + dx) - field(p - dx), field(p + dy) - field(p - dy),
           field(p + dz) - field(p - dz));
    const float len = g.norm();
    if (len > 1e-12f && std::isfinite(len)) {
      mesh.normals[i] = g / len;
    } else {
      if (fallback.empty()) {
        Mesh copy;
        copy.positions = mesh.positions;
        copy.triangles = mesh.triangles;
        compute_vertex_normals(copy);
        fallback = std::move(copy.normals);
      }
      mesh.normals[i] = fallback[i];
    }
  }
}

void require_closed(const Mesh& mesh, const std::string& what) {
  const TopologyReport t = analyze_topology(mesh);
  if (!t.watertight || !t.oriented || t.degenerate_faces != 0) {
    throw Error(ExitCode::StageFailed,
                "synth: " + what + " is not a closed oriented 2-manifold (boundary edges " +
                    std::to_string(t.boundary_edges) + ", non-manifold edges " +
                    std::to_string(t.non_manifold_edges) + ", non-manifold vertices " +
                    std::to_string(t.non_manifold_vertices) + ", degenerate faces " +
                    std::to_string(t.degenerate_faces) + ", inconsistent edges " +
                    std::to_string(t.inconsistent_edges) + ", faces " + std::to_string(t.faces) +
                    ")");
  }
}

// Ground-truth skin weights: each joint's influence region is the union of the primitives bound
// to it; a vertex's weight for joint j falls off exponentially with how much farther that region
// is than the nearest one (scale tau), cut at 4 tau, normalised to sum 1. Where two bones' solids
// meet (an elbow) both are at distance ~0 and share the vertex; elsewhere one bone owns it.
void skin_weights(Mesh& mesh, const AssetShape& shape, std::size_t joint_count, float tau) {
  struct Bound {
    const Primitive* prim;
    int joint;
  };
  std::vector<Bound> bound;
  for (const PartShape& part : shape.parts)
    for (const Primitive& prim : part.primitives)
      if (!prim.subtract) bound.push_back({&prim, prim.joint});
  mesh.skin.assign(mesh.positions.size(), {});
  std::vector<float> d(joint_count);
  for (std::size_t v = 0; v < mesh.positions.size(); ++v) {
    std::fill(d.begin(), d.end(), std::numeric_limits<float>::infinity());
    for (const Bound& b : bound) {
      d[b.joint] = std::min(d[b.joint], b.prim->distance(mesh.positions[v]));
    }
    const float best = *std::min_element(d.begin(), d.end());
    double total = 0.0;
    std::vector<std::pair<std::uint32_t, double>> w;
    for (std::size_t j = 0; j < joint_count; ++j) {
      const float excess = d[j] - best;
      if (excess < 4.0f * tau) {
        const double wj = std::exp(-static_cast<double>(excess) / tau);
        w.emplace_back(static_cast<std::uint32_t>(j), wj);
        total += wj;
      }
    }
    for (const auto& [j, wj] : w) {
      mesh.skin[v].push_back({j, static_cast<float>(wj / total)});
    }
  }
}

// Palette colours are display (sRGB) values; mesh colours are linear, as glTF's COLOR_0 is.
Vec3 srgb_to_linear(const Vec3& c) {
  Vec3 out;
  for (int i = 0; i < 3; ++i) out[i] = flexforge::srgb_to_linear(c[i]);
  return out;
}

double triangle_area(const Mesh& m, const Triangle& t) {
  const Eigen::Vector3d a = m.positions[t[0]].cast<double>(), b = m.positions[t[1]].cast<double>(),
                        c = m.positions[t[2]].cast<double>();
  return 0.5 * (b - a).cross(c - a).norm();
}

}  // namespace

void SynthConfig::validate() const {
  for (const std::string& c : categories) {
    if (!find_category(c)) {
      std::string valid;
      for (const Category& cat : all_categories()) valid += (valid.empty() ? "" : ", ") + cat.name;
      throw Error(ExitCode::Usage,
                  "categories: unknown category '" + c + "'; valid categories: " + valid);
    }
  }
  if (resolution < 16 || resolution > 512) {
    throw Error(ExitCode::Usage, "resolution: " + std::to_string(resolution) +
                                     " is out of range (16..512 cells along the longest side)");
  }
  if (views < 0 || views > 64) {
    throw Error(ExitCode::Usage, "views: " + std::to_string(views) + " is out of range (0..64)");
  }
  if (image_size < 16 || image_size > 4096) {
    throw Error(ExitCode::Usage,
                "image_size: " + std::to_string(image_size) + " is out of range (16..4096)");
  }
}

std::vector<std::string> SynthConfig::category_list() const {
  if (!categories.empty()) return categories;
  std::vector<std::string> names;
  for (const Category& c : all_categories()) names.push_back(c.name);
  return names;
}

std::string category_for_index(const SynthConfig& config, std::size_t index) {
  const std::vector<std::string> list = config.category_list();
  return list[index % list.size()];
}

SynthAsset generate_asset(const SynthConfig& config, std::uint64_t seed, std::size_t index) {
  config.validate();
  return generate_category_asset(config, category_for_index(config, index), seed, index);
}

SynthAsset generate_category_asset(const SynthConfig& config, const std::string& category,
                                   std::uint64_t seed, std::size_t index) {
  config.validate();
  const Category* cat = find_category(category);
  if (!cat) {
    SynthConfig probe;
    probe.categories = {category};
    probe.validate();  // throws the listing error
  }
  SynthAsset asset;
  asset.category = cat->name;
  asset.family = cat->family;
  asset.seed = seed;
  asset.index = index;
  char id[64];
  std::snprintf(id, sizeof id, "_%06zu", index);
  asset.id = cat->name + id;

  Rng rng(asset_seed(seed, index));
  ShapeBuilder builder(rng);
  cat->build(builder);
  builder.finish();
  asset.shape = builder.shape();
  asset.attributes = builder.attributes();
  asset.pose = builder.pose();
  if (cat->articulated && builder.joints().empty()) {
    throw Error(ExitCode::StageFailed, "synth: articulated category '" + cat->name +
                                           "' built no skeleton");
  }

  // --- the watertight asset mesh ---
  const Aabb bounds = asset.shape.bounds();
  // `resolution` cells along the longest side, refined (down to half that cell) where the
  // thinnest primitive would otherwise be under two cells thick and could vanish between grid
  // points.
  const float longest = bounds.extent().maxCoeff();
  const float coarse = longest / static_cast<float>(config.resolution);
  const float cell = std::max(std::min(coarse, 0.5f * asset.shape.thickness()), 0.5f * coarse);
  asset.cell_size = cell;
  const AssetShape& shape = asset.shape;
  const Field field = [&shape](const Vec3& p) { return shape.distance(p); };
  asset.mesh = mesh_field(field, bounds, cell);
  require_closed(asset.mesh, asset.id + " mesh");
  sdf_normals(asset.mesh, field, 0.25f * cell);

  // --- parts: labels, colours, complete meshes ---
  const auto& specs = builder.parts();
  for (const PartSpec& spec : specs) {
    SynthPart part;
    part.name = spec.name;
    part.semantic = spec.semantic;
    part.color = spec.color;
    part.rgb = srgb_to_linear(named_color(spec.color).rgb);
    part.shape = spec.shape;
    asset.parts.push_back(std::move(part));
  }
  Mesh& mesh = asset.mesh;
  mesh.face_parts.resize(mesh.triangles.size());
  for (std::size_t f = 0; f < mesh.triangles.size(); ++f) {
    const Triangle& t = mesh.triangles[f];
    const Vec3 centroid = (mesh.positions[t[0]] + mesh.positions[t[1]] + mesh.positions[t[2]]) / 3.0f;
    const int p = shape.nearest_part(centroid);
    mesh.face_parts[f] = p;
    asset.parts[p].surface_faces += 1;
    asset.parts[p].surface_area += triangle_area(mesh, t);
  }
  mesh.colors.resize(mesh.positions.size());
  for (std::size_t v = 0; v < mesh.positions.size(); ++v) {
    const Vec3& rgb = asset.parts[shape.nearest_part(mesh.positions[v])].rgb;
    mesh.colors[v] = Vec4(rgb.x(), rgb.y(), rgb.z(), 1.0f);
  }
  if (config.part_meshes) {
    for (SynthPart& part : asset.parts) {
      // Thin parts get a finer grid (down to a third of the asset's cell) so that every part
      // mesh exists and is closed even when the part is only a few asset cells thick.
      const float part_cell = std::min(cell, std::max(part.shape.thickness() / 4.0f, cell / 3.0f));
      const PartShape& ps = part.shape;
      const Field part_field = [&ps](const Vec3& p) { return ps.distance(p); };
      part.complete = mesh_field(part_field, ps.bounds(), part_cell);
      if (part.complete.empty()) {
        throw Error(ExitCode::StageFailed, "synth: " + asset.id + " part " + part.name +
                                               " meshed to nothing");
      }
      require_closed(part.complete, asset.id + " part " + part.name);
      sdf_normals(part.complete, part_field, 0.25f * part_cell);
      part.complete.colors.assign(part.complete.positions.size(),
                                  Vec4(part.rgb.x(), part.rgb.y(), part.rgb.z(), 1.0f));
    }
  }

  // --- skeleton and skin ---
  for (const JointSpec& j : builder.joints()) {
    Joint joint;
    joint.name = j.name;
    joint.parent = j.parent;
    joint.bind_world = Mat4::Identity();
    joint.bind_world.block<3, 1>(0, 3) = j.position;
    asset.skeleton.joints.push_back(joint);
  }
  if (!asset.skeleton.empty()) {
    asset.skeleton.validate();
    skin_weights(mesh, shape, asset.skeleton.joints.size(), 0.012f * bounds.diagonal());
  }

  // --- captions ---
  CaptionFacts facts;
  facts.category = cat;
  facts.adjectives = builder.adjectives();
  facts.phrases = builder.phrases();
  for (const SynthPart& p : asset.parts) facts.part_semantics.push_back(p.semantic);
  {
    std::map<std::string, double> area;
    for (const SynthPart& p : asset.parts) area[p.color] += p.surface_area;
    std::vector<std::pair<double, std::string>> order;
    for (const auto& [c, a] : area) order.emplace_back(-a, c);
    std::sort(order.begin(), order.end());
    for (const auto& [a, c] : order) facts.colors_by_area.push_back(c);
  }
  facts.pose = asset.pose;
  asset.captions = make_captions(facts, rng);

  // --- views ---
  if (config.views > 0) {
    const float azimuth0 = rng.range(0.0f, 360.0f);
    const float elevation = rng.range(12.0f, 30.0f);
    for (const Camera& cam :
         render::orbit_cameras(bounding_box(mesh), config.views, config.image_size, elevation, azimuth0)) {
      asset.views.push_back({cam, render::render(mesh, cam)});
    }
  }
  return asset;
}

Mesh SynthAsset::part_surface(std::size_t p) const {
  Mesh m;
  std::vector<std::int64_t> remap(mesh.positions.size(), -1);
  for (std::size_t f = 0; f < mesh.triangles.size(); ++f) {
    if (mesh.face_parts[f] != static_cast<std::int32_t>(p)) continue;
    Triangle t{};
    for (int c = 0; c < 3; ++c) {
      const std::uint32_t v = mesh.triangles[f][c];
      if (remap[v] < 0) {
        remap[v] = static_cast<std::int64_t>(m.positions.size());
        m.positions.push_back(mesh.positions[v]);
        if (!mesh.normals.empty()) m.normals.push_back(mesh.normals[v]);
        if (!mesh.colors.empty()) m.colors.push_back(mesh.colors[v]);
        if (!mesh.skin.empty()) m.skin.push_back(mesh.skin[v]);
      }
      t[c] = static_cast<std::uint32_t>(remap[v]);
    }
    m.triangles.push_back(t);
    m.face_parts.push_back(static_cast<std::int32_t>(p));
  }
  return m;
}

Scene SynthAsset::scene() const {
  Scene scene;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    Part out;
    out.name = parts[p].name;
    out.semantic = parts[p].semantic;
    out.mesh = part_surface(p);
    // A vertex on a part boundary carries one part's colour in `mesh`; each node gets its own.
    out.mesh.colors.assign(out.mesh.positions.size(),
                           Vec4(parts[p].rgb.x(), parts[p].rgb.y(), parts[p].rgb.z(), 1.0f));
    if (!out.mesh.empty()) scene.parts.push_back(std::move(out));
  }
  if (!skeleton.empty()) scene.skeleton = skeleton;
  scene.metadata = metadata();
  return scene;
}

Scene SynthAsset::parts_scene() const {
  Scene scene;
  for (const SynthPart& p : parts) {
    if (p.complete.empty()) continue;
    Part out;
    out.name = p.name;
    out.semantic = p.semantic;
    out.mesh = p.complete;
    scene.parts.push_back(std::move(out));
  }
  scene.metadata = {{"id", id}, {"category", category}, {"content", "complete parts"}};
  return scene;
}

json SynthAsset::metadata() const {
  json parts_json = json::array();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const SynthPart& p = parts[i];
    parts_json.push_back({{"id", i},
                          {"name", p.name},
                          {"semantic", p.semantic},
                          {"color", p.color},
                          {"srgb", vec_json(named_color(p.color).rgb)},
                          {"linear_rgb", vec_json(p.rgb)},
                          {"surface_faces", p.surface_faces},
                          {"surface_area", round6(p.surface_area)},
                          {"complete_vertices", p.complete.vertex_count()},
                          {"complete_faces", p.complete.face_count()}});
  }
  json skeleton_json = json::array();
  for (const Joint& j : skeleton.joints) {
    skeleton_json.push_back({{"name", j.name},
                             {"parent", j.parent},
                             {"position", vec_json(j.bind_world.block<3, 1>(0, 3))}});
  }
  json cameras = json::array();
  for (const SynthView& v : views) cameras.push_back(v.camera.to_json());
  const Aabb box = bounding_box(mesh);
  return {{"id", id},
          {"category", category},
          {"family", family},
          {"seed", seed},
          {"index", index},
          {"pose", pose},
          {"captions", captions},
          {"attributes", attributes},
          {"parts", parts_json},
          {"skeleton", skeleton_json},
          {"mesh",
           {{"vertices", mesh.vertex_count()},
            {"faces", mesh.face_count()},
            {"cell_size", round6(cell_size)},
            {"bbox_min", vec_json(box.min)},
            {"bbox_max", vec_json(box.max)}}},
          {"cameras", cameras}};
}

}  // namespace flexforge::synth
