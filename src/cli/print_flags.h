// --print / --size-mm / --print-resolution, shared by convert, complete, retopo and generate:
// the result becomes one printable shell in millimetres (pipeline/print_mode.h), written as 3MF
// or binary STL.
#pragma once

#include "flexforge/core/scene.h"
#include "flexforge/pipeline/print_mode.h"

#include <CLI/CLI.hpp>

#include <string>

namespace flexforge::cli {

struct PrintFlags {
  bool enabled = false;
  pipeline::PrintOptions options;

  void declare(CLI::App& sub);
  // With --print: the options in range and `output` a .3mf or .stl file (Error(Usage) otherwise).
  void validate(const std::string& output) const;
  // The printable scene; logs the shell's checks. `report`, when given, receives them as JSON.
  Scene apply(const Scene& scene, nlohmann::json* report = nullptr) const;
};

}  // namespace flexforge::cli
