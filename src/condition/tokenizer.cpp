#include "flexforge/condition/tokenizer.h"

#include "flexforge/condition/lexicon.h"
#include "flexforge/condition/word_forms.h"

#include "flexforge/core/atomic_file.h"
#include "flexforge/core/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace flexforge::condition {

namespace {

const char* const kSpecials[] = {"<pad>", "<unk>", "<null>"};
constexpr const char* kFormat = "flexforge-tokenizer";
constexpr int kVersion = 1;
// Compound splitting only for word-sized inputs: longer "words" are garbage (a pasted hash, a
// 10k-character run) and the quadratic search would only waste time on them.
constexpr std::size_t kMaxCompoundBytes = 64;
// Pieces shorter than this match by accident ("a" + "n" + ...), so they are not split off.
constexpr std::size_t kMinPieceBytes = 3;
constexpr std::size_t kMaxReportedBytes = 40;

// Decodes one code point at s[i], advancing i; returns false for malformed UTF-8 (overlong forms,
// surrogates, values past U+10FFFF, truncated sequences, stray continuation bytes).
bool decode_utf8(const std::string& s, std::size_t& i, char32_t& cp) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    cp = b0;
    ++i;
    return true;
  }
  std::size_t n;
  char32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    n = 1, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 2, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 3, cp = b0 & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (i + n >= s.size()) return false;  // truncated sequence at the end
  for (std::size_t k = 1; k <= n; ++k) {
    const unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  i += n + 1;
  return true;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::vector<char32_t> decode_all(const std::string& text) {
  std::vector<char32_t> cps;
  cps.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t at = i;
    char32_t cp = 0;
    if (!decode_utf8(text, i, cp)) {
      throw Error(ExitCode::InvalidInput,
                  "prompt is not valid UTF-8 (byte " + std::to_string(at) + ")");
    }
    cps.push_back(cp);
  }
  return cps;
}

bool is_apostrophe(char32_t c) { return c == U'\'' || c == 0x2019; }

// Word characters: ASCII letters and digits, and every non-ASCII character outside the
// punctuation/space blocks (so "café" or an emoji is kept as a word and can be reported as
// unknown instead of vanishing silently).
bool is_word_char(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  if (c <= 0xBF) return false;                   // C1 controls, NBSP, Latin-1 punctuation/symbols
  if (c == 0xD7 || c == 0xF7) return false;      // multiplication and division signs
  if (c >= 0x2000 && c <= 0x206F) return false;  // general punctuation, Unicode spaces
  if (c >= 0x3000 && c <= 0x303F) return false;  // CJK punctuation
  if (c >= 0xFE30 && c <= 0xFE4F) return false;  // CJK compatibility forms
  if (c == 0xFEFF) return false;                 // byte-order mark
  if ((c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
      (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65)) {
    return false;  // full-width punctuation
  }
  return true;
}

char32_t to_lower(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c < 0x80) return c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;  // Latin-1 capitals
  if (((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) && c % 2 == 0) return c + 1;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 0x20;  // Greek
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;                // Cyrillic
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  return c;
}

// Calls emit(word) for each normalised word; stops early when emit returns false. The whole text
// is validated first so a malformed tail is an error even when the words stop earlier.
void for_each_word(const std::string& text, const std::function<bool(std::string&&)>& emit) {
  const std::vector<char32_t> cps = decode_all(text);
  std::string word;
  const auto flush = [&]() {
    if (word.empty()) return true;
    const bool more = emit(std::move(word));
    word.clear();
    return more;
  };
  for (std::size_t i = 0; i < cps.size(); ++i) {
    const char32_t c = cps[i];
    if (is_word_char(c)) {
      append_utf8(word, to_lower(c));
      continue;
    }
    if (is_apostrophe(c) && !word.empty() && i + 1 < cps.size() && is_word_char(cps[i + 1])) {
      // Possessive "'s" names the same thing as the bare noun; other inner apostrophes join the
      // halves ("don't" -> "dont") rather than leaving a stray "t" token.
      const bool possessive = to_lower(cps[i + 1]) == U's' &&
                              (i + 2 >= cps.size() || !is_word_char(cps[i + 2]));
      if (possessive) ++i;
      continue;
    }
    if (!flush()) return;
  }
  flush();
}

bool all_digits(const std::string& w) {
  return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool ends_with(const std::string& w, const char* suffix) {
  const std::size_t n = std::char_traits<char>::length(suffix);
  return w.size() >= n && w.compare(w.size() - n, n, suffix) == 0;
}

bool is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

// Candidate stems of an inflected word, most specific first: irregular plurals, plurals (-ies,
// -ves, -es, -s) and the comparative/adjectival/verbal endings captions' words take in free
// text (-er, -est, -ish, -ly, -ing, -ed), each also with a doubled final consonant undone
// ("bigger" -> "big") and with a silent "e" restored ("larger" -> "large").
std::vector<std::string> stem_candidates(const std::string& w) {
  std::vector<std::string> out;
  const auto add = [&](std::string s) {
    if (s.size() >= kMinPieceBytes) out.push_back(std::move(s));
  };
  // Irregular plurals of nouns the captions use or users will type for them.
  static const std::map<std::string, std::string> irregular = {
      {"feet", "foot"},   {"teeth", "tooth"}, {"mice", "mouse"},  {"geese", "goose"},
      {"men", "man"},     {"women", "woman"}, {"children", "child"}, {"people", "person"},
      {"oxen", "ox"},     {"cacti", "cactus"}, {"fungi", "fungus"}, {"octopi", "octopus"}};
  if (const auto it = irregular.find(w); it != irregular.end()) out.push_back(it->second);
  const auto strip = [&](const char* suffix) { return w.substr(0, w.size() - std::char_traits<char>::length(suffix)); };
  if (ends_with(w, "ies")) add(strip("ies") + "y");
  if (ends_with(w, "ves")) {
    add(strip("ves") + "f");
    add(strip("ves") + "fe");
  }
  if (ends_with(w, "es")) add(strip("es"));
  if (ends_with(w, "s") && !ends_with(w, "ss")) add(strip("s"));
  for (const char* suffix : {"est", "er", "ish", "ly", "ing", "ed"}) {
    if (!ends_with(w, suffix) || w.size() < std::char_traits<char>::length(suffix) + kMinPieceBytes) {
      continue;
    }
    const std::string stem = strip(suffix);
    add(stem);
    const std::size_t n = stem.size();
    if (n >= 2 && stem[n - 1] == stem[n - 2] && !is_vowel(stem[n - 1])) add(stem.substr(0, n - 1));
    add(stem + "e");
    if (stem.back() == 'i') add(stem.substr(0, n - 1) + "y");  // "tinier" -> "tiny"
  }
  return out;
}

std::string shorten(const std::string& w) {
  if (w.size() <= kMaxReportedBytes) return w;
  std::size_t cut = kMaxReportedBytes;
  while (cut > 0 && (static_cast<unsigned char>(w[cut]) & 0xC0) == 0x80) --cut;  // whole code points
  return w.substr(0, cut) + "...";
}

}  // namespace

std::vector<std::string> normalize_words(const std::string& text) {
  std::vector<std::string> words;
  for_each_word(text, [&](std::string&& w) {
    words.push_back(std::move(w));
    return true;
  });
  return words;
}

Tokenizer::Tokenizer() : Tokenizer(std::vector<std::string>{}) {}

Tokenizer::Tokenizer(std::vector<std::string> tokens) {
  if (tokens.empty()) {
    tokens.assign(std::begin(kSpecials), std::end(kSpecials));
    for (char d = '0'; d <= '9'; ++d) tokens.emplace_back(1, d);
  }
  for (std::size_t i = 0; i < 3; ++i) {
    if (tokens.size() <= i || tokens[i] != kSpecials[i]) {
      throw std::invalid_argument(std::string("token ") + std::to_string(i) + " must be " + kSpecials[i]);
    }
  }
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    if (i >= 3) {
      std::vector<std::string> words;
      try {
        words = normalize_words(t);
      } catch (const Error&) {
        throw std::invalid_argument("token " + std::to_string(i) + " is not valid UTF-8");
      }
      if (words.size() != 1 || words[0] != t) {
        throw std::invalid_argument("token " + std::to_string(i) + " '" + shorten(t) +
                                    "' is not one normalised word");
      }
    }
    if (!index_.emplace(t, static_cast<TokenId>(i)).second) {
      throw std::invalid_argument("token '" + shorten(t) + "' appears twice");
    }
    longest_ = std::max(longest_, t.size());
  }
  for (char d = '0'; d <= '9'; ++d) {
    if (!index_.count(std::string(1, d))) {
      throw std::invalid_argument(std::string("digit token '") + d + "' is missing");
    }
  }
  tokens_ = std::move(tokens);
}

Tokenizer Tokenizer::build(const std::vector<std::string>& captions, std::size_t min_count) {
  std::map<std::string, std::size_t> counts;
  for (const std::string& caption : captions) {
    for_each_word(caption, [&](std::string&& w) {
      ++counts[std::move(w)];
      return true;
    });
  }
  std::vector<std::string> tokens(std::begin(kSpecials), std::end(kSpecials));
  for (char d = '0'; d <= '9'; ++d) tokens.emplace_back(1, d);
  std::vector<std::pair<std::size_t, std::string>> order;
  for (const auto& [word, n] : counts) {
    if (n >= std::max<std::size_t>(min_count, 1) && !(word.size() == 1 && all_digits(word))) {
      order.emplace_back(n, word);
    }
  }
  // Most frequent first, then byte order: deterministic ids for a given corpus.
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (auto& entry : order) tokens.push_back(std::move(entry.second));
  return Tokenizer(std::move(tokens));
}

void Tokenizer::save(const std::filesystem::path& path) const {
  nlohmann::json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["tokens"] = tokens_;
  write_file_atomic(path, j.dump(1) + "\n");
}

Tokenizer Tokenizer::load(const std::filesystem::path& path) {
  const auto fail = [&](const std::string& why) {
    return Error(ExitCode::Model, "tokenizer file " + path.string() + ": " + why);
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) throw fail("cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(buffer.str());
  } catch (const nlohmann::json::exception& e) {
    throw fail(std::string("not valid JSON (") + e.what() + ")");
  }
  if (!j.is_object() || j.value("format", "") != kFormat) {
    throw fail(std::string("not a tokenizer file (\"format\" must be \"") + kFormat + "\")");
  }
  if (!j.contains("version") || j["version"] != kVersion) {
    throw fail("unsupported version (expected " + std::to_string(kVersion) + ")");
  }
  if (!j.contains("tokens") || !j["tokens"].is_array()) throw fail("\"tokens\" must be an array");
  std::vector<std::string> tokens;
  for (const auto& t : j["tokens"]) {
    if (!t.is_string()) throw fail("every token must be a string");
    tokens.push_back(t.get<std::string>());
  }
  if (tokens.empty()) throw fail("\"tokens\" is empty");
  try {
    return Tokenizer(std::move(tokens));
  } catch (const std::invalid_argument& e) {
    throw fail(e.what());
  }
}

const std::string& Tokenizer::token(TokenId id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= tokens_.size()) {
    throw std::out_of_range("token id " + std::to_string(id) + " out of range");
  }
  return tokens_[static_cast<std::size_t>(id)];
}

TokenId Tokenizer::id(const std::string& word) const {
  const auto it = index_.find(word);
  return it == index_.end() ? kUnk : it->second;
}

bool Tokenizer::contains(const std::string& word) const { return index_.count(word) > 0; }

bool Tokenizer::split_compound(const std::string& word, std::vector<TokenId>& out) const {
  const std::size_t n = word.size();
  if (n < 2 * kMinPieceBytes || n > kMaxCompoundBytes) return false;
  // Fewest vocabulary pieces covering the word; among equal counts the longest leading pieces
  // (longest match first), which is the split a reader would pick ("sail|boat", not "sai|lboat").
  constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> pieces(n + 1, kNone), next(n + 1, 0);
  pieces[n] = 0;
  for (std::size_t i = n; i-- > 0;) {
    const std::size_t max_len = std::min(longest_, n - i);
    for (std::size_t len = max_len; len >= kMinPieceBytes; --len) {
      if (pieces[i + len] == kNone) continue;
      const auto it = index_.find(word.substr(i, len));
      if (it == index_.end() || it->second < 3) continue;
      if (pieces[i + len] + 1 < pieces[i]) {
        pieces[i] = pieces[i + len] + 1;
        next[i] = i + len;
      }
    }
  }
  if (pieces[0] == kNone) return false;
  for (std::size_t i = 0; i < n; i = next[i]) out.push_back(index_.at(word.substr(i, next[i] - i)));
  return true;
}

std::vector<TokenId> Tokenizer::map_word(const std::string& word) const {
  if (const auto it = index_.find(word); it != index_.end() && it->second >= 3) return {it->second};
  if (all_digits(word)) {
    std::vector<TokenId> ids;
    for (char d : word) ids.push_back(index_.at(std::string(1, d)));
    return ids;
  }
  const std::vector<std::string> stems = stem_candidates(word);
  for (const std::string& stem : stems) {
    if (const auto it = index_.find(stem); it != index_.end() && it->second >= 3) return {it->second};
  }
  std::vector<TokenId> ids;
  if (split_compound(word, ids)) return ids;
  for (const std::string& stem : stems) {  // plural compounds: "sailboats" -> "sail" "boat"
    ids.clear();
    if (split_compound(stem, ids)) return ids;
  }
  return {};
}

EncodeResult Tokenizer::encode(const std::string& text, std::size_t max_len, const Lexicon* lexicon) const {
  if (max_len == 0) throw Error(ExitCode::Usage, "tokenizer: max_len must be at least 1");
  EncodeResult result;
  const std::vector<std::string> words = normalize_words(text);
  if (words.empty()) throw Error(ExitCode::Usage, "prompt is empty");
  std::set<std::string> reported;
  bool meaningful = false;  // some word produced a token other than <unk>
  // Appends ids; false once max_len is reached (the rest of the prompt is dropped).
  const auto emit = [&](const std::vector<TokenId>& ids) {
    for (TokenId id : ids) {
      if (result.ids.size() == max_len) {
        result.truncated = true;
        return false;
      }
      result.ids.push_back(id);
      meaningful = meaningful || id != kUnk;
    }
    return true;
  };
  const auto concept_ids = [&](const std::string& concept) {
    std::vector<TokenId> ids;
    for (const std::string& w : normalize_words(concept)) ids.push_back(id(w));
    return ids;
  };
  const auto is_token = [&](const std::string& w) { return id(w) >= 3; };
  // Applies one lexicon entry to the prompt words it covers.
  const auto apply = [&](const std::string& phrase, const LexiconEntry& e) {
    const WordMapping m{phrase, e.concept, e.relation, e.via};
    if (e.is_attribute()) result.attributes.push_back(m);
    if (!(e.is_attribute() && e.concept == phrase)) result.mappings.push_back(m);
    if (e.concept.empty()) return true;
    return emit(concept_ids(e.concept));
  };
  // A word's entries: the word itself, else its English plural stems ("trashcans" -> "trashcan").
  const auto entries_of = [&](const std::string& w) -> const std::vector<LexiconEntry>* {
    if (!lexicon) return nullptr;
    if (const auto* es = lexicon->find(w)) return es;
    // Plural stems only: "-er"/"-ing" stems change the meaning ("toaster" is not a "toast").
    if (w.size() <= kMaxCompoundBytes && ends_with(w, "s")) {
      for (const std::string& stem : stem_candidates(w)) {
        if (stem.size() + 1 < w.size() && !ends_with(w, "es") && !ends_with(w, "ies") && !ends_with(w, "ves")) continue;
        if (const auto* es = lexicon->find(stem)) return es;
      }
    }
    return nullptr;
  };
  // A phrase's entries, as written or typed without its accents ("arbol de navidad").
  const auto phrase_entries = [&](const std::string& phrase) -> const std::vector<LexiconEntry>* {
    if (const auto* es = lexicon->find(phrase)) return es;
    const std::string& accented = lexicon->unfolded(fold_accents(phrase));
    return accented.empty() ? nullptr : lexicon->find(accented);
  };
  for (std::size_t i = 0; i < words.size();) {
    // Phrases first, longest first: "trash can", "sports car", "table basse".
    std::size_t taken = 0;
    bool more = true;
    for (std::size_t k = std::min(Lexicon::kMaxPhraseWords, words.size() - i); lexicon && k >= 2; --k) {
      std::string phrase = words[i];
      for (std::size_t q = 1; q < k; ++q) phrase += " " + words[i + q];
      const auto* es = phrase_entries(phrase);
      // WordNet's "blue cat" is a catfish, but whoever types it means a cat coloured blue: a
      // phrase that starts with an attribute word (colour, material, size) and ends in a word
      // the model knows as it is reads word by word ("blue jay" stays a bird: jay is no token).
      if (es && is_token(words[i + k - 1])) {
        const auto* first = lexicon->find(words[i]);
        if (first && first->back().is_attribute()) es = nullptr;
      }
      if (es) {
        more = apply(phrase, es->front());
        taken = k;
        break;
      }
    }
    if (taken == 0) {
      const std::string& w = words[i];
      taken = 1;
      const auto* es = is_token(w) ? (lexicon ? lexicon->find(w) : nullptr) : entries_of(w);
      if (is_token(w)) {
        if (es && es->back().is_attribute()) result.attributes.push_back({w, es->back().concept, es->back().relation, es->back().via});
        more = emit({id(w)});
      } else if (es) {
        // "oak" before a noun is a material, alone it is a tree.
        const bool before_word = i + 1 < words.size();
        const LexiconEntry& e = (es->back().is_attribute() && (before_word || es->size() == 1)) ? es->back() : es->front();
        more = apply(w, e);
      } else if (std::vector<TokenId> ids = map_word(w); !ids.empty()) {
        more = emit(ids);
      } else if (const std::optional<WordForm> form = lexicon && w.size() <= kMaxCompoundBytes
                                                           ? find_word_form(*lexicon, w)
                                                           : std::nullopt) {
        // Last, other forms the lexicon holds (word_forms.h: "arbol", "Tulpen", "Kaffeestuhl"):
        // after the English stems and compounds, so "sailboats" stays "sail boat".
        more = apply(w, form->entries.front());
      } else {
        ++result.unknown_count;
        std::string shown = shorten(w);
        if (result.unknown_words.size() < kMaxReportedUnknown && reported.insert(shown).second) {
          result.unknown_words.push_back(std::move(shown));
        }
        more = emit({kUnk});
      }
    }
    if (!more) break;
    i += taken;
  }
  result.all_unknown = !meaningful;
  return result;
}

std::vector<TokenId> Tokenizer::pad(const std::vector<TokenId>& ids, std::size_t length) {
  if (ids.size() > length) {
    throw Error(ExitCode::Usage, "tokenizer: " + std::to_string(ids.size()) +
                                     " tokens do not fit a length of " + std::to_string(length));
  }
  std::vector<TokenId> out = ids;
  out.resize(length, kPad);
  return out;
}

}  // namespace flexforge::condition
