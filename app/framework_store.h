#ifndef SVLEDGER_APP_FRAMEWORK_STORE_H_
#define SVLEDGER_APP_FRAMEWORK_STORE_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "app/log_follower.h"
#include "common/uuid.h"
#include "eventstore/event_store.h"
#include "svledger/v1/contract.pb.h"
#include "svledger/v1/framework.pb.h"

namespace svledger::app {

// The framework catalogue: the published measure libraries and council
// frameworks, recorded in the event log and held in memory for lookup.
//
// Streams (domain/ids.h; one event per published version, never
// rewritten):
//   "measures"    MeasureLibraryPublished, payload v1::MeasureLibrary
//   "frameworks"  FrameworkPublished, payload v1::Framework
// Each event's id is domain::MeasureLibraryEventId or FrameworkEventId, so
// a version is recorded once whoever publishes it. Which version may be
// published is domain::DecidePublication's rule.
//
// It follows the log live: a version that another writer of the same log
// publishes is seen within about kFollowInterval (while reading the log
// succeeds), and one published here by the time Publish* returns.
//
// Thread-safe. The event store must outlive it.
class FrameworkStore {
 public:
  static constexpr char kMeasureLibraryPublished[] = "MeasureLibraryPublished";
  static constexpr char kFrameworkPublished[] = "FrameworkPublished";
  // How often the follower looks for versions published by another writer:
  // an atomic load of the log's head, and two stream reads when it moved.
  static constexpr absl::Duration kFollowInterval = absl::Milliseconds(50);

  // Reads everything published so far and starts following the log. An
  // event it cannot parse is counted (skipped()) and skipped, never fatal.
  // `councils` are the framework ids this instance serves (--councils; a
  // deployment sharded by council gives each instance its own); empty:
  // every council. Errors: the store's, reading.
  static absl::StatusOr<std::unique_ptr<FrameworkStore>> Open(
      eventstore::EventStore* store, std::set<std::string> councils = {});

  // Stops following the log.
  ~FrameworkStore();

  // What a publication wrote, or found already written.
  struct Published {
    uint64_t position = 0;
    bool already = false;  // this exact version was already published
  };

  // Publishes a measure library. Errors: INVALID_ARGUMENT naming the field;
  // ALREADY_EXISTS or FAILED_PRECONDITION as domain::DecidePublication.
  // `authenticated_by` is recorded with `actor` (EventMetadata).
  absl::StatusOr<Published> PublishLibrary(
      const v1::MeasureLibrary& library, const std::string& actor,
      const std::string& authenticated_by = "system");

  // Publishes a measure library. Besides DecidePublication's rule, a
  // library that removes or retypes (unit, aggregation) a measure the
  // latest version of a framework names is refused FAILED_PRECONDITION
  // (domain::CheckLibraryKeepsMeasures). Publishing a library changes no
  // existing contract: each is judged by the library its framework version
  // pins.
  //
  // Publishes a council framework version. It pins a measure library
  // version (framework.measure_library_version; unset: the latest, or for
  // a version already published, the one it pinned) and is checked against
  // it. Same rules as PublishLibrary, per framework id, and
  // FAILED_PRECONDITION for a council this instance does not serve, before
  // any library is published, or for a pinned version not published.
  absl::StatusOr<Published> PublishFramework(
      const v1::Framework& framework, const std::string& actor,
      const std::string& authenticated_by = "system");

  // Lookups; null when absent.
  std::shared_ptr<const v1::MeasureLibrary> Library() const;
  // The latest library, or an empty one before any is published (for
  // views, which show an unknown measure by its id). Never null.
  std::shared_ptr<const v1::MeasureLibrary> LibraryOrEmpty() const;
  // The library a contract under framework version `ref` is judged by: the
  // one that version pins. The latest library if that framework version is
  // not published (or an empty one). Never null.
  std::shared_ptr<const v1::MeasureLibrary> LibraryFor(
      const v1::FrameworkRef& ref) const;
  // Library `version`, or null.
  std::shared_ptr<const v1::MeasureLibrary> LibraryVersion(
      uint32_t version) const;
  std::shared_ptr<const v1::Framework> Get(const std::string& id,
                                           uint32_t version) const;
  std::shared_ptr<const v1::Framework> Latest(const std::string& id) const;
  // The escalation ladder of the framework version `ref` names; the default
  // (an empty ladder) if that version is not published.
  v1::EscalationLadder LadderOf(const v1::FrameworkRef& ref) const;
  // The latest version of every framework, by id.
  std::vector<std::shared_ptr<const v1::Framework>> List() const;
  // OK if `council` is empty (no filter) or a framework `council` is
  // published; otherwise NOT_FOUND naming
  // `field` and the councils that are, e.g. "council: no council 'nowhere'
  // (known: derbyshire, lancashire, norwich, rutland)".
  absl::Status CheckCouncil(const std::string& council,
                            absl::string_view field) const;

  // Events of the two streams that could not be applied, and the
  // follower's catch-ups that failed (each is tried again from the same
  // version at the next interval). For metrics.
  uint64_t skipped() const;
  uint64_t follow_failures() const;

  // Whether this instance serves council `id` (framework id).
  bool Serves(const std::string& id) const {
    return councils_.empty() || councils_.contains(id);
  }
  // OK if it serves `id`; otherwise FAILED_PRECONDITION naming `field` and
  // the councils it serves (the call belongs to another instance).
  absl::Status CheckServed(const std::string& id,
                           const std::string& field) const;

 private:
  FrameworkStore(eventstore::EventStore* store, std::set<std::string> councils)
      : store_(store), councils_(std::move(councils)) {}

  // Applies whatever the two streams hold beyond what was applied.
  absl::Status CatchUp() ABSL_LOCKS_EXCLUDED(mu_);

  // Appends one event, *payload, to `stream` if `decide` (called with mu_
  // held, after catching up; it may fill in *payload) says it is new, after
  // the stream version it saw; on a lost race, catches up and decides again.
  absl::StatusOr<Published> Append(
      const std::string& stream, const std::string& type, const Uuid& id,
      const std::string* payload, const std::string& actor,
      const std::string& authenticated_by,
      const std::function<absl::StatusOr<std::optional<uint64_t>>()>& decide);

  eventstore::EventStore* const store_;
  const std::set<std::string> councils_;

  mutable absl::Mutex mu_;
  // version -> (library, position)
  std::map<uint32_t,
           std::pair<std::shared_ptr<const v1::MeasureLibrary>, uint64_t>>
      libraries_ ABSL_GUARDED_BY(mu_);
  // (id, version) -> (framework, position). measure_library_version is set
  // on every one (for a version published before pinning, to the library
  // latest at its position).
  std::map<std::pair<std::string, uint32_t>,
           std::pair<std::shared_ptr<const v1::Framework>, uint64_t>>
      frameworks_ ABSL_GUARDED_BY(mu_);
  // The next stream version to apply, per stream.
  uint64_t next_measures_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_frameworks_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t skipped_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t follow_failures_ ABSL_GUARDED_BY(mu_) = 0;

  // Serializes catching up (so each stream is applied in order, once).
  absl::Mutex catch_up_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  // Serializes publications (rare, admin-only).
  absl::Mutex publish_mu_ ABSL_ACQUIRED_BEFORE(catch_up_mu_);

  // Declared last, destroyed first: it calls CatchUp.
  std::unique_ptr<LogFollower> follower_;
};

}  // namespace svledger::app

#endif  // SVLEDGER_APP_FRAMEWORK_STORE_H_
