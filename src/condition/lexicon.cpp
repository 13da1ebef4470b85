#include "flexforge/condition/lexicon.h"

#include "flexforge/condition/tokenizer.h"
#include "flexforge/condition/word_forms.h"
#include "flexforge/core/atomic_file.h"
#include "flexforge/core/error.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace flexforge::condition {

namespace {

constexpr const char* kHeader = "# flexforge-lexicon 1";

bool known_relation(const std::string& r) {
  return std::find_if(std::begin(kRelations), std::end(kRelations), [&](const char* k) { return r == k; }) !=
         std::end(kRelations);
}

// Why a phrase is not in normal form, or "" when it is.
std::string phrase_problem(const std::string& phrase) {
  if (phrase.empty()) return "empty phrase";
  std::vector<std::string> words;
  try {
    words = normalize_words(phrase);
  } catch (const Error&) {
    return "phrase is not valid UTF-8";
  }
  std::string joined;
  for (const auto& w : words) joined += (joined.empty() ? "" : " ") + w;
  if (joined != phrase) return "phrase '" + phrase + "' is not normalised (expected '" + joined + "')";
  if (words.size() > Lexicon::kMaxPhraseWords) return "phrase '" + phrase + "' has more than 4 words";
  return "";
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return out;
    start = tab + 1;
  }
}

}  // namespace

bool Lexicon::add(const std::string& phrase, LexiconEntry entry) {
  if (const std::string why = phrase_problem(phrase); !why.empty()) throw std::invalid_argument(why);
  // `via` quotes source names, which may hold tabs or line breaks (a catalog's "Szék<TAB>"): as
  // field separators they would make a file that load() rejects.
  for (char& c : entry.via)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  while (!entry.via.empty() && entry.via.back() == ' ') entry.via.pop_back();
  if (!known_relation(entry.relation)) throw std::invalid_argument("unknown relation '" + entry.relation + "'");
  auto& list = entries_[phrase];
  for (const auto& e : list) {
    if (e.is_attribute() == entry.is_attribute()) return false;
  }
  if (const std::string folded = fold_accents(phrase); folded != phrase) {
    auto [it, inserted] = folded_.emplace(folded, phrase);
    if (!inserted && phrase < it->second) it->second = phrase;  // the same whatever the order of add()
  }
  // Noun-like entries first, so find()'s first entry is what the phrase means on its own.
  if (entry.is_attribute()) {
    list.push_back(std::move(entry));
  } else {
    list.insert(list.begin(), std::move(entry));
  }
  ++count_;
  return true;
}

const std::vector<LexiconEntry>* Lexicon::find(const std::string& phrase) const {
  const auto it = entries_.find(phrase);
  return it == entries_.end() ? nullptr : &it->second;
}

const std::string& Lexicon::unfolded(const std::string& folded) const {
  static const std::string none;
  const auto it = folded_.find(folded);
  return it == folded_.end() ? none : it->second;
}

void Lexicon::save(const std::filesystem::path& path) const {
  std::ostringstream out;
  out << kHeader << "\n";
  for (const auto& [phrase, list] : entries_) {
    for (const auto& e : list) out << phrase << '\t' << e.concept << '\t' << e.relation << '\t' << e.via << '\n';
  }
  write_file_atomic(path, out.str());
}

Lexicon Lexicon::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ExitCode::Model, "lexicon file " + path.string() + ": cannot open");
  Lexicon lex;
  std::string line;
  std::size_t number = 0;
  const auto fail = [&](const std::string& why) {
    return Error(ExitCode::Model, "lexicon file " + path.string() + ": line " + std::to_string(number) + ": " + why);
  };
  while (std::getline(in, line)) {
    ++number;
    if (number == 1) {
      if (line != kHeader) throw fail(std::string("not a lexicon file (first line must be '") + kHeader + "')");
      continue;
    }
    if (line.empty()) continue;
    const auto f = split_tabs(line);
    if (f.size() != 4) throw fail("expected 4 tab-separated fields, found " + std::to_string(f.size()));
    try {
      lex.add(f[0], LexiconEntry{f[1], f[2], f[3]});
    } catch (const std::invalid_argument& e) {
      throw fail(e.what());
    }
  }
  if (number == 0) throw fail("empty file");
  return lex;
}

}  // namespace flexforge::condition
