#include "flexforge/dataset/real_captions.h"
#include "flexforge/core/color.h"

#include "flexforge/condition/lexicon.h"
#include "flexforge/condition/tokenizer.h"
#include "flexforge/synth/categories.h"
#include "flexforge/synth/shape_grammar.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace flexforge::dataset {

namespace {

const std::map<std::string, std::string>& noun_to_category() {
  static const std::map<std::string, std::string> table = [] {
    std::map<std::string, std::string> t;
    for (const synth::Category& c : synth::all_categories()) {
      t.emplace(c.name, c.name);
      for (const std::string& s : c.synonyms) t.emplace(s, c.name);
    }
    return t;
  }();
  return table;
}

std::string join(const std::vector<std::string>& words, std::size_t first, std::size_t last) {
  std::string out;
  for (std::size_t i = first; i < last; ++i) out += (out.empty() ? "" : " ") + words[i];
  return out;
}


std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string name_category(const std::string& name, const condition::Lexicon* lexicon) {
  std::vector<std::string> words;
  try {
    words = condition::normalize_words(name);
  } catch (const std::exception&) {
    return {};
  }
  // The noun phrase ends before the first preposition or conjunction ("Table with drawers",
  // "Chest of drawers"); numbers ("Farmhouse 1") are not part of it. Its head, the last word,
  // decides: "Cattle farm" is a farm (no concept), not cattle.
  static const std::set<std::string> kStops = {"with", "without", "for", "of", "on", "in", "and", "or", "to", "from"};
  std::vector<std::string> phrase_words;
  for (const std::string& w : words) {
    if (kStops.count(w)) break;
    if (std::all_of(w.begin(), w.end(), [](unsigned char c) { return std::isdigit(c); })) continue;
    phrase_words.push_back(w);
  }
  const auto& nouns = noun_to_category();
  const std::size_t end = phrase_words.size();
  for (std::size_t len = std::min<std::size_t>(condition::Lexicon::kMaxPhraseWords, end); len > 0; --len) {
    const std::string phrase = join(phrase_words, end - len, end);
    if (auto it = nouns.find(phrase); it != nouns.end()) return it->second;
    if (lexicon == nullptr) continue;
    const auto* entries = lexicon->find(phrase);
    if (entries == nullptr) continue;
    for (const condition::LexiconEntry& e : *entries) {
      if (e.is_attribute() || e.concept.empty()) continue;
      // A concept may be several tokens ("sports car"); its last word is the noun.
      const std::string head = e.concept.substr(e.concept.rfind(' ') + 1);
      if (auto it = nouns.find(head); it != nouns.end()) return it->second;
    }
  }
  return {};
}

std::vector<std::string> material_words(const RealModel& model,
                                        const std::vector<std::string>& material_names) {
  // Substring -> caption adjective. Checked in this order, so "wood" wins over "oak" duplicates.
  static const std::vector<std::pair<std::string, std::string>> kWords = {
      {"wood", "wooden"},  {"oak", "wooden"},     {"pine", "wooden"},   {"walnut", "wooden"},
      {"metal", "metal"},  {"steel", "metal"},    {"chrome", "metal"},  {"iron", "metal"},
      {"alumin", "metal"}, {"brass", "metal"},    {"glass", "glass"},   {"stone", "stone"},
      {"marble", "stone"}, {"granite", "stone"},  {"fabric", "fabric"}, {"cloth", "fabric"},
      {"leather", "leather"}, {"plastic", "plastic"}, {"ceramic", "ceramic"}, {"porcelain", "ceramic"}};
  std::string text = lower(model.name);
  for (const std::string& t : model.tags) text += " " + lower(t);
  for (const std::string& m : material_names) text += " " + lower(m);
  std::vector<std::string> out;
  for (const auto& [needle, word] : kWords) {
    if (text.find(needle) != std::string::npos && std::find(out.begin(), out.end(), word) == out.end()) {
      out.push_back(word);
    }
  }
  return out;
}

std::string with_article(const std::string& phrase) {
  if (phrase.empty()) return phrase;
  const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(phrase[0])));
  return (std::string("aeiou").find(c) != std::string::npos ? "an " : "a ") + phrase;
}

std::string nearest_palette_color(const Vec3& linear_rgb) {
  const Vec3 srgb(linear_to_srgb(linear_rgb.x()), linear_to_srgb(linear_rgb.y()), linear_to_srgb(linear_rgb.z()));
  const synth::NamedColor* best = nullptr;
  float best_d = 0.0f;
  for (const synth::NamedColor& c : synth::color_palette()) {
    const float d = (c.rgb - srgb).squaredNorm();
    if (best == nullptr || d < best_d) {
      best = &c;
      best_d = d;
    }
  }
  return best->name;
}

std::vector<std::string> real_captions(const CaptionFacts& f) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& caption) {
    const std::string c = lower(caption);
    if (!c.empty() && seen.insert(c).second) out.push_back(c);
  };
  const std::string name = lower(f.model->name);
  add(name);
  add(with_article(name));
  const synth::Category* category = f.category.empty() ? nullptr : synth::find_category(f.category);
  const std::string noun = category ? category->synonyms.front() : std::string();
  if (!noun.empty()) {
    add(noun);
    add(with_article(noun));
  }
  const std::string subject = noun.empty() ? name : noun;
  if (!f.colors.empty()) {
    add(with_article(f.colors.front() + " " + name));
    if (!noun.empty()) add(with_article(f.colors.front() + " " + noun));
    if (f.colors.size() > 1) add(with_article(f.colors[0] + " and " + f.colors[1] + " " + subject));
  }
  for (const std::string& m : f.materials) add(with_article(m + " " + subject));
  if (f.size_cm.minCoeff() > 0.0f) {
    const float w = f.size_cm.x(), h = f.size_cm.y(), d = f.size_cm.z();
    const float largest = f.size_cm.maxCoeff();
    std::string size_word = largest < 30.0f ? "small" : largest > 250.0f ? "large" : "";
    if (h > 2.0f * std::max(w, d)) size_word = size_word.empty() ? "tall" : size_word + " tall";
    if (!size_word.empty()) add(with_article(size_word + " " + subject));
    add(with_article(subject) + " " + std::to_string(static_cast<int>(std::lround(h))) + " cm tall");
  }
  if (!f.model->category.empty()) add(name + ", " + lower(f.model->category));
  // Never fewer than three, whatever the facts.
  add(name + " model");
  add("a 3d model of " + with_article(name));
  return out;
}

}  // namespace flexforge::dataset
