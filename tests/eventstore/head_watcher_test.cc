#include "eventstore/head_watcher.h"

#include <atomic>

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

}  // namespace
}  // namespace svledger::eventstore
