#include "eventstore/head_watcher.h"

#include <atomic>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace svledger::eventstore {
namespace {

TEST(HeadWatcherTest, WaitForReturnsOnPublishOrDeadline) {
  HeadWatcher watcher(5);
  EXPECT_TRUE(watcher.WaitFor(5, absl::Now()));
  EXPECT_FALSE(watcher.WaitFor(6, absl::Now() + absl::Milliseconds(10)));
  std::thread publisher([&] { watcher.Publish(6); });
  EXPECT_TRUE(watcher.WaitFor(6, absl::Now() + absl::Seconds(10)));
  publisher.join();
  EXPECT_EQ(watcher.head(), 6u);
}

TEST(HeadWatcherTest, NotifyAtRunsOnlyOnceTheHeadArrives) {
  HeadWatcher watcher(0);
  std::atomic<uint64_t> seen_head{0};
  absl::Notification ran;
  watcher.NotifyAt(3, [&] {
    seen_head = watcher.head();
    ran.Notify();
  });
  watcher.Publish(2);
  EXPECT_FALSE(ran.WaitForNotificationWithTimeout(absl::Milliseconds(20)));
  watcher.Publish(3);
  ASSERT_TRUE(ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_GE(seen_head.load(), 3u);
}

TEST(HeadWatcherTest, NotifyAtForAPassedPositionRunsSoon) {
  HeadWatcher watcher(10);
  absl::Notification ran;
  watcher.NotifyAt(4, [&] { ran.Notify(); });
  EXPECT_TRUE(ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

TEST(HeadWatcherTest, StopWakesWaitersAndDropsCallbacks) {
  HeadWatcher watcher(0);
  std::atomic<bool> ran{false};
  watcher.NotifyAt(1, [&] { ran = true; });
  std::thread waiter(
      [&] { EXPECT_FALSE(watcher.WaitFor(1, absl::InfiniteFuture())); });
  watcher.Stop();
  waiter.join();
  watcher.Publish(1);
  EXPECT_FALSE(ran.load());
}

TEST(HeadWatcherTest, TimedNotifyAtIsToldWhetherThePositionCame) {
  HeadWatcher watcher(0);
  absl::Notification reached, expired;
  std::atomic<int> outcomes{0};
  watcher.NotifyAt(2, absl::Now() + absl::Seconds(60), [&](bool ok) {
    if (ok) reached.Notify();
    outcomes++;
  });
  watcher.NotifyAt(5, absl::Now() + absl::Milliseconds(50), [&](bool ok) {
    if (!ok) expired.Notify();
    outcomes++;
  });
  EXPECT_TRUE(expired.WaitForNotificationWithTimeout(absl::Seconds(10)));
  watcher.Publish(2);
  EXPECT_TRUE(reached.WaitForNotificationWithTimeout(absl::Seconds(10)));
  watcher.Publish(5);  // the expired one is not called again
  watcher.Stop();
  EXPECT_EQ(outcomes.load(), 2);
}

// A waiter with a near deadline arriving while the thread sleeps towards a
// far one must still expire on time.
TEST(HeadWatcherTest, AnEarlierDeadlineArrivingLaterStillExpiresOnTime) {
  HeadWatcher watcher(0);
  watcher.NotifyAt(9, absl::Now() + absl::Hours(1), [](bool) {});
  // Once this has run, the thread has gone back to waiting for the far
  // deadline.
  absl::Notification looped;
  watcher.NotifyAt(0, [&] { looped.Notify(); });
  ASSERT_TRUE(looped.WaitForNotificationWithTimeout(absl::Seconds(10)));
  absl::Notification expired;
  const absl::Time start = absl::Now();
  watcher.NotifyAt(9, absl::Now() + absl::Milliseconds(50), [&](bool ok) {
    if (!ok) expired.Notify();
  });
  ASSERT_TRUE(expired.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

// Deadlines expire from an index, earliest first (a deadline used to scan
// every waiter): of many waiters, exactly those whose deadline came are told
// false, a cancelled one never runs, and the rest keep waiting.
TEST(HeadWatcherTest, OnlyTheWaitersWhoseDeadlineCameExpire) {
  HeadWatcher watcher(0);
  std::atomic<int> expired{0}, reached{0};
  std::vector<HeadWatcher::WaitId> near;
  for (int i = 0; i < 1000; ++i) {
    const bool soon = i % 2 == 0;
    const absl::Time deadline =
        absl::Now() + (soon ? absl::Milliseconds(20) : absl::Hours(1));
    HeadWatcher::WaitId id = watcher.NotifyAt(
        100, deadline, [&](bool ok) { (ok ? reached : expired)++; });
    if (soon) near.push_back(id);
  }
  // Cancelled before its deadline: never told anything.
  ASSERT_TRUE(watcher.Cancel(near.back()));
  absl::Notification drained;
  // Expired waiters are told before the thread waits again; once a later
  // deadline has passed too, the near ones are all done.
  watcher.NotifyAt(100, absl::Now() + absl::Milliseconds(100),
                   [&](bool) { drained.Notify(); });
  ASSERT_TRUE(drained.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(expired.load(), 499);
  EXPECT_EQ(reached.load(), 0);
  EXPECT_EQ(watcher.waiting(), 500u);
  watcher.Publish(100);
  ASSERT_TRUE(watcher.WaitFor(100, absl::Now()));
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (reached.load() < 500 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_EQ(reached.load(), 500);
  EXPECT_EQ(expired.load(), 499);
  EXPECT_EQ(watcher.waiting(), 0u);
}

}  // namespace
}  // namespace svledger::eventstore
