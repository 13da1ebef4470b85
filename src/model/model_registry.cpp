#include "flexforge/model/model_registry.h"

#include "flexforge/build_info.h"

#include <unistd.h>

#include <set>
#include <utility>

namespace fs = std::filesystem;

namespace flexforge::model {

namespace {
std::vector<fs::path>& application_dirs() {
  static std::vector<fs::path> dirs;
  return dirs;
}
}  // namespace

void set_model_dirs(std::vector<fs::path> dirs) { application_dirs() = std::move(dirs); }

std::vector<fs::path> model_search_path() {
  std::vector<fs::path> dirs = application_dirs();
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back(exe.parent_path().parent_path() / "share" / "flexforge" / "models");
  dirs.push_back(fs::path(FLEXFORGE_SOURCE_DIR) / "models");
  return dirs;
}

std::vector<InstalledModel> installed_models() {
  std::vector<InstalledModel> models;
  std::set<std::string> seen;
  for (const fs::path& dir : model_search_path()) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (!entry.is_directory() || !fs::exists(entry.path() / "config.json")) continue;
      const std::string name = entry.path().filename().string();
      if (!seen.insert(name).second) continue;  // earlier directories shadow later ones
      InstalledModel m{name, entry.path(), 0};
      for (const auto& f : fs::recursive_directory_iterator(entry.path(), ec)) {
        if (f.is_regular_file()) m.bytes += f.file_size();
      }
      models.push_back(m);
    }
  }
  return models;
}

}  // namespace flexforge::model
