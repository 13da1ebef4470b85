// Real artist files that Assimp's validator rejects for a flag mismatch alone still load: an OBJ
// whose face group holds a two-vertex face (a line, as in a Sweet Home 3D keyboard model), which
// Assimp's OBJ reader flags wrong.
#include "test_support.h"

#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/scene_ops.h"
#include "flexforge/io/export.h"
#include "flexforge/io/import.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

using namespace flexforge;

TEST(ImportQuirks, ObjWithLineElementsInAFaceGroupLoads) {
  test::TempDir dir;
  test::write_text(dir / "mixed.obj",
                   "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\ng keys\nf 1 2 3\nf 1 4\nf 1 3 4\n");
  const Scene scene = io::load_scene((dir / "mixed.obj").string());
  EXPECT_EQ(scene.face_count(), 2u);
}

// Found by the mesh-import fuzzer: a small GLB whose chunk header claims 2.6 GB made Assimp
// allocate that much before failing. The header is checked first; the file is refused as corrupt.
TEST(ImportQuirks, GlbChunkLongerThanTheFileIsRefusedBeforeAssimpAllocates) {
  test::TempDir dir;
  const std::string json = R"({"asset":{"version":"2.0"}})";
  auto u32 = [](std::uint32_t v) {
    return std::string{char(v & 0xFF), char(v >> 8 & 0xFF), char(v >> 16 & 0xFF), char(v >> 24 & 0xFF)};
  };
  const std::string file = "glTF" + u32(2) + u32(12 + 8 + json.size()) + u32(0x9d020000u) + "JSON" + json;
  test::write_text(dir / "big.glb", file);
  try {
    io::load_scene((dir / "big.glb").string());
    FAIL() << "a corrupt GLB loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::InvalidInput);
    EXPECT_NE(std::string(e.what()).find("corrupt binary glTF"), std::string::npos) << e.what();
  }
  // Total length wrong (too long, and zero as in the fuzzer's input).
  for (std::uint32_t claimed : {1u << 30, 0u}) {
    const std::string liar = "glTF" + u32(2) + u32(claimed) + u32(0x9d020000u) + "JSON" + json;
    test::write_text(dir / "liar.glb", liar);
    EXPECT_THROW(io::load_scene((dir / "liar.glb").string()), Error) << claimed;
  }
}

// OFF counts come first and Assimp allocates what they claim: the mesh-import fuzzer's file (a
// 117-digit vertex count) asked for 22 GB. Counts the file cannot hold are refused first; a
// good OFF still loads.
TEST(ImportQuirks, OffCountsLargerThanTheFileAreRefusedBeforeAssimpAllocates) {
  test::TempDir dir;
  const std::string faces = " 4 0 00  0\n 0\n1 0 0\n0 1 0\n0 0 1\n3 0 2 1\n3 0 1 3\n3 0 3 2\n3  3\n";
  const std::vector<std::string> liars = {"OFF\n4" + std::string(116, '7') + faces,
                                          "OFF\n1000000 4 0\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n",
                                          "OFF\n4 999999999999 0\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n",
                                          // The second fuzzer input: a count followed by junk bytes.
                                          std::string("OFF\n477777776\n  3\xe7 0\xf6 "),
                                          // The third: junk glued to the keyword.
                                          std::string("OFF7774\n7777777773\xe7  3\n")};
  for (const std::string& liar : liars) {
    test::write_text(dir / "liar.off", liar);
    try {
      io::load_scene((dir / "liar.off").string());
      FAIL() << "a corrupt OFF loaded: " << liar.substr(0, 40);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::InvalidInput);
      EXPECT_NE(std::string(e.what()).find("corrupt OFF"), std::string::npos) << e.what();
    }
  }
  test::write_text(dir / "tet.off", "OFF\n4 4 6\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n"
                                    "3 0 2 1\n3 0 1 3\n3 0 3 2\n3 1 2 3\n");
  const Scene tet = io::load_scene((dir / "tet.off").string());
  EXPECT_EQ(tet.face_count(), 4u);
}

// Assimp 5.2's PLY reader skips line-end bytes after the header, so a binary PLY whose first
// vertex starts with 0x0a was unreadable, including flexforge's own retopo output (boeing.off at
// 1000 faces). The exporter moves such a vertex away from the front; the file reads back whole.
TEST(ImportQuirks, BinaryPlyWhoseFirstByteIsALineEndReadsBack) {
  test::TempDir dir;
  Mesh tetra;
  std::uint32_t bits = 0x3f80000au;  // 1.0000006f: its first byte on disk is '\n'
  float x;
  std::memcpy(&x, &bits, sizeof x);
  tetra.positions = {Vec3(x, 0, 0), Vec3(0, 1, 0), Vec3(0, 0, 1), Vec3(0, 0, 0)};
  tetra.triangles = {{0, 1, 2}, {0, 3, 1}, {1, 3, 2}, {0, 2, 3}};
  Scene scene;
  scene.parts.push_back({"tetra", tetra, ""});
  io::save_scene(scene, dir / "t.ply");
  const Mesh back = join_parts(io::load_scene(dir / "t.ply"));
  EXPECT_EQ(back.triangles.size(), 4u);
  EXPECT_TRUE(analyze_topology(weld(back, 0.0f)).watertight);
}
