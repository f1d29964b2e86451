#include "eventstore/limits.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/eventstore/test_events.h"

namespace svledger::eventstore {
namespace {

using testing::EventFactory;

TEST(ValidateStreamIdTest, AcceptsNamesAndRejectsOthersNamingTheField) {
  Limits limits;
  EXPECT_TRUE(ValidateStreamId("contract-DCC_2024.001:a", limits).ok());
  absl::Status empty = ValidateStreamId("", limits);
  EXPECT_EQ(empty.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.message(), "stream_id: required");
  absl::Status long_id = ValidateStreamId(std::string(129, 'a'), limits);
  EXPECT_EQ(long_id.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(long_id.message().find("129 bytes exceeds the limit of 128"),
            std::string::npos);
  EXPECT_TRUE(ValidateStreamId(std::string(128, 'a'), limits).ok());
  for (const char* bad : {"a b", "a/b", "\xc3\xa9"}) {
    EXPECT_EQ(ValidateStreamId(bad, limits).code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(ValidateStreamId(std::string("a\0b", 3), limits).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ValidateAppendTest, RejectsEachBadFieldByName) {
  Limits limits;
  EventFactory f;
  auto expect_error = [&](std::vector<ProposedEvent> events,
                          const std::string& field) {
    absl::Status s = ValidateAppend("s-1", events, limits).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_EQ(s.message().substr(0, field.size()), field) << s.message();
  };
  expect_error({}, "events");
  expect_error(f.MakeMany(1001), "events");

  std::vector<ProposedEvent> events = f.MakeMany(3);
  events[1].type = "";
  expect_error(events, "events[1].type");

  events = f.MakeMany(3);
  events[2].id = Uuid();
  expect_error(events, "events[2].event_id");

  events = f.MakeMany(3);
  events[2].id = events[0].id;
  expect_error(events, "events[2].event_id");

  events = f.MakeMany(2);
  events[0].payload = std::string(limits.max_payload_bytes + 1, 'x');
  expect_error(events, "events[0].payload");

  events = f.MakeMany(1);
  events[0].metadata.correlation_id = std::string(257, 'c');
  expect_error(events, "events[0].metadata.correlation_id");

  // 17 events of 1 MiB each: each is legal, the append is not.
  events = f.MakeMany(17);
  for (ProposedEvent& e : events) e.payload = std::string(1 << 20, 'x');
  expect_error(events, "events");

  events = f.MakeMany(1000);
  events[0].payload = std::string(1 << 20, 'x');
  EXPECT_TRUE(ValidateAppend("s-1", events, limits).ok());
}

TEST(ValidateFilterTest, BoundsCountsAndNames) {
  Limits limits;
  EventFilter filter;
  filter.stream_prefixes.assign(17, "contract-");
  EXPECT_EQ(ValidateFilter(filter, limits).code(),
            absl::StatusCode::kInvalidArgument);
  filter.stream_prefixes = {"contract-", "bad prefix"};
  absl::Status s = ValidateFilter(filter, limits);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().substr(0, 25), "filter.stream_prefixes[1]");
}

TEST(ResolveReadLimitTest, DefaultsAndBounds) {
  Limits limits;
  EXPECT_EQ(*ResolveReadLimit(0, limits), 100u);
  EXPECT_EQ(*ResolveReadLimit(1000, limits), 1000u);
  EXPECT_EQ(ResolveReadLimit(1001, limits).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ExpectedVersionTest, SatisfiedBy) {
  EXPECT_TRUE(ExpectedVersion::Any().IsSatisfiedBy(std::nullopt));
  EXPECT_TRUE(ExpectedVersion::Any().IsSatisfiedBy(3));
  EXPECT_TRUE(ExpectedVersion::NoStream().IsSatisfiedBy(std::nullopt));
  EXPECT_FALSE(ExpectedVersion::NoStream().IsSatisfiedBy(0));
  EXPECT_FALSE(ExpectedVersion::StreamExists().IsSatisfiedBy(std::nullopt));
  EXPECT_TRUE(ExpectedVersion::StreamExists().IsSatisfiedBy(0));
  EXPECT_TRUE(ExpectedVersion::Exact(2).IsSatisfiedBy(2));
  EXPECT_FALSE(ExpectedVersion::Exact(2).IsSatisfiedBy(3));
  EXPECT_FALSE(ExpectedVersion::Exact(0).IsSatisfiedBy(std::nullopt));
}

}  // namespace
}  // namespace svledger::eventstore
