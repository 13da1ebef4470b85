#include "flexforge/condition/word_forms.h"

#include <algorithm>
#include <array>
#include <utility>

namespace flexforge::condition {

namespace {

// Two-byte UTF-8 letters of Latin-1 Supplement and Latin Extended-A that prompts use, lower case
// (prompts are case-folded before this), with their base letters.
constexpr std::array<std::pair<const char*, const char*>, 44> kFolds{{
    {"à", "a"}, {"á", "a"}, {"â", "a"}, {"ã", "a"}, {"ä", "a"}, {"å", "a"}, {"ā", "a"}, {"ą", "a"},
    {"ç", "c"}, {"ć", "c"}, {"č", "c"}, {"è", "e"}, {"é", "e"}, {"ê", "e"}, {"ë", "e"}, {"ē", "e"},
    {"ę", "e"}, {"ě", "e"}, {"ì", "i"}, {"í", "i"}, {"î", "i"}, {"ï", "i"}, {"ñ", "n"}, {"ń", "n"},
    {"ò", "o"}, {"ó", "o"}, {"ô", "o"}, {"õ", "o"}, {"ö", "o"}, {"ø", "o"}, {"ō", "o"}, {"ő", "o"},
    {"ù", "u"}, {"ú", "u"}, {"û", "u"}, {"ü", "u"}, {"ű", "u"}, {"ý", "y"}, {"ÿ", "y"}, {"ß", "ss"},
    {"œ", "oe"}, {"æ", "ae"}, {"ł", "l"}, {"ś", "s"},
}};

// A word split into its UTF-8 characters (the input is valid UTF-8: normalize_words checked it).
std::vector<std::string> characters(const std::string& word) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < word.size();) {
    const unsigned char c = static_cast<unsigned char>(word[i]);
    const std::size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    out.push_back(word.substr(i, n));
    i += n;
  }
  return out;
}

std::string join(const std::vector<std::string>& chars, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) out += chars[i];
  return out;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A plural (or other inflected) ending and what replaces it in the base form, with the languages
// (catalog language codes) that form words that way.
struct Inflection {
  const char* ending;
  const char* base;
  std::vector<std::string> languages;
};

const std::vector<Inflection>& inflections() {
  static const std::vector<Inflection> table = {
      {"aux", "al", {"fr"}},                                  // chevaux -> cheval
      {"x", "", {"fr"}},                                      // bateaux -> bateau
      {"es", "", {"es", "pt"}},                               // flores -> flor
      {"s", "", {"fr", "es", "pt", "de", "nl"}},              // chaises -> chaise, sillas -> silla
      {"chi", "co", {"it"}}, {"ghi", "go", {"it"}},           // fuochi -> fuoco
      {"che", "ca", {"it"}}, {"ghe", "ga", {"it"}},           // barche -> barca
      {"i", "o", {"it"}}, {"i", "e", {"it"}}, {"e", "a", {"it"}},  // letti -> letto, sedie -> sedia
      {"nen", "", {"de"}}, {"en", "", {"de", "nl"}}, {"er", "", {"de"}},  // Tulpen -> Tulpe (below)
      {"n", "", {"de"}}, {"e", "", {"de"}},                   // Tulpen -> Tulpe, Tische -> Tisch
      // Diminutives, which furniture names are full of: tazzina -> tazza, botellín -> botella.
      {"ina", "a", {"it"}}, {"ino", "o", {"it"}}, {"etta", "a", {"it"}}, {"etto", "o", {"it"}},
      {"ita", "a", {"es"}}, {"ito", "o", {"es"}}, {"ín", "a", {"es"}}, {"ín", "o", {"es"}},
      {"ette", "e", {"fr"}},
  };
  return table;
}

// Compounds name their kind last in these languages: "Kaffeestuhl" is a Stuhl.
const std::vector<std::string> kCompoundingLanguages = {"de", "nl", "sv"};

constexpr std::size_t kMinStemCharacters = 4;  // "wire" is not the German "wir"
constexpr std::size_t kMinHeadCharacters = 4;
constexpr std::size_t kMinModifierCharacters = 3;

bool noun_like(const LexiconEntry& e) { return !e.is_attribute() && e.relation != "function"; }

// A catalog's or dictionary's name in one of `languages` (its `via` starts with "de:", "it:", ...).
// Only the first source of a phrase is named in its `via`, so a word two languages share counts
// for one of them only; the check still keeps an Italian ending off an English word ("tape" is
// not the Spanish "tapa") and English WordNet entries out ("toaster" is not an "aster").
bool from_language(const LexiconEntry& e, const std::vector<std::string>& languages) {
  if (e.relation != "translation") return false;
  for (const std::string& lang : languages) {
    if (e.via.compare(0, lang.size() + 1, lang + ":") == 0) return true;
  }
  return false;
}

// The lexicon phrase for a form, as written or with its accents as the lexicon has them.
std::string held_phrase(const Lexicon& lexicon, const std::string& form) {
  if (lexicon.find(form)) return form;
  return lexicon.unfolded(fold_accents(form));
}

// The noun-like entries of `form`, as written or with its accents ("tulipanes" -> "tulipan" ->
// "tulipán"), that came from one of `languages`, `via` naming the rule.
std::optional<WordForm> entries_from(const Lexicon& lexicon, const std::string& form,
                                     const std::vector<std::string>& languages, const std::string& rule) {
  const std::string phrase = held_phrase(lexicon, form);
  if (phrase.empty()) return std::nullopt;
  WordForm found{phrase, rule, {}};
  for (const LexiconEntry& e : *lexicon.find(phrase)) {
    if (!noun_like(e) || !from_language(e, languages)) continue;
    LexiconEntry copy = e;
    copy.via += ", " + rule + " '" + phrase + "'";
    found.entries.push_back(std::move(copy));
  }
  if (found.entries.empty()) return std::nullopt;
  return found;
}

// German plurals often add an umlaut (Stühle, Bänke, Schränke): the stem without it.
std::string without_last_umlaut(const std::string& stem) {
  std::vector<std::string> chars = characters(stem);
  for (std::size_t i = chars.size(); i-- > 0;) {
    if (chars[i] == "ä") chars[i] = "a";
    else if (chars[i] == "ö") chars[i] = "o";
    else if (chars[i] == "ü") chars[i] = "u";
    else continue;
    return join(chars, 0, chars.size());
  }
  return "";
}

// `word` itself (when `with_itself`), then its inflected base forms. Each ending is tried for its
// own languages, or only for those of them in `restrict_to` when that is given.
std::optional<WordForm> inflected(const Lexicon& lexicon, const std::string& word,
                                  const std::vector<std::string>* restrict_to, bool with_itself,
                                  const std::string& rule) {
  if (with_itself && restrict_to) {  // as written, the word counts only for named languages
    if (auto found = entries_from(lexicon, word, *restrict_to, rule)) return found;
  }
  for (const Inflection& inf : inflections()) {
    if (!ends_with(word, inf.ending)) continue;
    std::vector<std::string> languages;
    for (const std::string& lang : inf.languages) {
      if (!restrict_to || std::find(restrict_to->begin(), restrict_to->end(), lang) != restrict_to->end())
        languages.push_back(lang);
    }
    if (languages.empty()) continue;
    const std::string stem = word.substr(0, word.size() - std::string(inf.ending).size()) + inf.base;
    if (characters(stem).size() < kMinStemCharacters) continue;
    if (auto found = entries_from(lexicon, stem, languages, rule)) return found;
    if (std::find(languages.begin(), languages.end(), "de") == languages.end()) continue;
    if (const std::string plain = without_last_umlaut(stem); !plain.empty()) {
      if (auto found = entries_from(lexicon, plain, kCompoundingLanguages, rule)) return found;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string fold_accents(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0xC3 && c <= 0xC5 && i + 1 < text.size()) {
      const std::string ch = text.substr(i, 2);
      const char* base = nullptr;
      for (const auto& [accented, plain] : kFolds) {
        if (ch == accented) base = plain;
      }
      out += base ? std::string(base) : ch;
      i += 2;
      continue;
    }
    out += text[i++];
  }
  return out;
}

std::optional<WordForm> find_word_form(const Lexicon& lexicon, const std::string& word) {
  // Accents: the same letters, whatever the language, so every entry counts.
  if (const std::string phrase = held_phrase(lexicon, word); !phrase.empty() && phrase != word) {
    WordForm found{phrase, "accents", *lexicon.find(phrase)};
    for (LexiconEntry& e : found.entries) e.via += ", accents of '" + phrase + "'";
    return found;
  }
  if (auto found = inflected(lexicon, word, nullptr, false, "inflected form")) return found;
  // Compound heads, longest first ("Parkmülleimer": "mülleimer" before "eimer"), each also in
  // its plural forms ("Gartenstühle" -> "stühle" -> "stuhl").
  const std::vector<std::string> chars = characters(word);
  for (std::size_t k = kMinModifierCharacters; k + kMinHeadCharacters <= chars.size(); ++k) {
    const std::string head = join(chars, k, chars.size());
    if (auto found = inflected(lexicon, head, &kCompoundingLanguages, true, "compound head")) return found;
  }
  return std::nullopt;
}

}  // namespace flexforge::condition
