// Strict state loading: all checks run before the first copy so a mismatched file leaves the
// module untouched; the error lists every difference (capped per category) in one line.
#include "flexforge/nn/weights.h"

#include "flexforge/core/error.h"

#include <spdlog/spdlog.h>

#include <sstream>

namespace flexforge::nn {

namespace {

std::string shape_string(c10::IntArrayRef shape) {
  std::ostringstream s;
  s << shape;
  return s.str();
}

void append_category(std::string& message, const std::vector<std::string>& items,
                     const std::string& singular, const std::string& plural) {
  if (items.empty()) return;
  constexpr size_t kShown = 8;
  if (!message.empty()) message += "; ";
  message += std::to_string(items.size()) + " " + (items.size() == 1 ? singular : plural) + ": ";
  for (size_t i = 0; i < std::min(items.size(), kShown); ++i) {
    message += (i ? ", " : "") + items[i];
  }
  if (items.size() > kShown) message += ", ... (" + std::to_string(items.size() - kShown) + " more)";
}

bool is_float(torch::ScalarType t) { return c10::isFloatingType(t); }

}  // namespace

TensorMap state_dict(const torch::nn::Module& module) {
  TensorMap out;
  for (const auto& p : module.named_parameters(true)) out[p.key()] = p.value().detach();
  for (const auto& b : module.named_buffers(true)) out[b.key()] = b.value().detach();
  return out;
}

void load_state_dict(torch::nn::Module& module, const TensorMap& tensors, const std::string& source,
                     const LoadOptions& options) {
  const TensorMap targets = state_dict(module);
  std::vector<std::string> missing, unexpected, mismatched;
  for (const auto& [name, target] : targets) {
    const auto it = tensors.find(name);
    if (it == tensors.end()) {
      missing.push_back(name);
      continue;
    }
    const auto& t = it->second;
    if (t.sizes() != target.sizes()) {
      mismatched.push_back(name + " file " + shape_string(t.sizes()) + " vs model " +
                           shape_string(target.sizes()));
    } else if (t.scalar_type() != target.scalar_type() &&
               !(is_float(t.scalar_type()) && is_float(target.scalar_type()))) {
      mismatched.push_back(name + " file " + c10::toString(t.scalar_type()) + " vs model " +
                           c10::toString(target.scalar_type()));
    }
  }
  for (const auto& [name, t] : tensors) {
    (void)t;
    if (!targets.count(name)) unexpected.push_back(name);
  }
  std::string diff;
  if (options.strict) {
    append_category(diff, missing, "missing key", "missing keys");
    append_category(diff, unexpected, "unexpected key", "unexpected keys");
  }
  append_category(diff, mismatched, "shape/dtype mismatch", "shape/dtype mismatches");
  if (!diff.empty()) {
    throw Error(ExitCode::Model, source + " does not match the model: " + diff);
  }

  torch::NoGradGuard no_grad;
  int64_t converted = 0;
  for (const auto& [name, target] : targets) {
    const auto it = tensors.find(name);
    if (it == tensors.end()) continue;
    converted += it->second.scalar_type() != target.scalar_type();
    // `target` is a detached alias of the parameter/buffer storage: copy_ writes through.
    auto alias = target;
    alias.copy_(it->second.to(target.device(), target.scalar_type()));
  }
  spdlog::debug("loaded {} tensors from {} ({} converted dtype, {} missing, {} unexpected)",
                targets.size() - missing.size(), source, converted, missing.size(),
                unexpected.size());
}

void load_weights(torch::nn::Module& module, const std::filesystem::path& path,
                  const LoadOptions& options) {
  const SafetensorsFile file(path);
  load_state_dict(module, file.all(), path.string(), options);
}

void save_weights(const torch::nn::Module& module, const std::filesystem::path& path,
                  const std::map<std::string, std::string>& metadata) {
  save_safetensors(path, state_dict(module), metadata);
}

int64_t count_parameters(const torch::nn::Module& module, bool trainable_only) {
  int64_t n = 0;
  for (const auto& p : module.parameters(true)) {
    if (!trainable_only || p.requires_grad()) n += p.numel();
  }
  return n;
}

}  // namespace flexforge::nn
