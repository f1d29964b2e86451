#ifndef SVLEDGER_APP_COMMANDS_H_
#define SVLEDGER_APP_COMMANDS_H_

#include "app/caller.h"
#include "app/contract_commands.h"
#include "app/framework_store.h"
#include "svledger/v1/contract_service.pb.h"
#include "svledger/v1/enforcement_service.pb.h"

namespace svledger::app {

// The commands on contracts that every front door calls: each takes the
// caller and the API's request message, decides with the domain's Decide
// function (domain/contract.h, domain/enforcement.h) and runs through
// ContractCommands, so it queues behind the contract's other commands (the
// policy's included) and is idempotent by request id.
//
// Errors (through `done`): those of ContractCommands::Execute, with an
// INVALID_ARGUMENT's field named as in the request ("delivery.quantity");
// FAILED_PRECONDITION for a council this instance does not serve or before
// a measure library is published.
//
// Thread-safe. Everything passed in must outlive it.
class Commands {
 public:
  Commands(ContractCommands* engine, const FrameworkStore* frameworks);

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
  void CloseContract(const Caller& caller,
                     const v1::CloseContractRequest& request, CommandDone done);

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
  ContractCommands* const engine_;
  const FrameworkStore* const frameworks_;
};

}  // namespace svledger::app

#endif  // SVLEDGER_APP_COMMANDS_H_
