#ifndef SVLEDGER_SERVICES_FRAMEWORK_STORE_H_
#define SVLEDGER_SERVICES_FRAMEWORK_STORE_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "eventstore/event_store.h"
#include "svledger/v1/contract.pb.h"
#include "svledger/v1/framework.pb.h"

namespace svledger::services {

// The published measure libraries and council frameworks: recorded in the
// event log, held in memory for lookup.
//
// Streams (one event per published version; a version is never rewritten):
//   "measures"    MeasureLibraryPublished, payload v1::MeasureLibrary
//   "frameworks"  FrameworkPublished, payload v1::Framework
// Each event's id is Uuid::FromName("measures/v<N>") or
// "framework/<id>/v<N>", so a version is recorded once whoever publishes it.
//
// Thread-safe. The event store must outlive it.
class FrameworkStore {
 public:
  static constexpr char kMeasuresStream[] = "measures";
  static constexpr char kFrameworksStream[] = "frameworks";
  static constexpr char kMeasureLibraryPublished[] = "MeasureLibraryPublished";
  static constexpr char kFrameworkPublished[] = "FrameworkPublished";

  // Reads everything published so far. An event it cannot parse is counted
  // (skipped()) and skipped, never fatal. `councils` are the framework ids
  // this instance serves (--councils; a deployment sharded by council gives
  // each instance its own); empty: every council.
  static absl::StatusOr<std::unique_ptr<FrameworkStore>> Load(
      eventstore::EventStore* store, std::set<std::string> councils = {});

  // What a publication wrote, or found already written.
  struct Published {
    uint64_t position = 0;
    bool already = false;  // this exact version was already published
  };

  // Publishes a measure library. Its version must be the latest + 1 (1 for
  // the first). Republishing a published version with the same content is
  // answered with the original position. Errors: INVALID_ARGUMENT naming
  // the field; ALREADY_EXISTS for a published version with other content;
  // FAILED_PRECONDITION for a version that skips ahead.
  absl::StatusOr<Published> PublishLibrary(const v1::MeasureLibrary& library,
                                           const std::string& actor);

  // Publishes a council framework version, checked against the latest
  // library. Same rules as PublishLibrary, per framework id, and
  // FAILED_PRECONDITION for a council this instance does not serve.
  absl::StatusOr<Published> PublishFramework(const v1::Framework& framework,
                                             const std::string& actor);

  // Lookups; null when absent.
  std::shared_ptr<const v1::MeasureLibrary> Library() const;
  // The latest library, or an empty one before any is published (for
  // views, which show an unknown measure by its id). Never null.
  std::shared_ptr<const v1::MeasureLibrary> LibraryOrEmpty() const;
  std::shared_ptr<const v1::Framework> Get(const std::string& id,
                                           uint32_t version) const;
  std::shared_ptr<const v1::Framework> Latest(const std::string& id) const;
  // The escalation ladder of the framework version `ref` names; the default
  // (an empty ladder) if that version is not published.
  v1::EscalationLadder LadderOf(const v1::FrameworkRef& ref) const;
  // The latest version of every framework, by id.
  std::vector<std::shared_ptr<const v1::Framework>> List() const;

  // Events that could not be applied while loading.
  uint64_t skipped() const;

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

  // Appends one event to `stream`, re-reading on a lost race.
  absl::StatusOr<uint64_t> AppendVersion(const std::string& stream,
                                         const std::string& type,
                                         const std::string& event_name,
                                         const std::string& payload,
                                         const std::string& actor);

  eventstore::EventStore* const store_;
  const std::set<std::string> councils_;
  mutable absl::Mutex mu_;
  // version -> (library, position)
  std::map<uint32_t,
           std::pair<std::shared_ptr<const v1::MeasureLibrary>, uint64_t>>
      libraries_ ABSL_GUARDED_BY(mu_);
  // (id, version) -> (framework, position)
  std::map<std::pair<std::string, uint32_t>,
           std::pair<std::shared_ptr<const v1::Framework>, uint64_t>>
      frameworks_ ABSL_GUARDED_BY(mu_);
  uint64_t skipped_ ABSL_GUARDED_BY(mu_) = 0;
  // Serializes publications (rare, admin-only).
  absl::Mutex publish_mu_;
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_FRAMEWORK_STORE_H_
