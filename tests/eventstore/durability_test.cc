// What the log shows before and after a sync, and what a failed sync does.
// The syncer's test hook holds a written batch before it is durable, or
// fails its sync.

#include <atomic>
#include <set>
#include <thread>

#include "absl/synchronization/notification.h"
#include "eventstore/event_store.h"
#include "gtest/gtest.h"
#include "tests/eventstore/test_events.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"

namespace svledger::eventstore {
namespace {

using svledger::testing::TempDir;
using svledger::testing::WaitUntil;
using testing::EventFactory;

// Run with every batch pipelined through the syncer (0), and with small
// batches synced by the writer itself (the default threshold).
class DurabilityTest : public ::testing::TestWithParam<size_t> {
 protected:
  EventStoreOptions Options(const TempDir& dir) {
    EventStoreOptions options{.path = dir.Sub("log")};
    options.pipeline_min_bytes = GetParam();
    return options;
  }

  // Options whose syncs fail (as a full or broken disk's would) while
  // `fail` is set.
  EventStoreOptions FailingWhile(const TempDir& dir, std::atomic<bool>& fail) {
    EventStoreOptions options = Options(dir);
    options.before_sync = [&fail]() {
      return fail.load() ? absl::InternalError("injected: disk on fire")
                         : absl::OkStatus();
    };
    return options;
  }
};

INSTANTIATE_TEST_SUITE_P(SyncPaths, DurabilityTest,
                         ::testing::Values(size_t{0}, size_t{64} << 10));

TEST_P(DurabilityTest, WrittenButUnsyncedEventsAreInvisible) {
  TempDir dir;
  absl::Notification release;
  std::atomic<int> syncs_waiting{0};
  std::atomic<bool> hold{false};
  EventStoreOptions options = Options(dir);
  options.before_sync = [&]() {
    if (hold.load()) {
      syncs_waiting++;
      release.WaitForNotification();
    }
    return absl::OkStatus();
  };
  auto store = *EventStore::Open(options);
  EventFactory f;
  ASSERT_TRUE(store->Append("s", ExpectedVersion::Any(), f.MakeMany(2)).ok());

  hold = true;
  absl::Notification acknowledged;
  store->AppendAsync("s", ExpectedVersion::Exact(1), f.MakeMany(3),
                     [&](absl::StatusOr<AppendResult> r) {
                       EXPECT_TRUE(r.ok()) << r.status();
                       acknowledged.Notify();
                     });
  store->AppendAsync("new-stream", ExpectedVersion::Any(), f.MakeMany(1),
                     [](absl::StatusOr<AppendResult>) {});
  // The batch is written to RocksDB and its sync is held.
  ASSERT_TRUE(WaitUntil([&] { return syncs_waiting.load() > 0; }));
  EXPECT_FALSE(acknowledged.HasBeenNotified());
  EXPECT_EQ(store->HeadPosition(), 2u);
  EXPECT_EQ(**store->StreamLastVersion("s"), 1u);
  EXPECT_FALSE(store->StreamLastVersion("new-stream")->has_value());
  auto slice = store->ReadStream("s", {});
  ASSERT_TRUE(slice.ok());
  EXPECT_EQ(slice->events.size(), 2u);
  EXPECT_EQ(slice->last_stream_version, 1u);
  EXPECT_EQ(store->ReadStream("new-stream", {}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store->ReadAll(1, {})->events.size(), 2u);

  hold = false;
  release.Notify();
  ASSERT_TRUE(acknowledged.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(WaitUntil([&] { return store->HeadPosition() == 6; }));
  EXPECT_EQ(store->ReadStream("s", {})->events.size(), 5u);
  EXPECT_EQ(**store->StreamLastVersion("new-stream"), 0u);
}

TEST_P(DurabilityTest, ABarrierCompletesOnlyOnceEarlierWritesAreReadable) {
  TempDir dir;
  absl::Notification release;
  std::atomic<int> syncs_waiting{0};
  EventStoreOptions options = Options(dir);
  options.before_sync = [&]() {
    syncs_waiting++;
    release.WaitForNotification();
    return absl::OkStatus();
  };
  auto store = *EventStore::Open(options);
  EventFactory f;
  store->AppendAsync("s", ExpectedVersion::Any(), f.MakeMany(1),
                     [](absl::StatusOr<AppendResult>) {});
  ASSERT_TRUE(WaitUntil([&] { return syncs_waiting.load() > 0; }));
  absl::Notification barrier_done;
  std::atomic<uint64_t> head_at_barrier{0};
  store->Barrier([&](absl::Status s) {
    EXPECT_TRUE(s.ok()) << s;
    head_at_barrier = store->HeadPosition();
    barrier_done.Notify();
  });
  EXPECT_FALSE(
      barrier_done.WaitForNotificationWithTimeout(absl::Milliseconds(20)));
  release.Notify();
  ASSERT_TRUE(barrier_done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(head_at_barrier.load(), 1u);
  EXPECT_EQ(store->Stats().appends, 1u);  // the barrier is not an append

  store->Close();
  absl::Notification refused;
  store->Barrier([&](absl::Status s) {
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
    refused.Notify();
  });
  EXPECT_TRUE(refused.HasBeenNotified());
}

TEST_P(DurabilityTest, AFailedSyncFailsEverythingInFlightThenTheStoreHeals) {
  TempDir dir;
  std::atomic<bool> fail{false};
  EventStoreOptions options = FailingWhile(dir, fail);
  options.recovery_interval = absl::ZeroDuration();
  EventFactory f;
  std::vector<ProposedEvent> lost = f.MakeMany(2);
  std::vector<ProposedEvent> later = f.MakeMany(1);
  {
    auto store = *EventStore::Open(options);
    ASSERT_TRUE(store->Append("s", ExpectedVersion::Any(), f.MakeMany(1)).ok());
    fail = true;
    auto r = store->Append("s", ExpectedVersion::Any(), lost);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal) << r.status();
    EXPECT_EQ(store->HeadPosition(), 1u);
    EXPECT_EQ(store->ReadAll(1, {})->events.size(), 1u);
    // While the disk still fails, the store reopens but the next sync fails
    // again: nothing is acknowledged that is not durable.
    auto still = store->Append("s", ExpectedVersion::Any(), later);
    EXPECT_FALSE(still.ok());
    // The disk is back: the store has reopened itself in place and takes
    // appends, numbered after whatever of the failed ones survived.
    fail = false;
    auto healed = store->Append("s", ExpectedVersion::Any(), later);
    ASSERT_TRUE(healed.ok()) << healed.status();
    EXPECT_GE(store->Stats().recoveries, 1u);
    EXPECT_EQ(store->Stats().failed_commits, 2u);
    // Retrying the failed append is safe whether or not it reached the
    // disk: it is in the log exactly once.
    auto retry = store->Append("s", ExpectedVersion::Any(), lost);
    ASSERT_TRUE(retry.ok()) << retry.status();
    EXPECT_EQ(store->HeadPosition(), 4u);
  }
  // And so it stays across a restart: positions gap-free, each id once.
  auto store = *EventStore::Open(options);
  auto all = store->ReadAll(1, {});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->events.size(), 4u);
  std::set<std::string> ids;
  for (size_t i = 0; i < all->events.size(); ++i) {
    EXPECT_EQ(all->events[i].position, i + 1);
    ids.insert(all->events[i].id.ToString());
  }
  EXPECT_EQ(ids.size(), 4u);
}

TEST_P(DurabilityTest, AFailingStoreRefusesAppendsUntilItsNextRecoveryTry) {
  TempDir dir;
  std::atomic<bool> fail{false};
  EventStoreOptions options = FailingWhile(dir, fail);
  options.recovery_interval = absl::Hours(1);
  auto store = *EventStore::Open(options);
  EventFactory f;
  fail = true;
  EXPECT_FALSE(store->Append("s", ExpectedVersion::Any(), f.MakeMany(1)).ok());
  // The first try reopens at once; its sync fails too; the next try is an
  // hour away, so this append is refused without touching the disk.
  EXPECT_FALSE(store->Append("s", ExpectedVersion::Any(), f.MakeMany(1)).ok());
  fail = false;
  auto refused = store->Append("s", ExpectedVersion::Any(), f.MakeMany(1));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable)
      << refused.status();
  EXPECT_NE(refused.status().message().find("recovering"), std::string::npos)
      << refused.status();
  // Reads still work while it waits.
  EXPECT_TRUE(store->ReadAll(1, {}).ok());
}

}  // namespace
}  // namespace svledger::eventstore
