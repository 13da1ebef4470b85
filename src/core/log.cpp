#include "flexforge/core/log.h"

#include <nlohmann/json.hpp>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace flexforge {

namespace {
LogSettings g_settings;
std::mutex g_stderr_mutex;

std::string iso_time(std::chrono::system_clock::time_point tp) {
  const std::time_t t = std::chrono::system_clock::to_time_t(tp);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// spdlog patterns cannot escape the message, so JSON lines are built with nlohmann::json.
class JsonStderrSink : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    nlohmann::json line = {
        {"time", iso_time(msg.time)},
        {"level", std::string(spdlog::level::to_string_view(msg.level).data(),
                              spdlog::level::to_string_view(msg.level).size())},
        {"msg", std::string(msg.payload.data(), msg.payload.size())}};
    emit_json_event(line.dump());
  }
  void flush_() override { std::fflush(stderr); }
};
}  // namespace

void configure_logging(const LogSettings& settings) {
  g_settings = settings;
  std::shared_ptr<spdlog::logger> logger;
  if (settings.format == LogFormat::Json) {
    logger = std::make_shared<spdlog::logger>("flexforge", std::make_shared<JsonStderrSink>());
  } else {
    logger = spdlog::stderr_color_mt("flexforge_stderr");
    logger->set_pattern("%^[%l]%$ %v");
    spdlog::drop("flexforge_stderr");
  }
  switch (settings.verbosity) {
    case -1: logger->set_level(spdlog::level::err); break;
    case 0: logger->set_level(spdlog::level::info); break;
    case 1: logger->set_level(spdlog::level::debug); break;
    default: logger->set_level(spdlog::level::trace); break;
  }
  spdlog::set_default_logger(logger);
}

const LogSettings& log_settings() { return g_settings; }

void report_error(const std::string& message, int exit_code) {
  if (g_settings.format == LogFormat::Json) {
    nlohmann::json line = {{"time", iso_time(std::chrono::system_clock::now())},
                           {"level", "error"},
                           {"msg", message},
                           {"exit_code", exit_code}};
    emit_json_event(line.dump());
  } else {
    std::lock_guard<std::mutex> lock(g_stderr_mutex);
    std::fprintf(stderr, "flexforge: error: %s\n", message.c_str());
    std::fflush(stderr);
  }
}

void emit_json_event(const std::string& json_line) {
  std::lock_guard<std::mutex> lock(g_stderr_mutex);
  std::fprintf(stderr, "%s\n", json_line.c_str());
  std::fflush(stderr);
}

}  // namespace flexforge
