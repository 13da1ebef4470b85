// The stage chain used by batch (and by generate once it lands): order, options, errors.
#include "test_support.h"

#include "flexforge/core/error.h"
#include "flexforge/io/import.h"
#include "flexforge/pipeline/stages.h"

#include <gtest/gtest.h>

using namespace flexforge;
using namespace flexforge::pipeline;

TEST(PipelineStages, PlanRunsStagesInPipelineOrderAndRejectsBadNames) {
  EXPECT_EQ(plan_stages({"retopo", "segment", "rig", "segment"}),
            (std::vector<std::string>{"segment", "rig", "retopo"}));
  try {
    plan_stages({"paint"});
    ADD_FAILURE() << "unknown stage accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::Usage);
  }
  // complete (docs/complete.md) runs between segment and rig.
  EXPECT_EQ(plan_stages({"rig", "complete", "segment"}),
            (std::vector<std::string>{"segment", "complete", "rig"}));
}

TEST(PipelineStages, SegmentRigRetopoOnARealMesh) {
  const Scene input = io::load_scene(test::cgal_mesh("cow.off"));
  std::vector<StageRun> runs;
  const Scene out = run_stages(input, plan_stages({"segment", "rig", "retopo"}),
                               {{"retopo", {{"faces", 1500}}}, {"segment", {{"min_part_area", 0.01}}}},
                               &runs);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].name, "segment");
  EXPECT_GT(runs[0].parts, 1u);
  EXPECT_EQ(runs[1].name, "rig");
  EXPECT_FALSE(out.skeleton.empty());
  EXPECT_TRUE(out.has_skin());
  EXPECT_NEAR(static_cast<double>(out.face_count()), 1500.0, 75.0);
  EXPECT_EQ(out.parts.size(), runs[0].parts);  // retopo keeps the parts apart
  // Typos in stage options fail instead of being ignored.
  EXPECT_THROW(run_stages(input, {"retopo"}, {{"retopo", {{"face", 10}}}}), Error);
  EXPECT_THROW(run_stages(input, {"retopo"}, {{"segment", {{"parts", 2}}}}), Error);
}
