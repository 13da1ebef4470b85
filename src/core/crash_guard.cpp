#include "flexforge/core/crash_guard.h"

#include "flexforge/core/log.h"

#include <sys/mman.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace flexforge {

namespace {

struct CrashState {
  char stage[64];
  char job[192];
};

CrashState* g_state = nullptr;
std::once_flag g_state_once;

// Anonymous MAP_SHARED memory survives fork() as one copy, so a batch worker's stage is still
// readable by its parent after the worker died. Falls back to private memory when mmap fails
// (the single-process handler needs nothing more).
CrashState* state() {
  std::call_once(g_state_once, [] {
    void* p = ::mmap(nullptr, sizeof(CrashState), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                     -1, 0);
    static CrashState fallback{};
    g_state = p == MAP_FAILED ? &fallback : static_cast<CrashState*>(p);
    std::memset(g_state, 0, sizeof(CrashState));
  });
  return g_state;
}

void copy_name(char* dst, std::size_t size, const std::string& src) {
  const std::size_t n = std::min(size - 1, src.size());
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

int g_exit_code = 8;
bool g_json = false;

void write_all(const char* text) {
  std::size_t left = std::strlen(text);
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, text, left);
    if (n <= 0) return;
    text += n;
    left -= static_cast<std::size_t>(n);
  }
}

const char* static_signal_name(int signal) {
  switch (signal) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    default: return nullptr;
  }
}

// Async-signal-safe: only write(2) and _exit(2), over strings already in memory. Stage names are
// plain identifiers, so the JSON form needs no escaping.
void on_fatal_signal(int signal) {
  const char* name = static_signal_name(signal);
  const char* stage = g_state ? g_state->stage : "";
  if (g_json) {
    write_all("{\"level\":\"error\",\"msg\":\"crashed: ");
  } else {
    write_all("flexforge: error: crashed: ");
  }
  write_all(name ? name : "fatal signal");
  if (stage[0] != '\0') {
    write_all(" in stage ");
    write_all(stage);
  } else {
    write_all(" outside any stage");
  }
  if (g_json) {
    char code[8] = {'0', '\0'};
    if (g_exit_code > 0 && g_exit_code < 100) {
      code[0] = static_cast<char>('0' + g_exit_code / 10 % 10);
      code[1] = static_cast<char>('0' + g_exit_code % 10);
      code[2] = '\0';
      if (code[0] == '0') code[0] = code[1], code[1] = '\0';
    }
    write_all("\",\"exit_code\":");
    write_all(code);
    write_all("}\n");
  } else {
    write_all(" (an internal error; please report it with the input)\n");
  }
  ::_exit(g_exit_code);
}

bool under_address_sanitizer() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

}  // namespace

StageScope::StageScope(const std::string& stage) : previous_(current_stage()) {
  copy_name(state()->stage, sizeof(CrashState::stage), stage);
  inject_test_fault(stage);
}

StageScope::~StageScope() { copy_name(state()->stage, sizeof(CrashState::stage), previous_); }

std::string current_stage() { return state()->stage; }
std::string current_job() { return state()->job; }
void set_current_job(const std::string& job) { copy_name(state()->job, sizeof(CrashState::job), job); }

void prepare_crash_state_for_fork() {
  CrashState* s = state();
  s->stage[0] = '\0';
  s->job[0] = '\0';
}

std::string signal_name(int signal) {
  const char* name = static_signal_name(signal);
  return name ? name : "signal " + std::to_string(signal);
}

std::string describe_crash(int signal, const std::string& stage) {
  return "crashed: " + signal_name(signal) +
         (stage.empty() ? std::string(" outside any stage") : " in stage " + stage);
}

void install_crash_handler(int exit_code) {
  if (under_address_sanitizer()) return;
  state();
  g_exit_code = exit_code;
  g_json = log_settings().format == LogFormat::Json;
  // The handler must run even when the crash is a stack overflow.
  static char alternate_stack[64 * 1024];
  stack_t ss{};
  ss.ss_sp = alternate_stack;
  ss.ss_size = sizeof(alternate_stack);
  ::sigaltstack(&ss, nullptr);
  struct sigaction action {};
  action.sa_handler = on_fatal_signal;
  action.sa_flags = SA_ONSTACK | SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::sigaction(signal, &action, nullptr);
}

void reset_crash_handler() {
  for (int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(signal, SIG_DFL);
}

void inject_test_fault(const std::string& stage) {
  const char* spec = std::getenv("FLEXFORGE_TEST_FAULT");
  if (!spec || !*spec) return;
  const std::string text = spec;
  const auto at = text.find('@');
  const std::string want_stage = text.substr(0, at);
  if (want_stage != stage) return;
  if (at != std::string::npos && text.substr(at + 1) != current_job()) return;
  const char* which = std::getenv("FLEXFORGE_TEST_FAULT_SIGNAL");
  const std::string name = which ? which : "SIGSEGV";
  const int signal = name == "SIGABRT" ? SIGABRT : name == "SIGKILL" ? SIGKILL : SIGSEGV;
  std::raise(signal);
}

}  // namespace flexforge
