// Kills (SIGKILL) a process in the middle of concurrent appends, reopens the
// log, and checks that every append acknowledged before the kill is present
// exactly once, and that the log is gap-free. Repeated over several rounds on
// the same data directory, so recovery is itself recovered from.

#include <signal.h>
#include <sys/wait.h>

#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "eventstore/event_store.h"
#include "gtest/gtest.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace svledger::eventstore {
namespace {

using svledger::testing::Subprocess;
using svledger::testing::TempDir;

struct Ack {
  std::string stream;
  uint64_t first = 0;
  uint64_t last = 0;
  std::vector<std::string> ids;
};

std::optional<Ack> ParseAck(const std::string& line) {
  std::vector<std::string> parts = absl::StrSplit(line, ' ');
  if (parts.size() != 5 || parts[0] != "ACK") return std::nullopt;
  Ack ack;
  ack.stream = parts[1];
  if (!absl::SimpleAtoi(parts[2], &ack.first) ||
      !absl::SimpleAtoi(parts[3], &ack.last)) {
    return std::nullopt;
  }
  ack.ids = absl::StrSplit(parts[4], ',');
  return ack;
}

TEST(CrashTest, AcknowledgedAppendsSurviveSigkillExactlyOnce) {
  TempDir dir;
  const std::string path = dir.Sub("log");
  constexpr int kRounds = 6;
  std::vector<Ack> acked;
  for (int round = 0; round < kRounds; ++round) {
    // Alternate the sync paths: pipelined through the syncer, or synced by
    // the writer for small batches.
    const std::string pipeline_min_bytes = round % 2 == 0 ? "0" : "65536";
    Subprocess child({CRASH_CHILD_PATH, path, "8", std::to_string(round + 1),
                      pipeline_min_bytes});
    ASSERT_EQ(child.ReadLine(absl::Seconds(30)), "READY");
    // Let it get well into concurrent appends, then kill it mid-flight.
    const size_t target = 200 + 150 * round;
    size_t this_round = 0;
    while (this_round < target) {
      std::optional<std::string> line = child.ReadLine(absl::Seconds(30));
      ASSERT_TRUE(line.has_value()) << "child stopped acknowledging";
      std::optional<Ack> ack = ParseAck(*line);
      ASSERT_TRUE(ack.has_value()) << *line;
      acked.push_back(*ack);
      ++this_round;
    }
    child.Signal(SIGKILL);
    // Acks written before the kill may still sit in the pipe: they count.
    while (std::optional<std::string> line =
               child.ReadLine(absl::Seconds(10))) {
      if (std::optional<Ack> ack = ParseAck(*line)) acked.push_back(*ack);
    }
    std::optional<int> status = child.Wait(absl::Seconds(10));
    ASSERT_TRUE(status.has_value());
    ASSERT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL)
        << "child exited on its own: " << *status;

    auto store = EventStore::Open({.path = path});
    ASSERT_TRUE(store.ok()) << store.status();
    // The whole log: gap-free, each id once per stream.
    std::map<uint64_t, RecordedEvent> by_position;
    std::set<std::pair<std::string, std::string>> seen;
    uint64_t from = 1;
    while (true) {
      auto slice = (*store)->ReadAll(from, {.limit = 1000});
      ASSERT_TRUE(slice.ok()) << slice.status();
      if (slice->events.empty()) break;
      for (RecordedEvent& e : slice->events) {
        ASSERT_EQ(e.position, from) << "gap in the log";
        ++from;
        ASSERT_TRUE(seen.insert({e.stream_id, e.id.ToString()}).second)
            << "duplicate event " << e.id.ToString();
        by_position.emplace(e.position, std::move(e));
      }
    }
    ASSERT_EQ(from - 1, (*store)->HeadPosition());
    for (const Ack& ack : acked) {
      ASSERT_EQ(ack.last - ack.first + 1, ack.ids.size());
      for (size_t i = 0; i < ack.ids.size(); ++i) {
        auto it = by_position.find(ack.first + i);
        ASSERT_NE(it, by_position.end())
            << "acknowledged position " << ack.first + i << " lost (round "
            << round << ")";
        EXPECT_EQ(it->second.id.ToString(), ack.ids[i]);
        EXPECT_EQ(it->second.stream_id, ack.stream);
      }
    }
    // Stream versions are gap-free too.
    std::map<std::string, uint64_t> next_version;
    for (const auto& [position, e] : by_position) {
      ASSERT_EQ(e.stream_version, next_version[e.stream_id]++);
    }
  }
  EXPECT_GT(acked.size(), 1000u);
}

}  // namespace
}  // namespace svledger::eventstore
