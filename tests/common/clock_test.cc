#include "common/clock.h"

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

}  // namespace
}  // namespace svledger
