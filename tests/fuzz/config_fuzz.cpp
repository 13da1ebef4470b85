// libFuzzer harness: the --config reader (TOML or JSON). Bad files are rejected with an
// exception the CLI maps to exit 3; nothing may crash.
#include "../../src/cli/command.h"

#include <cstdint>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto reader = flexforge::cli::make_config_reader();
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    (void)reader->from_config(in);
  } catch (const std::exception&) {
  }
  return 0;
}
