// The hash chain (eventstore/chain.h): the exact bytes it hashes, that every
// append extends it, that an offline edit, deletion or rewrite of the stored
// events is found and named by position, and the one-time upgrade of a
// version-1 log (resumable after a crash).

#include "eventstore/chain.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "common/digest.h"
#include "eventstore/event_store.h"
#include "eventstore/format.h"
#include "eventstore/stored_event.pb.h"
#include "eventstore/verify.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "tests/eventstore/test_events.h"
#include "tests/testing/temp_dir.h"

namespace svledger::eventstore {
namespace {

using svledger::testing::TempDir;
using testing::EventFactory;

TEST(ChainTest, HashesExactlyTheSpecifiedBytes) {
  const std::string prev(32, '\x07');
  const std::string content =
      "\x0a\x03"
      "abc";
  // "svledger.chain.v1" NUL, BE64(position), the predecessor, the content.
  const std::string spec = std::string("svledger.chain.v1\0", 18) +
                           std::string("\0\0\0\0\0\0\x01\x02", 8) + prev +
                           content;
  EXPECT_EQ(chain::Hex(chain::Link(0x0102, prev, content)), Sha256Hex(spec));
  EXPECT_EQ(chain::GenesisHash(), std::string(32, '\0'));

  const std::string hash = chain::Link(1, chain::GenesisHash(), content);
  const std::string sealed = chain::Seal(content, hash);
  ASSERT_EQ(sealed.size(), content.size() + 34);
  EXPECT_EQ(sealed.substr(content.size(), 2), "\x72\x20");
  absl::StatusOr<chain::Sealed> split = chain::Split(1, sealed);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->content, content);
  EXPECT_EQ(split->hash, hash);
  // The sealed value is still a StoredEvent: the trailer is field 14.
  storage::v1::StoredEvent parsed;
  ASSERT_TRUE(parsed.ParseFromString(sealed));
  EXPECT_EQ(parsed.chain_hash(), hash);

  EXPECT_EQ(chain::Split(9, content).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(*chain::FromHex(chain::Hex(hash)), hash);
  EXPECT_FALSE(chain::FromHex("abc").ok());
  EXPECT_FALSE(chain::FromHex(std::string(64, 'g')).ok());
}

// Raw access to a closed log's RocksDB files, as someone with the disk (and
// RocksDB's own tools) could edit them.
class RawLog {
 public:
  explicit RawLog(const std::string& path) {
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
        {rocksdb::kDefaultColumnFamilyName, {}},
        {format::kEventsCf, {}},
        {format::kStreamIndexCf, {}},
        {format::kEventIdsCf, {}}};
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s =
        rocksdb::DB::Open(rocksdb::DBOptions(), path, cfs, &cfs_, &raw);
    EXPECT_TRUE(s.ok()) << s.ToString();
    db_.reset(raw);
  }
  ~RawLog() {
    for (auto* cf : cfs_) (void)db_->DestroyColumnFamilyHandle(cf);
    (void)db_->Close();
  }
  rocksdb::ColumnFamilyHandle* meta() { return cfs_[0]; }
  rocksdb::ColumnFamilyHandle* events() { return cfs_[1]; }
  rocksdb::ColumnFamilyHandle* stream_index() { return cfs_[2]; }
  rocksdb::ColumnFamilyHandle* event_ids() { return cfs_[3]; }
  std::string Get(rocksdb::ColumnFamilyHandle* cf, const std::string& key) {
    std::string value;
    EXPECT_TRUE(db_->Get({}, cf, key, &value).ok());
    return value;
  }
  void Put(rocksdb::ColumnFamilyHandle* cf, const std::string& key,
           const std::string& value) {
    ASSERT_TRUE(db_->Put({}, cf, key, value).ok());
  }
  void Delete(rocksdb::ColumnFamilyHandle* cf, const std::string& key) {
    ASSERT_TRUE(db_->Delete({}, cf, key).ok());
  }
  std::string Event(uint64_t position) {
    return Get(events(), format::EncodeU64(position));
  }
  void SetEvent(uint64_t position, const std::string& value) {
    Put(events(), format::EncodeU64(position), value);
  }

 private:
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;
  std::unique_ptr<rocksdb::DB> db_;
};

// Appends `n` events in appends of up to 50; returns the durable head.
ChainHead Fill(EventStore& store, size_t n, EventFactory& events) {
  for (size_t done = 0; done < n;) {
    const size_t k = std::min<size_t>(50, n - done);
    EXPECT_TRUE(store
                    .Append("stream-" + std::to_string(done % 7),
                            ExpectedVersion::Any(), events.MakeMany(k))
                    .ok());
    done += k;
  }
  return store.DurableChainHead();
}

// The stored value with its payload changed and its old hash kept.
std::string WithPayload(const std::string& value, const std::string& payload) {
  absl::StatusOr<chain::Sealed> sealed = chain::Split(0, value);
  storage::v1::StoredEvent e;
  EXPECT_TRUE(e.ParseFromArray(sealed->content.data(),
                               static_cast<int>(sealed->content.size())));
  e.set_payload(payload);
  return chain::Seal(e.SerializeAsString(), sealed->hash);
}

TEST(ChainTest, EveryAppendExtendsTheChainFromTheDurableHead) {
  TempDir dir;
  EventFactory events;
  auto store = *EventStore::Open({.path = dir.Sub("log")});
  EXPECT_EQ(store->DurableChainHead().position, 0u);
  EXPECT_EQ(store->DurableChainHead().hash, chain::GenesisHash());
  const ChainHead head = Fill(*store, 120, events);
  EXPECT_EQ(head.position, 120u);

  AllSlice all = *store->ReadAll(1, {.limit = 1000});
  ASSERT_EQ(all.events.size(), 120u);
  std::string prev = chain::GenesisHash();
  for (const RecordedEvent& e : all.events) {
    ASSERT_EQ(e.chain_hash.size(), 32u) << e.position;
    prev = e.chain_hash;
  }
  EXPECT_EQ(prev, head.hash);

  absl::StatusOr<ChainReport> report = store->VerifyChain({});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->broken.has_value()) << report->broken->reason;
  EXPECT_EQ(report->through, 120u);
  EXPECT_EQ(report->events, 120u);
  EXPECT_EQ(report->head_hash, head.hash);

  // The chain survives a restart: the next event links to the last one.
  store.reset();
  store = *EventStore::Open({.path = dir.Sub("log")});
  EXPECT_EQ(store->DurableChainHead().hash, head.hash);
  Fill(*store, 1, events);
  report = store->VerifyChain({.anchors = {{60, all.events[59].chain_hash}}});
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->broken.has_value());
  ASSERT_EQ(report->anchors.size(), 1u);
  EXPECT_TRUE(report->anchors[0].matched);

  EXPECT_EQ(store->VerifyChain({.through = 500}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->VerifyChain({.anchors = {{0, head.hash}}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  // An anchor beyond the log's end (as after its tail was cut) is reported
  // unmatched.
  report = store->VerifyChain({.anchors = {{900, head.hash}}});
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->anchors[0].matched);
  EXPECT_TRUE(report->anchors[0].found.empty());
}

TEST(ChainTest, AnOfflineEditIsNamedByPosition) {
  TempDir dir;
  EventFactory events;
  ChainHead head;
  {
    auto store = *EventStore::Open({.path = dir.Sub("log")});
    head = Fill(*store, 200, events);
  }
  const std::string original = RawLog(dir.Sub("log")).Event(77);
  // A payload changed in place, the stored hash left as it was.
  RawLog(dir.Sub("log")).SetEvent(77, WithPayload(original, "altered"));
  absl::StatusOr<ChainReport> report = VerifyChainAt(dir.Sub("log"), {});
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->broken.has_value());
  EXPECT_EQ(report->broken->position, 77u);

  // The same edit with its own hash recomputed: its successor no longer
  // follows from it.
  {
    RawLog raw(dir.Sub("log"));
    const std::string prev = std::string(chain::Split(76, raw.Event(76))->hash);
    const std::string altered = std::string(
        chain::Split(77, WithPayload(original, "altered"))->content);
    raw.SetEvent(77, chain::Seal(altered, chain::Link(77, prev, altered)));
  }
  report = VerifyChainAt(dir.Sub("log"), {});
  ASSERT_TRUE(report->broken.has_value());
  EXPECT_EQ(report->broken->position, 78u);

  // Every later hash rewritten as well: the chain holds, but an anchor
  // taken before the edit does not match.
  {
    RawLog raw(dir.Sub("log"));
    std::string prev = std::string(chain::Split(77, raw.Event(77))->hash);
    for (uint64_t p = 78; p <= 200; ++p) {
      const std::string content =
          std::string(chain::Split(p, raw.Event(p))->content);
      prev = chain::Link(p, prev, content);
      raw.SetEvent(p, chain::Seal(content, prev));
    }
  }
  report = VerifyChainAt(dir.Sub("log"), {.anchors = {{200, head.hash}}});
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->broken.has_value());
  EXPECT_NE(report->head_hash, head.hash);
  EXPECT_FALSE(report->anchors[0].matched);

  // The original back, and event 120 deleted.
  {
    RawLog raw(dir.Sub("log"));
    raw.SetEvent(77, original);
    raw.Delete(raw.events(), format::EncodeU64(120));
  }
  report = VerifyChainAt(dir.Sub("log"), {});
  ASSERT_TRUE(report->broken.has_value());
  EXPECT_EQ(report->broken->position, 78u);  // 78.. still rewritten
}

TEST(ChainTest, ADeletedEventIsNamed) {
  TempDir dir;
  EventFactory events;
  {
    auto store = *EventStore::Open({.path = dir.Sub("log")});
    Fill(*store, 90, events);
  }
  {
    RawLog raw(dir.Sub("log"));
    raw.Delete(raw.events(), format::EncodeU64(33));
  }
  absl::StatusOr<ChainReport> report = VerifyChainAt(dir.Sub("log"), {});
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->broken.has_value());
  EXPECT_EQ(report->broken->position, 33u);
  EXPECT_NE(report->broken->reason.find("missing"), std::string::npos);
}

TEST(ChainTest, AnIndexEditedToHideOrInventAnEventIsNamed) {
  TempDir dir;
  EventFactory events;
  {
    auto store = *EventStore::Open({.path = dir.Sub("log")});
    Fill(*store, 200, events);
    absl::StatusOr<ChainReport> report = store->VerifyChain({.indexes = true});
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_FALSE(report->broken.has_value()) << report->broken->reason;
  }
  // Event 50 hidden from its stream's reads: the chain alone still holds.
  std::string key, value;
  {
    RawLog raw(dir.Sub("log"));
    storage::v1::StoredEvent e;
    ASSERT_TRUE(e.ParseFromString(
        std::string(chain::Split(50, raw.Event(50))->content)));
    key = format::StreamVersionKey(e.stream_id(), e.stream_version());
    value = raw.Get(raw.stream_index(), key);
    raw.Delete(raw.stream_index(), key);
  }
  EXPECT_FALSE(VerifyChainAt(dir.Sub("log"), {})->broken.has_value());
  absl::StatusOr<ChainReport> report =
      VerifyChainAt(dir.Sub("log"), {.indexes = true});
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->broken.has_value());
  EXPECT_EQ(report->broken->position, 50u);
  EXPECT_NE(report->broken->reason.find("stream index"), std::string::npos)
      << report->broken->reason;

  // Put back; then an event id index entry invented for an event that was
  // never appended.
  {
    RawLog raw(dir.Sub("log"));
    raw.Put(raw.stream_index(), key, value);
    raw.Put(raw.event_ids(), format::EventIdKey("stream-0", events.Make().id),
            format::EncodeU64(10));
  }
  report = VerifyChainAt(dir.Sub("log"), {.indexes = true});
  ASSERT_TRUE(report->broken.has_value());
  EXPECT_NE(report->broken->reason.find("201 entries for 200 events"),
            std::string::npos)
      << report->broken->reason;
}

TEST(ChainTest, ParallelRangesAgreeWithOneThread) {
  TempDir dir;
  EventFactory events;
  auto store = *EventStore::Open({.path = dir.Sub("log"), .sync = false});
  Fill(*store, 140000, events);
  for (int threads : {1, 2, 3}) {
    absl::StatusOr<ChainReport> report =
        store->VerifyChain({.threads = threads});
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->events, 140000u) << threads;
    EXPECT_FALSE(report->broken.has_value()) << threads;
  }
  store.reset();
  // A break in the second range is still the one reported.
  {
    RawLog raw(dir.Sub("log"));
    raw.SetEvent(100001, WithPayload(raw.Event(100001), "x"));
  }
  for (int threads : {1, 3}) {
    absl::StatusOr<ChainReport> report =
        VerifyChainAt(dir.Sub("log"), {.threads = threads});
    ASSERT_TRUE(report->broken.has_value());
    EXPECT_EQ(report->broken->position, 100001u) << threads;
  }
}

// Turns a version-2 log back into version 1 (no trailers), as logs written
// before the chain were.
void DowngradeToVersion1(const std::string& path, uint64_t head) {
  RawLog raw(path);
  for (uint64_t p = 1; p <= head; ++p) {
    raw.SetEvent(p, std::string(chain::Split(p, raw.Event(p))->content));
  }
  raw.Put(raw.meta(), format::kFormatVersionKey, "1");
}

TEST(ChainTest, AVersion1LogIsChainedOnceAtUpgrade) {
  TempDir dir;
  EventFactory events;
  ChainHead head;
  {
    auto store = *EventStore::Open({.path = dir.Sub("log")});
    head = Fill(*store, 25000, events);
  }
  DowngradeToVersion1(dir.Sub("log"), head.position);
  EXPECT_EQ(VerifyChainAt(dir.Sub("log"), {}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  {
    auto store = *EventStore::Open({.path = dir.Sub("log")});
    // The same content chains to the same hashes.
    EXPECT_EQ(store->DurableChainHead().hash, head.hash);
    absl::StatusOr<ChainReport> report = store->VerifyChain({});
    EXPECT_FALSE(report->broken.has_value());
  }
  RawLog raw(dir.Sub("log"));
  EXPECT_EQ(raw.Get(raw.meta(), format::kFormatVersionKey), "2");
}

TEST(ChainTest, AnUpgradeCutShortResumesWhereItStopped) {
  TempDir dir;
  EventFactory events;
  ChainHead head;
  {
    auto store = *EventStore::Open({.path = dir.Sub("log")});
    head = Fill(*store, 300, events);
  }
  // As a crash after the first batches would leave it: 1..120 sealed and
  // recorded, the rest not, the version still 1.
  {
    RawLog raw(dir.Sub("log"));
    for (uint64_t p = 121; p <= 300; ++p) {
      raw.SetEvent(p, std::string(chain::Split(p, raw.Event(p))->content));
    }
    raw.Put(raw.meta(), format::kFormatVersionKey, "1");
    raw.Put(raw.meta(), format::kChainUpgradeKey, format::EncodeU64(120));
  }
  auto store = *EventStore::Open({.path = dir.Sub("log")});
  EXPECT_EQ(store->DurableChainHead().hash, head.hash);
  EXPECT_FALSE(store->VerifyChain({})->broken.has_value());
}

}  // namespace
}  // namespace svledger::eventstore
