// Crash consistency of the contract projection: a child process catching up
// a long log is killed (SIGKILL) part-way, several times; each restart
// resumes from the checkpoint the child persisted, and the state finally
// equals a clean rebuild. The checkpoint and the records it covers are in
// one WriteBatch, so a kill can never leave one without the other.

#include <csignal>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "eventstore/event_store.h"
#include "gtest/gtest.h"
#include "projections/contract_projection.h"
#include "projections/projection_db.h"
#include "tests/projections/log_fixture.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace svledger::projections {
namespace {

using svledger::testing::Subprocess;
using svledger::testing::TempDir;

// The persisted checkpoint of the projection in `dir`.
uint64_t Checkpoint(const std::string& dir,
                    const eventstore::EventStore& store) {
  auto db = ProjectionDb::Open(dir + "/projections");
  EXPECT_TRUE(db.ok()) << db.status();
  auto table = (*db)->Active("contracts");
  auto p = ContractProjection::Load({.store = &store, .table = *table});
  EXPECT_TRUE(p.ok()) << p.status();
  return (*p)->applied();
}

// The state of a projection in `projections_dir` caught up to the head.
std::map<std::string, std::string> CaughtUpRecords(
    const std::string& projections_dir, const eventstore::EventStore& store) {
  auto db = ProjectionDb::Open(projections_dir);
  EXPECT_TRUE(db.ok()) << db.status();
  auto table = (*db)->Active("contracts");
  auto p = ContractProjection::Load({.store = &store, .table = *table});
  EXPECT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE((*p)->CatchUp().ok());
  EXPECT_EQ((*p)->applied(), store.HeadPosition());
  return (*p)->Records();
}

TEST(ProjectionCrashTest, KilledDuringCatchUpResumesToTheSameState) {
  TempDir dir;
  uint64_t head = 0;
  {
    auto store = eventstore::EventStore::Open({.path = dir.path() + "/log"});
    ASSERT_TRUE(store.ok()) << store.status();
    for (int c = 0; c < 40; ++c) {
      ASSERT_TRUE(
          testing::WriteContract(**store, "K" + std::to_string(c), 40).ok());
    }
    head = (*store)->HeadPosition();
  }
  ASSERT_GT(head, 3000u);

  uint64_t last = 0;
  int kills = 0;
  for (int round = 0; round < 6; ++round) {
    Subprocess child({PROJECTION_CHILD_PATH, dir.path(), "25"});
    // Let it apply a few batches beyond where it starts, then kill it.
    int seen = 0;
    bool done = false;
    while (auto line = child.ReadLine(absl::Seconds(60))) {
      if (*line == "DONE") {
        done = true;
        break;
      }
      ASSERT_TRUE(absl::StartsWith(*line, "APPLIED ")) << *line;
      if (++seen == 3 + round * 7) break;
    }
    if (done) break;
    child.Signal(SIGKILL);
    ASSERT_TRUE(child.Wait(absl::Seconds(30)).has_value());
    ++kills;
    auto store = eventstore::EventStore::Open({.path = dir.path() + "/log"});
    ASSERT_TRUE(store.ok()) << store.status();
    const uint64_t checkpoint = Checkpoint(dir.path(), **store);
    // It resumed from the last checkpoint (no replay from 1) and moved on.
    EXPECT_GT(checkpoint, last);
    EXPECT_LT(checkpoint, head);
    last = checkpoint;
  }
  ASSERT_GE(kills, 3);

  auto store = eventstore::EventStore::Open({.path = dir.path() + "/log"});
  ASSERT_TRUE(store.ok());
  const auto resumed = CaughtUpRecords(dir.path() + "/projections", **store);
  TempDir clean;
  const auto rebuilt = CaughtUpRecords(clean.path(), **store);
  EXPECT_EQ(resumed.size(), rebuilt.size());
  EXPECT_TRUE(resumed == rebuilt);
}

}  // namespace
}  // namespace svledger::projections
