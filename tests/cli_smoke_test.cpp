// The CLI's contract with scripts: help and version exit 0, usage errors exit 2.
#include "test_support.h"

#include <gtest/gtest.h>

using flexforge::test::run_cli;

TEST(Cli, VersionAndHelpExitZero) {
  const auto version = run_cli({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("flexforge"), std::string::npos);
  const auto help = run_cli({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Examples:"), std::string::npos);
  EXPECT_NE(help.out.find("convert"), std::string::npos);
}
