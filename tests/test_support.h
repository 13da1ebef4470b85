// Helpers shared by the tests: temporary directories, running the real CLI, locating the test
// meshes that scripts/setup.sh unpacks, and the external validators (Khronos glTF validator,
// Blender) that prove files open in real tools.
#pragma once

#include "flexforge/core/mesh.h"

#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace flexforge::test {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs a shell command line, capturing stdout and stderr separately.
CommandResult run_shell(const std::string& command_line);
// Runs the built flexforge executable with the given arguments (each one shell-quoted).
CommandResult run_cli(const std::vector<std::string>& args);
std::string shell_quote(const std::string& s);

// Four shards of one batch run at once, as four array tasks of a cluster job would run:
// `shard_command(k)` (k = 0..3, the command for `--shard k/4`) in background processes, then
// `batch merge OUT_DIR`. Returns the merged results.jsonl rows; a shard exit code other than 0
// or 6 (a job failed), or a failed merge, is a test failure.
std::vector<nlohmann::json> run_four_shards_and_merge(
    const std::function<std::string(int)>& shard_command, const std::filesystem::path& out_dir);

// One JSON object per line (results files).
std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& file);

// Crash test for resumable runs: starts `command` in the background, waits (up to `timeout`) for
// the first line in `results`, lets it run `grace` longer, then SIGKILLs it. Returns the number
// of results lines written before the kill.
std::size_t kill_after_first_result(const std::string& command, const std::filesystem::path& results,
                                    const std::filesystem::path& pid_file, std::chrono::seconds timeout,
                                    std::chrono::milliseconds grace);

// The crash-and-resume scenario of a batch run: `command` is started, SIGKILLed after its first
// results line (kill_after_first_result), then run again with --resume. killed_mid_run is false
// (with a test failure saying why) when no line was written before the kill or all `jobs` were.
struct KilledAndResumed {
  std::size_t done_before = 0;
  bool killed_mid_run = false;
  CommandResult resumed;
};
KilledAndResumed kill_then_resume(const std::string& command, const std::filesystem::path& results,
                                  const std::filesystem::path& pid_file, std::size_t jobs,
                                  std::chrono::seconds timeout, std::chrono::milliseconds grace);

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::filesystem::path source_dir();
// A mesh from Debian's libcgal-demo data, unpacked by scripts/setup.sh into .cache/cgal-data.
// Fails the calling test (with the fix in the message) when it is missing.
std::filesystem::path cgal_mesh(const std::string& file_name);
bool have_program(const std::string& name);
void write_text(const std::filesystem::path& path, const std::string& bytes);
std::string read_text(const std::filesystem::path& path);

struct GltfValidation {
  bool ran = false;  // false: validator missing or crashed; `raw` says why
  int errors = -1;
  int warnings = -1;
  std::string raw;   // the validator's JSON summary or its error output
};
// Runs the Khronos glTF validator (npm gltf-validator, installed by scripts/setup.sh).
GltfValidation validate_gltf(const std::filesystem::path& file);
bool gltf_validator_installed();

struct BlenderAction {
  std::string name;
  long keyframes = 0;     // the largest keyframe count of its curves
  double moved = -1;      // skinned vertices' largest move from rest, played mid-clip (/ diagonal)
  std::string play_error; // set when Blender failed to play it
};
struct BlenderImport {
  std::string file;
  bool ok = false;
  std::string error;
  long meshes = 0, vertices = 0, faces = 0, armatures = 0, bones = 0;
  std::vector<BlenderAction> actions;
  double size[3] = {0, 0, 0};  // bounding box of the mesh objects, Blender units
  std::vector<std::string> color_attributes;  // vertex colour attributes Blender made
  std::optional<std::array<double, 3>> mean_color;  // mean RGB of the first one
};
// Imports each file into a fresh Blender scene (one headless Blender run for all of them).
std::vector<BlenderImport> blender_import(const std::vector<std::filesystem::path>& files);

// UV sphere of radius r centred at c; outward-facing, closed.
Mesh make_sphere(float r, const Vec3& c = Vec3::Zero(), int stacks = 48, int slices = 96);

}  // namespace flexforge::test
