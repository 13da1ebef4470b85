// The pre-rig check of the default chain: creatures and characters are rigged, objects are not,
// the decision names its reason, and --rig always/never override it.
#include "test_support.h"

#include "flexforge/core/error.h"
#include "flexforge/pipeline/riggability.h"

#include <gtest/gtest.h>

using namespace flexforge;
using namespace flexforge::pipeline;

namespace {

Scene scene_with_parts(const std::vector<std::string>& semantics) {
  Scene scene;
  for (const std::string& s : semantics) scene.parts.push_back({s, Mesh{}, s});
  return scene;
}

}  // namespace

TEST(Riggability, PromptConceptDecidesInAuto) {
  const Scene none;
  for (const std::string& prompt : {"a sleepy cat", "A Red Dragon", "a knight in armour", "two dogs",
                                    "a hand holding a cup", "an octopus with long tentacles",
                                    "a cat sitting on a chair"}) {
    const RigDecision d = decide_rig(RigMode::Auto, prompt, none);
    EXPECT_TRUE(d.rig) << prompt << ": " << d.reason;
  }
  for (const std::string& prompt : {"a wooden chair with armrests", "a lamp", "a red sports car",
                                    "a tall vase", "a chair shaped like a bench for a cat"}) {
    const RigDecision d = decide_rig(RigMode::Auto, prompt, none);
    EXPECT_FALSE(d.rig) << prompt << ": " << d.reason;
    EXPECT_NE(d.reason.find("--rig always"), std::string::npos) << d.reason;
  }
  // Words inside other words do not count: "scatter" has no cat, "category" neither.
  EXPECT_FALSE(decide_rig(RigMode::Auto, "a scatter of category pebbles", none).rig);
}

TEST(Riggability, PartsDecideWhenThePromptNamesNoConcept) {
  EXPECT_TRUE(decide_rig(RigMode::Auto, "", scene_with_parts({"head", "torso", "upper_arm"})).rig);
  EXPECT_FALSE(decide_rig(RigMode::Auto, "", scene_with_parts({"seat", "leg", "back"})).rig);
  EXPECT_FALSE(decide_rig(RigMode::Auto, "zxqv", Scene{}).rig);
  // The prompt wins over the parts.
  EXPECT_FALSE(decide_rig(RigMode::Auto, "a chair", scene_with_parts({"torso", "tail"})).rig);
}

TEST(Riggability, AlwaysAndNeverOverride) {
  EXPECT_TRUE(decide_rig(RigMode::Always, "a wooden chair", Scene{}).rig);
  EXPECT_FALSE(decide_rig(RigMode::Never, "a cat", Scene{}).rig);
  EXPECT_EQ(parse_rig_mode("always"), RigMode::Always);
  EXPECT_THROW(parse_rig_mode("sometimes"), Error);
}
