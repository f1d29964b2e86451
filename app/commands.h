#ifndef SVLEDGER_APP_COMMANDS_H_
#define SVLEDGER_APP_COMMANDS_H_

#include "app/access_policy.h"
#include "app/caller.h"
#include "app/contract_commands.h"
#include "app/evidence_files.h"
#include "app/framework_store.h"
#include "common/clock.h"
#include "svledger/v1/contract_service.pb.h"
#include "svledger/v1/enforcement_service.pb.h"

namespace svledger::app {

// The commands on contracts that every front door calls: each takes the
// caller and the API's request message, decides with the domain's Decide
// function (domain/contract.h, domain/enforcement.h) and runs through
// ContractCommands, so it queues behind the contract's other commands (the
// policy's included) and is idempotent by request id: each records the
// request's digest (RequestDigest), so a request id reused for another
// request is refused ALREADY_EXISTS. Commitments and deliveries are
// decided under the measure library the contract's framework version pins
// (FrameworkStore::LibraryFor), at the clock's now.
//
// Each asks the access policy (app/access_policy.h) first: PERMISSION_DENIED
// when no role of the caller may do the command, or the contract (for
// RegisterContract, the request's framework and supplier) is outside its
// scope; nothing is written. A delivery entered by anyone but the contract's
// supplier is recorded on its behalf (EventMetadata::on_behalf_of).
//
// Errors (through `done`): those of ContractCommands::Execute, with an
// INVALID_ARGUMENT's field named as in the request ("delivery.quantity");
// FAILED_PRECONDITION for a council this instance does not serve or before
// a measure library is published.
//
// Thread-safe. Everything passed in must outlive it.
class Commands {
 public:
  // `evidence`: completes a report's uploaded file (EvidenceFiles::Complete);
  // null: reports are taken as sent.
  Commands(ContractCommands* engine, const FrameworkStore* frameworks,
           Clock* clock, const EvidenceFiles* evidence = nullptr);

  void RegisterContract(const Caller& caller,
                        const v1::RegisterContractRequest& request,
                        CommandDone done);
  void AddCommitments(const Caller& caller,
                      const v1::AddCommitmentsRequest& request,
                      CommandDone done);
  void ReportDelivery(const Caller& caller,
                      const v1::ReportDeliveryRequest& request,
                      CommandDone done);
  void VerifyDelivery(const Caller& caller,
                      const v1::VerifyDeliveryRequest& request,
                      CommandDone done);
  void RejectDelivery(const Caller& caller,
                      const v1::RejectDeliveryRequest& request,
                      CommandDone done);
  void AmendCommitment(const Caller& caller,
                       const v1::AmendCommitmentRequest& request,
                       CommandDone done);
  void WithdrawCommitment(const Caller& caller,
                          const v1::WithdrawCommitmentRequest& request,
                          CommandDone done);
  // Closing is a last judgement: it may open cases in the same append
  // (domain::DecideCloseContract).
  void CloseContract(const Caller& caller,
                     const v1::CloseContractRequest& request, CommandDone done);
  // Moves the contract to a later version of its framework. `change`, if
  // not null, is told the event decided (unset when replayed); it must
  // stay valid until `done` is called.
  void ChangeFramework(const Caller& caller,
                       const v1::ChangeFrameworkRequest& request,
                       v1::ContractFrameworkChanged* change, CommandDone done);

  // The contract manager's enforcement commands. An action is checked
  // against the ladder of the contract's own framework version.
  void RecordAction(const Caller& caller,
                    const v1::RecordActionRequest& request, CommandDone done);
  void CloseCase(const Caller& caller, const v1::CloseCaseRequest& request,
                 CommandDone done);
  void RecordPerformanceAssessment(
      const Caller& caller,
      const v1::RecordPerformanceAssessmentRequest& request, CommandDone done);

 private:
  // Runs `decide` through the engine if the caller may do `op` on the
  // contract; otherwise answers PERMISSION_DENIED.
  void Run(const Caller& caller, Operation op, const std::string& contract_id,
           const std::string& request_id, ContractCommands::Decide decide,
           CommandDone done, const std::string& request_digest);

  ContractCommands* const engine_;
  const FrameworkStore* const frameworks_;
  Clock* const clock_;
  const EvidenceFiles* const evidence_;
};

// The SHA-256 of `request`'s deterministic serialization, as hex: what a
// command records to tell a retry from a reused request id.
std::string RequestDigest(const google::protobuf::Message& request);

}  // namespace svledger::app

#endif  // SVLEDGER_APP_COMMANDS_H_
