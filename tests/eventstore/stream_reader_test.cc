#include "eventstore/stream_reader.h"

#include "gtest/gtest.h"
#include "tests/eventstore/test_events.h"
#include "tests/testing/temp_dir.h"

namespace svledger::eventstore {
namespace {

TEST(ForEachStreamEventTest, PagesThroughAStreamAndStopsOnError) {
  svledger::testing::TempDir dir;
  auto store = *EventStore::Open({.path = dir.Sub("log")});
  testing::EventFactory f;
  for (int i = 0; i < 3; ++i) {  // 2,400 events: more than one page
    ASSERT_TRUE(
        store->Append("s", ExpectedVersion::Any(), f.MakeMany(800)).ok());
  }
  ASSERT_TRUE(
      store->Append("other", ExpectedVersion::Any(), f.MakeMany(1)).ok());

  uint64_t next = 5;
  ASSERT_TRUE(ForEachStreamEvent(*store, "s", 5, [&](const RecordedEvent& e) {
                EXPECT_EQ(e.stream_version, next++);
                EXPECT_EQ(e.stream_id, "s");
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(next, 2400u);

  int calls = 0;
  EXPECT_TRUE(
      ForEachStreamEvent(*store, "missing", 0, [&](const RecordedEvent&) {
        ++calls;
        return absl::OkStatus();
      }).ok());
  EXPECT_EQ(calls, 0);

  absl::Status stopped =
      ForEachStreamEvent(*store, "s", 0, [&](const RecordedEvent& e) {
        return e.stream_version == 10 ? absl::CancelledError("enough")
                                      : absl::OkStatus();
      });
  EXPECT_EQ(stopped.code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace svledger::eventstore
