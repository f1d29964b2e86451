#include "eventstore/format.h"

#include "gtest/gtest.h"
#include "tests/eventstore/test_events.h"

namespace svledger::eventstore::format {
namespace {

TEST(FormatTest, U64IsBigEndianSoByteOrderIsNumericOrder) {
  EXPECT_EQ(EncodeU64(1), std::string("\0\0\0\0\0\0\0\1", 8));
  EXPECT_LT(EncodeU64(255), EncodeU64(256));
  EXPECT_LT(EncodeU64(1ull << 40), EncodeU64((1ull << 40) + 1));
  EXPECT_EQ(*DecodeU64(EncodeU64(0x0123456789abcdefull)),
            0x0123456789abcdefull);
  EXPECT_EQ(DecodeU64("short").status().code(), absl::StatusCode::kDataLoss);
}

TEST(FormatTest, StreamKeysOfOneStreamAreContiguousAndOrdered) {
  // "a" sorts before "a-b"; with the 0x00 separator every key of stream "a"
  // still sorts before every key of "a-b".
  EXPECT_LT(StreamVersionKey("a", 999), StreamVersionKey("a-b", 0));
  EXPECT_LT(StreamVersionKey("a", 9), StreamVersionKey("a", 10));
}

TEST(FormatTest, EventRoundTrips) {
  testing::EventFactory f;
  ProposedEvent e = f.Make("DeliveryReported", std::string("\0bin\xff", 5));
  e.metadata = {"alice", "req-1", "corr-1", "cause-1"};
  absl::Time t = absl::FromUnixMicros(1700000000123456);
  absl::StatusOr<RecordedEvent> back =
      DecodeEvent(77, EncodeEvent("contract-1", 5, e, t));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->id, e.id);
  EXPECT_EQ(back->type, e.type);
  EXPECT_EQ(back->payload, e.payload);
  EXPECT_EQ(back->metadata, e.metadata);
  EXPECT_EQ(back->recorded_time, t);
  EXPECT_EQ(back->stream_id, "contract-1");
  EXPECT_EQ(back->stream_version, 5u);
  EXPECT_EQ(back->position, 77u);
  EXPECT_TRUE(SameContent(*back, e));
  e.payload += "!";
  EXPECT_FALSE(SameContent(*back, e));
}

TEST(FormatTest, CorruptValueIsDataLoss) {
  EXPECT_EQ(DecodeEvent(1, "\xff\xff\xff").status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace svledger::eventstore::format
