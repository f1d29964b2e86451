// SIGKILL in the middle of a backup: every backup the directory then lists
// is complete and verifies, and the next backup works.

#include <signal.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "backup/backup_set.h"
#include "gtest/gtest.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace svledger::backup {
namespace {

using svledger::testing::Subprocess;
using svledger::testing::TempDir;

TEST(BackupCrashTest, AKilledBackupIsCompleteOrAbsentAndTheNextOneWorks) {
  TempDir dir;
  uint32_t last_reported = 0;
  for (int round = 0; round < 4; ++round) {
    Subprocess child({BACKUP_CHILD_PATH, dir.Sub("data"), dir.Sub("backups")});
    ASSERT_EQ(child.ReadLine(absl::Seconds(30)), "READY");
    // Let it finish a backup or two, then kill it at a different moment of
    // the next one each round.
    for (int made = 0; made < 1 + round % 2; ++made) {
      std::optional<std::string> line = child.ReadLine(absl::Seconds(60));
      ASSERT_TRUE(line.has_value());
      std::vector<std::string> parts = absl::StrSplit(*line, ' ');
      ASSERT_EQ(parts.size(), 2u) << *line;
      ASSERT_TRUE(absl::SimpleAtoi(parts[1], &last_reported));
    }
    absl::SleepFor(absl::Milliseconds(3 + 11 * round));
    child.Signal(SIGKILL);
    ASSERT_TRUE(child.Wait(absl::Seconds(10)).has_value());

    auto backups = BackupSet::Open(dir.Sub("backups"));
    ASSERT_TRUE(backups.ok()) << backups.status();
    std::vector<BackupInfo> listed = (*backups)->List();
    ASSERT_FALSE(listed.empty());
    // Every backup reported done is listed; one killed may be, if it had
    // committed just before the kill.
    EXPECT_GE(listed.back().id, last_reported);
    for (const BackupInfo& info : listed) {
      absl::StatusOr<VerifyReport> verified = (*backups)->Verify(info.id);
      ASSERT_TRUE(verified.ok()) << verified.status();
      EXPECT_TRUE(verified->ok())
          << "backup " << info.id << ": " << verified->problem;
    }
  }
}

}  // namespace
}  // namespace svledger::backup
