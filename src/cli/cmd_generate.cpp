// flexforge generate [PROMPT] [--image FILE] -o OUT: prompt -> 3D asset with the default model,
// then the pipeline stages (segment -> complete -> rig -> retopo) and export.
#include "command.h"
#include "print_flags.h"

#include "flexforge/core/atomic_file.h"
#include "flexforge/core/error.h"
#include "flexforge/core/progress.h"
#include "flexforge/core/scene_ops.h"
#include "flexforge/io/export.h"
#include "flexforge/io/import.h"
#include "flexforge/model/generate.h"
#include "flexforge/model/prompt_lexicon.h"
#include "flexforge/pipeline/asset_outputs.h"
#include "flexforge/pipeline/generation_job.h"
#include "flexforge/pipeline/stages.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>

namespace flexforge::cli {

using namespace pipeline;

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

class GenerateCommand : public Command {
 public:
  std::string name() const override { return "generate"; }
  std::string summary() const override {
    return "Text, image or both -> a 3D asset (generation, parts, rig, low-poly, export)";
  }
  FieldFlags field_flags() const override {
    return {{"structure_steps and latent_steps", "--steps"},
            {"structure_guidance and latent_guidance", "--guidance"},
            {"image_candidates", "--candidates"},
            {"min_component_share", "--min-component-area"},
            {"target_faces", "--faces"}};
  }
  void declare(CLI::App& sub) override {
    sub.add_option("prompt", prompt_.text, "Text prompt (optional when --image is given)");
    sub.add_option("--image", image_, "Image prompt (PNG/JPEG; alpha or a plain background)");
    sub.add_option("--image-weight", prompt_.image_weight,
                   "With text and image: 0 text only, 1 the joint condition, 2 image emphasised")
        ->capture_default_str();
    sub.add_option("--structure", structure_,
                   "Mesh whose coarse shape (32^3 voxels, scaled to the output frame) replaces the "
                   "structure stage: the prompt only generates the surface on it");
    sub.add_option("-o,--output", output_, "Output file; the extension picks the format (required unless --explain-prompt)");
    sub.add_flag("--explain-prompt", explain_,
                 "Print how the prompt maps to the model's vocabulary (tokens, lexicon mappings, "
                 "attributes, unknown words) and exit without generating");
    sub.add_option("--model", model_, "Model directory or installed model name")->capture_default_str();
    sub.add_option("--seed", seed_, "Random seed (same seed, build and threads: same asset)")->capture_default_str();
    sub.add_option("--steps", steps_, "Sampler steps per stage")->capture_default_str();
    sub.add_option("--guidance", guidance_,
                   "Classifier-free guidance scale (structure stage; latent stage uses 0.4x)")
        ->capture_default_str();
    sub.add_flag("--heun", options_.heun, "Heun (2nd order) sampler instead of Euler");
    sub.add_option("--candidates", options_.image_candidates,
                   "With an image: sample N candidates, keep the best silhouette match (1 = off)")
        ->capture_default_str();
    sub.add_option("--image-prior-noise", options_.image_prior_noise,
                   "Image only: noise level the image prior's shape is refined from (0 = keep it as "
                   "predicted, 1 = ignore it)")
        ->capture_default_str();
    sub.add_option("--multimodal-prior-noise", options_.multimodal_prior_noise,
                   "Text and image: the same, the text guiding the refinement")
        ->capture_default_str();
    sub.add_option("--text-prior-noise", options_.text_prior_noise,
                   "Text only: noise level the text prior's shape is refined from (0 = keep it as "
                   "predicted, 1 = ignore it)")
        ->capture_default_str();
    sub.add_option("--num", num_, "Number of variants (seeds S, S+1, ...), sampled together")->capture_default_str();
    sub.add_option("--stages", stages_, "Comma list of pipeline stages (default: all available)");
    for (const auto& s : pipeline_stages()) {
      if (s.by_default) sub.add_flag("--no-" + s.name, skip_[s.name], "Skip the " + s.name + " stage");
    }
    print_.declare(sub);
    sub.add_flag("--no-colour,--no-color", no_colour_,
                 "Leave the asset uncoloured (by default vertex colours come from the prompt's colour "
                 "word, the image prompt or a material word)");
    sub.add_option("--animate", animate_,
                   "Add procedural clips after rigging: a comma list (idle,walk,run,jump,trot,wave,flap,"
                   "wiggle) or 'all' (every clip that applies to the rig). Rigs the asset even when "
                   "--rig auto would not; GLB, glTF or FBX output");
    sub.add_option("--rig", rig_mode_,
                   "Rig stage: auto (only creatures and characters, judged from the prompt and "
                   "the parts), always or never")
        ->check(CLI::IsMember({"auto", "always", "never"}))
        ->capture_default_str();
    sub.add_option("--faces", faces_, "Face budget of the retopo stage")->capture_default_str();
    surface_flag_ = sub.add_flag("--watertight,!--open-surface", options_.watertight,
                 "Close the extracted surface (default); --open-surface keeps the decoded band as "
                 "it is, holes included");
    debris_option_ = sub.add_option("--min-component-area", options_.min_component_share,
                   "Remove surface components below this share of the total area (0 keeps all)")
        ->capture_default_str();
    sub.add_option("--formats", formats_, "Extra output formats next to OUT, e.g. fbx,stl");
    sub.add_option("--report", report_, "Write a JSON report (timings, faces, seed, model hash, warnings)");
    sub.add_option("--preview", preview_, "Write a PNG thumbnail of the result");
  }
  void validate() override {
    prompt_.image = image_;
    if (prompt_.text.empty() && image_.empty()) {
      throw Error(ExitCode::Usage, "prompt is empty: give text, --image, or both");
    }
    if (explain_) {
      if (prompt_.text.empty()) throw Error(ExitCode::Usage, "--explain-prompt: give a text prompt");
      return;
    }
    if (output_.empty()) throw Error(ExitCode::Usage, "--output is required");
    if (num_ < 1 || num_ > 64) throw Error(ExitCode::Usage, "--num must be in 1..64");
    if (faces_ < 4 || faces_ > 10000000) throw Error(ExitCode::Usage, "--faces must be in 4..1e7");
    {
      // The flags set on options_ (heun, watertight) survive; steps/guidance come from the
      // shared mapping so `batch` samples the same way.
      const model::GenerateOptions sampler = generation_options(steps_, guidance_);
      options_.structure_steps = sampler.structure_steps;
      options_.latent_steps = sampler.latent_steps;
      options_.structure_guidance = sampler.structure_guidance;
      options_.latent_guidance = sampler.latent_guidance;
      options_.validate();  // --candidates, --image/multimodal/text-prior-noise
    }
    io::output_format_for(output_);
    extra_formats_ = parse_formats(formats_);
    std::vector<std::string> kept;
    for (const auto& st : stages_.empty() ? default_generation_stages() : split_list(stages_)) {
      if (!skip_[st]) kept.push_back(st);
    }
    print_.validate(output_);
    if (print_.enabled && !animate_.empty())
      throw Error(ExitCode::Usage, "--print and --animate do not go together (a print has no skeleton)");
    if (!animate_.empty()) {
      if (rig_mode_ == "never") throw Error(ExitCode::Usage, "--animate needs a rig; it cannot go with --rig never");
      if (std::find(kept.begin(), kept.end(), "rig") == kept.end())
        throw Error(ExitCode::Usage, "--animate needs the rig stage (drop --no-rig, or list rig in --stages)");
      const io::OutputFormat format = io::output_format_for(output_);
      if (format != io::OutputFormat::Glb && format != io::OutputFormat::Gltf && format != io::OutputFormat::Fbx)
        throw Error(ExitCode::Usage, output_ + ": --animate needs a .glb, .gltf or .fbx output (formats that carry clips)");
      kept.push_back("animate");
    }
    planned_ = plan_stages(kept);
    // The complete stage closes every part itself, and on the closed band's double-walled
    // surfaces (about twice the faces) it and retopo take 2-3x longer: when it runs, the decoded
    // band stays open and whole, as before, unless the user chose. Raw output stays closed.
    if (std::find(kept.begin(), kept.end(), "complete") != kept.end()) {
      if (surface_flag_->count() == 0) options_.watertight = false;
      if (debris_option_->count() == 0) options_.min_component_share = 0.0;
    }
    if (!preview_.empty()) require_writable_parent(preview_);
    if (!report_.empty()) require_writable_parent(report_);
    require_writable_parent(output_);
    // Loaded here so a bad file fails before the model loads.
    if (!structure_.empty()) prompt_.structure = join_parts(io::load_scene(structure_));
  }
  int execute(const GlobalOptions& global) override {
    if (explain_) return explain();
    const auto started = std::chrono::steady_clock::now();
    model::Generator generator(model_, global.resolved_device);
    const double load_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::vector<model::Prompt> prompts;
    for (int i = 0; i < num_; ++i) {
      model::Prompt p = prompt_;
      p.seed = seed_ + static_cast<std::uint64_t>(i);
      prompts.push_back(p);
    }
    Progress progress("generate", static_cast<std::size_t>(steps_) * 2);
    options_.on_step = [&](const std::string& stage, int step, int steps) {
      progress.advance();
      spdlog::debug("{} step {}/{}", stage, step, steps);
    };
    const auto meshes = generator.generate(prompts, options_);
    progress.finish();

    json report = {{"prompt", prompt_.text}, {"image", image_}, {"structure", structure_}, {"model", generator.directory().string()},
                   {"model_hash", generator.model_hash()}, {"device", global.resolved_device},
                   {"steps", steps_}, {"guidance", guidance_}, {"stages", planned_},
                   {"load_seconds", load_seconds}, {"assets", json::array()}};
    AssetRequest request;
    request.prompt = prompt_.text;
    request.image = image_;
    request.model_hash = generator.model_hash();
    request.model_dir = generator.directory();
    request.stages = planned_;
    request.stage_options = planned_has("retopo") ? json{{"retopo", {{"faces", faces_}}}} : json::object();
    if (planned_has("animate")) request.stage_options["animate"] = {{"clips", animate_}};
    if (print_.enabled) request.print = print_.options;
    request.extra_formats = extra_formats_;
    request.rig_mode = parse_rig_mode(rig_mode_);
    request.colour = !no_colour_;
    for (size_t i = 0; i < meshes.size(); ++i) {
      request.output = variant_path(output_, i);
      request.preview = preview_.empty() ? fs::path() : variant_path(preview_, i);
      report["assets"].push_back(finish_generated_asset(meshes[i], request));
    }
    report["total_seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!report_.empty()) write_file_atomic(report_, report.dump(2) + "\n");
    return 0;
  }

 private:
  bool planned_has(const std::string& stage) const {
    return std::find(planned_.begin(), planned_.end(), stage) != planned_.end();
  }
  // OUT for a single asset; OUT_stem_K.ext for variant K of --num.
  fs::path variant_path(const fs::path& base, size_t k) const {
    if (num_ == 1) return base;
    fs::path p = base;
    p.replace_filename(base.stem().string() + "_" + std::to_string(k) + base.extension().string());
    return p;
  }

  // --explain-prompt: the tokenizer and lexicon only, no network is loaded.
  int explain() const {
    const model::PromptExplanation e = model::explain_prompt(model_, prompt_.text);
    std::printf("model: %s (%s)\n", e.model_dir.string().c_str(), e.has_lexicon ? "with lexicon" : "no lexicon");
    std::string tokens;
    for (const auto& t : e.tokens) tokens += (tokens.empty() ? "" : " ") + t;
    std::printf("tokens: %s%s\n", tokens.c_str(), e.truncated ? " (truncated)" : "");
    for (const auto& m : e.mappings) std::printf("mapped: %s\n", model::describe_mapping(m).c_str());
    for (const auto& a : e.attributes) {
      std::printf("attribute: %s %s%s\n", a.relation.c_str(), a.words.c_str(),
                  a.concept.empty() ? " (no token)" : a.concept == a.words ? "" : (" -> " + a.concept).c_str());
    }
    for (const auto& w : e.unknown_words) std::printf("unknown: %s\n", w.c_str());
    return 0;
  }

  bool explain_ = false, no_colour_ = false;
  model::Prompt prompt_;
  std::string image_, structure_, output_, model_ = "default", stages_, formats_, report_, preview_;
  std::string rig_mode_ = "auto";
  std::string animate_;  // --animate clip list; empty = no clips
  PrintFlags print_;
  std::uint64_t seed_ = 0;
  int steps_ = 12, num_ = 1;
  double guidance_ = model::kDefaultGuidance;
  std::size_t faces_ = kGeneratedAssetFaces;
  std::map<std::string, bool> skip_;
  std::vector<std::string> planned_, extra_formats_;
  model::GenerateOptions options_;
  CLI::Option* surface_flag_ = nullptr;  // --watertight / --open-surface, to tell a choice from the default
  CLI::Option* debris_option_ = nullptr;
};

}  // namespace

std::unique_ptr<Command> make_generate_command() { return std::make_unique<GenerateCommand>(); }

}  // namespace flexforge::cli
