// A process for backup_test's crash case: opens a log and a projection
// database in DATA_DIR, keeps appending, and creates backups into
// BACKUP_DIR one after another, printing "BACKUP <id>" after each, until it
// is killed.
//
//   backup_child DATA_DIR BACKUP_DIR

#include <cstdio>
#include <thread>

#include "absl/time/clock.h"
#include "backup/backup_set.h"
#include "common/random.h"
#include "common/uuid.h"
#include "eventstore/event_store.h"
#include "projections/projection_db.h"

using namespace svledger;

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  const std::string data_dir = argv[1];
  auto store = eventstore::EventStore::Open({.path = data_dir + "/log"});
  auto projections = projections::ProjectionDb::Open(data_dir + "/projections");
  auto backups = backup::BackupSet::Open(argv[2]);
  if (!store.ok() || !projections.ok() || !backups.ok()) {
    std::fprintf(stderr, "backup_child: cannot open\n");
    return 1;
  }
  std::thread appender([&] {
    SeededRandom random(static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())));
    for (int i = 0;; ++i) {
      std::vector<eventstore::ProposedEvent> events(20);
      for (auto& e : events) {
        e.id = Uuid::Random(random);
        e.type = "Tested";
        e.payload = std::string(400, 'x');
      }
      (void)(*store)->Append("s-" + std::to_string(i % 13),
                             eventstore::ExpectedVersion::Any(),
                             std::move(events));
    }
  });
  std::printf("READY\n");
  std::fflush(stdout);
  while (true) {
    absl::StatusOr<backup::CreateReport> made =
        (*backups)->Create(**store, **projections, data_dir, absl::Now());
    if (!made.ok()) {
      std::fprintf(stderr, "backup_child: %s\n",
                   made.status().ToString().c_str());
      return 1;
    }
    std::printf("BACKUP %u\n", made->backup.id);
    std::fflush(stdout);
  }
}
