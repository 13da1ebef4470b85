#include "flexforge/pipeline/riggability.h"

#include "flexforge/core/error.h"
#include "flexforge/synth/categories.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace flexforge::pipeline {

namespace {

// Creature and character nouns beyond the dataset's own category synonyms (those come from
// synth::all_categories(), whose creature family and hand/figure scenes are articulated).
const std::set<std::string>& extra_creature_words() {
  static const std::set<std::string> words = {
      "man", "woman", "boy", "girl", "child", "kid", "baby", "human", "people", "knight",
      "warrior", "soldier", "wizard", "witch", "elf", "goblin", "orc", "troll", "zombie",
      "skeleton", "robot", "android", "cyborg", "monster", "creature", "animal", "beast",
      "dinosaur", "t-rex", "wolf", "fox", "lion", "tiger", "leopard", "bear", "rabbit", "bunny",
      "mouse", "rat", "deer", "elephant", "giraffe", "pig", "sheep", "goat", "donkey", "camel",
      "monkey", "ape", "gorilla", "frog", "toad", "lizard", "gecko", "turtle", "tortoise",
      "crocodile", "alligator", "shark", "dolphin", "whale", "seal", "eagle", "hawk", "owl",
      "parrot", "duck", "chicken", "hen", "rooster", "penguin", "bat", "insect", "ant", "bee",
      "beetle", "scorpion", "crab", "lobster", "squid", "jellyfish", "worm", "eel", "unicorn",
      "griffin", "phoenix", "kangaroo", "koala", "panda", "squirrel", "hedgehog", "otter",
      "puppy", "kitten", "mermaid", "centaur", "alien", "ninja", "pirate", "princess", "king",
      "queen", "farmer", "doctor", "astronaut", "dancer", "athlete"};
  return words;
}

// Part names (the part head's classes) that only creatures have.
const std::set<std::string>& creature_parts() {
  static const std::set<std::string> parts = {"torso", "upper_arm", "lower_arm", "forearm", "thigh",
                                              "shin", "tail", "tentacle", "wing", "neck", "snout",
                                              "paw", "fin", "hand", "finger"};
  return parts;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Position of `phrase` in `text` as whole words (npos when absent).
std::size_t find_words(const std::string& text, const std::string& phrase) {
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; };
  for (std::size_t at = text.find(phrase); at != std::string::npos; at = text.find(phrase, at + 1)) {
    const bool starts = at == 0 || !is_word(text[at - 1]);
    const std::size_t end = at + phrase.size();
    // A plural "s" still names the concept ("two cats").
    const bool ends = end == text.size() || !is_word(text[end]) ||
                      (text[end] == 's' && (end + 1 == text.size() || !is_word(text[end + 1])));
    if (starts && ends) return at;
  }
  return std::string::npos;
}

struct Concept {
  std::size_t position = std::string::npos;
  std::string word;
  bool creature = false;
  std::string family;
};

// The concept the prompt names first: "a cat on a chair" is a cat.
Concept prompt_concept(const std::string& prompt) {
  const std::string text = lower(prompt);
  Concept best;
  auto consider = [&](const std::string& word, bool creature, const std::string& family) {
    const std::size_t at = find_words(text, word);
    // Earliest wins; at the same position the longer phrase ("house cat" over "house").
    if (at == std::string::npos) return;
    if (at < best.position || (at == best.position && word.size() > best.word.size())) {
      best = {at, word, creature, family};
    }
  };
  for (const synth::Category& c : synth::all_categories()) {
    for (const std::string& word : c.synonyms) consider(word, c.articulated, c.family);
  }
  for (const std::string& word : extra_creature_words()) consider(word, true, "creature");
  return best;
}

}  // namespace

RigMode parse_rig_mode(const std::string& name) {
  if (name == "auto") return RigMode::Auto;
  if (name == "always") return RigMode::Always;
  if (name == "never") return RigMode::Never;
  throw Error(ExitCode::Usage, "unknown rig mode '" + name + "' (auto, always, never)");
}

std::string to_string(RigMode mode) {
  switch (mode) {
    case RigMode::Auto: return "auto";
    case RigMode::Always: return "always";
    case RigMode::Never: return "never";
  }
  return "auto";
}

RigDecision decide_rig(RigMode mode, const std::string& prompt, const Scene& scene) {
  if (mode == RigMode::Always) return {true, "--rig always"};
  if (mode == RigMode::Never) return {false, "--rig never"};
  const Concept c = prompt_concept(prompt);
  if (c.position != std::string::npos) {
    if (c.creature) return {true, "the prompt names a creature or character ('" + c.word + "')"};
    return {false, "the prompt names " + (c.family.empty() ? std::string("an object") : "a " + c.family + " concept") +
                       " ('" + c.word + "'), not a creature; --rig always rigs it anyway"};
  }
  std::set<std::string> found;
  for (const Part& p : scene.parts) {
    if (creature_parts().count(p.semantic)) found.insert(p.semantic);
  }
  if (!found.empty()) {
    std::string names;
    for (const std::string& n : found) names += (names.empty() ? "" : ", ") + n;
    return {true, "its parts are creature parts (" + names + ")"};
  }
  return {false, "no creature recognised in the prompt or the parts; --rig always rigs it anyway"};
}

}  // namespace flexforge::pipeline
