// Caption templates. Three fixed phrasings (plain noun phrase, colour-led description, part
// inventory) plus a pose sentence for creatures; synonyms and word order vary with the rng.
#include "flexforge/synth/captions.h"

#include <map>
#include <set>

namespace flexforge::synth {

namespace {

std::string number_word(std::size_t n) {
  static const char* words[] = {"zero", "one", "two",   "three",  "four",   "five",  "six",
                                "seven", "eight", "nine", "ten", "eleven", "twelve"};
  return n < 13 ? words[n] : std::to_string(n);
}

std::string plural(const std::string& noun) {
  if (noun.empty()) return noun;
  const char last = noun.back();
  if (last == 's' || last == 'x' || last == 'h') return noun + "es";
  if (last == 'y' && noun.size() > 1 && std::string("aeiou").find(noun[noun.size() - 2]) == std::string::npos) {
    return noun.substr(0, noun.size() - 1) + "ies";
  }
  if (noun.size() > 1 && noun.substr(noun.size() - 2) == "af") return noun.substr(0, noun.size() - 1) + "ves";
  return noun + "s";
}

std::string article(const std::string& word) {
  if (word.empty()) return "a";
  return std::string("aeiou").find(word[0]) != std::string::npos ? "an" : "a";
}

std::string humanize(std::string s) {
  for (char& c : s)
    if (c == '_') c = ' ';
  return s;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " and " : ", ";
    out += items[i];
  }
  return out;
}

std::string with_article(const std::string& phrase) { return article(phrase) + " " + phrase; }

}  // namespace

std::vector<std::string> make_captions(const CaptionFacts& facts, Rng& rng) {
  const Category& cat = *facts.category;
  const auto& syn = cat.synonyms;
  std::string adjectives;
  for (const std::string& a : facts.adjectives) adjectives += a + " ";
  const std::string color = facts.colors_by_area.empty() ? "" : facts.colors_by_area[0];

  // Part inventory in first-appearance order: "four legs, a seat and a back".
  std::vector<std::string> order;
  std::map<std::string, std::size_t> count;
  for (const std::string& s : facts.part_semantics) {
    if (count[s]++ == 0) order.push_back(s);
  }
  std::vector<std::string> inventory;
  for (const std::string& s : order) {
    const std::string noun = humanize(s);
    inventory.push_back(count[s] == 1 ? with_article(noun) : number_word(count[s]) + " " + plural(noun));
  }

  std::vector<std::string> captions;
  // 1. Plain noun phrase.
  {
    std::string c = with_article(adjectives + (color.empty() ? "" : color + " ") + syn[0]);
    if (!facts.phrases.empty()) c += " " + facts.phrases[0];
    captions.push_back(c);
  }
  // 2. Colour-led description with a synonym and every phrase.
  {
    const std::string noun = syn[1 + rng.index(syn.size() - 1)];
    std::string c = with_article(adjectives + noun);
    if (facts.colors_by_area.size() >= 2) {
      c += " in " + facts.colors_by_area[0] + " and " + facts.colors_by_area[1];
    } else if (!color.empty()) {
      c += " in " + color;
    }
    if (!facts.phrases.empty()) c += ", " + join_list(facts.phrases);
    captions.push_back(c);
  }
  // 3. Part inventory.
  {
    const std::string noun = syn[rng.index(syn.size())];
    captions.push_back("a 3D model of " + with_article(adjectives + noun) + " made of " +
                       number_word(facts.part_semantics.size()) + " parts: " +
                       join_list(inventory));
  }
  // 4. Creatures: the pose.
  if (facts.pose == "rest" || facts.pose == "random") {
    const std::string noun = syn[rng.index(syn.size())];
    captions.push_back(with_article((color.empty() ? "" : color + " ") + noun) +
                       (facts.pose == "rest" ? " standing in a neutral rest pose"
                                             : " in a dynamic, randomly varied pose"));
  }
  return captions;
}

}  // namespace flexforge::synth
