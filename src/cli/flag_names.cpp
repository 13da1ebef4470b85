// The library's errors name option fields (max_input_faces, target_faces, min_part_area); the
// user typed flags. This rewrites the one to the other before the CLI prints a message.
#include "command.h"

#include <cctype>

namespace flexforge::cli {

namespace {

bool word_char(char c) {
  return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
}

// Where a message names an option: at its start, or after ": ", "; ", ", ", "(", "use ",
// "with " or "pass ". Elsewhere the same word is prose ("valid categories", "rendered views").
bool option_position(const std::string& message, std::size_t at) {
  if (at == 0) return true;
  if (message[at - 1] == '(') return true;
  for (const char* before : {": ", "; ", ", ", "use ", "with ", "pass "}) {
    const std::size_t n = std::char_traits<char>::length(before);
    if (at >= n && message.compare(at - n, n, before) == 0) {
      // "use"/"with"/"pass" must be whole words too
      return n <= 2 || at == n || !word_char(message[at - n - 1]);
    }
  }
  return false;
}

// A word ends at a character that cannot continue a name: not "image-prior", "config.json" or
// "model/x".
bool ends_word(const std::string& message, std::size_t end) {
  if (end == message.size()) return true;
  const char c = message[end];
  if (word_char(c) || c == '-') return false;
  if ((c == '.' || c == '/') && end + 1 < message.size() &&
      !std::isspace(static_cast<unsigned char>(message[end + 1]))) {
    return false;
  }
  return true;
}

// "--" + the field with '_' as '-', when that is a long option of one of `apps`.
std::string generic_flag(const std::string& field, const std::vector<const CLI::App*>& apps) {
  std::string flag = "--" + field;
  for (char& c : flag) c = c == '_' ? '-' : c;
  for (const CLI::App* app : apps) {
    if (app->get_option_no_throw(flag) != nullptr) return flag;
  }
  return {};
}

}  // namespace

std::string name_flags(const std::string& message, const CLI::App& app, const FieldFlags& aliases,
                       bool generic) {
  // The running command: the root and every parsed subcommand below it.
  std::vector<const CLI::App*> apps{&app};
  for (std::size_t i = 0; i < apps.size(); ++i) {
    for (const CLI::App* sub : apps[i]->get_subcommands()) apps.push_back(sub);
  }
  std::string out;
  std::size_t i = 0;
  while (i < message.size()) {
    if (!option_position(message, i) || !word_char(message[i]) ||
        (i > 0 && word_char(message[i - 1]))) {
      out += message[i++];
      continue;
    }
    // The longest alias phrase first, then the field word.
    std::size_t used = 0;
    std::string flag;
    for (const auto& [field, alias] : aliases) {
      if (field.size() > used && message.compare(i, field.size(), field) == 0 &&
          ends_word(message, i + field.size())) {
        used = field.size();
        flag = alias;
      }
    }
    if (used == 0 && generic) {
      std::size_t end = i;
      while (end < message.size() && word_char(message[end])) ++end;
      if (ends_word(message, end)) {
        flag = generic_flag(message.substr(i, end - i), apps);
        if (!flag.empty()) used = end - i;
      }
    }
    if (used == 0) {
      out += message[i++];
      continue;
    }
    out += flag;
    i += used;
  }
  return out;
}

}  // namespace flexforge::cli
