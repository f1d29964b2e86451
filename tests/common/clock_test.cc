#include "common/clock.h"

#include <atomic>
#include <thread>

#include "gtest/gtest.h"

namespace svledger {
namespace {

TEST(FakeClockTest, MovesOnlyWhenTold) {
  FakeClock clock(absl::FromUnixSeconds(100));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(100));
  clock.Advance(absl::Hours(24 * 90));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(100) + absl::Hours(24 * 90));
  clock.Set(absl::FromUnixSeconds(5));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(5));
}

TEST(SettableClockTest, TellsTheSetTimeUntilReleased) {
  FakeClock base(absl::FromUnixSeconds(1000));
  SettableClock clock(&base);
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1000));
  clock.Set(absl::FromUnixSeconds(10));
  base.Advance(absl::Seconds(5));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(10));
  clock.Set(absl::FromUnixSeconds(20));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(20));
  clock.Release();
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1005));
}

TEST(SettableClockTest, ReadersNeverSeeATornTime) {
  FakeClock base(absl::FromUnixSeconds(1000));
  SettableClock clock(&base);
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) {
      const absl::Time t = clock.Now();
      ASSERT_TRUE(t == absl::FromUnixSeconds(1000) ||
                  t == absl::FromUnixSeconds(7))
          << t;
    }
  });
  for (int i = 0; i < 10000; ++i) {
    clock.Set(absl::FromUnixSeconds(7));
    clock.Release();
  }
  done = true;
  reader.join();
}

}  // namespace
}  // namespace svledger
