#include "flexforge/condition/lexicon_builder.h"

#include "flexforge/condition/attribute_words.h"

#include "flexforge/condition/tokenizer.h"
#include "flexforge/core/error.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <set>
#include <stdexcept>

namespace flexforge::condition {

namespace {

bool is_physical(int lex_file) {
  switch (static_cast<NounFile>(lex_file)) {
    case NounFile::Animal:
    case NounFile::Artifact:
    case NounFile::Plant:
    case NounFile::Object:
    case NounFile::Food:
      return true;
    default:
      return false;
  }
}
bool is_person(int lex_file) { return lex_file == static_cast<int>(NounFile::Person); }

// A physical sense at least this deep names something specific (a toaster, a frog); when it
// reaches no anchor the word maps to nothing instead of falling back to a person sense.
constexpr int kSpecificDepth = 8;



std::string join(const std::vector<std::string>& words, std::size_t from, std::size_t to, char sep) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) {
    if (i > from) out += sep;
    out += words[i];
  }
  return out;
}

// A WordNet lemma ("heavier-than-air_craft") as a lexicon phrase ("heavier than air craft"), or
// "" when it does not normalise to 1-4 words.
std::string lemma_phrase(const std::string& lemma) {
  std::string text = lemma;
  std::replace(text.begin(), text.end(), '_', ' ');
  std::vector<std::string> words;
  try {
    words = normalize_words(text);
  } catch (const Error&) {
    return "";
  }
  if (words.empty() || words.size() > Lexicon::kMaxPhraseWords) return "";
  return join(words, 0, words.size(), ' ');
}

const std::pair<const char*, const char*> kSizeWords[] = {
    {"tiny", "small"}, {"little", "small"}, {"miniature", "small"}, {"mini", "small"}, {"petite", "small"},
    {"enormous", "huge"}, {"massive", "huge"}, {"immense", "huge"}, {"gigantic", "giant"},
    {"colossal", "giant"}, {"towering", "tall"}, {"skinny", "thin"}, {"chunky", "stocky"},
    {"medium", ""}, {"oversized", "large"},
};

// The basic colour words of the catalogs' main languages, in every gender and number, each with
// the palette colour it names. They follow the noun in French, Spanish and Italian ("un coche
// negro"), where a noun entry of the same word would win (tokenizer: a trailing word that is both
// reads as the noun); so they are adjectives only: the dictionaries' "Nero" (the emperor) and
// "Schwarzer" (a person) are not what a prompt means.
struct ForeignColour {
  const char* language;
  const char* colour;  // palette colour name
  std::vector<const char*> forms;
};
const std::vector<ForeignColour>& foreign_colour_words() {
  static const std::vector<ForeignColour> words = {
      {"fr", "red", {"rouge", "rouges"}},
      {"fr", "blue", {"bleu", "bleue", "bleus", "bleues"}},
      {"fr", "green", {"vert", "verte", "verts", "vertes"}},
      {"fr", "yellow", {"jaune", "jaunes"}},
      {"fr", "white", {"blanc", "blanche", "blancs", "blanches"}},
      {"fr", "black", {"noir", "noire", "noirs", "noires"}},
      {"fr", "gray", {"gris", "grise", "grises"}},
      {"fr", "brown", {"marron", "brun", "brune", "bruns", "brunes"}},
      {"de", "red", {"rot", "rote", "roter", "rotes", "roten", "rotem"}},
      {"de", "blue", {"blau", "blaue", "blauer", "blaues", "blauen", "blauem"}},
      {"de", "green", {"grün", "grüne", "grüner", "grünes", "grünen", "grünem"}},
      {"de", "yellow", {"gelb", "gelbe", "gelber", "gelbes", "gelben", "gelbem"}},
      {"de", "white", {"weiß", "weiße", "weißer", "weißes", "weißen", "weißem"}},
      {"de", "black", {"schwarz", "schwarze", "schwarzer", "schwarzes", "schwarzen", "schwarzem"}},
      {"de", "gray", {"grau", "graue", "grauer", "graues", "grauen", "grauem"}},
      {"de", "brown", {"braun", "braune", "brauner", "braunes", "braunen", "braunem"}},
      {"es", "red", {"rojo", "roja", "rojos", "rojas"}},
      {"es", "blue", {"azul", "azules"}},
      {"es", "green", {"verde", "verdes"}},
      {"es", "yellow", {"amarillo", "amarilla", "amarillos", "amarillas"}},
      {"es", "white", {"blanco", "blanca", "blancos", "blancas"}},
      {"es", "black", {"negro", "negra", "negros", "negras"}},
      {"es", "gray", {"gris", "grises"}},
      {"es", "brown", {"marrón", "marrones"}},
      {"it", "red", {"rosso", "rossa", "rossi", "rosse"}},
      {"it", "blue", {"blu", "azzurro", "azzurra", "azzurri", "azzurre"}},
      {"it", "green", {"verde", "verdi"}},
      {"it", "yellow", {"giallo", "gialla", "gialli", "gialle"}},
      {"it", "white", {"bianco", "bianca", "bianchi", "bianche"}},
      {"it", "black", {"nero", "nera", "neri", "nere"}},
      {"it", "gray", {"grigio", "grigia", "grigi", "grigie"}},
      {"it", "brown", {"marrone", "marroni"}},
  };
  return words;
}

// Articles, conjunctions and the prepositions prompts use, in the catalogs' main languages:
// mapped to the English token where the captions have one, else dropped.
const std::pair<const char*, const char*> kFunctionWords[] = {
    {"the", ""}, {"this", ""}, {"that", ""}, {"some", ""},
    // French
    {"un", "a"}, {"une", "a"}, {"le", ""}, {"la", ""}, {"les", ""}, {"des", ""}, {"du", "of"},
    {"de", "of"}, {"et", "and"}, {"avec", "with"}, {"en", "in"}, {"sur", "on"}, {"au", "in"},
    // German
    {"ein", "a"}, {"eine", "a"}, {"einen", "a"}, {"einem", "a"}, {"einer", "a"}, {"der", ""},
    {"die", ""}, {"das", ""}, {"den", ""}, {"dem", ""}, {"und", "and"}, {"mit", "with"}, {"von", "of"},
    {"aus", "of"}, {"auf", "on"}, {"im", "in"},
    // Spanish
    {"una", "a"}, {"uno", "a"}, {"el", ""}, {"los", ""}, {"las", ""}, {"y", "and"}, {"con", "with"},
    {"del", "of"}, {"sobre", "on"},
    // Italian
    {"il", ""}, {"lo", ""}, {"gli", ""}, {"di", "of"}, {"della", "of"}, {"e", "and"}, {"nel", "in"},
    // Portuguese and Dutch
    {"um", "a"}, {"uma", "a"}, {"com", "with"}, {"een", "a"}, {"het", ""}, {"met", "with"}, {"van", "of"},
};

// English prepositions that end a catalog name's head phrase ("Chair with armrests").
const std::set<std::string> kEnglishBreaks = {"with", "of", "for", "in", "on", "and", "without",
                                              "from", "at", "to", "by", "under", "over"};

// Languages whose noun phrases put the head noun first ("Table basse") or last ("Runder Tisch").
const std::set<std::string> kHeadFirst = {"fr", "es", "it", "pt", "pt_PT"};
const std::set<std::string> kHeadLast = {"de", "nl", "sv", "en_US"};

bool all_tokens(const Tokenizer& t, const std::vector<std::string>& words) {
  return std::all_of(words.begin(), words.end(), [&](const std::string& w) { return t.id(w) >= 3; });
}

// True when the tokenizer alone already says what the phrase says: all its words are tokens and
// the concept is one of them ("coffee table" -> table), so the entry would only lose tokens.
bool redundant(const Tokenizer& t, const std::string& phrase, const std::string& concept) {
  const auto words = normalize_words(phrase);
  return all_tokens(t, words) && std::find(words.begin(), words.end(), concept) != words.end();
}

}  // namespace

const std::vector<ConceptAnchors>& concept_anchors() {
  static const std::vector<ConceptAnchors> table = {
      {"chair", {"chair#1", "armchair", "sofa", "bench#1"}},
      {"stool", {"stool#1", "footstool"}},
      {"table", {"table#2", "desk"}},
      {"bed", {"bed#1", "bunk#2", "bunk#6"}},
      {"shelf", {"shelf", "bookcase", "cabinet#1", "wardrobe", "cupboard"}},
      {"lamp", {"lamp#1", "lamp#2", "light#2", "lighting#2"}},
      {"tree", {"tree#1", "woody_plant", "shrub"}},
      {"flower", {"flower#1", "flower#2", "herb#1", "bulbous_plant"}},
      {"cactus", {"cactus", "succulent"}},
      {"mushroom", {"mushroom#2", "fungus"}},
      {"rock", {"rock#1", "rock#2", "stone#2"}},
      {"house", {"house#1", "building#1", "dwelling"}},
      {"tower", {"tower#1", "castle#1", "castle#2", "fortification"}},
      {"mug", {"cup#1", "mug", "drinking_vessel"}},
      {"bottle", {"bottle#1", "flask", "jug"}},
      {"vase", {"vase", "urn", "jar#1", "pot#1", "pot#4"}},
      {"bucket", {"bucket#1", "pail", "tub", "bin", "basket#1", "barrel"}},
      {"sword", {"sword", "knife#1", "weapon#1"}},
      {"axe", {"ax", "edge_tool"}},
      {"hammer", {"hammer#2", "hand_tool", "tool#1"}},
      {"car", {"car#1", "motor_vehicle", "wheeled_vehicle", "vehicle#1"}},
      {"airplane", {"airplane", "aircraft", "heavier-than-air_craft"}},
      {"rocket", {"rocket#1", "spacecraft", "missile"}},
      {"boat", {"boat", "ship", "vessel#2", "craft#2"}},
      {"humanoid", {"person#1", "humanoid", "homo#2", "automaton"}},
      {"cat", {"cat#1", "feline"}},
      {"dog", {"dog#1", "canine#2"}},
      {"horse", {"horse#1", "equine"}},
      {"cow", {"cattle", "bovid", "ruminant", "even-toed_ungulate", "ungulate"}},
      {"bird", {"bird#1"}},
      {"fish", {"fish#1", "aquatic_vertebrate", "aquatic_mammal"}},
      {"snake", {"snake#1", "reptile"}},
      {"octopus", {"octopus#2", "cephalopod", "mollusk"}},
      {"spider", {"spider", "arachnid", "arthropod", "insect"}},
      {"dragon", {"dragon#4", "lizard", "dinosaur", "crocodilian_reptile"}},
  };
  return table;
}

NounMapper::NounMapper(const WordNetNouns& wordnet) : wn_(wordnet) {
  const auto& table = concept_anchors();
  for (std::size_t c = 0; c < table.size(); ++c) {
    for (const std::string& spec : table[c].synsets) {
      const std::size_t hash = spec.find('#');
      const std::string lemma = spec.substr(0, hash);
      const auto& senses = wn_.senses(lemma);
      std::size_t synset = senses.size();
      if (hash != std::string::npos) {
        const std::size_t n = std::stoul(spec.substr(hash + 1));
        if (n >= 1 && n <= senses.size()) synset = senses[n - 1];
      } else {
        for (std::size_t s : senses) {
          if (is_physical(wn_.synsets()[s].lex_file) || is_person(wn_.synsets()[s].lex_file)) {
            synset = s;
            break;
          }
        }
      }
      if (synset == senses.size()) {
        throw Error(ExitCode::Model, "WordNet has no sense '" + spec + "' for concept " + table[c].concept +
                                         " (WordNet 3.0 is expected)");
      }
      anchor_concept_.emplace(synset, c);  // the first concept to claim a synset keeps it
    }
  }
}

std::optional<LexiconEntry> NounMapper::map(const std::string& lemma) const {
  const auto& senses = wn_.senses(lemma);
  const auto& synsets = wn_.synsets();
  // The best anchor above one sense: deepest (most specific), then nearest, then concept order.
  const auto best_from = [&](std::size_t sense) -> std::optional<LexiconEntry> {
    std::map<std::size_t, int> distance{{sense, 0}};
    std::deque<std::size_t> queue{sense};
    std::optional<std::tuple<int, int, std::size_t, std::size_t>> best;  // (-depth, distance, concept, synset)
    while (!queue.empty()) {
      const std::size_t s = queue.front();
      queue.pop_front();
      if (const auto a = anchor_concept_.find(s); a != anchor_concept_.end()) {
        const auto key = std::make_tuple(-wn_.depth(s), distance[s], a->second, s);
        if (!best || key < *best) best = key;
      }
      for (std::size_t h : synsets[s].hypernyms) {
        if (distance.emplace(h, distance[s] + 1).second) queue.push_back(h);
      }
    }
    if (!best) return std::nullopt;
    const auto& [neg_depth, dist, concept, synset] = *best;
    return LexiconEntry{concept_anchors()[concept].concept, dist == 0 ? "synonym" : "hypernym",
                        synsets[synset].lemmas.front()};
  };
  // The most frequent sense that names a thing or a person decides, and only it: a rarer sense
  // that happens to reach a concept is a false friend ("plug" is a connector before it is an old
  // horse, "box" a container before a shrub, "butter" a food before "one who butts").
  // One exception: a shallow animal sense that reaches nothing lets the word's person sense
  // decide ("female" is first an animal that bears young, depth 7, then a woman).
  for (std::size_t s : senses) {
    const int f = synsets[s].lex_file;
    if (!is_physical(f) && !is_person(f)) continue;
    if (auto e = best_from(s)) return e;
    if (f != static_cast<int>(NounFile::Animal) || wn_.depth(s) >= kSpecificDepth) {
      return std::nullopt;
    }
    for (std::size_t p : senses) {
      if (is_person(synsets[p].lex_file)) return best_from(p);
    }
    return std::nullopt;
  }
  return std::nullopt;
}

bool NounMapper::is_noun(const std::string& lemma) const {
  for (std::size_t s : wn_.senses(lemma)) {
    if (is_physical(wn_.synsets()[s].lex_file) || is_person(wn_.synsets()[s].lex_file)) return true;
  }
  return false;
}

std::optional<LexiconEntry> map_english_name(const NounMapper& mapper, const std::string& name) {
  std::vector<std::string> words = normalize_words(name);
  if (words.empty()) return std::nullopt;
  if (auto e = mapper.map(join(words, 0, words.size(), '_'))) return e;
  // A name that is itself a WordNet noun and maps to nothing is not one of its words: a hot dog
  // is no dog.
  if (words.size() > 1 && mapper.is_noun(join(words, 0, words.size(), '_'))) return std::nullopt;
  std::size_t end = words.size();
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0 && kEnglishBreaks.count(words[i])) {
      end = i;
      break;
    }
  }
  // Longest phrase ending at each word, from the head (last) word backwards; a head that is a
  // noun of its own and maps to nothing ends the search ("Double oven" is an oven, not a double).
  for (std::size_t last = end; last-- > 0;) {
    for (std::size_t first = 0; first <= last; ++first) {
      if (auto e = mapper.map(join(words, first, last + 1, '_'))) return e;
    }
    if (mapper.is_noun(words[last])) return std::nullopt;
  }
  return std::nullopt;
}

Lexicon build_lexicon(const WordNetNouns& wordnet, const Tokenizer& tokenizer,
                      const std::vector<PaletteColour>& palette,
                      const std::vector<io::FurnitureCatalog>& catalogs,
                      const std::vector<io::BilingualDictionary>& dictionaries, LexiconBuildReport* report) {
  LexiconBuildReport local;
  LexiconBuildReport& r = report ? *report : local;
  r = LexiconBuildReport{};
  const auto require_tokens = [&](const std::string& concept, const std::string& what) {
    for (const std::string& w : normalize_words(concept)) {
      if (tokenizer.id(w) < 3) {
        throw Error(ExitCode::Model, what + " '" + concept + "' is not a token of the model's tokenizer");
      }
    }
  };
  for (const auto& a : concept_anchors()) require_tokens(a.concept, "concept");
  for (const auto& c : palette) require_tokens(c.name, "palette colour");

  std::set<std::string> adjectives_only;  // foreign colour words: never a noun entry
  for (const ForeignColour& c : foreign_colour_words()) {
    require_tokens(c.colour, "colour");
    for (const char* form : c.forms) adjectives_only.insert(join(normalize_words(form), 0, 1, ' '));
  }
  Lexicon lex;
  const auto add = [&](const std::string& phrase, LexiconEntry e) {
    if (phrase.empty()) return;
    if (!e.is_attribute() && adjectives_only.count(phrase)) return;
    if (normalize_words(phrase).size() == 1 && tokenizer.id(phrase) >= 3 && !e.is_attribute()) return;
    if (!e.is_attribute() && redundant(tokenizer, phrase, e.concept)) return;
    const std::string relation = e.relation;
    if (lex.add(phrase, std::move(e))) ++r.entries_by_relation[relation];
  };

  // Attributes first: they are few and fixed.
  for (const ColourWord& c : colour_words()) {
    const auto rgb = unpack_rgb(c.rgb);
    const PaletteColour* best = nullptr;
    float best_d = 0;
    for (const auto& p : palette) {
      float d = 0;
      for (int k = 0; k < 3; ++k) d += (rgb[k] - p.rgb[k]) * (rgb[k] - p.rgb[k]);
      if (!best || d < best_d) best = &p, best_d = d;
    }
    if (best && tokenizer.id(c.name) < 3) add(c.name, {best->name, "colour", c.name});
  }
  for (const auto& p : palette) add(p.name, {p.name, "colour", p.name});  // known colours are attributes too
  for (const ForeignColour& c : foreign_colour_words()) {
    for (const char* form : c.forms) {
      add(join(normalize_words(form), 0, 1, ' '), {c.colour, "colour", std::string(c.language) + ":" + form});
    }
  }
  for (const MaterialWord& m : material_words()) add(m.word, {m.token, "material", m.word});
  for (const auto& [word, token] : kSizeWords) add(word, {token, "size", word});
  for (const auto& [word, token] : kFunctionWords) {
    if (tokenizer.id(word) < 3) add(word, {token, "function", word});
  }

  // WordNet nouns: every lemma with a physical or person sense.
  const NounMapper mapper(wordnet);
  std::vector<std::string> lemmas;
  for (const auto& [lemma, senses] : wordnet.index()) {
    const bool relevant = std::any_of(senses.begin(), senses.end(), [&](std::size_t s) {
      const int f = wordnet.synsets()[s].lex_file;
      return is_physical(f) || is_person(f);
    });
    if (relevant) lemmas.push_back(lemma);
  }
  std::sort(lemmas.begin(), lemmas.end());  // index() is unordered: sort for determinism
  std::map<std::string, LexiconEntry> noun_entries;
  for (const std::string& lemma : lemmas) {
    ++r.wordnet_lemmas;
    auto e = mapper.map(lemma);
    if (!e) {
      ++r.wordnet_unmapped;
      continue;
    }
    const std::string phrase = lemma_phrase(lemma);
    noun_entries.emplace(lemma, *e);
    // Compounds are typed closed up too: "trash_can" -> "trashcan".
    if (lemma.find('_') != std::string::npos) {
      std::string closed = lemma;
      closed.erase(std::remove(closed.begin(), closed.end(), '_'), closed.end());
      if (wordnet.senses(closed).empty()) add(lemma_phrase(closed), *e);
    }
    add(phrase, std::move(*e));
  }
  // Irregular plurals ("geese" -> goose's concept).
  std::vector<std::pair<std::string, std::string>> plurals(wordnet.exceptions().begin(), wordnet.exceptions().end());
  std::sort(plurals.begin(), plurals.end());
  for (const auto& [plural, base] : plurals) {
    if (const auto it = noun_entries.find(base); it != noun_entries.end()) {
      add(lemma_phrase(plural), {it->second.concept, "plural", base});
    }
  }

  // Catalog names in other languages: the whole translated name, and the head word where the
  // language's word order tells which word it is. Both by majority vote over every catalog piece
  // that carries the name: catalogs mistranslate now and then (one gives "Mesa", table, for a
  // bench), and the first piece read must not decide for all the others.
  std::map<std::string, std::map<std::string, std::size_t>> phrase_votes;  // name -> concept -> count
  std::map<std::string, std::string> phrase_via;  // "name<TAB>concept" -> the first source saying so
  std::map<std::string, std::map<std::string, std::size_t>> head_votes;  // word -> concept -> count
  std::map<std::string, std::string> head_via;
  for (const auto& catalog : catalogs) {
    r.catalogs_used.push_back(catalog.name);
    for (const auto& piece : catalog.pieces) {
      ++r.catalog_pieces;
      const auto english = map_english_name(mapper, piece.fields.at("name"));
      if (!english) {
        ++r.catalog_pieces_unmapped;
        continue;
      }
      for (const auto& [lang, translated] : piece.names) {
        std::vector<std::string> words;
        try {
          words = normalize_words(translated);
        } catch (const Error&) {
          continue;  // a catalog line that is not valid UTF-8 after unescaping: skip it
        }
        if (words.empty()) continue;
        const std::string via = lang + ":" + translated;
        if (words.size() <= Lexicon::kMaxPhraseWords) {
          const std::string phrase = join(words, 0, words.size(), ' ');
          ++(words.size() == 1 ? head_votes : phrase_votes)[phrase][english->concept];
          (words.size() == 1 ? head_via : phrase_via).emplace(phrase + '\t' + english->concept, via);
        }
        std::vector<std::string> content;
        for (const auto& w : words) {
          const auto* f = lex.find(w);
          const bool function_word = f && f->front().relation == "function";
          if (!function_word && w.size() >= 3 && w.find_first_of("0123456789") == std::string::npos) {
            content.push_back(w);
          }
        }
        if (content.empty()) continue;
        std::string head;
        if (kHeadFirst.count(lang)) head = content.front();
        if (kHeadLast.count(lang)) head = content.back();
        if (head.empty() || (content.size() == words.size() && words.size() == 1)) continue;  // one-word names are phrases already
        ++head_votes[head][english->concept];
        head_via.emplace(head + '\t' + english->concept, via);
      }
    }
  }
  // Most votes; ties go to the concept that comes first in the anchor table.
  const auto winner = [](const std::map<std::string, std::size_t>& votes) {
    const std::string* best = nullptr;
    std::size_t best_n = 0, best_rank = 0;
    for (const auto& [concept, n] : votes) {
      std::size_t rank = 0;
      while (rank < concept_anchors().size() && concept_anchors()[rank].concept != concept) ++rank;
      if (!best || n > best_n || (n == best_n && rank < best_rank)) best = &concept, best_n = n, best_rank = rank;
    }
    return *best;
  };
  // Whole names of several words first, then single words: a one-word name and the head words
  // of longer names vote together ("Mesa", "Mesa de roble", "Mesa oficina" all say what "mesa" is).
  for (const auto* votes_of : {&phrase_votes, &head_votes}) {
    const auto& via_of = votes_of == &phrase_votes ? phrase_via : head_via;
    for (const auto& [phrase, votes] : *votes_of) {
      if (lex.find(phrase)) continue;  // English (WordNet) words keep their own meaning
      const std::size_t before = lex.size();
      const std::string concept = winner(votes);
      add(phrase, {concept, "translation", via_of.at(phrase + '\t' + concept)});
      r.translated_names += lex.size() - before;
    }
  }

  // Bilingual dictionaries: a foreign noun reaches the concept its English translation reaches.
  // Two guards against false friends and word-class slips: a headword that is itself an English
  // noun is left to WordNet (German "Blender" is a show-off, English "blender" a kitchen
  // machine), and a translation counts only when its most frequent WordNet sense (or its head
  // word's) is a physical thing or a person (Spanish "sencillo" -> "single" is not an object).
  const auto primary_sense_is_object = [&](const std::string& english) {
    std::vector<std::string> words;
    try {
      words = normalize_words(english);
    } catch (const Error&) {
      return false;
    }
    if (words.empty()) return false;
    std::string lemma = join(words, 0, words.size(), '_');
    if (wordnet.senses(lemma).empty()) lemma = words.back();
    const auto& senses = wordnet.senses(lemma);
    if (senses.empty()) return false;
    const int f = wordnet.synsets()[senses.front()].lex_file;
    return is_physical(f) || is_person(f);
  };
  for (const io::BilingualDictionary& dict : dictionaries) {
    for (const io::DictionaryEntry& entry : dict.entries) {
      ++r.dictionary_nouns;
      std::vector<std::string> words;
      try {
        words = normalize_words(entry.headword);
      } catch (const Error&) {
        continue;
      }
      if (words.empty() || words.size() > Lexicon::kMaxPhraseWords) continue;
      if (!wordnet.senses(join(words, 0, words.size(), '_')).empty()) continue;  // an English noun too
      const std::string phrase = join(words, 0, words.size(), ' ');
      if (const auto* existing = lex.find(phrase);
          existing && std::any_of(existing->begin(), existing->end(), [](const LexiconEntry& e) { return !e.is_attribute(); })) {
        continue;
      }
      for (const std::string& english : entry.translations) {
        if (!primary_sense_is_object(english)) continue;
        const auto mapped = map_english_name(mapper, english);
        if (!mapped) continue;
        const std::size_t before = lex.size();
        std::string via = dict.language + ":" + entry.headword + "=" + english + " (dictionary)";
        std::replace_if(via.begin(), via.end(), [](char ch) { return ch == '\t' || ch == '\n' || ch == '\r'; }, ' ');
        add(phrase, {mapped->concept, "translation", via});
        r.dictionary_added += lex.size() - before;
        break;
      }
    }
  }
  return lex;
}

}  // namespace flexforge::condition
