#include "flexforge/io/bilingual_dictionary.h"

#include "flexforge/core/error.h"

#include <zlib.h>

#include <fstream>
#include <set>
#include <sstream>

namespace flexforge::io {

namespace {

[[noreturn]] void invalid(const std::filesystem::path& file, const std::string& why) {
  throw Error(ExitCode::InvalidInput, file.string() + ": " + why);
}

std::string read_gzip(const std::filesystem::path& file) {
  gzFile in = gzopen(file.string().c_str(), "rb");
  if (in == nullptr) invalid(file, "cannot open");
  std::string data;
  char buffer[1 << 16];
  int n = 0;
  while ((n = gzread(in, buffer, sizeof buffer)) > 0) data.append(buffer, static_cast<std::size_t>(n));
  const bool failed = n < 0;
  gzclose(in);
  if (failed) invalid(file, "corrupt compressed data");
  return data;
}

std::string trim(const std::string& s) {
  const std::size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return {};
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

// "<fem, n, sg>" -> true; "<adj>" -> false; no tag -> true (the dictionary does not say).
bool is_noun_header(const std::string& header) {
  const std::size_t open = header.find('<');
  if (open == std::string::npos) return true;
  const std::size_t close = header.find('>', open);
  std::stringstream tags(header.substr(open + 1, close == std::string::npos ? std::string::npos : close - open - 1));
  for (std::string tag; std::getline(tags, tag, ',');) {
    const std::string t = trim(tag);
    if (t == "n" || t == "noun") return true;
  }
  return false;
}

// Removes [labels], <tags>, (notes) and {cross references}.
std::string strip_marks(const std::string& text) {
  std::string out;
  int depth = 0;
  for (char c : text) {
    if (c == '[' || c == '<' || c == '(' || c == '{') {
      ++depth;
    } else if ((c == ']' || c == '>' || c == ')' || c == '}') && depth > 0) {
      --depth;
    } else if (depth == 0) {
      out += c;
    }
  }
  return out;
}

std::vector<std::string> first_sense(const std::string& body) {
  std::istringstream lines(body);
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    std::string t = trim(line);
    if (t.empty()) continue;
    // "1. car" numbered senses: the first one.
    std::size_t digits = 0;
    while (digits < t.size() && std::isdigit(static_cast<unsigned char>(t[digits]))) ++digits;
    if (digits > 0 && digits + 1 < t.size() && t[digits] == '.') t = trim(t.substr(digits + 1));
    std::vector<std::string> words;
    std::stringstream parts(strip_marks(t));
    for (std::string part; std::getline(parts, part, ',');) {
      std::stringstream alternatives(part);
      for (std::string w; std::getline(alternatives, w, ';');) {
        w = trim(w);
        if (!w.empty() && w.find('"') == std::string::npos) words.push_back(w);
      }
    }
    return words;  // only the first non-empty line after the header
  }
  return {};
}

}  // namespace

bool decode_dictd_number(const std::string& digits, unsigned long long& value) {
  static const std::string kDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (digits.empty() || digits.size() > 8) return false;
  value = 0;
  for (char c : digits) {
    const std::size_t d = kDigits.find(c);
    if (d == std::string::npos) return false;
    value = value * 64 + d;
  }
  return true;
}

BilingualDictionary read_bilingual_dictionary(const std::filesystem::path& prefix, const std::string& language) {
  BilingualDictionary dict;
  dict.language = language;
  dict.index = prefix.string() + ".index";
  const std::filesystem::path data_file = prefix.string() + ".dict.dz";
  std::ifstream index(dict.index);
  if (!index) invalid(dict.index, "cannot read (is the dictionary installed?)");
  const std::string data = read_gzip(data_file);
  std::set<std::string> seen;
  std::string line;
  std::size_t number = 0;
  while (std::getline(index, line)) {
    ++number;
    const std::size_t a = line.find('\t');
    const std::size_t b = a == std::string::npos ? a : line.find('\t', a + 1);
    if (b == std::string::npos) invalid(dict.index, "line " + std::to_string(number) + ": expected headword, offset and length");
    const std::string headword = line.substr(0, a);
    unsigned long long offset = 0, length = 0;
    if (!decode_dictd_number(line.substr(a + 1, b - a - 1), offset) || !decode_dictd_number(line.substr(b + 1), length)) {
      invalid(dict.index, "line " + std::to_string(number) + ": bad offset or length");
    }
    if (headword.rfind("00-database", 0) == 0 || headword.rfind("00database", 0) == 0) continue;  // metadata
    if (offset > data.size() || length > data.size() - offset) {
      invalid(dict.index, "line " + std::to_string(number) + ": entry lies outside " + data_file.string());
    }
    if (seen.count(headword)) continue;  // the first noun entry is the primary sense
    const std::string body = data.substr(offset, length);
    const std::string header = body.substr(0, body.find('\n'));
    if (!is_noun_header(header)) continue;
    seen.insert(headword);
    DictionaryEntry entry;
    // The entry's own spelling of the headword (the index may be lower-cased): the header's text
    // before the pronunciation or tags.
    entry.headword = trim(header.substr(0, header.find_first_of("/<[")));
    if (entry.headword.empty()) entry.headword = headword;
    entry.translations = first_sense(body);
    if (!entry.translations.empty()) dict.entries.push_back(std::move(entry));
  }
  return dict;
}

}  // namespace flexforge::io
