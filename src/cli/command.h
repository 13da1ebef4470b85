// Every subcommand has the same three steps (declare switches, validate, execute), so adding one
// is obvious: write a Command subclass in its own cmd_*.cpp and list its factory in main.cpp.
#pragma once

#include "flexforge/core/error.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace flexforge::cli {

// Option fields whose flag is not "--" + the field with '_' as '-' (or a phrase naming several
// fields that one flag sets): {"target_faces", "--faces"}.
using FieldFlags = std::vector<std::pair<std::string, std::string>>;

struct GlobalOptions {
  int verbose = 0;
  bool quiet = false;
  std::string log_format = "text";
  int threads = 0;
  std::string device = "auto";  // as given
  std::string resolved_device;  // "cpu" or "cuda:N", filled in before execute()
  std::string max_memory = "auto";  // --max-memory: auto (90% of RAM), 0 (none) or a size
  std::size_t max_faces = 0;        // --max-faces: input face limit (set from the default)
};

class Command {
 public:
  virtual ~Command() = default;
  virtual std::string name() const = 0;
  virtual std::string summary() const = 0;
  // Adds this command's options to its CLI11 subcommand (and its examples to the footer).
  virtual void declare(CLI::App& sub) = 0;
  // Cross-option checks CLI11 cannot express; throw flexforge::Error(Usage).
  virtual void validate() {}
  // Returns the process exit code. Failures throw flexforge::Error.
  virtual int execute(const GlobalOptions& global) = 0;
  // The fields this command's errors may name that the generic rule of name_flags misses.
  virtual FieldFlags field_flags() const { return {}; }
};

// An error the CLI words itself, flags and all: printed as is, name_flags leaves it alone.
class CliError : public Error {
 public:
  using Error::Error;
};

// An error message of the library with the option fields it names written as the flags of the
// running command (`app` after parsing): a field in option position (the message's start, or
// after ": ", "; ", ", ", "(", "use ", "with ", "pass ") becomes its alias from `aliases`, else,
// when `generic` (usage errors, which are about options), "--" + the field with '_' as '-' where
// that is a long option of the root or a parsed subcommand.
std::string name_flags(const std::string& message, const CLI::App& app, const FieldFlags& aliases,
                       bool generic);

std::unique_ptr<Command> make_info_command();
std::unique_ptr<Command> make_convert_command();
std::unique_ptr<Command> make_inspect_command();
std::unique_ptr<Command> make_synth_command();
std::unique_ptr<Command> make_lexicon_command();
std::unique_ptr<Command> make_dataset_command();
std::unique_ptr<Command> make_retopo_command();
std::unique_ptr<Command> make_segment_command();
std::unique_ptr<Command> make_complete_command();
std::unique_ptr<Command> make_batch_command();
std::unique_ptr<Command> make_rig_command();
std::unique_ptr<Command> make_animate_command();
std::unique_ptr<Command> make_reconstruct_command();
std::unique_ptr<Command> make_train_command();
std::unique_ptr<Command> make_generate_command();

// A config-file reader for --config that accepts JSON ({"threads": 2, "convert": {...}}) as well
// as CLI11's TOML/INI (threads = 2 / [convert]).
std::shared_ptr<CLI::Config> make_config_reader();

}  // namespace flexforge::cli
