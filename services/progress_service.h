#ifndef SVLEDGER_SERVICES_PROGRESS_SERVICE_H_
#define SVLEDGER_SERVICES_PROGRESS_SERVICE_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "app/progress_queries.h"
#include "services/applied_wait.h"
#include "services/authenticate.h"
#include "services/log_stream.h"
#include "services/request_guard.h"
#include "svledger/v1/progress_service.grpc.pb.h"

namespace svledger::services {

class WatchReactor;

// svledger.v1.ProgressService on the callback API: the queries of
// ProgressQueries, each first waiting (without blocking a thread) for the
// read model to apply the request's min_position.
//
// Thread-safe. `model` and `queries` must outlive it.
class ProgressService final : public GuardedService<v1::ProgressService> {
 public:
  // `wait`: how queries wait for their min_position, and where scans run.
  // Every call is authenticated by `auth`. WatchContract streams are
  // capped by `limits`' max_streams and max_streams_per_principal: beyond
  // either a new one fails with RESOURCE_EXHAUSTED.
  ProgressService(const app::ProgressQueries* queries, AppliedWaitOptions wait,
                  const CallAuthenticator* auth, LogStreamLimits limits = {});
  ~ProgressService() override;

  grpc::ServerUnaryReactor* GetContractProgress(
      grpc::CallbackServerContext* context,
      const v1::GetContractProgressRequest* request,
      v1::ContractProgress* response) override;
  grpc::ServerUnaryReactor* ListContracts(
      grpc::CallbackServerContext* context,
      const v1::ListContractsRequest* request,
      v1::ListContractsResponse* response) override;
  grpc::ServerUnaryReactor* GetCouncilSummary(
      grpc::CallbackServerContext* context,
      const v1::GetCouncilSummaryRequest* request,
      v1::CouncilSummary* response) override;
  grpc::ServerUnaryReactor* GetSupplierScorecard(
      grpc::CallbackServerContext* context,
      const v1::GetSupplierScorecardRequest* request,
      v1::SupplierScorecard* response) override;
  grpc::ServerWriteReactor<v1::ContractProgress>* WatchContract(
      grpc::CallbackServerContext* context,
      const v1::WatchContractRequest* request) override;
  grpc::ServerUnaryReactor* ListFrameworks(
      grpc::CallbackServerContext* context,
      const v1::ListFrameworksRequest* request,
      v1::ListFrameworksResponse* response) override;
  grpc::ServerUnaryReactor* ListDeliveries(
      grpc::CallbackServerContext* context,
      const v1::ListDeliveriesRequest* request,
      v1::ListDeliveriesResponse* response) override;
  grpc::ServerUnaryReactor* GetFramework(
      grpc::CallbackServerContext* context,
      const v1::GetFrameworkRequest* request,
      v1::GetFrameworkResponse* response) override;

  // Ends every WatchContract stream with UNAVAILABLE and refuses new ones.
  // Call before shutting the gRPC server down.
  void StopWatches();

  size_t watch_count() const;

 private:
  friend class WatchReactor;
  void Forget(const WatchReactor* reactor);

  const app::ProgressQueries* const queries_;
  const CallAuthenticator* const auth_;
  AppliedWait wait_;
  const LogStreamLimits limits_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  struct Watch {
    std::weak_ptr<WatchReactor> reactor;
    std::string principal;
  };
  absl::flat_hash_map<const WatchReactor*, Watch> watches_ ABSL_GUARDED_BY(mu_);
  // Open or opening watches, all and by principal (Caller::actor; none at
  // 0): a slot is taken before the watch starts.
  size_t opened_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, size_t> per_principal_ ABSL_GUARDED_BY(mu_);
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_PROGRESS_SERVICE_H_
