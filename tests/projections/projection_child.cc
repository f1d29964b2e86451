// Child process of projection_crash_test: catches the contract projection up
// from its checkpoint, a small batch at a time, printing "APPLIED <n>"
// after each batch is persisted, until it is killed or has caught up (then
// "DONE").

#include <cstdio>
#include <string>

#include "eventstore/event_store.h"
#include "projections/contract_projection.h"
#include "projections/projection_db.h"

using namespace svledger;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: projection_child DATA_DIR BATCH_EVENTS\n");
    return 2;
  }
  const std::string dir = argv[1];
  auto store = eventstore::EventStore::Open({.path = dir + "/log"});
  if (!store.ok()) {
    std::fprintf(stderr, "open log: %s\n", store.status().ToString().c_str());
    return 1;
  }
  auto db = projections::ProjectionDb::Open(dir + "/projections");
  if (!db.ok()) {
    std::fprintf(stderr, "open db: %s\n", db.status().ToString().c_str());
    return 1;
  }
  auto table = (*db)->Active("contracts");
  if (!table.ok()) return 1;
  projections::ContractProjectionOptions options;
  options.store = store->get();
  options.table = *table;
  options.batch_events = static_cast<uint32_t>(std::stoul(argv[2]));
  options.catch_up_batch_events = options.batch_events;
  options.on_applied = [](uint64_t checkpoint,
                          const projections::ContractChanges&) {
    std::printf("APPLIED %llu\n", static_cast<unsigned long long>(checkpoint));
    std::fflush(stdout);
  };
  auto projection = projections::ContractProjection::Load(options);
  if (!projection.ok()) {
    std::fprintf(stderr, "load: %s\n", projection.status().ToString().c_str());
    return 1;
  }
  if (absl::Status s = (*projection)->CatchUp(); !s.ok()) {
    std::fprintf(stderr, "catch up: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("DONE\n");
  std::fflush(stdout);
  return 0;
}
