#include "app/commands.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "domain/enforcement.h"

namespace svledger::app {
namespace {

// A Decide function's event as a decision of one event. The domain names
// fields within the command's message; `field` is where that message sits
// in the request (e.g. "delivery"), so errors name the request's field.
template <typename Event>
absl::StatusOr<domain::Decision> AsDecision(absl::StatusOr<Event> event,
                                            absl::string_view field) {
  if (!event.ok()) {
    if (!field.empty() && absl::IsInvalidArgument(event.status())) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".", event.status().message()));
    }
    return event.status();
  }
  return domain::Decision{domain::ToNewEvent(*event)};
}

// The commands whose decision needs only the state and the command.
template <typename Command>
ContractCommands::Decide DecideWith(
    absl::StatusOr<Command> (*decide)(const domain::ContractState&,
                                      const Command&),
    Command command, absl::string_view field) {
  return [decide, command = std::move(command),
          field = std::string(field)](const domain::ContractState& state) {
    return AsDecision(decide(state, command), field);
  };
}

// The commands whose decision also needs the published measure library.
template <typename Command>
ContractCommands::Decide DecideWithLibrary(
    const FrameworkStore* frameworks,
    absl::StatusOr<Command> (*decide)(const domain::ContractState&,
                                      const Command&,
                                      const v1::MeasureLibrary&),
    Command command, absl::string_view field) {
  return [frameworks, decide, command = std::move(command),
          field = std::string(field)](const domain::ContractState& state)
             -> absl::StatusOr<domain::Decision> {
    std::shared_ptr<const v1::MeasureLibrary> library = frameworks->Library();
    if (library == nullptr) {
      return absl::FailedPreconditionError("no measure library is published");
    }
    return AsDecision(decide(state, command, *library), field);
  };
}

}  // namespace

Commands::Commands(ContractCommands* engine, const FrameworkStore* frameworks)
    : engine_(engine), frameworks_(frameworks) {}

void Commands::RegisterContract(const Caller& caller,
                                const v1::RegisterContractRequest& request,
                                CommandDone done) {
  const v1::ContractRegistered& command = request.contract();
  engine_->Execute(
      command.contract_id(), request.request_id(), caller.actor,
      [frameworks = frameworks_, command](const domain::ContractState& state)
          -> absl::StatusOr<domain::Decision> {
        if (absl::Status s = frameworks->CheckServed(command.framework().id(),
                                                     "contract.framework.id");
            !s.ok()) {
          return s;
        }
        std::shared_ptr<const v1::Framework> framework = frameworks->Get(
            command.framework().id(), command.framework().version());
        return AsDecision(
            domain::DecideRegister(state, command, framework.get()),
            "contract");
      },
      std::move(done));
}

void Commands::AddCommitments(const Caller& caller,
                              const v1::AddCommitmentsRequest& request,
                              CommandDone done) {
  v1::CommitmentsAdded command;
  *command.mutable_commitments() = request.commitments();
  engine_->Execute(request.contract_id(), request.request_id(), caller.actor,
                   DecideWithLibrary(frameworks_, &domain::DecideAddCommitments,
                                     std::move(command), ""),
                   std::move(done));
}

void Commands::ReportDelivery(const Caller& caller,
                              const v1::ReportDeliveryRequest& request,
                              CommandDone done) {
  engine_->Execute(request.contract_id(), request.request_id(), caller.actor,
                   DecideWithLibrary(frameworks_, &domain::DecideReportDelivery,
                                     request.delivery(), "delivery"),
                   std::move(done));
}

void Commands::VerifyDelivery(const Caller& caller,
                              const v1::VerifyDeliveryRequest& request,
                              CommandDone done) {
  engine_->Execute(request.contract_id(), request.request_id(), caller.actor,
                   DecideWith(&domain::DecideVerifyDelivery,
                              request.verification(), "verification"),
                   std::move(done));
}

void Commands::RejectDelivery(const Caller& caller,
                              const v1::RejectDeliveryRequest& request,
                              CommandDone done) {
  engine_->Execute(request.contract_id(), request.request_id(), caller.actor,
                   DecideWith(&domain::DecideRejectDelivery,
                              request.rejection(), "rejection"),
                   std::move(done));
}

void Commands::AmendCommitment(const Caller& caller,
                               const v1::AmendCommitmentRequest& request,
                               CommandDone done) {
  engine_->Execute(request.contract_id(), request.request_id(), caller.actor,
                   DecideWith(&domain::DecideAmendCommitment,
                              request.amendment(), "amendment"),
                   std::move(done));
}

void Commands::WithdrawCommitment(const Caller& caller,
                                  const v1::WithdrawCommitmentRequest& request,
                                  CommandDone done) {
  engine_->Execute(request.contract_id(), request.request_id(), caller.actor,
                   DecideWith(&domain::DecideWithdrawCommitment,
                              request.withdrawal(), "withdrawal"),
                   std::move(done));
}

void Commands::CloseContract(const Caller& caller,
                             const v1::CloseContractRequest& request,
                             CommandDone done) {
  engine_->Execute(
      request.contract_id(), request.request_id(), caller.actor,
      DecideWith(&domain::DecideCloseContract, request.closure(), "closure"),
      std::move(done));
}

void Commands::RecordAction(const Caller& caller,
                            const v1::RecordActionRequest& request,
                            CommandDone done) {
  engine_->Execute(
      request.contract_id(), request.request_id(), caller.actor,
      [frameworks = frameworks_,
       action = request.action()](const domain::ContractState& state) {
        // The ladder of the contract's own framework version.
        return AsDecision(domain::DecideRecordAction(
                              state, action,
                              domain::LadderStages(frameworks->LadderOf(
                                  state.contract.framework()))),
                          "action");
      },
      std::move(done));
}

void Commands::CloseCase(const Caller& caller,
                         const v1::CloseCaseRequest& request,
                         CommandDone done) {
  engine_->Execute(
      request.contract_id(), request.request_id(), caller.actor,
      DecideWith(&domain::DecideCloseCase, request.close(), "close"),
      std::move(done));
}

void Commands::RecordPerformanceAssessment(
    const Caller& caller, const v1::RecordPerformanceAssessmentRequest& request,
    CommandDone done) {
  engine_->Execute(request.contract_id(), request.request_id(), caller.actor,
                   DecideWith(&domain::DecideRecordAssessment,
                              request.assessment(), "assessment"),
                   std::move(done));
}

}  // namespace svledger::app
