// Logging set-up shared by the CLI and the library. All diagnostics go to stderr through spdlog;
// stdout is reserved for the command's own results (so `--json` output can be piped).
#pragma once

#include <string>

namespace flexforge {

enum class LogFormat { Text, Json };

struct LogSettings {
  LogFormat format = LogFormat::Text;
  int verbosity = 0;  // -1 quiet (errors only), 0 info, 1 debug, 2 trace
};

// Installs the stderr logger. In JSON mode every line is one object:
// {"time":..., "level":..., "msg":...}.
void configure_logging(const LogSettings& settings);
const LogSettings& log_settings();

// Prints the one-line error report the CLI ends with (text or JSON, per the log format).
void report_error(const std::string& message, int exit_code);

// Emits one machine-readable event line to stderr; used for progress in JSON mode.
void emit_json_event(const std::string& json_line);

}  // namespace flexforge
