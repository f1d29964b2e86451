#ifndef SVLEDGER_SERVICES_CONTRACT_SERVICE_H_
#define SVLEDGER_SERVICES_CONTRACT_SERVICE_H_

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "domain/contract.h"
#include "eventstore/event_store.h"
#include "services/framework_store.h"
#include "svledger/v1/contract_service.grpc.pb.h"

namespace svledger::services {

// svledger.v1.ContractService: commands on one contract run one at a time,
// in arrival order (a single writer per contract inside this server), while
// different contracts proceed in parallel. Each command answers a retried
// request id with one indexed lookup, brings the contract's cached state up
// to date with the stream's new events,
// decides with the domain's Decide functions, and appends the one
// resulting event with the stream's exact expected version; a lost race is
// re-read (after an EventStore::Barrier, so the re-read includes what beat
// it) and retried: races then come only from other writers of the stream.
// Appends complete asynchronously, so no gRPC thread waits; the next queued
// command of a contract starts from the completion of the one before.
//
// Thread-safe. Does not own its dependencies; they must outlive it.
class ContractService final : public v1::ContractService::CallbackService {
 public:
  // How many times a command is re-read and retried after losing a race
  // before the caller gets ABORTED.
  static constexpr int kMaxAttempts = 32;

  ContractService(eventstore::EventStore* store, FrameworkStore* frameworks);

  grpc::ServerUnaryReactor* RegisterContract(
      grpc::CallbackServerContext* context,
      const v1::RegisterContractRequest* request,
      v1::CommandResponse* response) override;
  grpc::ServerUnaryReactor* AddCommitments(
      grpc::CallbackServerContext* context,
      const v1::AddCommitmentsRequest* request,
      v1::CommandResponse* response) override;
  grpc::ServerUnaryReactor* ReportDelivery(
      grpc::CallbackServerContext* context,
      const v1::ReportDeliveryRequest* request,
      v1::CommandResponse* response) override;
  grpc::ServerUnaryReactor* VerifyDelivery(
      grpc::CallbackServerContext* context,
      const v1::VerifyDeliveryRequest* request,
      v1::CommandResponse* response) override;
  grpc::ServerUnaryReactor* RejectDelivery(
      grpc::CallbackServerContext* context,
      const v1::RejectDeliveryRequest* request,
      v1::CommandResponse* response) override;
  grpc::ServerUnaryReactor* AmendCommitment(
      grpc::CallbackServerContext* context,
      const v1::AmendCommitmentRequest* request,
      v1::CommandResponse* response) override;
  grpc::ServerUnaryReactor* WithdrawCommitment(
      grpc::CallbackServerContext* context,
      const v1::WithdrawCommitmentRequest* request,
      v1::CommandResponse* response) override;
  grpc::ServerUnaryReactor* CloseContract(
      grpc::CallbackServerContext* context,
      const v1::CloseContractRequest* request,
      v1::CommandResponse* response) override;

  // Contract-stream events skipped because the domain could not apply them
  // (for metrics; nonzero means the log holds something unexpected).
  uint64_t skipped_events() const {
    return skipped_events_.load(std::memory_order_relaxed);
  }

  // Decides a command against the contract's current state: the event's
  // type and payload, or why not.
  struct Decided {
    std::string type;
    std::string payload;
  };
  using Decide =
      std::function<absl::StatusOr<Decided>(const domain::ContractState&)>;
  // Told the outcome of a command, once, on some thread; must not block.
  using Done = absl::AnyInvocable<void(absl::Status, v1::CommandResponse) &&>;

  // Runs a command that does not come over gRPC (the enforcement policy)
  // exactly as the RPCs run theirs: queued behind the contract's running
  // command, answered from the log if `request_id` already ran, decided
  // against the current state and appended with the stream's exact
  // expected version, retried on a lost race.
  void Execute(const std::string& contract_id, const std::string& request_id,
               const std::string& actor, Decide decide, Done done);

  // Runs a command of an RPC on a contract (this service's, or another's
  // such as EnforcementService's) as Execute does, the actor being the
  // caller's; finishes the call with the outcome. Validates request_id and
  // contract_id first.
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context,
                                const std::string& contract_id,
                                const std::string& request_id, Decide decide,
                                v1::CommandResponse* response);

 private:
  friend class CommandRun;
  // Starts `run` now, or queues it behind the command running on its
  // contract.
  void Enqueue(const std::string& contract_id, class CommandRun* run);
  // Called when a contract's running command has finished: starts the next
  // one queued, if any.
  void Next(const std::string& contract_id);

  eventstore::EventStore* const store_;
  FrameworkStore* const frameworks_;

  // A contract's state as of a stream version. Events never change, so a
  // cached prefix stays true; a command only applies what came after it.
  struct CachedContract {
    domain::ContractState state;
    std::optional<uint64_t> last_version;  // nullopt: nothing applied yet
    // The stream may hold events after last_version that this server did
    // not write (or a command lost a race): read them before deciding.
    bool stale = true;
  };
  // Most contracts cached at once; past it the cache starts again.
  static constexpr size_t kMaxCachedContracts = 20000;
  // Takes the contract's cached state (or an empty one). Only the command
  // running on the contract calls it, so nothing else holds the entry.
  std::unique_ptr<CachedContract> TakeCached(const std::string& contract_id);
  void PutCached(const std::string& contract_id,
                 std::unique_ptr<CachedContract> cached);

  // Events of contract streams that the domain could not apply (skipped).
  std::atomic<uint64_t> skipped_events_{0};

  absl::Mutex mu_;
  // Contracts with a command running -> the commands waiting behind it.
  absl::flat_hash_map<std::string, std::deque<class CommandRun*>> busy_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::unique_ptr<CachedContract>> cache_
      ABSL_GUARDED_BY(mu_);
};

// Wraps a Decide function's event as type and payload. The domain names
// fields within the command's message; `field` is where that message sits
// in the request (e.g. "delivery"), so errors name the request's field.
template <typename Event>
absl::StatusOr<ContractService::Decided> AsDecided(absl::StatusOr<Event> event,
                                                   absl::string_view field) {
  if (!event.ok()) {
    if (!field.empty() && absl::IsInvalidArgument(event.status())) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".", event.status().message()));
    }
    return event.status();
  }
  return ContractService::Decided{std::string(event->GetDescriptor()->name()),
                                  event->SerializeAsString()};
}

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_CONTRACT_SERVICE_H_
