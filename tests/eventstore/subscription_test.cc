#include "eventstore/subscription.h"

#include <atomic>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/eventstore/test_events.h"
#include "tests/testing/temp_dir.h"

namespace svledger::eventstore {
namespace {

using svledger::testing::TempDir;
using testing::EventFactory;

class SubscriptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = EventStore::Open({.path = dir_.Sub("log")});
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = *std::move(opened);
  }
  TempDir dir_;
  std::unique_ptr<EventStore> store_;
};

TEST_F(SubscriptionTest, CatchesUpThenReportsCaughtUpThenGoesLive) {
  EventFactory f;
  ASSERT_TRUE(store_->Append("a", ExpectedVersion::Any(), f.MakeMany(5)).ok());
  Subscription sub(store_.get(), 2, {}, 2);
  auto b1 = sub.Poll();
  ASSERT_TRUE(b1.ok());
  ASSERT_EQ(b1->events.size(), 2u);
  EXPECT_EQ(b1->events[0].position, 2u);
  EXPECT_FALSE(b1->caught_up);
  ASSERT_EQ(sub.Poll()->events.size(), 2u);
  auto b3 = sub.Poll();
  EXPECT_TRUE(b3->events.empty());
  EXPECT_TRUE(b3->caught_up);
  EXPECT_EQ(b3->next_position, 6u);

  // Nothing new: Next waits until its deadline and returns empty.
  auto idle = sub.Next(absl::Now() + absl::Milliseconds(20));
  ASSERT_TRUE(idle.ok());
  EXPECT_TRUE(idle->events.empty());

  std::thread writer([&] {
    ASSERT_TRUE(
        store_->Append("b", ExpectedVersion::Any(), f.MakeMany(1)).ok());
  });
  auto live = sub.Next(absl::Now() + absl::Seconds(10));
  writer.join();
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->events.size(), 1u);
  EXPECT_EQ(live->events[0].position, 6u);
}

// The catch-up/live boundary with writers running: subscribers that start
// while the log is growing see every event exactly once, in order.
TEST_F(SubscriptionTest, NoGapNoDuplicateAcrossCatchUpWithConcurrentWriters) {
  constexpr int kWriters = 6;
  constexpr int kAppendsPerWriter = 150;
  constexpr uint64_t kTotal = kWriters * kAppendsPerWriter * 2;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      EventFactory f(w + 7);
      for (int i = 0; i < kAppendsPerWriter; ++i) {
        ASSERT_TRUE(store_
                        ->Append("w-" + std::to_string(w),
                                 ExpectedVersion::Any(), f.MakeMany(2))
                        .ok());
      }
    });
  }
  // Start subscribers at different moments of the write storm.
  std::vector<std::thread> readers;
  std::atomic<int> failures{0};
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&, r] {
      // Wait until some of the log exists, so subscriptions begin mid-storm.
      store_->head_watcher().WaitFor(r * 300 + 1,
                                     absl::Now() + absl::Seconds(30));
      Subscription sub(store_.get(), r == 0 ? 1 : r * 100, {}, 64);
      uint64_t expected = r == 0 ? 1 : r * 100;
      const absl::Time deadline = absl::Now() + absl::Seconds(60);
      while (expected <= kTotal && absl::Now() < deadline) {
        auto batch = sub.Next(absl::Now() + absl::Seconds(1));
        if (!batch.ok()) {
          failures++;
          return;
        }
        for (const RecordedEvent& e : batch->events) {
          if (e.position != expected) {
            failures++;
            return;
          }
          ++expected;
        }
      }
      if (expected != kTotal + 1) failures++;
    });
  }
  for (auto& t : writers) t.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(SubscriptionTest, FilteredSubscriptionAdvancesPastOtherEvents) {
  EventFactory f;
  ASSERT_TRUE(
      store_->Append("contract-1", ExpectedVersion::Any(), f.MakeMany(2)).ok());
  ASSERT_TRUE(
      store_->Append("other-1", ExpectedVersion::Any(), f.MakeMany(3)).ok());
  Subscription sub(store_.get(), 1, {.stream_prefixes = {"contract-"}});
  auto batch = sub.Poll();
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->events.size(), 2u);
  EXPECT_EQ(batch->next_position, 6u);
  EXPECT_TRUE(batch->caught_up);
}

TEST_F(SubscriptionTest, NextReturnsUnavailableWhenTheStoreStops) {
  Subscription sub(store_.get(), 1, {});
  std::thread closer([&] {
    absl::SleepFor(absl::Milliseconds(20));
    store_->Close();
  });
  auto r = sub.Next(absl::Now() + absl::Seconds(30));
  closer.join();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace svledger::eventstore
