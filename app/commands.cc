#include "app/commands.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "app/access_policy.h"
#include "common/digest.h"
#include "domain/enforcement.h"
#include "domain/framework_change.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

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

// The library the contract is judged by, or why there is none.
absl::StatusOr<std::shared_ptr<const v1::MeasureLibrary>> PinnedLibrary(
    const FrameworkStore* frameworks, const domain::ContractState& state) {
  if (frameworks->Library() == nullptr) {
    return absl::FailedPreconditionError("no measure library is published");
  }
  return frameworks->LibraryFor(state.contract.framework());
}

}  // namespace

std::string RequestDigest(const google::protobuf::Message& request) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  return Sha256Hex(bytes);
}

Commands::Commands(ContractCommands* engine, const FrameworkStore* frameworks,
                   Clock* clock, const EvidenceFiles* evidence)
    : engine_(engine),
      frameworks_(frameworks),
      clock_(clock),
      evidence_(evidence) {}

void Commands::Run(const Caller& caller, Operation op,
                   const std::string& contract_id,
                   const std::string& request_id,
                   ContractCommands::Decide decide, CommandDone done,
                   const std::string& request_digest) {
  // Refused at once when no role of the caller may do `op` at all.
  if (absl::Status s = MayDo(caller, op); !s.ok()) {
    std::move(done)(s);
    return;
  }
  // In scope of the contract as the command finds it, before a retry is
  // answered: its council and supplier never change, so this is exact. An
  // unregistered contract has no parties yet; the decision says it does
  // not exist (or registers it, checked against the request by
  // RegisterContract).
  engine_->Execute(
      contract_id, request_id, caller, std::move(decide), std::move(done),
      request_digest,
      [caller, op](const domain::ContractState& state) -> absl::Status {
        if (!state.registered) return absl::OkStatus();
        return MayDoOn(caller, op, TargetOf(state.contract));
      });
}

void Commands::RegisterContract(const Caller& caller,
                                const v1::RegisterContractRequest& request,
                                CommandDone done) {
  const v1::ContractRegistered& command = request.contract();
  if (absl::Status s =
          MayDoOn(caller, Operation::kRegisterContract,
                  {command.framework().id(), command.supplier_id()});
      !s.ok()) {
    std::move(done)(s);
    return;
  }
  Run(
      caller, Operation::kRegisterContract, command.contract_id(),
      request.request_id(),
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
      std::move(done), RequestDigest(request));
}

void Commands::AddCommitments(const Caller& caller,
                              const v1::AddCommitmentsRequest& request,
                              CommandDone done) {
  v1::CommitmentsAdded command;
  *command.mutable_commitments() = request.commitments();
  Run(
      caller, Operation::kManageContract, request.contract_id(),
      request.request_id(),
      [frameworks = frameworks_,
       command = std::move(command)](const domain::ContractState& state)
          -> absl::StatusOr<domain::Decision> {
        auto library = PinnedLibrary(frameworks, state);
        if (!library.ok()) return library.status();
        return AsDecision(
            domain::DecideAddCommitments(state, command, **library), "");
      },
      std::move(done), RequestDigest(request));
}

void Commands::ReportDelivery(const Caller& caller,
                              const v1::ReportDeliveryRequest& request,
                              CommandDone done) {
  // An uploaded file is recorded as stored (its size and type read from
  // its bytes), once the caller is known to report at all.
  v1::DeliveryReported delivery = request.delivery();
  if (absl::Status s = MayDo(caller, Operation::kReportDelivery); !s.ok()) {
    std::move(done)(s);
    return;
  }
  if (evidence_ != nullptr) {
    if (absl::Status s = evidence_->Complete(caller, request.contract_id(),
                                             *delivery.mutable_evidence());
        !s.ok()) {
      std::move(done)(s);
      return;
    }
  }
  Run(
      caller, Operation::kReportDelivery, request.contract_id(),
      request.request_id(),
      [frameworks = frameworks_, clock = clock_, command = std::move(delivery),
       suppliers = caller.grants.suppliers](const domain::ContractState& state)
          -> absl::StatusOr<domain::Decision> {
        auto library = PinnedLibrary(frameworks, state);
        if (!library.ok()) return library.status();
        absl::StatusOr<domain::Decision> decision =
            AsDecision(domain::DecideReportDelivery(state, command, **library,
                                                    clock->Now()),
                       "delivery");
        // A return entered by anyone but the supplier itself (its contract
        // manager, an admin) is recorded as entered on its behalf.
        const std::string& supplier = state.contract.supplier_id();
        if (decision.ok() && !suppliers.contains(supplier)) {
          for (domain::NewEvent& event : *decision) {
            event.on_behalf_of = supplier;
          }
        }
        return decision;
      },
      std::move(done), RequestDigest(request));
}

void Commands::VerifyDelivery(const Caller& caller,
                              const v1::VerifyDeliveryRequest& request,
                              CommandDone done) {
  Run(caller, Operation::kVerifyDelivery, request.contract_id(),
      request.request_id(),
      DecideWith(&domain::DecideVerifyDelivery, request.verification(),
                 "verification"),
      std::move(done), RequestDigest(request));
}

void Commands::RejectDelivery(const Caller& caller,
                              const v1::RejectDeliveryRequest& request,
                              CommandDone done) {
  Run(caller, Operation::kVerifyDelivery, request.contract_id(),
      request.request_id(),
      DecideWith(&domain::DecideRejectDelivery, request.rejection(),
                 "rejection"),
      std::move(done), RequestDigest(request));
}

void Commands::AmendCommitment(const Caller& caller,
                               const v1::AmendCommitmentRequest& request,
                               CommandDone done) {
  Run(caller, Operation::kManageContract, request.contract_id(),
      request.request_id(),
      DecideWith(&domain::DecideAmendCommitment, request.amendment(),
                 "amendment"),
      std::move(done), RequestDigest(request));
}

void Commands::WithdrawCommitment(const Caller& caller,
                                  const v1::WithdrawCommitmentRequest& request,
                                  CommandDone done) {
  Run(caller, Operation::kManageContract, request.contract_id(),
      request.request_id(),
      DecideWith(&domain::DecideWithdrawCommitment, request.withdrawal(),
                 "withdrawal"),
      std::move(done), RequestDigest(request));
}

void Commands::CloseContract(const Caller& caller,
                             const v1::CloseContractRequest& request,
                             CommandDone done) {
  Run(
      caller, Operation::kManageContract, request.contract_id(),
      request.request_id(),
      [frameworks = frameworks_, clock = clock_,
       closure = request.closure()](const domain::ContractState& state)
          -> absl::StatusOr<domain::Decision> {
        absl::StatusOr<domain::Decision> decision = domain::DecideCloseContract(
            state, closure, *frameworks->LibraryFor(state.contract.framework()),
            domain::LadderStages(
                frameworks->LadderOf(state.contract.framework())),
            clock->Now());
        if (!decision.ok() && absl::IsInvalidArgument(decision.status())) {
          return absl::InvalidArgumentError(
              absl::StrCat("closure.", decision.status().message()));
        }
        return decision;
      },
      std::move(done), RequestDigest(request));
}

void Commands::ChangeFramework(const Caller& caller,
                               const v1::ChangeFrameworkRequest& request,
                               v1::ContractFrameworkChanged* change,
                               CommandDone done) {
  Run(
      caller, Operation::kManageContract, request.contract_id(),
      request.request_id(),
      [frameworks = frameworks_, clock = clock_, request,
       change](const domain::ContractState& state)
          -> absl::StatusOr<domain::Decision> {
        const v1::FrameworkRef& from = state.contract.framework();
        std::shared_ptr<const v1::Framework> to =
            frameworks->Get(from.id(), request.version());
        std::shared_ptr<const v1::MeasureLibrary> to_library =
            to == nullptr
                ? frameworks->LibraryOrEmpty()
                : frameworks->LibraryVersion(to->measure_library_version());
        if (to_library == nullptr) to_library = frameworks->LibraryOrEmpty();
        absl::StatusOr<v1::ContractFrameworkChanged> event =
            domain::DecideChangeFramework(state, request.version(), to.get(),
                                          *frameworks->LibraryFor(from),
                                          *to_library, request.reason(),
                                          clock->Now());
        if (!event.ok()) return event.status();
        if (change != nullptr) *change = *event;
        return domain::Decision{domain::ToNewEvent(*event)};
      },
      std::move(done), RequestDigest(request));
}

void Commands::RecordAction(const Caller& caller,
                            const v1::RecordActionRequest& request,
                            CommandDone done) {
  Run(
      caller, Operation::kEnforce, request.contract_id(), request.request_id(),
      [frameworks = frameworks_,
       action = request.action()](const domain::ContractState& state) {
        // The ladder of the contract's own framework version.
        return AsDecision(domain::DecideRecordAction(
                              state, action,
                              domain::LadderStages(frameworks->LadderOf(
                                  state.contract.framework()))),
                          "action");
      },
      std::move(done), RequestDigest(request));
}

void Commands::CloseCase(const Caller& caller,
                         const v1::CloseCaseRequest& request,
                         CommandDone done) {
  Run(caller, Operation::kEnforce, request.contract_id(), request.request_id(),
      DecideWith(&domain::DecideCloseCase, request.close(), "close"),
      std::move(done), RequestDigest(request));
}

void Commands::RecordPerformanceAssessment(
    const Caller& caller, const v1::RecordPerformanceAssessmentRequest& request,
    CommandDone done) {
  Run(
      caller, Operation::kEnforce, request.contract_id(), request.request_id(),
      [clock = clock_,
       assessment = request.assessment()](const domain::ContractState& state) {
        return AsDecision(
            domain::DecideRecordAssessment(state, assessment, clock->Now()),
            "assessment");
      },
      std::move(done), RequestDigest(request));
}

}  // namespace svledger::app
