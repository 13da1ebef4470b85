// Every bad input gets its documented exit code, a one-line message naming the file, and leaves
// nothing behind in the output directory (README.md, "Exit codes").
#include "test_support.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <random>

namespace fs = std::filesystem;
using namespace flexforge::test;

namespace {

std::size_t count_entries(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

void expect_one_line_error(const CommandResult& r, const std::string& must_mention) {
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("error"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(must_mention), std::string::npos) << r.err;
}

class BadInput : public ::testing::Test {
 protected:
  TempDir in_dir, out_dir;
  fs::path output() const { return out_dir / "out.glb"; }
  CommandResult convert(const fs::path& input, const fs::path& out) {
    return run_cli({"convert", input.string(), "-o", out.string()});
  }
};

}  // namespace

TEST_F(BadInput, MissingFileExits3) {
  const auto r = convert(in_dir / "nope.obj", output());
  EXPECT_EQ(r.exit_code, 3);
  expect_one_line_error(r, "nope.obj");
  EXPECT_EQ(count_entries(out_dir.path()), 0u);
}

TEST_F(BadInput, EmptyFileExits3) {
  write_text(in_dir / "empty.obj", "");
  const auto r = convert(in_dir / "empty.obj", output());
  EXPECT_EQ(r.exit_code, 3);
  expect_one_line_error(r, "empty.obj");
  EXPECT_EQ(count_entries(out_dir.path()), 0u);
}

TEST_F(BadInput, TruncatedGlbExits3) {
  const fs::path good = in_dir / "good.glb";
  ASSERT_EQ(convert(cgal_mesh("pig.off"), good).exit_code, 0);
  const std::string bytes = read_text(good);
  write_text(in_dir / "truncated.glb", bytes.substr(0, bytes.size() / 2));
  const auto r = convert(in_dir / "truncated.glb", output());
  EXPECT_EQ(r.exit_code, 3);
  expect_one_line_error(r, "truncated.glb");
  EXPECT_EQ(count_entries(out_dir.path()), 0u);
}

TEST_F(BadInput, RandomBytesNamedObjExits3) {
  std::mt19937 rng(1234);
  std::string junk(8192, '\0');
  for (char& c : junk) c = static_cast<char>(rng() & 0xff);
  write_text(in_dir / "junk.obj", junk);
  const auto r = convert(in_dir / "junk.obj", output());
  EXPECT_EQ(r.exit_code, 3);
  expect_one_line_error(r, "junk.obj");
  EXPECT_EQ(count_entries(out_dir.path()), 0u);
}

TEST_F(BadInput, UnwritableOutputDirExits5) {
  // A directory that does not exist, and one that cannot be written even by root (/proc).
  for (const fs::path out : {out_dir / "missing" / "out.glb", fs::path("/proc/flexforge-out.glb")}) {
    const auto r = convert(cgal_mesh("pig.off"), out);
    EXPECT_EQ(r.exit_code, 5) << out;
    expect_one_line_error(r, out.string());
    EXPECT_FALSE(fs::exists(out));
  }
  if (geteuid() != 0) {  // permission bits only bind non-root users
    fs::permissions(out_dir.path(), fs::perms::owner_read | fs::perms::owner_exec);
    const auto r = convert(cgal_mesh("pig.off"), output());
    EXPECT_EQ(r.exit_code, 5);
    fs::permissions(out_dir.path(), fs::perms::owner_all);
  }
  EXPECT_EQ(count_entries(out_dir.path()), 0u);
}

TEST_F(BadInput, UnknownOutputExtensionExits2) {
  const auto r = convert(cgal_mesh("pig.off"), out_dir / "out.xyz");
  EXPECT_EQ(r.exit_code, 2);
  expect_one_line_error(r, "out.xyz");
  EXPECT_EQ(count_entries(out_dir.path()), 0u);
}

TEST_F(BadInput, BadOptionValuesExit2) {
  EXPECT_EQ(run_cli({"convert", cgal_mesh("pig.off").string(), "-o", output().string(),
                     "--scale", "-1"}).exit_code, 2);
  EXPECT_EQ(run_cli({"convert", cgal_mesh("pig.off").string(), "-o", output().string(),
                     "--up-axis", "w"}).exit_code, 2);
  EXPECT_EQ(run_cli({"--device", "tpu", "info", "--no-bench"}).exit_code, 2);
  EXPECT_EQ(run_cli({"no-such-command"}).exit_code, 2);
  EXPECT_EQ(count_entries(out_dir.path()), 0u);
}

TEST_F(BadInput, FailedWriteLeavesNoTemporaryFiles) {
  // A write that fails in the middle (the target name is an existing directory) must not leave
  // the hidden temporary file behind.
  fs::create_directory(out_dir / "taken.glb");
  const auto r = convert(cgal_mesh("pig.off"), out_dir / "taken.glb");
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(count_entries(out_dir.path()), 1u);
}
