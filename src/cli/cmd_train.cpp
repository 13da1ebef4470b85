// flexforge train vae|structure|latent|image-prior|text-prior|segment: (re)train the default model's networks, resumably.
#include "command.h"

#include "flexforge/core/error.h"
#include "flexforge/model/model_files.h"
#include "flexforge/model/generator_training.h"
#include "flexforge/model/part_head_training.h"
#include "flexforge/model/vae_training.h"
#include "flexforge/nn/model_config.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <map>

namespace flexforge::cli {

namespace {

namespace fs = std::filesystem;

class TrainCommand : public Command {
 public:
  std::string name() const override { return "train"; }
  std::string summary() const override { return "Train the model's networks (vae, structure, latent, image-prior, text-prior, segment)"; }
  FieldFlags field_flags() const override { return {{"init_weights", "--init"}}; }
  void declare(CLI::App& sub) override {
    sub.require_subcommand(1);
    vae_ = sub.add_subcommand("vae", "SparseFlex VAE on synth assets plus real meshes");
    vae_->add_option("--out", vae_options_.out_dir, "Model directory to write (checkpoints, weights)")->required();
    vae_->add_option("--config", vae_options_.config, "JSON {\"name\": \"SparseFlexVae\", \"args\": {...}}");
    vae_->add_option("--steps", vae_options_.steps)->capture_default_str();
    vae_->add_option("--batch", vae_options_.batch)->capture_default_str();
    vae_->add_option("--lr", vae_options_.learning_rate)->capture_default_str();
    vae_->add_option("--seed", vae_options_.seed)->capture_default_str();
    vae_->add_option("--synth-count", vae_options_.synth_count)->capture_default_str();
    vae_->add_option("--synth-seed", vae_options_.synth_seed)->capture_default_str();
    vae_->add_option("--real", vae_options_.real_meshes, "Real meshes to train on (repeatable)");
    vae_->add_option("--dataset", vae_options_.datasets,
                     "Dataset directory to train on (flexforge dataset build / synth; repeatable)");
    vae_->add_option("--points", vae_options_.points)->capture_default_str();
    vae_->add_option("--checkpoint-every", vae_options_.checkpoint_every)->capture_default_str();
    vae_->add_option("--time-limit", vae_options_.time_limit_minutes,
                     "Stop with a checkpoint after this many minutes (0: none)")->capture_default_str();
    vae_->add_flag("--resume", vae_options_.resume, "Continue from OUT/checkpoint");
    const std::map<std::string, std::string> stage_help = {
        {"structure", "Stage 1: occupancy VAE, then the structure flow (text/image conditioned)"},
        {"latent", "Stage 2: the latent flow on the active voxels (needs the trained VAE)"},
        {"image-prior", "Image prior: image -> coarse structure latent (needs the structure stage)"},
        {"text-prior", "Text prior: caption -> coarse structure latent (needs the structure stage)"}};
    for (const auto& [stage_name, help] : stage_help) {
      const char* stage = stage_name.c_str();
      auto& o = stage_options_[stage];
      o.stage = stage;
      CLI::App* sub_stage = sub.add_subcommand(stage, help);
      sub_stage->add_option("--model-dir", o.model_dir, "Model directory (holds the VAE; receives the stage)")->required();
      sub_stage->add_option("--config", o.config, "JSON with network sizes");
      sub_stage->add_option("--steps", o.steps)->capture_default_str();
      if (std::string(stage) == "structure") {
        sub_stage->add_option("--vae-steps", o.vae_steps)->capture_default_str();
        sub_stage->add_option("--vae-lr", o.vae_learning_rate, "Occupancy VAE learning rate")->capture_default_str();
      }
      sub_stage->add_option("--batch", o.batch)->capture_default_str();
      sub_stage->add_option("--lr", o.learning_rate)->capture_default_str();
      sub_stage->add_option("--seed", o.seed)->capture_default_str();
      sub_stage->add_option("--synth-count", o.synth_count)->capture_default_str();
      sub_stage->add_option("--synth-seed", o.synth_seed)->capture_default_str();
      sub_stage->add_option("--dataset", o.datasets,
                            "Dataset directory to train on (flexforge dataset build / synth; repeatable)");
      sub_stage->add_option("--views", o.views, "Rendered views per asset for image conditioning")->capture_default_str();
      sub_stage->add_option("--checkpoint-every", o.checkpoint_every)->capture_default_str();
      sub_stage->add_option("--time-limit", o.time_limit_minutes, "Stop with a checkpoint after this many minutes")->capture_default_str();
      sub_stage->add_flag("--resume", o.resume, "Continue from MODEL_DIR/checkpoint");
      if (model::accepts_init_weights(stage_name)) {
        sub_stage->add_option("--init", o.init_weights,
                              "Start from these weights (safetensors, e.g. the shipped network) with a fresh optimiser");
      }
      stages_[stage] = sub_stage;
    }
    segment_ = sub.add_subcommand("segment", "Learned part head on synth part labels (segment --method auto|learned)");
    auto& s = segment_options_;
    segment_->add_option("--model-dir", s.model_dir, "Model directory (receives part_head.safetensors and its config entry)")->required();
    segment_->add_option("--config", s.config, "JSON {\"name\": \"PartHead\", \"args\": {...}} with network sizes");
    segment_->add_option("--steps", s.steps)->capture_default_str();
    segment_->add_option("--batch", s.batch)->capture_default_str();
    segment_->add_option("--lr", s.learning_rate)->capture_default_str();
    segment_->add_option("--seed", s.seed)->capture_default_str();
    segment_->add_option("--synth-count", s.synth_count, "Assets per synth seed")->capture_default_str();
    segment_->add_option("--synth-seeds", s.synth_seeds, "Synth dataset seeds to train on")->capture_default_str()->delimiter(',');
    segment_->add_option("--points", s.points, "Surface samples per shape")->capture_default_str();
    segment_->add_option("--checkpoint-every", s.checkpoint_every)->capture_default_str();
    segment_->add_option("--time-limit", s.time_limit_minutes, "Stop with a checkpoint after this many minutes (0: none)")->capture_default_str();
    segment_->add_flag("--resume", s.resume, "Continue from MODEL_DIR/checkpoint");
  }
  void validate() override {
    if (vae_->parsed()) {
      if (vae_options_.synth_count < 0 || vae_options_.synth_count > 1000000) {
        throw Error(ExitCode::Usage, "--synth-count must be in 0..1e6");
      }
      if (vae_options_.points < 1000) throw Error(ExitCode::Usage, "--points must be >= 1000");
      if (vae_options_.checkpoint_every < 1) throw Error(ExitCode::Usage, "--checkpoint-every must be >= 1");
      for (const auto& p : vae_options_.real_meshes) {
        if (!fs::is_regular_file(p)) throw Error(ExitCode::InvalidInput, p.string() + ": no such file");
      }
    }
  }
  int execute(const GlobalOptions&) override {
    if (segment_->parsed()) {
      const auto report = model::train_part_head(segment_options_);
      spdlog::info("train segment: {} steps on {} shapes ({} classes) in {:.0f} s, loss {:.4f}{}",
                   report.steps_done, report.shapes, report.classes, report.seconds, report.final_loss,
                   report.finished ? "" : " (stopped by the time limit; rerun with --resume)");
    }
    for (auto& [stage, sub] : stages_) {
      if (!sub->parsed()) continue;
      const auto report = model::train_generator(stage_options_[stage]);
      spdlog::info("train {}: {} steps on {} shapes in {:.0f} s, loss {:.4f}{}", stage,
                   report.steps_done, report.shapes, report.seconds, report.final_loss,
                   report.finished ? "" : " (stopped by the time limit; rerun with --resume)");
    }
    if (vae_->parsed()) {
      const auto report = model::train_vae(vae_options_);
      model::register_network(vae_options_.out_dir, "vae",
                              nn::read_model_config(vae_options_.out_dir / "vae.json"),
                              "vae.safetensors");
      spdlog::info("train vae: {} steps on {} shapes in {:.0f} s, loss {:.4f}{}", report.steps_done,
                   report.shapes, report.seconds, report.final_loss,
                   report.finished ? "" : " (stopped by the time limit; rerun with --resume)");
    }
    return 0;
  }

 private:
  CLI::App* vae_ = nullptr;
  CLI::App* segment_ = nullptr;
  model::PartHeadTrainOptions segment_options_;
  model::VaeTrainOptions vae_options_;
  std::map<std::string, CLI::App*> stages_;
  std::map<std::string, model::GeneratorTrainOptions> stage_options_;
};

}  // namespace

std::unique_ptr<Command> make_train_command() { return std::make_unique<TrainCommand>(); }

}  // namespace flexforge::cli
