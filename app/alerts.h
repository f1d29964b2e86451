#ifndef SVLEDGER_APP_ALERTS_H_
#define SVLEDGER_APP_ALERTS_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "app/access_policy.h"
#include "app/caller.h"
#include "eventstore/event_store.h"
#include "svledger/v1/alert_service.pb.h"

namespace svledger::app {

// What one alert watch follows: where it starts in the log, which events it
// reads, and the filters applied to what they make.
struct AlertWatch {
  uint64_t from_position = 1;
  eventstore::EventFilter filter;
  std::string council;          // empty: every council
  std::string contract_stream;  // empty: every contract
  // What the caller who opened the watch may see; other alerts are left out.
  Visibility visible;
};

// The alert feed: the log's commitment status changes, case changes,
// delivery reports and decisions and performance assessments
// (domain/enforcement.h) as alerts, each with its log position. It reads
// the log itself, not a projection: an alert is exactly an event, so
// resuming from a position gives no gap and no duplicate, across restarts
// too. A front door follows `watch.filter` from `watch.from_position` with
// an eventstore::Subscription over log() and passes what it reads to
// Select.
//
// Thread-safe. The store must outlive it.
class Alerts {
 public:
  explicit Alerts(const eventstore::EventStore* store) : store_(store) {}

  // The watch a request asks for, limited to what `caller` may see.
  // Errors: INVALID_ARGUMENT naming council, contract_id, or from_position
  // beyond the log's head; PERMISSION_DENIED for a council or contract
  // outside the caller's scope. from_position 0: from the next event on.
  absl::StatusOr<AlertWatch> Watch(const Caller& caller,
                                   const v1::WatchAlertsRequest& request) const;

  // Adds to `out` the alerts that `events` (read with watch.filter) make
  // for `watch`. An event that cannot make an alert (an unreadable payload,
  // a contract stream that does not start registered) is skipped and
  // counted, never ending every watch that reaches it. Errors: the log's
  // (UNAVAILABLE while it recovers: the watch resumes).
  absl::Status Select(const AlertWatch& watch,
                      const std::vector<eventstore::RecordedEvent>& events,
                      v1::WatchAlertsResponse& out);

  // The alert an event of a contract stream makes, or nullopt if the event
  // is not an alert. INVALID_ARGUMENT if its payload cannot be read;
  // DATA_LOSS if its contract's stream does not start registered.
  absl::StatusOr<std::optional<v1::Alert>> ToAlert(
      const eventstore::RecordedEvent& event);

  // Events Select skipped since start.
  uint64_t skipped() const { return skipped_.load(std::memory_order_relaxed); }

  // The log, read-only, to follow.
  const eventstore::EventStore& log() const { return *store_; }

 private:
  // The council (framework id) and supplier of a contract, from its
  // registration (the stream's first event; they never change). Cached.
  struct Parties {
    std::string council;
    std::string supplier_id;
  };
  absl::StatusOr<Parties> PartiesOf(const std::string& contract_id) const;

  const eventstore::EventStore* const store_;
  std::atomic<uint64_t> skipped_{0};

  mutable absl::Mutex parties_mu_;
  mutable absl::flat_hash_map<std::string, Parties> parties_
      ABSL_GUARDED_BY(parties_mu_);
};

}  // namespace svledger::app

#endif  // SVLEDGER_APP_ALERTS_H_
