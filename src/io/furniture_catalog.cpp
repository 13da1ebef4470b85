#include "flexforge/io/furniture_catalog.h"

#include "flexforge/core/error.h"

#include <minizip/unzip.h>

#include <algorithm>
#include <memory>
#include <regex>

namespace flexforge::io {

namespace {

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Logical lines: a line ending in an odd number of backslashes continues on the next one, whose
// leading whitespace is dropped (the .properties rule).
std::vector<std::string> logical_lines(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  bool continuing = false;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find_first_of("\r\n", start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (end < text.size() && text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ++start;
    if (continuing) line.erase(0, line.find_first_not_of(" \t\f"));
    std::size_t slashes = 0;
    while (slashes < line.size() && line[line.size() - 1 - slashes] == '\\') ++slashes;
    continuing = slashes % 2 == 1;
    current += continuing ? line.substr(0, line.size() - 1) : line;
    if (!continuing) {
      out.push_back(std::move(current));
      current.clear();
    }
    if (end == text.size()) break;
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

// Unescapes a key or value; bytes >= 0x80 are ISO-8859-1 characters.
std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c != '\\' || i + 1 == s.size()) {
      append_utf8(out, c);
      continue;
    }
    const char e = s[++i];
    if (e == 'u') {
      unsigned cp = 0;
      bool ok = i + 4 < s.size();
      for (std::size_t k = 1; ok && k <= 4; ++k) {
        const int h = hex_value(s[i + k]);
        ok = h >= 0;
        cp = cp * 16 + static_cast<unsigned>(std::max(h, 0));
      }
      if (ok) {
        // Surrogate halves cannot be written as UTF-8 on their own; they become U+FFFD.
        append_utf8(out, (cp >= 0xD800 && cp <= 0xDFFF) ? 0xFFFD : cp);
        i += 4;
        continue;
      }
      out += 'u';
      continue;
    }
    switch (e) {
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 'f': out += '\f'; break;
      default: append_utf8(out, static_cast<unsigned char>(e));
    }
  }
  return out;
}

struct ZipCloser {
  void operator()(void* z) const { unzClose(z); }
};
using Zip = std::unique_ptr<void, ZipCloser>;

Zip open_zip(const std::filesystem::path& archive) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(archive, ec)) {
    throw Error(ExitCode::InvalidInput, archive.string() + ": no such file");
  }
  unzFile z = unzOpen(archive.string().c_str());
  if (!z) throw Error(ExitCode::InvalidInput, archive.string() + ": not a zip archive");
  return Zip(z);
}

// Members larger than this are not read into memory (a catalog member is at most a few MB).
constexpr uLong kMaxMemberBytes = 512ul << 20;

}  // namespace

std::map<std::string, std::string> parse_properties(const std::string& text) {
  std::map<std::string, std::string> out;
  for (const std::string& raw : logical_lines(text)) {
    const std::size_t first = raw.find_first_not_of(" \t\f");
    if (first == std::string::npos || raw[first] == '#' || raw[first] == '!') continue;
    // The key ends at the first unescaped '=', ':' or whitespace.
    std::size_t k = first;
    while (k < raw.size()) {
      if (raw[k] == '\\') {
        k += 2;
        continue;
      }
      if (raw[k] == '=' || raw[k] == ':' || raw[k] == ' ' || raw[k] == '\t' || raw[k] == '\f') break;
      ++k;
    }
    const std::string key = raw.substr(first, std::min(k, raw.size()) - first);
    std::size_t v = std::min(k, raw.size());
    while (v < raw.size() && (raw[v] == ' ' || raw[v] == '\t' || raw[v] == '\f')) ++v;
    if (v < raw.size() && (raw[v] == '=' || raw[v] == ':')) ++v;
    while (v < raw.size() && (raw[v] == ' ' || raw[v] == '\t' || raw[v] == '\f')) ++v;
    out[unescape(key)] = unescape(raw.substr(v));
  }
  return out;
}

std::vector<std::string> list_zip_members(const std::filesystem::path& archive) {
  Zip z = open_zip(archive);
  std::vector<std::string> names;
  for (int rc = unzGoToFirstFile(z.get()); rc == UNZ_OK; rc = unzGoToNextFile(z.get())) {
    char name[1024];
    unz_file_info info;
    if (unzGetCurrentFileInfo(z.get(), &info, name, sizeof name, nullptr, 0, nullptr, 0) != UNZ_OK) {
      throw Error(ExitCode::InvalidInput, archive.string() + ": corrupt zip directory");
    }
    names.emplace_back(name);
  }
  return names;
}

std::string read_zip_member(const std::filesystem::path& archive, const std::string& member) {
  Zip z = open_zip(archive);
  const std::string where = archive.string() + ": " + member;
  if (unzLocateFile(z.get(), member.c_str(), 1) != UNZ_OK) {
    throw Error(ExitCode::InvalidInput, where + ": no such member");
  }
  unz_file_info info;
  if (unzGetCurrentFileInfo(z.get(), &info, nullptr, 0, nullptr, 0, nullptr, 0) != UNZ_OK ||
      info.uncompressed_size > kMaxMemberBytes) {
    throw Error(ExitCode::InvalidInput, where + ": corrupt or oversized member");
  }
  if (unzOpenCurrentFile(z.get()) != UNZ_OK) throw Error(ExitCode::InvalidInput, where + ": cannot open member");
  std::string data(info.uncompressed_size, '\0');
  std::size_t got = 0;
  while (got < data.size()) {
    const int n = unzReadCurrentFile(z.get(), data.data() + got, static_cast<unsigned>(data.size() - got));
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  const bool crc_ok = unzCloseCurrentFile(z.get()) == UNZ_OK;
  if (got != data.size() || !crc_ok) throw Error(ExitCode::InvalidInput, where + ": does not inflate");
  return data;
}

FurnitureCatalog read_furniture_catalog(const std::filesystem::path& sh3f) {
  FurnitureCatalog cat;
  cat.archive = sh3f;
  cat.name = sh3f.stem().string();
  const std::vector<std::string> members = list_zip_members(sh3f);
  const std::string base = "PluginFurnitureCatalog";
  if (std::find(members.begin(), members.end(), base + ".properties") == members.end()) {
    throw Error(ExitCode::InvalidInput, sh3f.string() + ": no " + base + ".properties (not a furniture catalog)");
  }
  std::map<int, CatalogPiece> pieces;
  static const std::regex numbered(R"(([A-Za-z]+)#([0-9]{1,6}))");
  for (const std::string& member : members) {
    if (member.rfind(base, 0) != 0 || member.size() < base.size() + 11 ||
        member.compare(member.size() - 11, 11, ".properties") != 0) {
      continue;
    }
    std::string lang = member.substr(base.size(), member.size() - base.size() - 11);
    if (!lang.empty()) lang.erase(0, 1);  // "_fr" -> "fr"
    for (const auto& [key, value] : parse_properties(read_zip_member(sh3f, member))) {
      std::smatch m;
      if (!std::regex_match(key, m, numbered)) continue;
      const int id = std::stoi(m[2]);
      CatalogPiece& p = pieces[id];
      p.id = id;
      const std::string field = m[1];
      if (lang.empty()) {
        p.fields[field] = value;
      } else if (field == "name") {
        p.names[lang] = value;
      } else if (field == "category") {
        p.categories[lang] = value;
      }
    }
  }
  for (auto& [id, p] : pieces) {
    if (p.fields.count("name")) cat.pieces.push_back(std::move(p));  // translations of nothing are dropped
  }
  return cat;
}

}  // namespace flexforge::io
