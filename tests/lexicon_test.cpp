// The prompt lexicon: file format and its errors, the tokenizer's use of it, the WordNet and
// catalog readers, and the lexicon shipped with the default model.
#include "flexforge/condition/lexicon.h"
#include "flexforge/condition/tokenizer.h"
#include "flexforge/condition/word_forms.h"
#include "flexforge/condition/wordnet.h"
#include "flexforge/core/error.h"
#include "flexforge/io/bilingual_dictionary.h"
#include "flexforge/io/furniture_catalog.h"
#include "flexforge/model/generator_training.h"

#include "test_support.h"

#include <gtest/gtest.h>

#include <zlib.h>

#include <fstream>

namespace flexforge::condition {
namespace {

using test::TempDir;

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

const std::filesystem::path kModel = std::filesystem::path(FLEXFORGE_SOURCE_DIR) / "models" / "default";

TEST(Lexicon, ShippedLexiconMapsOpenVocabularyDeterministically) {
  const auto tok = Tokenizer::load(kModel / "tokenizer.json");
  const auto lex = Lexicon::load(kModel / "lexicon.tsv");
  const auto a = tok.encode("a crimson stallion beside a trash can and tulips", 24, &lex);
  const auto b = tok.encode("a crimson stallion beside a trash can and tulips", 24, &lex);
  EXPECT_EQ(a.ids, b.ids);
  std::vector<std::string> tokens;
  for (auto id : a.ids) tokens.push_back(tok.token(id));
  const std::vector<std::string> expected = {"a", "red", "stallion", "<unk>", "a", "bucket", "and", "flower"};
  EXPECT_EQ(tokens, expected);
  ASSERT_EQ(a.unknown_words, std::vector<std::string>{"beside"});  // reported by name
  ASSERT_FALSE(a.attributes.empty());
  EXPECT_EQ(a.attributes[0].relation, "colour");
  for (const char* p : {"une chaise", "ein Stuhl", "una silla", "una sedia"}) {
    const auto r = tok.encode(p, 24, &lex);
    ASSERT_FALSE(r.ids.empty()) << p;
    EXPECT_EQ(tok.token(r.ids.back()), "chair") << p;
  }
  EXPECT_EQ(tok.token(tok.encode("a kitten", 24, &lex).ids.back()), "kitten");  // tokens stay tokens
  EXPECT_EQ(tok.token(tok.encode("a rowboat", 24, &lex).ids.back()), "boat");
  // A colour word before a known noun stays a colour, even where WordNet has the pair as one
  // noun ("blue cat" is a catfish there).
  const auto blue_cat = tok.encode("a blue cat", 24, &lex);
  EXPECT_EQ(tok.token(blue_cat.ids.back()), "cat");
  ASSERT_FALSE(blue_cat.attributes.empty());
  EXPECT_EQ(blue_cat.attributes[0].words, "blue");
  EXPECT_EQ(blue_cat.attributes[0].relation, "colour");
}

// Training captions are read as prompts are: a real name reaches its concept token through the
// lexicon instead of training on <unk>, and a caption with no known word is left out.
TEST(Lexicon, TrainingCaptionsReadNamesThroughTheLexicon) {
  const auto tok = Tokenizer::load(kModel / "tokenizer.json");
  const auto lex = Lexicon::load(kModel / "lexicon.tsv");
  const auto ids = model::training_caption_ids(tok, &lex, "Stretch limousine", 24);
  ASSERT_TRUE(ids.has_value());
  ASSERT_EQ(ids->size(), 24u);
  EXPECT_NE(std::find(ids->begin(), ids->end(), tok.encode("car", 24).ids.back()), ids->end());
  EXPECT_EQ(ids->back(), Tokenizer::kPad);
  // Without the lexicon the same name has no known word.
  EXPECT_FALSE(model::training_caption_ids(tok, nullptr, "Stretch limousine", 24).has_value());
  EXPECT_FALSE(model::training_caption_ids(tok, &lex, "Zqxv Wplk", 24).has_value());
  EXPECT_FALSE(model::training_caption_ids(tok, &lex, std::string("caf\xC3"), 24).has_value());
}

// Base forms come from the catalogs and dictionaries; prompts hold plurals, diminutives,
// compounds and unaccented letters. Each rule reaches only names of its own languages.
TEST(Lexicon, OtherLanguagesPluralsCompoundsAndUnaccentedWordsReachTheirNames) {
  Lexicon lex;
  lex.add("tulpe", {"flower", "translation", "de:Tulpe"});
  lex.add("stuhl", {"chair", "translation", "de:Stuhl"});
  lex.add("sedia", {"chair", "translation", "it:Sedia"});
  lex.add("tazza", {"mug", "translation", "it:Tazza"});
  lex.add("árbol", {"tree", "translation", "es:Árbol"});
  lex.add("tapa", {"bucket", "translation", "es:Tapa"});
  lex.add("aster", {"flower", "hypernym", "flower"});
  lex.add("rot", {"red", "colour", "de:rot"});
  const auto concept_of = [&](const std::string& word) -> std::string {
    const auto form = find_word_form(lex, word);
    return form ? form->entries.front().concept : "";
  };
  EXPECT_EQ(concept_of("tulpen"), "flower");        // German plural
  EXPECT_EQ(concept_of("gartenstühle"), "chair");   // compound head, umlaut plural
  EXPECT_EQ(concept_of("kaffeestuhl"), "chair");
  EXPECT_EQ(concept_of("sedie"), "chair");          // Italian plural
  EXPECT_EQ(concept_of("tazzina"), "mug");          // Italian diminutive
  EXPECT_EQ(concept_of("arbol"), "tree");           // typed without the accent
  EXPECT_EQ(concept_of("tape"), "");                // an Italian ending does not reach a Spanish word
  EXPECT_EQ(concept_of("toaster"), "");             // nor an English WordNet entry
  EXPECT_EQ(concept_of("roten"), "");               // attributes are not nouns
  EXPECT_EQ(concept_of("xyz"), "");
  const auto form = find_word_form(lex, "gartenstühle");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->rule, "compound head");
  EXPECT_NE(form->entries.front().via.find("compound head 'stuhl'"), std::string::npos) << form->entries.front().via;
  EXPECT_EQ(fold_accents("größe çà œuvre"), "grosse ca oeuvre");

  // Through the tokenizer and the shipped lexicon: the mapping names the form it went through.
  const auto tok = Tokenizer::load(kModel / "tokenizer.json");
  const auto shipped = Lexicon::load(kModel / "lexicon.tsv");
  for (const auto& [prompt, concept] : std::vector<std::pair<std::string, std::string>>{
           {"Tulpen", "flower"}, {"die Gartenstühle", "chair"}, {"Arbol de navidad", "tree"}, {"le sedie", "chair"}}) {
    const auto r = tok.encode(prompt, 24, &shipped);
    ASSERT_FALSE(r.ids.empty()) << prompt;
    EXPECT_EQ(tok.token(r.ids.back()), concept) << prompt;
    EXPECT_TRUE(r.unknown_words.empty()) << prompt << ": " << r.unknown_words.front();
  }

  // The basic colour words of the four languages are colours, after the noun too, and never the
  // dictionaries' nouns ("negro", "Schwarzer" as persons).
  for (const auto& [prompt, colour] : std::vector<std::pair<std::string, std::string>>{
           {"une chaise rouge", "red"}, {"ein weißes Pferd", "white"}, {"un caballo negro", "black"},
           {"una sedia nera", "black"}, {"ein schwarzer Hund", "black"}}) {
    const auto r = tok.encode(prompt, 24, &shipped);
    ASSERT_EQ(r.attributes.size(), 1u) << prompt;
    EXPECT_EQ(r.attributes[0].relation, "colour") << prompt;
    EXPECT_EQ(r.attributes[0].concept, colour) << prompt;
    for (auto id : r.ids) EXPECT_NE(tok.token(id), "humanoid") << prompt;
  }

  // A source name with a tab or line break is written without it, so the file loads again.
  TempDir dir;
  Lexicon tabbed;
  tabbed.add("szek", {"chair", "translation", "hu:Sz\u00e9k\t\n"});
  tabbed.save(dir.path() / "lexicon.tsv");
  const auto back = Lexicon::load(dir.path() / "lexicon.tsv");
  ASSERT_TRUE(back.find("szek"));
  EXPECT_EQ(back.find("szek")->front().via, "hu:Sz\u00e9k");
}

// `flexforge lexicon build` from Debian's data packages (scripts/setup.sh --with-training-data;
// skipped without them): the majority vote over catalog names and the foreign colour words, in a
// freshly built lexicon rather than in the shipped file only. Both checks fail on the builder
// before those changes ("armário" was a table, "negro" a person).
TEST(Lexicon, BuildVotesOverCatalogNamesAndKeepsColourWordsAdjectives) {
  for (const char* needed : {"/usr/share/wordnet/data.noun", "/usr/share/sweethome3d/furniture",
                             "/usr/share/dictd/freedict-fra-eng.index"}) {
    if (!std::filesystem::exists(needed)) GTEST_SKIP() << needed << " missing (scripts/setup.sh --with-training-data)";
  }
  TempDir dir;
  const auto out = dir.path() / "lexicon.tsv";
  const auto r = test::run_cli({"lexicon", "build", "-o", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto built = Lexicon::load(out);
  const auto shipped = Lexicon::load(kModel / "lexicon.tsv");
  EXPECT_NEAR(static_cast<double>(built.size()), static_cast<double>(shipped.size()), 0.02 * shipped.size());
  // Most catalogs' "Armário" is a cabinet (shelf); the first one read gave a table.
  const std::string armario = normalize_words("Armário").front();
  ASSERT_TRUE(built.find(armario));
  EXPECT_EQ(built.find(armario)->front().concept, "shelf");
  for (const char* word : {"rouge", "negro", "schwarzer", "nero", "weiße"}) {
    const std::string phrase = normalize_words(word).front();
    const auto* es = built.find(phrase);
    ASSERT_TRUE(es) << word;
    ASSERT_EQ(es->size(), 1u) << word << ": " << es->front().concept << " via " << es->front().via;
    EXPECT_EQ(es->front().relation, "colour") << word;
  }
}

TEST(Lexicon, UnknownOnlyPromptsStayAllUnknownAndLongPromptsTruncate) {
  const auto tok = Tokenizer::load(kModel / "tokenizer.json");
  const auto lex = Lexicon::load(kModel / "lexicon.tsv");
  const auto r = tok.encode("xqzzy blorft", 24, &lex);
  EXPECT_TRUE(r.all_unknown);
  EXPECT_EQ(r.unknown_words, (std::vector<std::string>{"xqzzy", "blorft"}));
  std::string long_prompt;
  while (long_prompt.size() < 10000) long_prompt += "a wooden chair ";
  EXPECT_TRUE(tok.encode(long_prompt, 24, &lex).truncated);
  EXPECT_THROW(tok.encode("a \xff chair", 24, &lex), Error);
}

TEST(Lexicon, CorruptFilesAreModelErrorsNamingTheFile) {
  TempDir dir;
  const auto bad = dir.path() / "lexicon.tsv";
  for (const std::string& text : {std::string("not a lexicon\n"), std::string("# flexforge-lexicon 1\nkitten\tcat\n"),
                                  std::string("# flexforge-lexicon 1\nkitten\tcat\tmagic\tx\n"),
                                  std::string("# flexforge-lexicon 1\nKitten!\tcat\thypernym\tx\n")}) {
    write(bad, text);
    try {
      Lexicon::load(bad);
      FAIL() << "accepted: " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::Model);
      EXPECT_NE(std::string(e.what()).find(bad.string()), std::string::npos) << e.what();
    }
  }
  write(dir.path() / "data.noun", "00001740 03 n 01 entity 0 000 | root\nbroken line\n");
  write(dir.path() / "index.noun", "entity n 1 0 1 0 00001740\n");
  write(dir.path() / "noun.exc", "");
  try {
    WordNetNouns::load(dir.path());
    FAIL() << "corrupt data.noun accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::Model);
    EXPECT_NE(std::string(e.what()).find("data.noun"), std::string::npos) << e.what();
  }
}

TEST(Lexicon, WordNetReaderFollowsHypernyms) {
  TempDir dir;
  write(dir.path() / "data.noun",
        "  licence header line\n"
        "00001740 03 n 01 entity 0 000 | root\n"
        "00002000 06 n 01 seat 0 001 @ 00001740 n 0000 | a seat\n"
        "00003000 06 n 02 armchair 0 chair_with_arms 0 001 @ 00002000 n 0000 | arms\n");
  write(dir.path() / "index.noun", "entity n 1 0 1 0 00001740\nseat n 1 1 @ 1 0 00002000\narmchair n 1 1 @ 1 0 00003000\n");
  write(dir.path() / "noun.exc", "armchairs armchair\n");
  const auto wn = WordNetNouns::load(dir.path());
  ASSERT_EQ(wn.senses("armchair").size(), 1u);
  const auto& s = wn.synsets()[wn.senses("armchair")[0]];
  EXPECT_EQ(s.lemmas[1], "chair_with_arms");
  ASSERT_EQ(s.hypernyms.size(), 1u);
  EXPECT_EQ(wn.synsets()[s.hypernyms[0]].lemmas[0], "seat");
  EXPECT_EQ(wn.depth(wn.senses("armchair")[0]), 2);
}

TEST(Lexicon, PropertiesParserUnescapes) {
  const auto p = io::parse_properties("# c\nname#1=Chaise \\u00e0 bascule\ncategory#1 : Salon\n\tname#2=Lit \\\n   double\n");
  EXPECT_EQ(p.at("name#1"), "Chaise \xc3\xa0 bascule");
  EXPECT_EQ(p.at("category#1"), "Salon");
  EXPECT_EQ(p.at("name#2"), "Lit double");
  EXPECT_THROW(io::read_furniture_catalog("/nonexistent/x.sh3f"), Error);
}

// A dictd pair written here: headwords, base64 offsets/lengths, gzip data.
void write_dictd(const std::filesystem::path& prefix, const std::vector<std::pair<std::string, std::string>>& entries,
                 const std::string& extra_index_line = "") {
  static const std::string kDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  auto b64 = [&](std::size_t v) {
    std::string out;
    do {
      out.insert(out.begin(), kDigits[v % 64]);
      v /= 64;
    } while (v > 0);
    return out;
  };
  std::string data, index;
  for (const auto& [head, body] : entries) {
    index += head + "\t" + b64(data.size()) + "\t" + b64(body.size()) + "\n";
    data += body;
  }
  write(prefix.string() + ".index", index + extra_index_line);
  gzFile out = gzopen((prefix.string() + ".dict.dz").c_str(), "wb");
  gzwrite(out, data.data(), static_cast<unsigned>(data.size()));
  gzclose(out);
}

TEST(Lexicon, BilingualDictionaryReadsFirstNounSenseOnly) {
  TempDir dir;
  write_dictd(dir.path() / "d", {{"stuhl", "Stuhl /x/ <masc, n, sg>\nchair <n>, upright chair <n>\n"},
                                 {"stuhl", "Stuhl /x/ <masc, n, sg>\n [med.] stool <n>\n"},
                                 {"schnell", "schnell /x/ <adj>\nfast\n"},
                                 {"coche", "coche /x/\n1. car\n2. carriage, coach\n"}});
  const auto dict = io::read_bilingual_dictionary(dir.path() / "d", "de");
  ASSERT_EQ(dict.entries.size(), 2u);  // the adjective is left out, the second Stuhl sense too
  EXPECT_EQ(dict.entries[0].headword, "Stuhl");
  EXPECT_EQ(dict.entries[0].translations, (std::vector<std::string>{"chair", "upright chair"}));
  EXPECT_EQ(dict.entries[1].translations, std::vector<std::string>{"car"});
  unsigned long long v = 0;
  EXPECT_TRUE(io::decode_dictd_number("BdEf", v));
  EXPECT_EQ(v, ((1ull * 64 + 29) * 64 + 4) * 64 + 31);
  EXPECT_FALSE(io::decode_dictd_number("", v));
  EXPECT_FALSE(io::decode_dictd_number("a*", v));
  // An entry pointing past the data, and a missing dictionary, are errors naming the file.
  write_dictd(dir.path() / "bad", {{"stuhl", "Stuhl <n>\nchair\n"}}, "weit\tZZZZ\tB\n");
  try {
    io::read_bilingual_dictionary(dir.path() / "bad", "de");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.index"), std::string::npos) << e.what();
  }
  EXPECT_THROW(io::read_bilingual_dictionary(dir.path() / "none", "de"), Error);
}

TEST(Lexicon, ShippedLexiconReachesConceptsThroughDictionaries) {
  const auto tok = Tokenizer::load(kModel / "tokenizer.json");
  const auto lex = Lexicon::load(kModel / "lexicon.tsv");
  for (const auto& [prompt, concept] : std::vector<std::pair<std::string, std::string>>{
           {"une voiture", "car"}, {"ein Kaffeebecher", "mug"}, {"eine Bierflasche", "bottle"},
           {"ein Rollstuhl", "chair"}}) {
    const auto r = tok.encode(prompt, 24, &lex);
    ASSERT_FALSE(r.ids.empty()) << prompt;
    EXPECT_EQ(tok.token(r.ids.back()), concept) << prompt;
    ASSERT_FALSE(r.mappings.empty()) << prompt;
    EXPECT_NE(r.mappings.back().via.find("(dictionary)"), std::string::npos) << prompt;
  }
}

}  // namespace
}  // namespace flexforge::condition
