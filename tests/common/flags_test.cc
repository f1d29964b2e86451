#include "common/flags.h"

#include "absl/flags/flag.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

ABSL_FLAG(std::string, test_as_of, "", "a date");
ABSL_FLAG(uint64_t, test_backup_id, 0, "a number");
ABSL_FLAG(bool, test_demo, true, "a switch");

namespace svledger {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<ParsedCommandLine> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "program");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return ParseFlags(static_cast<int>(argv.size()), argv.data());
}

TEST(FlagsTest, DashesUnderscoresValuesAndPositionals) {
  auto parsed =
      Parse({"progress", "--test-as-of=2026-01-31", "K1", "--test_backup_id",
             "7", "--no-test-demo", "--", "--literal"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(parsed->positional, ElementsAre("progress", "K1", "--literal"));
  EXPECT_EQ(absl::GetFlag(FLAGS_test_as_of), "2026-01-31");
  EXPECT_EQ(absl::GetFlag(FLAGS_test_backup_id), 7u);
  EXPECT_FALSE(absl::GetFlag(FLAGS_test_demo));
  ASSERT_TRUE(Parse({"--test-demo"}).ok());
  EXPECT_TRUE(absl::GetFlag(FLAGS_test_demo));
  EXPECT_TRUE(Parse({"x", "--help"})->help);
}

TEST(FlagsTest, ErrorsNameTheFlagWithDashes) {
  auto bad = Parse({"--test-backup-id=abc"});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "--test-backup-id: 'abc' is not a whole number, 0 or more");
  auto unknown = Parse({"--test-backup-ud=1"});
  EXPECT_THAT(std::string(unknown.status().message()),
              HasSubstr("--test-backup-ud: no such flag (did you mean "
                        "--test-backup-id?)"));
  auto missing = Parse({"--test-as-of"});
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("--test-as-of: needs a value"));
}

TEST(FlagsTest, HelpAndNearest) {
  const std::string help = FlagHelp({"test_as_of", "test_demo", "nothing"});
  EXPECT_THAT(help, HasSubstr("--test-as-of=VALUE"));
  EXPECT_THAT(help, HasSubstr("--test-demo "));
  EXPECT_THAT(help, HasSubstr("(default: true)"));
  EXPECT_THAT(FlagsDefinedIn("tests/common/flags_test.cc"),
              ElementsAre("test_as_of", "test_backup_id", "test_demo"));
  EXPECT_EQ(Nearest("reveiw", {"report", "review", "reject"}), "review");
  EXPECT_EQ(Nearest("DER-T2", {"DER-T1", "NOR-1"}), "DER-T1");
  EXPECT_EQ(Nearest("zzzzzz", {"review"}), "");
}

}  // namespace
}  // namespace svledger
