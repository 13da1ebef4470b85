// `flexforge segment` through the real CLI: a named node per part, the --json part list, and the
// documented exit codes for bad inputs and options.
#include "test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using namespace flexforge::test;

TEST(SegmentCli, WritesOneNodePerPartAndPrintsTheList) {
  TempDir dir;
  const fs::path out = dir / "cow_parts.glb";
  const CommandResult r =
      run_cli({"segment", cgal_mesh("cow.off").string(), "-o", out.string(), "--json", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json list = nlohmann::json::parse(r.out);
  ASSERT_TRUE(list.is_array());
  ASSERT_GE(list.size(), 2u);
  std::size_t faces = 0;
  for (const auto& p : list) {
    faces += p["faces"].get<std::size_t>();
    EXPECT_GT(p["area"].get<double>(), 0.0);
    EXPECT_EQ(p["bbox"]["min"].size(), 3u);
  }
  EXPECT_EQ(faces, 5804u);  // cow.off: every face in some part
  EXPECT_EQ(list[0]["name"], "part_00");
  ASSERT_TRUE(fs::exists(out));
  // The GLB holds the parts as nodes: inspect reads them back.
  const CommandResult back = run_cli({"inspect", out.string(), "--json"});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_NE(back.out.find("part_00"), std::string::npos);
  if (gltf_validator_installed()) {
    const GltfValidation v = validate_gltf(out);
    EXPECT_TRUE(v.ran) << v.raw;
    EXPECT_EQ(v.errors, 0) << v.raw;
  }
}

TEST(SegmentCli, ExplicitPartCountOnAnStlSoup) {
  TempDir dir;
  const fs::path out = dir / "pig.obj";
  const CommandResult r = run_cli(
      {"segment", cgal_mesh("pig.stl").string(), "-o", out.string(), "--parts", "4", "--json", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).size(), 4u);
}

TEST(SegmentCli, BadInputsGetTheirExitCodes) {
  TempDir dir;
  const std::string cow = cgal_mesh("cow.off").string();
  EXPECT_EQ(run_cli({"segment", (dir / "missing.obj").string(), "-o", (dir / "o.glb").string()}).exit_code, 3);
  write_text(dir / "empty.obj", "");
  EXPECT_EQ(run_cli({"segment", (dir / "empty.obj").string(), "-o", (dir / "o.glb").string()}).exit_code, 3);
  EXPECT_EQ(run_cli({"segment", cow, "-o", (dir / "o.glb").string(), "--parts", "abc"}).exit_code, 2);
  EXPECT_EQ(run_cli({"segment", cow, "-o", (dir / "o.glb").string(), "--parts", "0"}).exit_code, 2);
  EXPECT_EQ(run_cli({"segment", cow, "-o", (dir / "o.glb").string(), "--min-part-area", "2"}).exit_code, 2);
  EXPECT_EQ(run_cli({"segment", cow, "-o", (dir / "o.xyz").string()}).exit_code, 2);
  EXPECT_EQ(run_cli({"segment", cow}).exit_code, 2);  // -o is required
  EXPECT_EQ(run_cli({"segment", cow, "-o", (dir / "no_such_dir" / "o.glb").string()}).exit_code, 5);
  EXPECT_FALSE(fs::exists(dir / "o.glb"));
}
