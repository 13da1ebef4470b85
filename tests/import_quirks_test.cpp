// Real artist files that Assimp's validator rejects for a flag mismatch alone still load: an OBJ
// whose face group holds a two-vertex face (a line, as in a Sweet Home 3D keyboard model), which
// Assimp's OBJ reader flags wrong.
#include "test_support.h"

#include "flexforge/io/import.h"

#include <gtest/gtest.h>

using namespace flexforge;

TEST(ImportQuirks, ObjWithLineElementsInAFaceGroupLoads) {
  test::TempDir dir;
  test::write_text(dir / "mixed.obj",
                   "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\ng keys\nf 1 2 3\nf 1 4\nf 1 3 4\n");
  const Scene scene = load_scene((dir / "mixed.obj").string());
  EXPECT_EQ(scene.face_count(), 2u);
}
