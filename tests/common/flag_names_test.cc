#include "common/flag_names.h"

#include "gtest/gtest.h"

namespace svledger {
namespace {

TEST(NormalizeFlagNamesTest, HyphensInNamesOnly) {
  std::vector<std::string> in = {
      "prog", "--data-dir=/a-b", "--listen", "x-y", "-v", "--", "--keep-this"};
  std::vector<char*> argv = ArgvPointers(in);
  std::vector<std::string> out =
      NormalizeFlagNames(static_cast<int>(argv.size()), argv.data());
  EXPECT_EQ(out,
            (std::vector<std::string>{"prog", "--data_dir=/a-b", "--listen",
                                      "x-y", "-v", "--", "--keep-this"}));
}

TEST(NormalizeFlagNamesTest, NoPrefixBecomesAbseilNegation) {
  std::vector<std::string> in = {"prog", "--no-demo", "--no-x-y", "--no-a=1"};
  std::vector<char*> argv = ArgvPointers(in);
  std::vector<std::string> out =
      NormalizeFlagNames(static_cast<int>(argv.size()), argv.data());
  EXPECT_EQ(out, (std::vector<std::string>{"prog", "--nodemo", "--nox_y",
                                           "--no_a=1"}));
}

}  // namespace
}  // namespace svledger
