// flexforge dataset build: the closed training surface of open artist geometry, material colours
// on import, name -> category, and a whole build over a small catalog written here (OBJ + MTL +
// texture in a .sh3f zip) plus synth, with the held-out catalog present but corrupt (so reading
// it would fail the build), a broken piece, and a resumed second run.
#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/metrics.h"
#include "flexforge/dataset/closed_surface.h"
#include "flexforge/dataset/dataset_build.h"
#include "flexforge/dataset/real_captions.h"
#include "flexforge/io/import.h"
#include "flexforge/model/training_shapes.h"
#include "flexforge/render/rasterizer.h"

#include "test_support.h"

#include <gtest/gtest.h>
#include <minizip/zip.h>

#include <fstream>

namespace flexforge::dataset {
namespace {

using test::TempDir;
namespace fs = std::filesystem;

Mesh quad(float z) {
  Mesh m;
  m.positions = {{-0.4f, -0.4f, z}, {0.4f, -0.4f, z}, {0.4f, 0.4f, z}, {-0.4f, 0.4f, z}};
  m.triangles = {{0, 1, 2}, {0, 2, 3}};
  return m;
}

// An axis-aligned box of half-size h; `open_top` leaves out the two +Y faces.
Mesh box(float h, bool open_top, float offset = 0.0f) {
  Mesh m;
  for (int i = 0; i < 8; ++i) {
    m.positions.push_back(Vec3(i & 1 ? h : -h, i & 2 ? h : -h, i & 4 ? h : -h) + Vec3::Constant(offset));
  }
  const std::vector<Triangle> faces = {{0, 2, 1}, {1, 2, 3}, {4, 5, 6}, {5, 7, 6},   // -z, +z
                                       {0, 1, 4}, {1, 5, 4}, {2, 6, 3}, {3, 6, 7},   // -y, +y
                                       {0, 4, 2}, {2, 4, 6}, {1, 3, 5}, {3, 7, 5}};  // -x, +x
  for (std::size_t f = 0; f < faces.size(); ++f) {
    if (open_top && (f == 6 || f == 7)) continue;
    m.triangles.push_back(faces[f]);
  }
  return m;
}

void expect_closed(const Mesh& mesh) {
  const TopologyReport t = analyze_topology(mesh);
  EXPECT_TRUE(t.watertight);
  EXPECT_TRUE(t.oriented);
  EXPECT_EQ(t.degenerate_faces, 0u);
}

double fscore(const Mesh& predicted, const Mesh& truth) {
  MetricOptions o;
  o.samples = 5000;
  o.taus = {0.01f};
  o.point_to_surface = true;
  return compare_meshes(predicted, truth, o).fscore[0];
}

// The closed surface lies band_cells cells off the source, so F@0.01 needs a fine enough grid:
// 0.75 / 128 of the cube is 0.0059, under the 0.01 threshold (the dataset's default).
TEST(DatasetClosing, SingleSidedQuadBecomesAThinClosedShellOnTheSurface) {
  ClosingOptions o;
  o.resolution = 128;
  const ClosedSurface c = close_surface(quad(0.03f), o);
  expect_closed(c.mesh);
  EXPECT_EQ(c.visible_source.triangles.size(), 2u);
  EXPECT_GT(fscore(c.mesh, c.visible_source), 0.9);
  EXPECT_EQ(c.enclosed_nodes, 0u);
  const Aabb b = bounding_box(c.mesh);
  EXPECT_LT(b.extent().z(), 2.0f / 128.0f);  // a shell, not a slab
  // On a coarse grid the offset alone exceeds the threshold: the figure measures something.
  o.resolution = 32;
  const ClosedSurface coarse = close_surface(quad(0.03f), o);
  EXPECT_LT(fscore(coarse.mesh, coarse.visible_source), 0.5);
}

TEST(DatasetClosing, OpenBoxKeepsItsInsideOpenAndAClosedBoxHidesWhatIsInIt) {
  ClosingOptions o;
  o.resolution = 128;
  // An open box: the flood enters through the top, so the floor inside stays a visible surface.
  const ClosedSurface open = close_surface(box(0.3f, true), o);
  expect_closed(open.mesh);
  EXPECT_EQ(open.visible_source.triangles.size(), 10u);
  EXPECT_GT(fscore(open.mesh, open.visible_source), 0.9);
  EXPECT_EQ(open.enclosed_nodes, 0u);
  // A closed box with a smaller box inside: the inner box is hidden and filled.
  Mesh nested = box(0.3f, false);
  const Mesh inner = box(0.1f, false);
  const std::uint32_t base = static_cast<std::uint32_t>(nested.positions.size());
  nested.positions.insert(nested.positions.end(), inner.positions.begin(), inner.positions.end());
  for (Triangle t : inner.triangles) nested.triangles.push_back({t[0] + base, t[1] + base, t[2] + base});
  const ClosedSurface closed = close_surface(nested, o);
  expect_closed(closed.mesh);
  EXPECT_EQ(closed.visible_source.triangles.size(), 12u);  // the outer box only
  EXPECT_GT(closed.enclosed_nodes, 1000u);
  EXPECT_EQ(connected_components(closed.mesh).count, 1);
  EXPECT_GT(fscore(closed.mesh, closed.visible_source), 0.9);
}

TEST(DatasetClosing, FaceBudgetKeepsTheSurfaceClosedAndCarriesColoursAndParts) {
  Mesh m = box(0.3f, true);
  m.colors.assign(m.positions.size(), Vec4(1, 0, 0, 1));
  m.face_parts.assign(m.triangles.size(), 0);
  for (std::size_t f = 0; f < 2; ++f) m.face_parts[f] = 1;
  ClosingOptions o;
  o.resolution = 64;
  o.max_faces = 3000;
  const ClosedSurface c = close_surface(m, o);
  expect_closed(c.mesh);
  EXPECT_LE(c.mesh.triangles.size(), 3000u);
  ASSERT_EQ(c.mesh.colors.size(), c.mesh.positions.size());
  EXPECT_NEAR(c.mesh.colors[0].x(), 1.0f, 1e-4f);
  ASSERT_EQ(c.mesh.face_parts.size(), c.mesh.triangles.size());
  EXPECT_NE(std::count(c.mesh.face_parts.begin(), c.mesh.face_parts.end(), 1), 0);
  EXPECT_THROW(close_surface(m, ClosingOptions{8, 0.75, 0, 0}), Error);
  EXPECT_THROW(close_surface(m, ClosingOptions{64, 0.4, 0, 0}), Error);
}

TEST(DatasetNames, HeadNounDecidesTheCategory) {
  EXPECT_EQ(name_category("Oak chair", nullptr), "chair");
  EXPECT_EQ(name_category("Coffee table", nullptr), "table");
  EXPECT_EQ(name_category("Table with drawers", nullptr), "table");
  EXPECT_EQ(name_category("ferry boat 1", nullptr), "boat");
  EXPECT_EQ(name_category("cattle farm", nullptr), "");  // a farm, not a cow
  EXPECT_EQ(name_category("", nullptr), "");
}

TEST(DatasetSources, SpecsParseAndBadOnesNameThemselves) {
  const SourceSpec s = parse_source("synth:20:7");
  EXPECT_EQ(s.kind, "synth");
  EXPECT_EQ(s.count, 20u);
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(parse_source("flightgear:/x/Models").dir, fs::path("/x/Models"));
  for (const char* bad : {"synth:0:1", "synth:5", "synth:a:1", "synth:5:-1", "scans:/x", "sweethome3d:", "nothing"}) {
    try {
      parse_source(bad);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::Usage);
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

void add_member(zipFile zip, const std::string& name, const std::string& bytes) {
  ASSERT_EQ(zipOpenNewFileInZip(zip, name.c_str(), nullptr, nullptr, 0, nullptr, 0, nullptr, Z_DEFLATED,
                                Z_DEFAULT_COMPRESSION),
            ZIP_OK);
  ASSERT_EQ(zipWriteInFileInZip(zip, bytes.data(), static_cast<unsigned>(bytes.size())), ZIP_OK);
  ASSERT_EQ(zipCloseFileInZip(zip), ZIP_OK);
}

// A chair-ish OBJ: a seat slab and a back panel (single-sided quads), in two groups with two
// materials, one of them textured.
std::string chair_obj() {
  return "mtllib chair.mtl\n"
         "v -1 1 -1\nv 1 1 -1\nv 1 1 1\nv -1 1 1\n"
         "v -1 1 1\nv 1 1 1\nv 1 3 1\nv -1 3 1\n"
         "g seat\nusemtl wood\nf 1 2 3\nf 1 3 4\n"
         "g back\nusemtl red_fabric\nf 5 6 7\nf 5 7 8\n";
}

void write_catalog(const fs::path& file, bool include_texture) {
  zipFile zip = zipOpen(file.string().c_str(), APPEND_STATUS_CREATE);
  ASSERT_NE(zip, nullptr);
  add_member(zip, "PluginFurnitureCatalog.properties",
             "id#1=test#chair\nname#1=Oak chair\ncategory#1=Living room\ntags#1=seat, wood\n"
             "model#1=/test/chair/chair.obj\nwidth#1=50\ndepth#1=50\nheight#1=90\n"
             "id#2=test#broken\nname#2=Broken lamp\ncategory#2=Lights\n"
             "model#2=/test/lamp/lamp.obj\nwidth#2=20\ndepth#2=20\nheight#2=40\n");
  add_member(zip, "PluginFurnitureCatalog_fr.properties", "name#1=Chaise en ch\\u00EAne\n");
  add_member(zip, "test/chair/chair.obj", chair_obj());
  add_member(zip, "test/chair/chair.mtl",
             "newmtl wood\nKd 1 1 1\nmap_Kd tex/wood.png\nnewmtl red_fabric\nKd 0.8 0.05 0.05\n");
  if (include_texture) {
    render::Image texture;
    texture.width = texture.height = 4;
    texture.rgba.assign(4 * 4 * 4, 0);
    for (int i = 0; i < 16; ++i) {
      texture.rgba[i * 4 + 2] = 255;  // blue
      texture.rgba[i * 4 + 3] = 255;
    }
    add_member(zip, "test/chair/tex/wood.png", render::encode_png(texture));
  }
  ASSERT_EQ(zipClose(zip, nullptr), ZIP_OK);
}

TEST(DatasetImport, MaterialColoursComeFromDiffuseAndTextureMeans) {
  TempDir dir;
  fs::create_directories(dir / "tex");
  std::ofstream(dir / "chair.obj") << chair_obj();
  std::ofstream(dir / "chair.mtl") << "newmtl wood\nKd 1 1 1\nmap_Kd tex/wood.png\nnewmtl red_fabric\nKd 0.8 0.05 0.05\n";
  render::Image texture;
  texture.width = texture.height = 2;
  texture.rgba = {0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255};
  const std::string png = render::encode_png(texture);
  std::ofstream(dir / "tex" / "wood.png", std::ios::binary).write(png.data(), static_cast<std::streamsize>(png.size()));
  io::ImportOptions options;
  options.material_colors = true;
  io::ImportReport report;
  const Scene scene = io::load_scene(dir / "chair.obj", options, &report);
  ASSERT_EQ(scene.parts.size(), 2u);
  EXPECT_EQ(report.textures_read, 1u);
  EXPECT_EQ(report.part_materials.size(), 2u);
  for (const Part& p : scene.parts) {
    ASSERT_FALSE(p.mesh.colors.empty());
    const Vec4 c = p.mesh.colors[0];
    if (p.name.find("seat") != std::string::npos) {
      EXPECT_NEAR(c.z(), 1.0f, 1e-3f);  // the blue texture's mean
      EXPECT_NEAR(c.x(), 0.0f, 1e-3f);
    } else {
      EXPECT_NEAR(c.x(), 0.8f, 1e-3f);  // Kd
    }
  }
  // Without the option, no colours are invented.
  EXPECT_TRUE(io::load_scene(dir / "chair.obj").parts[0].mesh.colors.empty());
}

TEST(DatasetBuild, CatalogPlusSynthInTheSynthLayoutHeldOutNeverReadAndResumable) {
  TempDir dir;
  fs::create_directories(dir / "furniture");
  write_catalog(dir / "furniture" / "TestCatalog.sh3f", true);
  // The held-out catalog is corrupt: reading it would fail the whole listing.
  std::ofstream(dir / "furniture" / (std::string(kHeldOutCatalog) + ".sh3f")) << "not a zip archive";
  DatasetBuildOptions o;
  o.sources = {parse_source("sweethome3d:" + (dir / "furniture").string()), parse_source("synth:2:5")};
  o.out = dir / "out";
  o.views = 1;
  o.image_size = 32;
  o.synth_resolution = 24;
  o.closing_resolution = 128;
  o.max_faces = 4000;
  const DatasetBuildReport report = build_dataset(o);
  EXPECT_EQ(report.kept.at("sweethome3d"), 1u);
  EXPECT_EQ(report.kept.at("synth"), 2u);
  EXPECT_EQ(report.skipped.at("sweethome3d: does not load"), 1u);  // the lamp has no OBJ
  ASSERT_EQ(report.closing_fscore.size(), 1u);
  EXPECT_GT(report.closing_fscore[0], 0.9);
  EXPECT_EQ(report.closed_manifold, 1u);
  EXPECT_GT(report.vocabulary_after, report.vocabulary_before);

  std::vector<nlohmann::json> records;
  std::ifstream in(o.out / "metadata.jsonl");
  for (std::string line; std::getline(in, line);) records.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(records.size(), 3u);
  const nlohmann::json& chair = records[0];
  EXPECT_EQ(chair["category"], "chair");
  EXPECT_EQ(chair["family"], "real");
  EXPECT_EQ(chair["attributes"]["real"]["catalog"], "TestCatalog");
  EXPECT_EQ(chair["attributes"]["real"]["textures_read"], 1);
  const auto captions = chair["captions"].get<std::vector<std::string>>();
  for (const char* expected : {"oak chair", "an oak chair", "chair", "a chair", "a wooden chair"}) {
    EXPECT_NE(std::find(captions.begin(), captions.end(), expected), captions.end()) << expected;
  }
  const auto colors = chair["attributes"]["real"]["colors"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(colors.begin(), colors.end(), "blue"), colors.end());
  EXPECT_NE(std::find(colors.begin(), colors.end(), "red"), colors.end());
  // Size in cm from the catalog, mesh in metres: 90 cm tall.
  EXPECT_NEAR(chair["attributes"]["real"]["size_cm"][1].get<double>(), 90.0, 1e-3);
  const double height = chair["mesh"]["bbox_max"][1].get<double>() - chair["mesh"]["bbox_min"][1].get<double>();
  EXPECT_NEAR(height, 0.9, 0.05);
  // The synth layout: the GLB reads back closed, the view exists.
  const Scene glb = io::load_scene(o.out / chair["files"]["glb"].get<std::string>());
  Mesh joined;
  for (const Part& p : glb.parts) {
    const std::uint32_t base = static_cast<std::uint32_t>(joined.positions.size());
    joined.positions.insert(joined.positions.end(), p.mesh.positions.begin(), p.mesh.positions.end());
    for (Triangle t : p.mesh.triangles) joined.triangles.push_back({t[0] + base, t[1] + base, t[2] + base});
  }
  expect_closed(joined);
  EXPECT_TRUE(fs::exists(o.out / chair["files"]["views"][0].get<std::string>()));
  // Synth records gain bare-noun captions.
  const auto synth_captions = records[1]["captions"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(synth_captions.begin(), synth_captions.end(), "a chair"), synth_captions.end());

  // A second run with resume redoes nothing and writes the same metadata.
  std::ifstream first(o.out / "metadata.jsonl");
  const std::string before((std::istreambuf_iterator<char>(first)), std::istreambuf_iterator<char>());
  o.resume = true;
  const DatasetBuildReport again = build_dataset(o);
  EXPECT_EQ(again.resumed, 4u);
  std::ifstream second(o.out / "metadata.jsonl");
  const std::string after((std::istreambuf_iterator<char>(second)), std::istreambuf_iterator<char>());
  EXPECT_EQ(before, after);
}

// The evaluation set: `--held-out` reads the held-out catalog alone, marks every record, and the
// trainers refuse the directory, so it cannot be trained on through a mistyped --dataset.
TEST(DatasetBuild, HeldOutBuildReadsOnlyTheHeldOutCatalogAndTrainersRefuseIt) {
  TempDir dir;
  fs::create_directories(dir / "furniture");
  write_catalog(dir / "furniture" / (std::string(kHeldOutCatalog) + ".sh3f"), false);
  // Any other catalog is never opened: a corrupt one would fail the listing.
  std::ofstream(dir / "furniture" / "Other.sh3f") << "not a zip archive";
  DatasetBuildOptions o;
  o.sources = {parse_source("sweethome3d:" + (dir / "furniture").string())};
  o.out = dir / "eval";
  o.views = 1;
  o.image_size = 32;
  o.closing_resolution = 64;
  o.max_faces = 4000;
  o.held_out = true;
  const DatasetBuildReport report = build_dataset(o);
  EXPECT_TRUE(report.held_out);
  EXPECT_EQ(report.kept.at("sweethome3d"), 1u);
  std::ifstream in(o.out / "metadata.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  const auto record = nlohmann::json::parse(line);
  EXPECT_EQ(record["attributes"]["real"]["catalog"], kHeldOutCatalog);
  EXPECT_EQ(record.value("held_out", false), true);

  // Refused before anything is read, synth assets included (their build comes first); and by
  // the records themselves when the build report is gone.
  model::TrainingShapeOptions training;
  training.synth_count = 2;
  training.datasets = {o.out};
  for (int pass = 0; pass < 2; ++pass) {
    try {
      model::for_each_training_shape(training, [](const model::TrainingShape&) { FAIL() << "a shape was read"; });
      FAIL() << "the trainer read the held-out set";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::Usage);
      EXPECT_NE(std::string(e.what()).find("held-out"), std::string::npos) << e.what();
    }
    fs::remove(o.out / "build_report.json");
    training.synth_count = 0;
  }
  // Without the held-out catalog in the directory the evaluation build names what is missing;
  // and synth or FlightGear sources cannot join the evaluation set.
  fs::remove(dir / "furniture" / (std::string(kHeldOutCatalog) + ".sh3f"));
  fs::remove(dir / "furniture" / "Other.sh3f");
  write_catalog(dir / "furniture" / "Other.sh3f", false);
  o.out = dir / "eval2";
  EXPECT_THROW(build_dataset(o), Error);
  EXPECT_FALSE(fs::exists(o.out / "metadata.jsonl"));
  o.sources.push_back(parse_source("synth:2:5"));
  try {
    build_dataset(o);
    FAIL() << "a synth source joined the held-out set";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::Usage);
  }
}

TEST(DatasetBuild, CliNamesABadSourceAndExitsTwo) {
  TempDir dir;
  const auto r = test::run_cli({"dataset", "build", "--source", "synth:zero:1", "--out", (dir / "o").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("synth:zero:1"), std::string::npos) << r.err;
  const auto missing = test::run_cli({"dataset", "build", "--source", "sweethome3d:" + (dir / "none").string(),
                                      "--out", (dir / "o").string()});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("none"), std::string::npos) << missing.err;
  EXPECT_FALSE(fs::exists(dir / "o"));  // nothing written when a source does not list
}

}  // namespace
}  // namespace flexforge::dataset
