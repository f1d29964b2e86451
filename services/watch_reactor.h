#ifndef SVLEDGER_SERVICES_WATCH_REACTOR_H_
#define SVLEDGER_SERVICES_WATCH_REACTOR_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/progress_service.h"

namespace svledger::services {

// One WatchContract stream. Sends the contract's progress once the read
// model has applied the request's min_position, then again whenever a batch
// the read model applies changes the contract (a view equal to the last one
// sent is not resent). While a write is in flight, changes only mark the
// view stale; the write's completion sends the fresh view. Nothing in it
// blocks.
//
// Lifetime: owned through shared_ptr by itself until gRPC calls OnDone. The
// read model's listener and the position wait hold weak_ptrs.
class WatchReactor final
    : public grpc::ServerWriteReactor<v1::ContractProgress>,
      public std::enable_shared_from_this<WatchReactor> {
 public:
  // Creates the reactor and starts it. `service` and `queries` must
  // outlive the stream.
  static std::shared_ptr<WatchReactor> Start(
      ProgressService* service, const app::ProgressQueries* queries,
      app::Caller caller, std::string contract_id, uint64_t min_position,
      absl::Time deadline);

  WatchReactor(ProgressService* service, const app::ProgressQueries* queries,
               app::Caller caller, std::string contract_id);

  // Sends the current view if it changed (or marks it stale while a write
  // is in flight).
  void Changed();
  // Ends the stream with `status` as soon as no write is in flight.
  void Stop(const grpc::Status& status);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  ProgressService* const service_;
  const app::ProgressQueries* const queries_;
  // Who opened the watch: every view it sends is read as this caller.
  const app::Caller caller_;
  const std::string contract_id_;
  uint64_t listener_ = 0;
  std::shared_ptr<WatchReactor> self_;  // released in OnDone

  absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool stale_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status stop_status_ ABSL_GUARDED_BY(mu_);
  std::string last_sent_ ABSL_GUARDED_BY(mu_);  // without as_of and position
  v1::ContractProgress response_ ABSL_GUARDED_BY(mu_);
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_WATCH_REACTOR_H_
