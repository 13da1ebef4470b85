#include "test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace flexforge::test {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::vector<nlohmann::json> run_four_shards_and_merge(
    const std::function<std::string(int)>& shard_command, const fs::path& out_dir) {
  std::string line;
  for (int k = 0; k < 4; ++k) line += shard_command(k) + " & p" + std::to_string(k) + "=$!; ";
  line += "fail=0; for p in $p0 $p1 $p2 $p3; do wait $p; rc=$?; "
          "if [ $rc -ne 0 ] && [ $rc -ne 6 ]; then fail=1; fi; done; exit $fail";
  const CommandResult r = run_shell("(" + line + ")");  // one group, so its output is captured too
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const CommandResult merged = run_cli({"batch", "merge", out_dir.string()});
  EXPECT_EQ(merged.exit_code, 0) << merged.err;
  return read_jsonl(out_dir / "results.jsonl");
}

CommandResult run_shell(const std::string& command_line) {
  TempDir capture;
  const fs::path out = capture / "stdout", err = capture / "stderr";
  const std::string full = command_line + " >" + shell_quote(out.string()) + " 2>" +
                           shell_quote(err.string()) + " </dev/null";
  CommandResult result;
  const int status = std::system(full.c_str());
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_text(out);
  result.err = read_text(err);
  return result;
}

CommandResult run_cli(const std::vector<std::string>& args) {
  std::string line = shell_quote(FLEXFORGE_CLI_PATH);
  for (const std::string& a : args) line += " " + shell_quote(a);
  return run_shell(line);
}

TempDir::TempDir() {
  std::random_device rd;
  const fs::path base = fs::temp_directory_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path candidate = base / ("flexforge-test-" + std::to_string(rd()));
    if (fs::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(path_, ec);
}

fs::path source_dir() { return fs::path(FLEXFORGE_SOURCE_DIR); }

fs::path cgal_mesh(const std::string& file_name) {
  const fs::path p = source_dir() / ".cache" / "cgal-data" / "meshes" / file_name;
  if (!fs::exists(p)) {
    ADD_FAILURE() << "test mesh " << p << " is missing: run scripts/setup.sh (it unpacks "
                  << "Debian's libcgal-demo data)";
  }
  return p;
}

bool have_program(const std::string& name) {
  return run_shell("command -v " + shell_quote(name)).exit_code == 0;
}

void write_text(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool gltf_validator_installed() {
  return fs::exists(source_dir() / ".tools" / "node_modules" / "gltf-validator") &&
         have_program("node");
}

GltfValidation validate_gltf(const fs::path& file) {
  GltfValidation v;
  const CommandResult r = run_shell("node " +
                                    shell_quote((source_dir() / "scripts" / "gltf_validate.js").string()) +
                                    " " + shell_quote(file.string()));
  v.raw = r.out + r.err;
  try {
    const auto j = nlohmann::json::parse(r.out);
    v.errors = j.at("errors").get<int>();
    v.warnings = j.at("warnings").get<int>();
    v.ran = true;
  } catch (const std::exception&) {
    v.ran = false;
  }
  return v;
}

// Blender embeds the system Python; a Python version manager's directories on PATH (pyenv) would
// make it load the wrong site-packages, so they are filtered out of the PATH Blender sees.
std::string blender_path_without_python_managers() {
  const char* path = std::getenv("PATH");
  std::istringstream in(path ? path : "");
  std::string entry, out;
  while (std::getline(in, entry, ':')) {
    if (entry.find(".pyenv") != std::string::npos) continue;
    out += (out.empty() ? "" : ":") + entry;
  }
  return out;
}

std::vector<BlenderImport> blender_import(const std::vector<fs::path>& files) {
  std::string line = "env -u PYENV_VERSION PATH=" + shell_quote(blender_path_without_python_managers()) +
                     " blender -b --factory-startup --python " +
                     shell_quote((source_dir() / "scripts" / "blender_import_check.py").string()) +
                     " --";
  for (const fs::path& f : files) line += " " + shell_quote(f.string());
  const CommandResult r = run_shell(line);
  std::vector<BlenderImport> results;
  std::istringstream lines(r.out);
  std::string l;
  const std::string prefix = "FLEXFORGE_CHECK ";
  while (std::getline(lines, l)) {
    if (l.rfind(prefix, 0) != 0) continue;
    const auto j = nlohmann::json::parse(l.substr(prefix.size()));
    BlenderImport b;
    b.file = j.value("file", "");
    b.ok = j.value("ok", false);
    b.error = j.value("error", "");
    b.meshes = j.value("meshes", 0L);
    b.vertices = j.value("vertices", 0L);
    b.faces = j.value("faces", 0L);
    b.armatures = j.value("armatures", 0L);
    b.bones = j.value("bones", 0L);
    if (j.contains("size") && j["size"].size() == 3)
      for (int i = 0; i < 3; ++i) b.size[i] = j["size"][i].get<double>();
    for (const auto& name : j.value("color_attributes", nlohmann::json::array())) b.color_attributes.push_back(name);
    if (j.contains("mean_color") && j["mean_color"].is_array() && j["mean_color"].size() == 3)
      b.mean_color = std::array<double, 3>{j["mean_color"][0], j["mean_color"][1], j["mean_color"][2]};
    for (const auto& a : j.value("actions", nlohmann::json::array())) {
      BlenderAction action;
      action.name = a.value("name", "");
      action.keyframes = a.value("keyframes", 0L);
      action.moved = a.value("moved", -1.0);
      action.play_error = a.value("play_error", "");
      b.actions.push_back(action);
    }
    results.push_back(b);
  }
  if (results.size() != files.size()) {
    ADD_FAILURE() << "blender printed " << results.size() << " results for " << files.size()
                  << " files; its output:\n"
                  << r.out.substr(r.out.size() > 4000 ? r.out.size() - 4000 : 0) << r.err;
  }
  return results;
}

std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& file) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

std::size_t kill_after_first_result(const std::string& command, const std::filesystem::path& results,
                                    const std::filesystem::path& pid_file, std::chrono::seconds timeout,
                                    std::chrono::milliseconds grace) {
  const CommandResult started =
      run_shell("(" + command + " & echo $! > " + shell_quote(pid_file.string()) + ")");
  EXPECT_EQ(started.exit_code, 0) << started.err;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline &&
         (!std::filesystem::exists(results) || read_jsonl(results).empty())) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(grace);
  run_shell("kill -9 $(cat " + shell_quote(pid_file.string()) + ")");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  return read_jsonl(results).size();
}

KilledAndResumed kill_then_resume(const std::string& command, const std::filesystem::path& results,
                                  const std::filesystem::path& pid_file, std::size_t jobs,
                                  std::chrono::seconds timeout, std::chrono::milliseconds grace) {
  KilledAndResumed run;
  run.done_before = kill_after_first_result(command, results, pid_file, timeout, grace);
  run.killed_mid_run = run.done_before >= 1 && run.done_before < jobs;
  if (!run.killed_mid_run) {
    ADD_FAILURE() << run.done_before << " of " << jobs << " jobs were done at the kill: not mid-run";
    return run;
  }
  run.resumed = run_shell(command + " --resume");
  return run;
}

// UV sphere of radius r centred at c; outward-facing, closed.
Mesh make_sphere(float r, const Vec3& c, int stacks, int slices) {
  Mesh m;
  m.positions.push_back(c + Vec3(0, 0, r));
  for (int i = 1; i < stacks; ++i) {
    const double th = M_PI * i / stacks;
    for (int j = 0; j < slices; ++j) {
      const double ph = 2 * M_PI * j / slices;
      m.positions.push_back(
          c + r * Vec3(float(std::sin(th) * std::cos(ph)), float(std::sin(th) * std::sin(ph)),
                       float(std::cos(th))));
    }
  }
  m.positions.push_back(c + Vec3(0, 0, -r));
  const std::uint32_t south = std::uint32_t(m.positions.size() - 1);
  auto ring = [&](int i, int j) { return std::uint32_t(1 + (i - 1) * slices + (j % slices)); };
  for (int j = 0; j < slices; ++j) m.triangles.push_back({0, ring(1, j), ring(1, j + 1)});
  for (int i = 1; i + 1 < stacks; ++i)
    for (int j = 0; j < slices; ++j) {
      m.triangles.push_back({ring(i, j), ring(i + 1, j), ring(i + 1, j + 1)});
      m.triangles.push_back({ring(i, j), ring(i + 1, j + 1), ring(i, j + 1)});
    }
  for (int j = 0; j < slices; ++j)
    m.triangles.push_back({ring(stacks - 1, j), south, ring(stacks - 1, j + 1)});
  return m;
}

}  // namespace flexforge::test
