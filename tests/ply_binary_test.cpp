// Binary PLY files whose data starts with a line-end byte: Debian's Assimp 5.2 misreads them and
// aborts the process (assimp issue #5692), so io::load_scene reads them with its own binary PLY
// reader. These files are written by hand; the reader must give what Assimp gives for a file it
// reads correctly, and must refuse corrupt or hostile files with a one-line error.
#include "test_support.h"

#include "flexforge/core/error.h"
#include "flexforge/io/import.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>

using namespace flexforge;

namespace {

// Floats whose first byte on disk is a line end: 1.0000006f little-endian starts with 0x0a, and
// a tiny positive float (exponent byte 0x0d) starts big-endian with 0x0d.
float from_bits(std::uint32_t bits) {
  float x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}
const float kLittleLineFeed = from_bits(0x3f80000au);
const float kBigCarriageReturn = from_bits(0x0d8a0000u);

// Binary PLY data in either byte order.
class Bytes {
 public:
  explicit Bytes(bool big_endian) : big_(big_endian) {}
  Bytes& u8(std::uint8_t v) { return raw(v, 1); }
  Bytes& u16(std::uint16_t v) { return raw(v, 2); }
  Bytes& i32(std::int32_t v) { return raw(static_cast<std::uint32_t>(v), 4); }
  Bytes& u32(std::uint32_t v) { return raw(v, 4); }
  Bytes& f32(float v) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return raw(bits, 4);
  }
  const std::string& str() const { return data_; }

 private:
  Bytes& raw(std::uint64_t v, int n) {
    for (int k = 0; k < n; ++k) {
      const int shift = 8 * (big_ ? n - 1 - k : k);
      data_ += static_cast<char>(v >> shift & 0xFF);
    }
    return *this;
  }
  bool big_;
  std::string data_;
};

const Vec3 kCorners[4] = {Vec3(0, 0, 0), Vec3(2, 0, 0), Vec3(2, 1, 0), Vec3(0, 1, 0)};

// 4 vertices (the first one's x = `first_x`), an unknown element with a list property before the
// faces (Assimp 5.2 misreads the faces after it, so it can be left out), then a quad and a
// triangle; faces carry an extra scalar after their index list.
std::string square_ply(bool big_endian, float first_x, bool colors = false, bool extra_element = true) {
  std::string header = std::string("ply\nformat ") + (big_endian ? "binary_big_endian" : "binary_little_endian") +
                       " 1.0\ncomment written by hand\nobj_info test\nelement vertex 4\n"
                       "property float x\nproperty float y\nproperty float z\n";
  if (colors) header += "property uchar red\nproperty uchar green\nproperty uchar blue\n";
  if (extra_element) header += "element group 2\nproperty list uchar int members\nproperty double weight\n";
  header += "element face 2\nproperty list uchar uint vertex_indices\nproperty uchar flags\nend_header\n";
  Bytes data(big_endian);
  for (int v = 0; v < 4; ++v) {
    data.f32(v == 0 ? first_x : kCorners[v].x()).f32(kCorners[v].y()).f32(kCorners[v].z());
    if (colors) data.u8(static_cast<std::uint8_t>(60 * v)).u8(255).u8(0);
  }
  if (extra_element) {
    data.u8(3).i32(7).i32(-1).i32(1 << 30).f32(0).f32(0);  // group 0: three members, a double
    data.u8(0).f32(0).f32(0);                                 // group 1: none
  }
  data.u8(4).u32(0).u32(1).u32(2).u32(3).u8(9);             // the quad
  data.u8(3).u32(0).u32(1).u32(3).u8(9);                    // a triangle
  return header + data.str();
}

// Triangles with their smallest index first (the same triangle, orientation kept): Assimp may
// start a triangle at another corner.
std::vector<Triangle> rotated(std::vector<Triangle> triangles) {
  for (Triangle& t : triangles) {
    while (t[0] > t[1] || t[0] > t[2]) t = {t[1], t[2], t[0]};
  }
  return triangles;
}

void expect_square(const Scene& scene, float first_x, const std::string& name) {
  ASSERT_EQ(scene.parts.size(), 1u);
  EXPECT_EQ(scene.parts[0].name, name);
  const Mesh& mesh = scene.parts[0].mesh;
  ASSERT_EQ(mesh.positions.size(), 4u);
  for (int v = 0; v < 4; ++v) {
    const Vec3 expected(v == 0 ? first_x : kCorners[v].x(), kCorners[v].y(), kCorners[v].z());
    EXPECT_EQ(mesh.positions[v], expected) << "vertex " << v;
  }
  const std::vector<Triangle> expected{{0, 1, 2}, {0, 2, 3}, {0, 1, 3}};
  EXPECT_EQ(rotated(mesh.triangles), expected);
}

// load_scene must refuse the file as a corrupt binary PLY (exit code 3), saying `why` when given.
void expect_corrupt(const std::string& bytes, const std::string& reason, const std::string& why = "") {
  test::TempDir dir;
  test::write_text(dir / "bad.ply", bytes);
  try {
    io::load_scene(dir / "bad.ply");
    ADD_FAILURE() << reason << ": a corrupt PLY loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::InvalidInput) << reason << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find("corrupt binary PLY"), std::string::npos) << reason << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << reason << ": " << e.what();
  }
}

// A little-endian header for one triangle whose data starts with 0x0a, with `vertex_lines`
// declaring the vertex properties.
std::string triangle_header(const std::string& vertex_lines, const std::string& faces = "1") {
  return "ply\nformat binary_little_endian 1.0\nelement vertex 3\n" + vertex_lines + "element face " + faces +
         "\nproperty list uchar int vertex_indices\nend_header\n";
}

std::string triangle_data(float y0 = 0.0f) {
  Bytes data(false);
  data.f32(kLittleLineFeed).f32(y0).f32(0).f32(0).f32(1).f32(0).f32(0).f32(0).f32(1);
  data.u8(3).i32(0).i32(1).i32(2);
  return data.str();
}

const char* kXyz = "property float x\nproperty float y\nproperty float z\n";

}  // namespace

TEST(PlyBinary, LittleEndianDataStartingWithLineFeedLoads) {
  const std::string file = square_ply(false, kLittleLineFeed);
  ASSERT_EQ(file[file.find("end_header\n") + 11], '\n');  // the case Assimp 5.2 aborts on
  test::TempDir dir;
  test::write_text(dir / "square.ply", file);
  io::ImportReport report;
  const Scene scene = io::load_scene(dir / "square.ply", {}, &report);
  expect_square(scene, kLittleLineFeed, "square");
  EXPECT_FALSE(scene.parts[0].mesh.has_colors());
  EXPECT_EQ(report.format, "ply");
  EXPECT_EQ(report.source_nodes, 1u);
  EXPECT_EQ(report.source_meshes, 1u);
  EXPECT_EQ(report.part_materials.size(), 1u);
}

TEST(PlyBinary, BigEndianDataStartingWithCarriageReturnLoads) {
  const std::string file = square_ply(true, kBigCarriageReturn);
  ASSERT_EQ(file[file.find("end_header\n") + 11], '\r');
  test::TempDir dir;
  test::write_text(dir / "square_be.ply", file);
  expect_square(io::load_scene(dir / "square_be.ply"), kBigCarriageReturn, "square_be");
}

TEST(PlyBinary, CrLfHeaderEndIsAccepted) {
  std::string file = square_ply(false, kLittleLineFeed);
  file.replace(file.find("end_header\n"), 11, "end_header\r\n");
  test::TempDir dir;
  test::write_text(dir / "crlf.ply", file);
  expect_square(io::load_scene(dir / "crlf.ply"), kLittleLineFeed, "crlf");
}

TEST(PlyBinary, UcharColoursAreRead) {
  test::TempDir dir;
  test::write_text(dir / "colored.ply", square_ply(false, kLittleLineFeed, true));
  const Scene scene = io::load_scene(dir / "colored.ply");
  expect_square(scene, kLittleLineFeed, "colored");
  const Mesh& mesh = scene.parts[0].mesh;
  ASSERT_EQ(mesh.colors.size(), 4u);
  for (int v = 0; v < 4; ++v) {
    EXPECT_NEAR(mesh.colors[v].x(), 60.0f * v / 255.0f, 1e-6f) << v;
    EXPECT_EQ(mesh.colors[v].y(), 1.0f) << v;
    EXPECT_EQ(mesh.colors[v].z(), 0.0f) << v;
    EXPECT_EQ(mesh.colors[v].w(), 1.0f) << v;
  }
}

// The same file with a first byte Assimp reads correctly goes through Assimp: both readers give
// the same scene (names, triangles, colours, welded vertices, material colours).
TEST(PlyBinary, MatchesAssimpOnAFileAssimpReads) {
  test::TempDir dir;
  for (bool colors : {false, true}) {
    test::write_text(dir / "mesh.ply", square_ply(false, kLittleLineFeed, colors, false));
    const float safe_x = 1.0f;  // first byte 0x00
    std::filesystem::create_directories(dir / "safe");
    test::write_text(dir / "safe" / "mesh.ply", square_ply(false, safe_x, colors, false));
    io::ImportOptions options;
    options.material_colors = true;
    io::ImportReport ours_report, assimp_report;
    const Scene ours = io::load_scene(dir / "mesh.ply", options, &ours_report);
    const Scene assimp = io::load_scene(dir / "safe" / "mesh.ply", options, &assimp_report);
    expect_square(assimp, safe_x, "mesh");
    ASSERT_EQ(ours.parts.size(), 1u);
    EXPECT_EQ(ours.parts[0].name, assimp.parts[0].name);
    EXPECT_EQ(rotated(ours.parts[0].mesh.triangles), rotated(assimp.parts[0].mesh.triangles));
    EXPECT_EQ(ours.parts[0].mesh.normals.size(), assimp.parts[0].mesh.normals.size());
    ASSERT_EQ(ours.parts[0].mesh.colors.size(), assimp.parts[0].mesh.colors.size()) << colors;
    for (std::size_t v = 0; v < ours.parts[0].mesh.colors.size(); ++v) {
      EXPECT_TRUE(ours.parts[0].mesh.colors[v].isApprox(assimp.parts[0].mesh.colors[v], 1e-6f))
          << colors << " vertex " << v << ": " << ours.parts[0].mesh.colors[v].transpose() << " vs "
          << assimp.parts[0].mesh.colors[v].transpose();
    }
    EXPECT_EQ(ours_report.format, assimp_report.format);
    EXPECT_EQ(ours_report.source_nodes, assimp_report.source_nodes);
    EXPECT_EQ(ours_report.source_meshes, assimp_report.source_meshes);
    EXPECT_EQ(ours_report.part_materials, assimp_report.part_materials);
  }
  // A triangle soup: Assimp welds identical vertices, and so does our reader.
  for (float first_x : {kLittleLineFeed, 1.0f}) {
    Bytes data(false);
    const Vec3 corners[6] = {Vec3(first_x, 0, 0), Vec3(0, 1, 0), Vec3(0, 0, 1),
                             Vec3(first_x, 0, 0), Vec3(0, 0, 1), Vec3(0, 0, 0)};
    for (const Vec3& p : corners) data.f32(p.x()).f32(p.y()).f32(p.z());
    data.u8(3).i32(0).i32(1).i32(2).u8(3).i32(3).i32(4).i32(5);
    test::write_text(dir / "soup.ply",
                     "ply\nformat binary_little_endian 1.0\nelement vertex 6\n" + std::string(kXyz) +
                         "element face 2\nproperty list uchar int vertex_indices\nend_header\n" + data.str());
    const Mesh mesh = io::load_scene(dir / "soup.ply").parts.at(0).mesh;
    EXPECT_EQ(mesh.positions.size(), 4u) << first_x;
    const std::vector<Triangle> expected{{0, 1, 2}, {0, 2, 3}};
    EXPECT_EQ(rotated(mesh.triangles), expected) << first_x;
  }
}

TEST(PlyBinary, TruncatedDataIsCorrupt) {
  const std::string file = square_ply(false, kLittleLineFeed);
  for (std::size_t cut : {1, 2, 5, 20}) {
    expect_corrupt(file.substr(0, file.size() - cut), "cut " + std::to_string(cut));
  }
  // Cut inside the vertices, and right after the header.
  expect_corrupt(file.substr(0, file.find("end_header\n") + 11 + 17), "cut in vertex 1");
}

TEST(PlyBinary, FaceIndexPastTheVertexCountIsCorrupt) {
  Bytes data(false);
  data.f32(kLittleLineFeed).f32(0).f32(0).f32(0).f32(1).f32(0).f32(0).f32(0).f32(1);
  data.u8(3).i32(0).i32(1).i32(3);
  expect_corrupt(triangle_header(kXyz) + data.str(), "index 3 of 3 vertices", "face 0 refers to vertex 3");
  Bytes negative(false);
  negative.f32(kLittleLineFeed).f32(0).f32(0).f32(0).f32(1).f32(0).f32(0).f32(0).f32(1);
  negative.u8(3).i32(0).i32(-1).i32(2);
  expect_corrupt(triangle_header(kXyz) + negative.str(), "index -1", "face 0 refers to vertex -1");
}

TEST(PlyBinary, FaceCountLargerThanTheFileIsCorrupt) {
  expect_corrupt(triangle_header(kXyz, "4000000000") + triangle_data(), "4e9 faces",
                 "'face' claims 4000000000 items");
  expect_corrupt(triangle_header(kXyz, "99999999999999999999999") + triangle_data(), "count overflows");
  // A vertex count the data cannot hold, and a list length past the end of the file.
  std::string many_vertices = triangle_header(kXyz) + triangle_data();
  many_vertices.replace(many_vertices.find("vertex 3"), 8, "vertex 3000000000");
  expect_corrupt(many_vertices, "3e9 vertices", "'vertex' claims 3000000000 items");
  Bytes long_list(false);
  long_list.f32(kLittleLineFeed).f32(0).f32(0).f32(0).f32(1).f32(0).f32(0).f32(0).f32(1);
  long_list.u8(200).i32(0).i32(1).i32(2);
  expect_corrupt(triangle_header(kXyz) + long_list.str(), "a 200-index face in a short file",
                 "face 0 claims a list of 200 items");
}

TEST(PlyBinary, FewerThanThreeIndicesIsCorrupt) {
  Bytes data(false);
  data.f32(kLittleLineFeed).f32(0).f32(0).f32(0).f32(1).f32(0).f32(0).f32(0).f32(1);
  data.u8(2).i32(0).i32(1);
  expect_corrupt(triangle_header(kXyz) + data.str(), "a two-index face", "face 0 has 2 vertices");
}

TEST(PlyBinary, NonFiniteCoordinateIsCorrupt) {
  expect_corrupt(triangle_header(kXyz) + triangle_data(std::numeric_limits<float>::quiet_NaN()), "NaN",
                 "vertex 0 has a NaN");
  expect_corrupt(triangle_header(kXyz) + triangle_data(std::numeric_limits<float>::infinity()), "inf",
                 "vertex 0 has a NaN or infinite");
  // A double beyond float's range is no better (its first byte on disk made a line feed).
  const double huge = 1e300;
  std::uint64_t bits;
  std::memcpy(&bits, &huge, sizeof bits);
  bits = (bits & ~std::uint64_t(0xFF)) | 0x0A;
  Bytes data(false);
  data.u32(static_cast<std::uint32_t>(bits)).u32(static_cast<std::uint32_t>(bits >> 32)).f32(0).f32(0);
  for (int k = 0; k < 2; ++k) data.u32(0).u32(0).f32(1).f32(0);
  data.u8(3).i32(0).i32(1).i32(2);
  expect_corrupt(triangle_header("property double x\nproperty float y\nproperty float z\n") + data.str(), "1e300",
                 "vertex 0 has a NaN or infinite");
}

TEST(PlyBinary, MissingXPropertyIsCorrupt) {
  Bytes data(false);
  for (int k = 0; k < 6; ++k) data.f32(k == 0 ? kLittleLineFeed : 0.0f);
  data.u8(3).i32(0).i32(1).i32(2);
  expect_corrupt(triangle_header("property float w\nproperty float y\n") + data.str(), "no x", "no 'x' property");
}

TEST(PlyBinary, MalformedHeadersAreCorrupt) {
  const std::string data = triangle_data();
  expect_corrupt(triangle_header("property float x\nproperty quad y\nproperty float z\n") + data, "unknown type");
  expect_corrupt(triangle_header(std::string(kXyz) + "property list float int bad\n") + data, "float list count");
  expect_corrupt("ply\nformat binary_little_endian 1.0\nelement vertex 3\n" + std::string(kXyz) +
                     "element face 1\nproperty list uchar float vertex_indices\nend_header\n" + data,
                 "float indices");
}

// Without a face element the file is a point cloud: refused as Assimp-read files are.
TEST(PlyBinary, PointCloudHoldsNoTriangles) {
  test::TempDir dir;
  const std::string data = triangle_data();
  test::write_text(dir / "points.ply",
                   "ply\nformat binary_little_endian 1.0\nelement vertex 3\n" + std::string(kXyz) + "end_header\n" +
                       data.substr(0, 36));
  try {
    io::load_scene(dir / "points.ply");
    FAIL() << "a point cloud loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::InvalidInput);
    EXPECT_NE(std::string(e.what()).find("holds no triangle meshes"), std::string::npos) << e.what();
  }
}
