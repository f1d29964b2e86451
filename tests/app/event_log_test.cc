// The raw event log's front: the server's own streams take only its
// commands.

#include "app/event_log.h"

#include <future>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace svledger::app {
namespace {

class EventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = eventstore::EventStore::Open({.path = dir_.Sub("log")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    log_ = std::make_unique<EventLog>(store_.get());
  }

  absl::StatusOr<eventstore::AppendResult> Append(const std::string& stream) {
    eventstore::ProposedEvent event;
    event.id = Uuid::FromName(stream);
    event.type = "CommitmentAdded";
    std::promise<absl::StatusOr<eventstore::AppendResult>> promise;
    auto done = promise.get_future();
    log_->Append(Caller::System("tester"), stream,
                 eventstore::ExpectedVersion::Any(), {event},
                 [&promise](absl::StatusOr<eventstore::AppendResult> r) {
                   promise.set_value(std::move(r));
                 });
    return done.get();
  }

  testing::TempDir dir_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<EventLog> log_;
};

TEST_F(EventLogTest, ReservedStreamsAreRefusedAndWriteNothing) {
  for (const char* stream :
       {"contract-DCC-1", "frameworks", "measures", "roles"}) {
    auto result = Append(stream);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kPermissionDenied)
        << stream;
    EXPECT_THAT(std::string(result.status().message()),
                ::testing::StartsWith(std::string("stream_id: '") + stream));
  }
  EXPECT_EQ(store_->HeadPosition(), 0u);
  auto other = Append("notes-DCC-1");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->last_position, 1u);
}

TEST_F(EventLogTest, FromEndNeedsABackwardsRead) {
  eventstore::ReadStreamOptions options;
  options.from_end = true;
  EXPECT_EQ(log_->ReadStream(Caller::System("tester"), "notes", options)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace svledger::app
