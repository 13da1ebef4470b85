#include "flexforge/model/prompt_lexicon.h"

#include "flexforge/core/error.h"
#include "flexforge/model/generator_sizes.h"
#include "flexforge/model/model_files.h"

namespace flexforge::model {

std::optional<condition::Lexicon> load_model_lexicon(const std::filesystem::path& model_dir,
                                                     const condition::Tokenizer& tokenizer) {
  const std::filesystem::path file = model_dir / kLexiconFile;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  condition::Lexicon lexicon = condition::Lexicon::load(file);
  for (const auto& [phrase, entries] : lexicon.entries()) {
    for (const auto& e : entries) {
      for (const std::string& w : condition::normalize_words(e.concept)) {
        if (!tokenizer.contains(w)) {
          throw Error(ExitCode::Model, "lexicon file " + file.string() + ": '" + phrase + "' maps to '" +
                                           e.concept + "', which is not a token of " + kTokenizerFile);
        }
      }
    }
  }
  return lexicon;
}

std::string describe_mapping(const condition::WordMapping& m) {
  std::string out = "\"" + m.words + "\" -> ";
  out += m.concept.empty() ? std::string(m.relation == "function" ? "(dropped)" : "(no token: reported only)")
                           : "\"" + m.concept + "\"";
  out += " via " + m.relation;
  if (!m.via.empty() && m.via != m.words) out += " (" + m.via + ")";
  return out;
}

PromptExplanation explain_prompt(const std::string& model, const std::string& text) {
  const ModelDirectory dir = open_model(model);
  const auto tokenizer = condition::Tokenizer::load(dir.directory / kTokenizerFile);
  const auto lexicon = load_model_lexicon(dir.directory, tokenizer);
  const auto tokens = dir.network("structure_flow").get<std::int64_t>("condition_text_tokens");
  if (tokens < 1) throw Error(ExitCode::Model, "config.json: condition_text_tokens must be at least 1");
  const auto r = tokenizer.encode(text, static_cast<std::size_t>(tokens), lexicon ? &*lexicon : nullptr);
  PromptExplanation out;
  out.model_dir = dir.directory;
  out.has_lexicon = lexicon.has_value();
  for (auto id : r.ids) out.tokens.push_back(tokenizer.token(id));
  out.mappings = r.mappings;
  out.attributes = r.attributes;
  out.unknown_words = r.unknown_words;
  out.truncated = r.truncated;
  return out;
}

}  // namespace flexforge::model
