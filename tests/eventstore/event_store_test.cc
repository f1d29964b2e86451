#include "eventstore/event_store.h"

#include <atomic>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "absl/synchronization/barrier.h"
#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "eventstore/format.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "tests/eventstore/test_events.h"
#include "tests/testing/temp_dir.h"

namespace svledger::eventstore {
namespace {

using svledger::testing::TempDir;
using testing::EventFactory;

class EventStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    store_.reset();
    EventStoreOptions options;
    options.path = dir_.Sub("log");
    options.clock = &clock_;
    auto opened = EventStore::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = *std::move(opened);
  }

  std::vector<RecordedEvent> ReadAllEvents() {
    std::vector<RecordedEvent> all;
    uint64_t from = 1;
    while (true) {
      absl::StatusOr<AllSlice> slice = store_->ReadAll(from, {.limit = 1000});
      EXPECT_TRUE(slice.ok()) << slice.status();
      if (!slice.ok() || slice->events.empty()) return all;
      for (RecordedEvent& e : slice->events) all.push_back(std::move(e));
      from = slice->next_position;
    }
  }

  TempDir dir_;
  FakeClock clock_;
  EventFactory events_;
  std::unique_ptr<EventStore> store_;
};

TEST_F(EventStoreTest, AppendThenReadBack) {
  std::vector<ProposedEvent> batch = events_.MakeMany(3, "Registered");
  batch[1].metadata = {"bob", "req-9", "corr-9", "cause-9"};
  auto result =
      store_->Append("contract-1", ExpectedVersion::NoStream(), batch);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->first_position, 1u);
  EXPECT_EQ(result->last_position, 3u);
  EXPECT_EQ(result->last_stream_version, 2u);
  EXPECT_FALSE(result->deduplicated);
  EXPECT_EQ(store_->HeadPosition(), 3u);

  auto slice = store_->ReadStream("contract-1", {});
  ASSERT_TRUE(slice.ok()) << slice.status();
  ASSERT_EQ(slice->events.size(), 3u);
  EXPECT_TRUE(slice->end_of_stream);
  EXPECT_EQ(slice->last_stream_version, 2u);
  for (size_t i = 0; i < 3; ++i) {
    const RecordedEvent& e = slice->events[i];
    EXPECT_EQ(e.id, batch[i].id);
    EXPECT_EQ(e.type, "Registered");
    EXPECT_EQ(e.payload, batch[i].payload);
    EXPECT_EQ(e.metadata, batch[i].metadata);
    EXPECT_EQ(e.stream_id, "contract-1");
    EXPECT_EQ(e.stream_version, i);
    EXPECT_EQ(e.position, i + 1);
    EXPECT_EQ(e.recorded_time, clock_.Now());
  }
}

TEST_F(EventStoreTest, ExpectedVersionKinds) {
  const std::string s = "contract-2";
  EXPECT_EQ(
      store_->Append(s, ExpectedVersion::StreamExists(), events_.MakeMany(1))
          .status()
          .code(),
      absl::StatusCode::kAborted);
  EXPECT_EQ(store_->Append(s, ExpectedVersion::Exact(0), events_.MakeMany(1))
                .status()
                .code(),
            absl::StatusCode::kAborted);
  ASSERT_TRUE(
      store_->Append(s, ExpectedVersion::NoStream(), events_.MakeMany(2)).ok());
  EXPECT_EQ(store_->Append(s, ExpectedVersion::NoStream(), events_.MakeMany(1))
                .status()
                .code(),
            absl::StatusCode::kAborted);
  ASSERT_TRUE(
      store_->Append(s, ExpectedVersion::StreamExists(), events_.MakeMany(1))
          .ok());
  ASSERT_TRUE(
      store_->Append(s, ExpectedVersion::Exact(2), events_.MakeMany(1)).ok());
  ASSERT_TRUE(
      store_->Append(s, ExpectedVersion::Any(), events_.MakeMany(1)).ok());
  EXPECT_EQ(**store_->StreamLastVersion(s), 4u);
}

TEST_F(EventStoreTest, VersionMismatchNamesBothVersionsAndWritesNothing) {
  ASSERT_TRUE(
      store_->Append("c-3", ExpectedVersion::Any(), events_.MakeMany(4)).ok());
  auto wrong =
      store_->Append("c-3", ExpectedVersion::Exact(1), events_.MakeMany(2));
  ASSERT_EQ(wrong.status().code(), absl::StatusCode::kAborted);
  EXPECT_NE(wrong.status().message().find("expected version 1"),
            std::string::npos)
      << wrong.status();
  EXPECT_NE(wrong.status().message().find("actual version 3"),
            std::string::npos)
      << wrong.status();
  auto missing =
      store_->Append("c-none", ExpectedVersion::Exact(0), events_.MakeMany(1));
  EXPECT_NE(missing.status().message().find("stream does not exist"),
            std::string::npos);
  EXPECT_EQ(store_->HeadPosition(), 4u);
  EXPECT_EQ(ReadAllEvents().size(), 4u);
}

TEST_F(EventStoreTest,
       IdempotentRetryReturnsOriginalPositionsAndWritesNothing) {
  std::vector<ProposedEvent> batch = events_.MakeMany(3);
  ASSERT_TRUE(
      store_->Append("other", ExpectedVersion::Any(), events_.MakeMany(2))
          .ok());
  auto first = store_->Append("c-4", ExpectedVersion::NoStream(), batch);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(
      store_->Append("c-4", ExpectedVersion::Any(), events_.MakeMany(1)).ok());

  // Retried with a now-stale expected version, and with ANY: both answered
  // from what is stored.
  for (ExpectedVersion expected :
       {ExpectedVersion::NoStream(), ExpectedVersion::Any(),
        ExpectedVersion::Exact(0)}) {
    auto retry = store_->Append("c-4", expected, batch);
    ASSERT_TRUE(retry.ok()) << retry.status();
    EXPECT_TRUE(retry->deduplicated);
    EXPECT_EQ(retry->first_position, first->first_position);
    EXPECT_EQ(retry->last_position, first->last_position);
    EXPECT_EQ(retry->last_stream_version, 2u);
  }
  EXPECT_EQ(store_->HeadPosition(), 6u);
  EXPECT_EQ(store_->Stats().deduplicated, 3u);

  // The same id in another stream is a different event.
  ASSERT_TRUE(store_->Append("c-5", ExpectedVersion::Any(), {batch[0]}).ok());
  EXPECT_EQ(store_->HeadPosition(), 7u);
}

TEST_F(EventStoreTest, StoredIdWithOtherContentIsAlreadyExists) {
  std::vector<ProposedEvent> batch = events_.MakeMany(2);
  ASSERT_TRUE(store_->Append("c-6", ExpectedVersion::Any(), batch).ok());
  batch[1].payload = "changed";
  auto changed = store_->Append("c-6", ExpectedVersion::Any(), batch);
  EXPECT_EQ(changed.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(changed.status().message().find("events[1].event_id"),
            std::string::npos)
      << changed.status();

  // Part stored, part new: refused whole.
  std::vector<ProposedEvent> mixed = {events_.Make(), batch[0]};
  auto partial = store_->Append("c-6", ExpectedVersion::Any(), mixed);
  EXPECT_EQ(partial.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->HeadPosition(), 2u);
}

TEST_F(EventStoreTest, DuplicateInTheSameGroupCommitIsDeduplicated) {
  // Many concurrent retries of one append: exactly one writes.
  std::vector<ProposedEvent> batch = events_.MakeMany(2);
  std::atomic<int> written{0}, deduped{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      auto r = store_->Append("c-7", ExpectedVersion::Any(), batch);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->first_position, 1u);
      (r->deduplicated ? deduped : written)++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(written.load(), 1);
  EXPECT_EQ(deduped.load(), 15);
  EXPECT_EQ(store_->HeadPosition(), 2u);
}

TEST_F(EventStoreTest, InvalidInputWritesNothing) {
  auto bad =
      store_->Append("has space", ExpectedVersion::Any(), events_.MakeMany(1));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<ProposedEvent> big = events_.MakeMany(1);
  big[0].payload = std::string((1 << 20) + 1, 'x');
  EXPECT_EQ(store_->Append("ok", ExpectedVersion::Any(), big).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->HeadPosition(), 0u);
}

TEST_F(EventStoreTest, ReadStreamForwardsBackwardsAndPaged) {
  ASSERT_TRUE(
      store_->Append("s", ExpectedVersion::Any(), events_.MakeMany(10)).ok());
  ASSERT_TRUE(
      store_->Append("s-other", ExpectedVersion::Any(), events_.MakeMany(2))
          .ok());

  auto page = store_->ReadStream("s", {.from_version = 3, .limit = 4});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 4u);
  EXPECT_EQ(page->events.front().stream_version, 3u);
  EXPECT_EQ(page->events.back().stream_version, 6u);
  EXPECT_FALSE(page->end_of_stream);

  auto tail = store_->ReadStream("s", {.from_version = 7, .limit = 10});
  ASSERT_EQ(tail->events.size(), 3u);
  EXPECT_TRUE(tail->end_of_stream);

  auto back = store_->ReadStream(
      "s", {.direction = Direction::kBackwards, .from_end = true, .limit = 3});
  ASSERT_EQ(back->events.size(), 3u);
  EXPECT_EQ(back->events[0].stream_version, 9u);
  EXPECT_EQ(back->events[2].stream_version, 7u);
  EXPECT_FALSE(back->end_of_stream);

  auto back_from = store_->ReadStream(
      "s",
      {.direction = Direction::kBackwards, .from_version = 1, .limit = 10});
  ASSERT_EQ(back_from->events.size(), 2u);
  EXPECT_EQ(back_from->events[1].stream_version, 0u);
  EXPECT_TRUE(back_from->end_of_stream);

  auto past_end = store_->ReadStream("s", {.from_version = 50});
  ASSERT_TRUE(past_end.ok());
  EXPECT_TRUE(past_end->events.empty());
  EXPECT_TRUE(past_end->end_of_stream);

  EXPECT_EQ(store_->ReadStream("nope", {}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->ReadStream("s", {.limit = 5000}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(EventStoreTest, ReadStreamStopsAtTheByteBudget) {
  std::vector<ProposedEvent> big = events_.MakeMany(8);
  for (ProposedEvent& e : big) e.payload = std::string(1 << 20, 'b');
  ASSERT_TRUE(store_->Append("big", ExpectedVersion::Any(), big).ok());
  auto slice = store_->ReadStream("big", {.limit = 100});
  ASSERT_TRUE(slice.ok());
  // 3 MiB budget: a third event of 1 MiB and its metadata would pass it.
  EXPECT_EQ(slice->events.size(), 2u);
  EXPECT_FALSE(slice->end_of_stream);
}

// The largest events there are (1 MiB payloads, every metadata field full)
// still make pages that fit a gRPC client's default 4 MiB message limit;
// the event that would pass the budget starts the next page.
TEST_F(EventStoreTest, PagesOfTheLargestEventsStayUnderTheBudget) {
  std::vector<ProposedEvent> big = events_.MakeMany(8);
  for (ProposedEvent& e : big) {
    e.payload = std::string(1 << 20, 'b');
    e.type = std::string(256, 't');
    for (std::string* field :
         {&e.metadata.actor, &e.metadata.request_id, &e.metadata.correlation_id,
          &e.metadata.causation_id}) {
      *field = std::string(256, 'm');
    }
  }
  ASSERT_TRUE(store_
                  ->Append("big", ExpectedVersion::Any(),
                           {big[0], big[1], big[2], big[3]})
                  .ok());
  uint64_t next = 1;
  size_t read = 0;
  while (read < 4) {
    auto page = store_->ReadAll(next, {.limit = 1000});
    ASSERT_TRUE(page.ok());
    ASSERT_FALSE(page->events.empty());
    size_t bytes = 0;
    for (const RecordedEvent& e : page->events) bytes += ReadBytes(e);
    EXPECT_LE(bytes, store_->limits().max_read_bytes);
    EXPECT_EQ(page->next_position, page->events.back().position + 1);
    read += page->events.size();
    next = page->next_position;
  }
  EXPECT_EQ(read, 4u);
}

TEST_F(EventStoreTest, ReadAllFiltersByCategoryAndType) {
  ASSERT_TRUE(store_
                  ->Append("contract-1", ExpectedVersion::Any(),
                           events_.MakeMany(3, "A"))
                  .ok());
  ASSERT_TRUE(store_
                  ->Append("framework-1", ExpectedVersion::Any(),
                           events_.MakeMany(2, "B"))
                  .ok());
  ASSERT_TRUE(store_
                  ->Append("contract-2", ExpectedVersion::Any(),
                           events_.MakeMany(2, "B"))
                  .ok());

  auto contracts =
      store_->ReadAll(0, {.filter = {.stream_prefixes = {"contract-"}}});
  ASSERT_TRUE(contracts.ok());
  EXPECT_EQ(contracts->events.size(), 5u);
  EXPECT_EQ(contracts->next_position, 8u);
  EXPECT_EQ(contracts->head_position, 7u);

  auto typed = store_->ReadAll(
      1, {.filter = {.stream_prefixes = {"contract-"}, .event_types = {"B"}}});
  ASSERT_EQ(typed->events.size(), 2u);
  EXPECT_EQ(typed->events[0].position, 6u);

  auto paged = store_->ReadAll(2, {.limit = 2});
  ASSERT_EQ(paged->events.size(), 2u);
  EXPECT_EQ(paged->events[0].position, 2u);
  EXPECT_EQ(paged->next_position, 4u);

  auto beyond = store_->ReadAll(100, {});
  ASSERT_TRUE(beyond.ok());
  EXPECT_TRUE(beyond->events.empty());
  EXPECT_EQ(beyond->next_position, 100u);
}

TEST_F(EventStoreTest, FilteredReadAllScansBoundedAndReportsProgress) {
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(
        store_->Append("noise", ExpectedVersion::Any(), events_.MakeMany(1000))
            .ok());
  }
  ASSERT_TRUE(
      store_->Append("signal", ExpectedVersion::Any(), events_.MakeMany(1))
          .ok());
  ReadAllOptions options{.filter = {.stream_prefixes = {"signal"}}};
  auto first = store_->ReadAll(1, options);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->events.empty());
  EXPECT_EQ(first->next_position, 10001u);
  auto second = store_->ReadAll(first->next_position, options);
  ASSERT_EQ(second->events.size(), 1u);
  EXPECT_EQ(second->events[0].position, 12001u);
}

TEST_F(EventStoreTest, ReopenKeepsEverythingAndContinuesPositions) {
  std::vector<ProposedEvent> batch = events_.MakeMany(5);
  ASSERT_TRUE(store_->Append("r", ExpectedVersion::NoStream(), batch).ok());
  Reopen();
  EXPECT_EQ(store_->HeadPosition(), 5u);
  EXPECT_EQ(**store_->StreamLastVersion("r"), 4u);
  // The id index survived: a retry is still recognised.
  auto retry = store_->Append("r", ExpectedVersion::NoStream(), batch);
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->deduplicated);
  auto next =
      store_->Append("r", ExpectedVersion::Exact(4), events_.MakeMany(1));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->first_position, 6u);
  EXPECT_EQ(next->last_stream_version, 5u);
}

TEST_F(EventStoreTest, ClosedStoreRefusesAppendsAndReads) {
  ASSERT_TRUE(
      store_->Append("x", ExpectedVersion::Any(), events_.MakeMany(1)).ok());
  store_->Close();
  auto r = store_->Append("x", ExpectedVersion::Any(), events_.MakeMany(1));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_->ReadAll(1, {}).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_->ReadStream("x", {}).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_->StreamLastVersion("x").status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(EventStoreTest, FindEventByIdInAStream) {
  std::vector<ProposedEvent> batch = events_.MakeMany(3);
  ASSERT_TRUE(store_->Append("a", ExpectedVersion::Any(), batch).ok());
  auto found = store_->FindEvent("a", batch[1].id);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->position, 2u);
  EXPECT_EQ((*found)->payload, batch[1].payload);
  EXPECT_FALSE(store_->FindEvent("b", batch[1].id)->has_value());
  EXPECT_FALSE(store_->FindEvent("a", events_.Make().id)->has_value());
}

TEST_F(EventStoreTest, ConcurrentClosesAreSafe) {
  ASSERT_TRUE(
      store_->Append("x", ExpectedVersion::Any(), events_.MakeMany(1)).ok());
  std::vector<std::thread> closers;
  for (int i = 0; i < 4; ++i) closers.emplace_back([&] { store_->Close(); });
  for (auto& t : closers) t.join();
  EXPECT_EQ(store_->ReadAll(1, {}).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(EventStoreOpenTest, RefusesAnotherFormatVersion) {
  TempDir dir;
  const std::string path = dir.Sub("log");
  ASSERT_TRUE(EventStore::Open({.path = path}).ok());
  {
    // Pretend a future build wrote this database.
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies({}, path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const std::string& name : names)
      cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open({}, path, cfs, &handles, &db).ok());
    ASSERT_TRUE(db->Put({}, format::kFormatVersionKey, "99").ok());
    for (auto* h : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
    ASSERT_TRUE(db->Close().ok());
    delete db;
  }
  auto reopened = EventStore::Open({.path = path});
  EXPECT_EQ(reopened.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(reopened.status().message().find("'99'"), std::string::npos);
}

TEST(EventStoreOpenTest, ADirectoryInUseIsRefused) {
  TempDir dir;
  auto first = EventStore::Open({.path = dir.Sub("log")});
  ASSERT_TRUE(first.ok());
  auto second = EventStore::Open({.path = dir.Sub("log")});
  EXPECT_FALSE(second.ok());
}

// Version conflicts under real threads: many writers race to extend one
// stream with EXACT versions. Every version is won exactly once; every loser
// is told ABORTED; the stream stays gap-free.
TEST_F(EventStoreTest, VersionConflictsUnderRealThreads) {
  constexpr int kThreads = 8;
  constexpr int kWinsWanted = 200;
  std::atomic<int> wins{0}, conflicts{0};
  std::vector<std::thread> threads;
  absl::Barrier start(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      EventFactory f(1000 + t);
      start.Block();
      while (wins.load() < kWinsWanted) {
        auto last = store_->StreamLastVersion("hot");
        ASSERT_TRUE(last.ok());
        ExpectedVersion expected = last->has_value()
                                       ? ExpectedVersion::Exact(**last)
                                       : ExpectedVersion::NoStream();
        auto r = store_->Append("hot", expected, {f.Make()});
        if (r.ok()) {
          wins++;
        } else {
          ASSERT_EQ(r.status().code(), absl::StatusCode::kAborted)
              << r.status();
          conflicts++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const uint64_t last = **store_->StreamLastVersion("hot");
  EXPECT_EQ(last + 1, static_cast<uint64_t>(wins.load()));
  EXPECT_GT(conflicts.load(), 0);
  uint64_t expected_version = 0;
  uint64_t from = 0;
  while (true) {
    auto slice =
        store_->ReadStream("hot", {.from_version = from, .limit = 1000});
    ASSERT_TRUE(slice.ok());
    for (const RecordedEvent& e : slice->events) {
      EXPECT_EQ(e.stream_version, expected_version++);
    }
    if (slice->end_of_stream) break;
    from = expected_version;
  }
  EXPECT_EQ(expected_version, last + 1);
}

// Gap-free ordering under concurrent appends, and group commit: many writers
// on many streams; the log holds positions 1..N exactly once each, every
// stream's versions are 0..n-1 in position order, and fewer commits than
// appends were needed.
TEST_F(EventStoreTest, GapFreeOrderingAndGroupCommitUnderConcurrency) {
  constexpr int kThreads = 16;
  constexpr int kAppendsPerThread = 100;
  std::vector<std::thread> threads;
  std::atomic<uint64_t> total{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      EventFactory f(t);
      for (int i = 0; i < kAppendsPerThread; ++i) {
        const size_t n = 1 + (i % 3);
        auto r = store_->Append("stream-" + std::to_string((t + i) % 5),
                                ExpectedVersion::Any(), f.MakeMany(n));
        ASSERT_TRUE(r.ok()) << r.status();
        EXPECT_EQ(r->last_position - r->first_position + 1, n);
        total += n;
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<RecordedEvent> all = ReadAllEvents();
  ASSERT_EQ(all.size(), total.load());
  std::map<std::string, uint64_t> next_version;
  std::set<std::string> ids;
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].position, i + 1);
    EXPECT_EQ(all[i].stream_version, next_version[all[i].stream_id]++);
    EXPECT_TRUE(ids.insert(all[i].id.ToString()).second);
  }
  EventStoreStats stats = store_->Stats();
  EXPECT_EQ(stats.appends, static_cast<uint64_t>(kThreads * kAppendsPerThread));
  EXPECT_LT(stats.commits, stats.appends);
}

}  // namespace
}  // namespace svledger::eventstore
