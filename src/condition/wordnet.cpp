#include "flexforge/condition/wordnet.h"

#include "flexforge/core/error.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

namespace flexforge::condition {

namespace {

struct LineReader {
  std::filesystem::path path;
  std::ifstream in;
  std::size_t number = 0;

  explicit LineReader(const std::filesystem::path& p) : path(p), in(p, std::ios::binary) {
    if (!in) throw Error(ExitCode::Model, "WordNet file " + path.string() + ": cannot open");
  }
  bool next(std::string& line) {
    if (!std::getline(in, line)) return false;
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  }
  Error fail(const std::string& why) const {
    return Error(ExitCode::Model, "WordNet file " + path.string() + ": line " + std::to_string(number) + ": " + why);
  }
};

std::vector<std::string> fields_of(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream s(line);
  for (std::string f; s >> f;) out.push_back(std::move(f));
  return out;
}

bool parse_uint(const std::string& s, int base, std::uint64_t& v) {
  if (s.empty() || s.size() > 12) return false;
  v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return false;
    v = v * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
  }
  return true;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : static_cast<char>(c);
  });
  return s;
}

// Adjective markers WordNet appends to some lemmas: "(a)", "(p)", "(ip)".
std::string strip_marker(std::string s) {
  if (const auto open = s.find('('); open != std::string::npos && !s.empty() && s.back() == ')') s.erase(open);
  return s;
}

}  // namespace

const std::vector<std::size_t>& WordNetNouns::senses(const std::string& lemma) const {
  static const std::vector<std::size_t> none;
  const auto it = index_.find(lemma);
  return it == index_.end() ? none : it->second;
}

WordNetNouns WordNetNouns::load(const std::filesystem::path& dir) {
  WordNetNouns wn;
  std::unordered_map<std::uint32_t, std::size_t> by_offset;
  std::vector<std::vector<std::uint32_t>> pending;  // hypernym offsets, resolved after reading
  {
    LineReader r(dir / "data.noun");
    for (std::string line; r.next(line);) {
      if (line.empty() || line[0] == ' ') continue;  // licence header lines start with spaces
      const std::string synset_part = line.substr(0, line.find('|'));
      const auto f = fields_of(synset_part);
      std::uint64_t offset, lex_file, count, pointers;
      if (f.size() < 4 || !parse_uint(f[0], 10, offset) || !parse_uint(f[1], 10, lex_file) || f[2] != "n" ||
          !parse_uint(f[3], 16, count) || count == 0 || 4 + 2 * count >= f.size()) {
        throw r.fail("not a noun synset line");
      }
      Synset s;
      s.offset = static_cast<std::uint32_t>(offset);
      s.lex_file = static_cast<int>(lex_file);
      for (std::uint64_t i = 0; i < count; ++i) s.lemmas.push_back(lower(strip_marker(f[4 + 2 * i])));
      std::size_t k = 4 + 2 * count;
      if (!parse_uint(f[k], 10, pointers) || k + 1 + 4 * pointers > f.size()) throw r.fail("bad pointer count");
      ++k;
      std::vector<std::uint32_t> hyper;
      for (std::uint64_t p = 0; p < pointers; ++p, k += 4) {
        std::uint64_t target;
        if (!parse_uint(f[k + 1], 10, target)) throw r.fail("bad pointer offset '" + f[k + 1] + "'");
        if ((f[k] == "@" || f[k] == "@i") && f[k + 2] == "n") hyper.push_back(static_cast<std::uint32_t>(target));
      }
      if (!by_offset.emplace(s.offset, wn.synsets_.size()).second) throw r.fail("synset " + f[0] + " appears twice");
      wn.synsets_.push_back(std::move(s));
      pending.push_back(std::move(hyper));
    }
    if (wn.synsets_.empty()) throw r.fail("no synsets");
    for (std::size_t i = 0; i < pending.size(); ++i) {
      for (std::uint32_t off : pending[i]) {
        const auto it = by_offset.find(off);
        if (it == by_offset.end()) {
          throw Error(ExitCode::Model, "WordNet file " + (dir / "data.noun").string() + ": synset " +
                                           std::to_string(wn.synsets_[i].offset) + " points to missing synset " +
                                           std::to_string(off));
        }
        wn.synsets_[i].hypernyms.push_back(it->second);
      }
    }
  }
  {
    LineReader r(dir / "index.noun");
    for (std::string line; r.next(line);) {
      if (line.empty() || line[0] == ' ') continue;
      const auto f = fields_of(line);
      std::uint64_t senses, pointers;
      if (f.size() < 6 || f[1] != "n" || !parse_uint(f[2], 10, senses) || !parse_uint(f[3], 10, pointers) ||
          4 + pointers + 2 + senses != f.size()) {
        throw r.fail("not a noun index line");
      }
      std::vector<std::size_t> list;
      for (std::size_t k = 4 + pointers + 2; k < f.size(); ++k) {
        std::uint64_t off;
        if (!parse_uint(f[k], 10, off)) throw r.fail("bad synset offset '" + f[k] + "'");
        const auto it = by_offset.find(static_cast<std::uint32_t>(off));
        if (it == by_offset.end()) throw r.fail("sense " + f[k] + " is not in data.noun");
        list.push_back(it->second);
      }
      wn.index_[lower(f[0])] = std::move(list);
    }
    if (wn.index_.empty()) throw r.fail("no lemmas");
  }
  {
    LineReader r(dir / "noun.exc");
    for (std::string line; r.next(line);) {
      const auto f = fields_of(line);
      if (f.empty()) continue;
      if (f.size() < 2) throw r.fail("an exception line needs an inflected form and a base form");
      wn.exceptions_.emplace(lower(f[0]), lower(f[1]));
    }
  }
  // Depths: WordNet's noun hierarchy is a DAG with one root, so relaxing in rounds converges in
  // at most its height (about 20) passes.
  constexpr int kUnset = std::numeric_limits<int>::max();
  wn.depth_.assign(wn.synsets_.size(), kUnset);
  for (std::size_t i = 0; i < wn.synsets_.size(); ++i) {
    if (wn.synsets_[i].hypernyms.empty()) wn.depth_[i] = 0;
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 0; i < wn.synsets_.size(); ++i) {
      for (std::size_t h : wn.synsets_[i].hypernyms) {
        if (wn.depth_[h] != kUnset && wn.depth_[h] + 1 < wn.depth_[i]) {
          wn.depth_[i] = wn.depth_[h] + 1;
          changed = true;
        }
      }
    }
  }
  for (int& d : wn.depth_) {
    if (d == kUnset) d = 0;  // a hypernym cycle (corrupt data) leaves nodes unreachable: treat as roots
  }
  return wn;
}

}  // namespace flexforge::condition
