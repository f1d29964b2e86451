#ifndef SVLEDGER_PROJECTIONS_CONTRACT_READ_MODEL_H_
#define SVLEDGER_PROJECTIONS_CONTRACT_READ_MODEL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "eventstore/event_store.h"
#include "eventstore/head_watcher.h"
#include "projections/contract_projection.h"
#include "projections/projection_db.h"

namespace svledger::projections {

struct ContractReadModelOptions {
  // The log. Not owned; must outlive the read model. Required.
  const eventstore::EventStore* store = nullptr;
  // Where projections persist. Not owned; must outlive the read model.
  // Required.
  ProjectionDb* db = nullptr;
  // See ContractProjectionOptions.
  uint32_t batch_events = 1000;
};

// Status of the read model, for operators. Plain data.
struct ReadModelStatus {
  uint32_t generation = 0;         // of the serving projection
  uint64_t applied = 0;            // its checkpoint
  uint64_t skipped = 0;            // events it counted and skipped
  bool rebuilding = false;         // a rebuild is running
  uint64_t rebuild_applied = 0;    // how far the rebuild has got
  std::string last_rebuild_error;  // empty if none (or none yet)
};

// Serves the contract progress projection and replaces it when rebuilt.
//
// At Open it loads the active projection, catches it up from its checkpoint
// and follows the log. StartRebuild builds a fresh generation from position
// 1 on a thread of its own while the old one keeps serving, then swaps it
// in; queries that hold the old one finish on it.
//
// Thread-safe.
class ContractReadModel {
 public:
  static absl::StatusOr<std::unique_ptr<ContractReadModel>> Open(
      ContractReadModelOptions options);

  // Stop()s.
  ~ContractReadModel();

  // The projection serving queries. Never null.
  std::shared_ptr<const ContractProjection> current() const;

  // The position the serving projection has applied, for read-your-writes
  // waits (HeadWatcher::WaitFor / NotifyAt). Never moves backwards, across
  // rebuilds too.
  eventstore::HeadWatcher& applied() { return applied_; }

  // Told, on the applying thread, the contracts each batch changed (all of
  // them after a rebuild). Must not block, and must not add or remove
  // listeners.
  using Listener = std::function<void(const ContractChanges& changes)>;
  uint64_t AddListener(Listener listener);
  void RemoveListener(uint64_t id);

  // Starts rebuilding in the background. FAILED_PRECONDITION if a rebuild
  // is running.
  absl::Status StartRebuild();
  // Rebuilds and swaps on the calling thread.
  absl::Status Rebuild();

  ReadModelStatus status() const;

  // Ends every wait on applied(): callbacks are dropped unrun (ProgressService
  // then answers UNAVAILABLE) and later waits fail at once. For shutdown,
  // before the gRPC server waits for its calls. Idempotent.
  void StopWaiting() { applied_.Stop(); }

  // Stops following the log and any rebuild, and StopWaiting(). Idempotent.
  void Stop();

 private:
  explicit ContractReadModel(ContractReadModelOptions options);
  absl::StatusOr<std::shared_ptr<ContractProjection>> LoadProjection(
      ProjectionTable* table);
  // Claims the one rebuild slot; FAILED_PRECONDITION if taken.
  absl::Status ClaimRebuild();
  // Rebuilds and swaps, then releases the slot.
  absl::Status RunRebuild();
  void OnApplied(uint32_t generation, uint64_t checkpoint,
                 const ContractChanges& changes);

  const ContractReadModelOptions options_;
  eventstore::HeadWatcher applied_{0};

  // Serializes swaps and Stop.
  absl::Mutex swap_mu_;
  mutable absl::Mutex mu_;
  std::shared_ptr<ContractProjection> current_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<ContractProjection> rebuilding_ ABSL_GUARDED_BY(mu_);
  bool rebuild_running_ ABSL_GUARDED_BY(mu_) = false;
  std::string last_rebuild_error_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::thread rebuild_thread_ ABSL_GUARDED_BY(swap_mu_);

  absl::Mutex listeners_mu_;
  uint64_t next_listener_ ABSL_GUARDED_BY(listeners_mu_) = 1;
  std::map<uint64_t, std::shared_ptr<Listener>> listeners_
      ABSL_GUARDED_BY(listeners_mu_);
};

}  // namespace svledger::projections

#endif  // SVLEDGER_PROJECTIONS_CONTRACT_READ_MODEL_H_
