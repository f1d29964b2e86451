// Child process of crash_test: appends concurrently to a log until killed,
// printing one line per acknowledged append:
//   ACK <stream> <first_position> <last_position> <id>[,<id>...]
// A line is written (with one write(2), so it is never torn) only after the
// append was acknowledged, i.e. after its synced commit. PIPELINE_MIN_BYTES
// chooses the sync path (0: every batch synced by the syncer thread).

#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/random.h"
#include "eventstore/event_store.h"

using svledger::SeededRandom;
using svledger::Uuid;
using namespace svledger::eventstore;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr,
                 "usage: crash_child DIR THREADS SEED PIPELINE_MIN_BYTES\n");
    return 2;
  }
  EventStoreOptions options{.path = argv[1]};
  options.pipeline_min_bytes = std::stoull(argv[4]);
  auto store = EventStore::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    return 1;
  }
  const int threads = std::stoi(argv[2]);
  const uint64_t seed = std::stoull(argv[3]);
  std::printf("READY\n");
  std::fflush(stdout);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      SeededRandom random(seed * 1000 + t);
      const std::string stream = absl::StrCat("crash-", t % 4);
      while (true) {
        const size_t n = 1 + random.Next64() % 5;
        std::vector<ProposedEvent> events(n);
        std::vector<std::string> ids;
        for (ProposedEvent& e : events) {
          e.id = Uuid::Random(random);
          e.type = "Crashed";
          e.payload = std::string(random.Next64() % 2000, 'x');
          ids.push_back(e.id.ToString());
        }
        auto r =
            (*store)->Append(stream, ExpectedVersion::Any(), std::move(events));
        if (!r.ok()) {
          std::fprintf(stderr, "append: %s\n", r.status().ToString().c_str());
          _exit(1);
        }
        std::string line =
            absl::StrCat("ACK ", stream, " ", r->first_position, " ",
                         r->last_position, " ", absl::StrJoin(ids, ","), "\n");
        if (write(STDOUT_FILENO, line.data(), line.size()) < 0) _exit(1);
      }
    });
  }
  for (auto& w : workers) w.join();
  return 0;
}
