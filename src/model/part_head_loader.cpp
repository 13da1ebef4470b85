// Loading the part head for segmentation, once per process and model spec. This is the one place
// that opens a model directory on segmentation's behalf; segment/ itself only sees the
// PartClassifier interface.
#include "flexforge/model/part_head.h"

#include "flexforge/core/error.h"

#include <map>
#include <mutex>

namespace flexforge::model {

namespace {

struct LoadedHead {
  std::shared_ptr<const PartHead> head;
  std::string error;
  ExitCode code = ExitCode::Model;
};

const LoadedHead& part_head_for(const std::string& spec) {
  static std::mutex mutex;
  static std::map<std::string, LoadedHead> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(spec);
  if (it != cache.end()) return it->second;
  LoadedHead entry;
  try {
    const ModelDirectory dir = open_model(spec);
    if (!dir.has_network(kPartHeadNetwork)) {
      entry.error = (dir.directory / "config.json").string() + ": no part head ('" +
                    kPartHeadNetwork + "') in this model";
    } else {
      entry.head = PartHead::load(dir);
    }
  } catch (const Error& e) {
    entry.error = e.what();
    entry.code = e.code();
  } catch (const std::exception& e) {
    entry.error = std::string("part head: ") + e.what();
  }
  if (!entry.head && entry.code != ExitCode::Usage) entry.code = ExitCode::Model;
  return cache.emplace(spec, std::move(entry)).first->second;
}

}  // namespace

void attach_part_head(segment::SegmentOptions& options, const std::string& model_spec) {
  const LoadedHead& loaded = part_head_for(model_spec);
  options.classifier = loaded.head;
  options.classifier_error = loaded.error;
  options.classifier_error_code = loaded.code;
}

}  // namespace flexforge::model
