// Resource limits (README "Exit codes"): inputs over --max-faces and a bad --max-memory are
// refused with a message; a full disk gives exit 5 and no partial file; a 1 MB manifest line and
// a 100,000-line manifest are handled.
#include "test_support.h"

#include "flexforge/core/error.h"
#include "flexforge/core/resource_limits.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

namespace fs = std::filesystem;
using namespace flexforge;
using namespace flexforge::test;

TEST(ResourceLimits, InputOverMaxFacesExitsSevenNamingTheLimit) {
  TempDir dir;
  const auto over = run_cli({"--max-faces", "100", "convert", cgal_mesh("pig.off").string(), "-o",
                             (dir / "pig.glb").string()});
  EXPECT_EQ(over.exit_code, 7) << over.err;
  EXPECT_NE(over.err.find("891 faces is over the limit of 100"), std::string::npos) << over.err;
  EXPECT_FALSE(fs::exists(dir / "pig.glb"));
  EXPECT_EQ(run_cli({"convert", cgal_mesh("pig.off").string(), "-o", (dir / "pig.glb").string()}).exit_code, 0);
  EXPECT_EQ(run_cli({"--max-memory", "lots", "info"}).exit_code, 2);
  EXPECT_EQ(run_cli({"--max-memory", "0", "convert", cgal_mesh("pig.off").string(), "-o",
                     (dir / "pig2.glb").string()}).exit_code, 0);
}

TEST(ResourceLimits, ByteSizesParse) {
  EXPECT_EQ(parse_byte_size("0", "x"), 0u);
  EXPECT_EQ(parse_byte_size("512M", "x"), 512u * 1024u * 1024u);
  EXPECT_EQ(parse_byte_size("1.5G", "x"), 1536u * 1024u * 1024u);
  EXPECT_EQ(parse_byte_size("4096", "x"), 4096u);
  for (const char* bad : {"", "G", "-1G", "1X", "1GG", "nan"}) EXPECT_THROW(parse_byte_size(bad, "x"), Error) << bad;
  EXPECT_GT(default_memory_limit(), 0u);
}

// A memory limit far below what a run needs ends it with exit 7 and a message, not a kill.
TEST(ResourceLimits, MemoryLimitGivesExitSevenNotAKill) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "RLIMIT_AS is not applied under AddressSanitizer";
#endif
  TempDir dir;
  // Direct extraction at 1024^3 needs a few GB; the process itself maps about 900 MB (libtorch).
  const auto r = run_cli({"--max-memory", "1000M", "reconstruct", cgal_mesh("pig.off").string(), "--direct",
                          "--resolution", "1024", "-o", (dir / "r.glb").string()});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("out of memory"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "r.glb"));
}

TEST(ResourceLimits, OneMegabyteLineAndAHundredThousandLineManifest) {
  TempDir dir;
  {
    std::ofstream m(dir / "big.jsonl");
    m << R"({"id": "long", "prompt": ")" << std::string(1 << 20, 'a') << "\"}\n";
    m << R"({"id": "after", "input": "no/such.obj"})" << "\n";
  }
  const auto big = run_cli({"-q", "batch", (dir / "big.jsonl").string(), "--out-dir", (dir / "o1").string(),
                            "--model", (dir / "no-model").string()});
  EXPECT_EQ(big.exit_code, 6) << big.err;
  const auto rows = read_jsonl(dir / "o1" / "results.jsonl");
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) EXPECT_EQ(row["status"], "failed") << row.dump().substr(0, 300);

  {
    std::ofstream m(dir / "many.jsonl");
    for (int i = 0; i < 100000; ++i) m << R"({"id": "j)" << i << R"(", "input": "no/such.obj"})" << "\n";
  }
  const auto start = std::chrono::steady_clock::now();
  const auto many = run_cli({"-q", "batch", (dir / "many.jsonl").string(), "--out-dir", (dir / "o2").string(),
                             "--shard", "7/50000"});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(many.exit_code, 6) << many.err;
  EXPECT_EQ(read_jsonl(dir / "o2" / "results.shard-7-of-50000.jsonl").size(), 2u);
  EXPECT_LT(seconds, 60.0) << "reading a 100k-line manifest must not take minutes";
}

// A full filesystem (a 64 KB tmpfs) gives exit 5 and leaves no file, partial or temporary.
TEST(ResourceLimits, FullDiskExitsFiveWithNoPartialFile) {
  TempDir dir;
  const fs::path mount = dir / "small";
  fs::create_directories(mount);
  if (run_shell("mount -t tmpfs -o size=64k tmpfs " + shell_quote(mount.string()) + " 2>/dev/null").exit_code != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  }
  // Every writer: Assimp's (OBJ with its .mtl, STL, PLY), glTF and FBX.
  for (const std::string ext : {"obj", "stl", "ply", "glb", "fbx"}) {
    const auto r = run_cli({"convert", cgal_mesh("armadillo.off").string(), "-o", (mount / ("a." + ext)).string()});
    EXPECT_EQ(r.exit_code, 5) << ext << ": " << r.err;
    EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << ext << ": " << r.err;
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(mount)) ++files;
    EXPECT_EQ(files, 0u) << ext << ": a partial or temporary file was left on the full disk";
  }
  run_shell("umount " + shell_quote(mount.string()));
}
