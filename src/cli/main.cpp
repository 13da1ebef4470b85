// flexforge: the command-line front end. This file is only the table of subcommands and the
// mapping of every failure onto the documented exit codes (README.md, "Exit codes").
#include "command.h"

#include "flexforge/build_info.h"
#include "flexforge/core/crash_guard.h"
#include "flexforge/core/error.h"
#include "flexforge/core/resource_limits.h"
#include "flexforge/core/log.h"
#include "flexforge/model/model_registry.h"
#include "flexforge/nn/runtime.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <functional>
#include <sstream>

using namespace flexforge;
using namespace flexforge::cli;
using namespace flexforge::nn;

namespace {

const char* kExamples = R"(Examples:
  flexforge convert scan.off -o scan.glb --up-axis z --center
  flexforge inspect model.fbx --json
  flexforge info --json
  flexforge --config settings.toml convert in.obj -o out.stl

Exit codes: 0 ok, 2 usage, 3 invalid input, 4 model, 5 output not writable, 6 stage failed,
7 resource limit or device unavailable, 8 a stage crashed (a bug: the message names the signal
and the stage). Run 'flexforge COMMAND --help' for a command's options.)";

const std::vector<std::function<std::unique_ptr<Command>()>> kCommands = {
    make_generate_command,
    make_info_command,
    make_convert_command,
    make_inspect_command,
    make_synth_command,
    make_lexicon_command,
    make_dataset_command,
    make_retopo_command,
    make_segment_command,
    make_complete_command,
    make_batch_command,
    make_rig_command,
    make_animate_command,
    make_reconstruct_command,
    make_train_command,
};

// $FLEXFORGE_MODEL_PATH (colon-separated): directories searched for installed models first.
std::vector<std::filesystem::path> model_dirs_from_environment() {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("FLEXFORGE_MODEL_PATH")) {
    std::stringstream ss(env);
    std::string item;
    while (std::getline(ss, item, ':')) {
      if (!item.empty()) dirs.emplace_back(item);
    }
  }
  return dirs;
}

// Everything after parsing: limits, logging, device, model directories, then the command.
int execute(GlobalOptions& global, const std::vector<std::unique_ptr<Command>>& commands,
            const std::vector<CLI::App*>& subcommands) {
  configure_logging({global.log_format == "json" ? LogFormat::Json : LogFormat::Text,
                     global.quiet ? -1 : global.verbose});
  install_crash_handler(static_cast<int>(ExitCode::Crashed));
  resource_limits().max_input_faces = global.max_faces;
  resource_limits().max_memory_bytes = global.max_memory == "auto"
                                           ? default_memory_limit()
                                           : parse_byte_size(global.max_memory, "--max-memory");
  apply_resource_limits(resource_limits());
  set_thread_count(global.threads);
  global.resolved_device = resolve_device(global.device);
  spdlog::debug("device {}, {} threads", global.resolved_device, thread_count());
  model::set_model_dirs(model_dirs_from_environment());

  for (std::size_t i = 0; i < commands.size(); ++i) {
    if (subcommands[i]->parsed()) {
      commands[i]->validate();
      return commands[i]->execute(global);
    }
  }
  throw Error(ExitCode::Usage, "no subcommand given");
}

int run(int argc, char** argv) {
  CLI::App app{"flexforge " FLEXFORGE_VERSION
               " - text/image to production-ready 3D assets, and every stage on your own meshes"};
  app.footer(kExamples);
  app.set_version_flag("--version", "flexforge " FLEXFORGE_VERSION);
  app.require_subcommand(1, 1);
  app.fallthrough();  // global options are accepted after the subcommand name too

  GlobalOptions global;
  app.add_flag("-v,--verbose", global.verbose, "More log output (-vv for trace)");
  app.add_flag("-q,--quiet", global.quiet, "Only errors; no progress bar");
  app.add_option("--log-format", global.log_format, "Log lines on stderr as text or JSON")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option("--threads", global.threads, "Worker threads, 0 = all cores")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  app.add_option("--device", global.device, "Compute device: auto, cpu, cuda or cuda:N")
      ->capture_default_str();
  global.max_faces = kDefaultMaxInputFaces;
  app.add_option("--max-memory", global.max_memory,
                 "Memory limit: auto (90% of RAM), 0 (none) or a size such as 8G; past it a run "
                 "ends with exit 7 instead of an out-of-memory kill")
      ->capture_default_str();
  app.add_option("--max-faces", global.max_faces,
                 "Largest input mesh in faces (0 = no limit); a larger file exits 7")
      ->capture_default_str();
  app.set_config("--config", "", "Read any option from a TOML or JSON file");
  app.config_formatter(make_config_reader());

  std::vector<std::unique_ptr<Command>> commands;
  std::vector<CLI::App*> subcommands;
  for (const auto& factory : kCommands) {
    commands.push_back(factory());
    CLI::App* sub = app.add_subcommand(commands.back()->name(), commands.back()->summary());
    commands.back()->declare(*sub);
    subcommands.push_back(sub);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    const auto code = dynamic_cast<const CLI::FileError*>(&e) ? ExitCode::InvalidInput
                                                                : ExitCode::Usage;
    throw Error(code, e.what());
  }

  // The library's messages name option fields; the user sees the flags. Other errors than usage
  // ones get only the aliases (resolve_device's "device cuda:1: only 1 CUDA device(s) present").
  FieldFlags aliases = {{"max_input_faces", "--max-faces"},
                        {"max_memory_bytes", "--max-memory"},
                        {"device", "--device"}};
  for (std::size_t i = 0; i < commands.size(); ++i) {
    if (!subcommands[i]->parsed()) continue;
    for (auto& alias : commands[i]->field_flags()) aliases.push_back(std::move(alias));
  }
  try {
    return execute(global, commands, subcommands);
  } catch (const CliError&) {
    throw;
  } catch (const Error& e) {
    throw Error(e.code(), name_flags(e.what(), app, aliases, e.code() == ExitCode::Usage));
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Error& e) {
    report_error(e.what(), static_cast<int>(e.code()));
    return static_cast<int>(e.code());
  } catch (const std::bad_alloc&) {
    report_error("out of memory (the limit is --max-memory)", static_cast<int>(ExitCode::Resource));
    return static_cast<int>(ExitCode::Resource);
  } catch (const std::exception& e) {
    report_error(std::string("internal error: ") + e.what(), static_cast<int>(ExitCode::StageFailed));
    return static_cast<int>(ExitCode::StageFailed);
  }
}
