#ifndef SVLEDGER_DOMAIN_CONTRACT_H_
#define SVLEDGER_DOMAIN_CONTRACT_H_

// A contract's social value commitments and deliveries, as pure functions of
// plain data. The state is rebuilt by applying the contract stream's events
// (Apply); each command is checked against the state by a Decide function
// that returns the event to append or says why not. No RocksDB, no gRPC: the
// service edge reads the stream, decides, and appends with the stream's
// expected version.
//
// Errors:
//   INVALID_ARGUMENT     the command is malformed; the message starts with
//                        the field's name.
//   FAILED_PRECONDITION  the command is impossible in the current state
//                        (unknown contract or commitment, closed contract,
//                        withdrawn commitment, delivery period outside the
//                        contract, a delivery already decided, ...).
//   ALREADY_EXISTS       the contract, a commitment or a delivery id exists.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "domain/decimal.h"
#include "domain/enforcement_state.h"
#include "domain/ids.h"
#include "domain/status_rules.h"
#include "svledger/v1/contract.pb.h"
#include "svledger/v1/framework.pb.h"

namespace svledger::domain {

enum class DeliveryState { kPending, kVerified, kRejected };

struct DeliveryRecord {
  // As reported; a report from before decimals has its legacy doubles
  // carried over into the decimal text fields when applied.
  v1::DeliveryReported report;
  Decimal quantity;         // report.quantity(), parsed
  Decimal denominator;      // report.denominator(), parsed (0 if none)
  absl::CivilDay from, to;  // the report's period, parsed
  DeliveryState state = DeliveryState::kPending;
  absl::Time recorded;  // when the report was recorded in the log
  // Who recorded the report (the event's actor), and the supplier a
  // council manager entered it for (empty when the supplier reported).
  std::string reported_by;
  std::string on_behalf_of;
  // Who verified or rejected it, when, and the verification's note or the
  // rejection's reason; empty while pending.
  std::string decided_by;
  absl::Time decided;
  std::string decision_note;
  // The verified report that corrects this one, which then no longer
  // counts; empty if none.
  std::string superseded_by;
};

struct CommitmentRecord {
  v1::Commitment terms;  // as amended (target as decimal text)
  Decimal target;        // terms.target(), parsed
  // The ids of the commitment's deliveries (keys of state.deliveries), so
  // a new report is checked against its commitment's only.
  std::vector<std::string> deliveries;
  bool withdrawn = false;
  std::vector<v1::CommitmentAmended> amendments;  // history, oldest first
};

// One contract, as its events left it. Plain data; maps are ordered so that
// anything built from them is deterministic.
struct ContractState {
  bool registered = false;
  bool closed = false;
  absl::Time closed_at;  // when ContractClosed was recorded
  // As registered, its framework as last changed (ContractFrameworkChanged).
  v1::ContractRegistered contract;
  std::map<std::string, CommitmentRecord> commitments;
  std::map<std::string, DeliveryRecord> deliveries;
  EnforcementState enforcement;
};

// Checks free text (notes, reasons, titles): at most 2,000 bytes; non-empty
// if `required`. Errors: INVALID_ARGUMENT naming `field`.
absl::Status CheckText(absl::string_view value, absl::string_view field,
                       bool required);

// Checks a file's name as a person gave it (evidence.name): at most 255
// bytes of UTF-8, with no control, invisible (U+200B-U+200F, U+FEFF) or
// direction (U+202A-U+202E, U+2066-U+2069) characters and no path
// separators, not "." or ".."; empty is allowed. Errors: INVALID_ARGUMENT
// naming `field`.
absl::Status CheckFileName(absl::string_view name, absl::string_view field);

// An event a decision makes, before the log gives it an id and a position:
// its type (the payload message's name) and serialized payload.
struct NewEvent {
  std::string type;
  std::string payload;
  // For a decision whose events are each idempotent on their own (the
  // policy's, app::ContractCommands::ExecuteKeyed): the request id the
  // event is recorded under, its id CommandEventId(contract, request_id,
  // 0) (domain/ids.h). Empty (the default) for a front door's command,
  // whose events take the command's request id.
  std::string request_id;
  // The party the actor enters the event for (EventMetadata::on_behalf_of):
  // the supplier, when a contract manager enters its return. Empty: itself.
  std::string on_behalf_of;
};
// What a command decides: the events to append to the contract's stream,
// in order and in one atomic append; empty when there is nothing to do.
using Decision = std::vector<NewEvent>;

// `event` as a NewEvent.
template <typename Event>
NewEvent ToNewEvent(const Event& event) {
  return NewEvent{std::string(event.GetDescriptor()->name()),
                  event.SerializeAsString()};
}

// What a Decide function returns for a contract that is not registered:
// the caller, who knows the contract id, may say it better.
absl::Status NotRegisteredError();

// Event types: the payload message's name.
inline constexpr char kContractRegistered[] = "ContractRegistered";
inline constexpr char kCommitmentsAdded[] = "CommitmentsAdded";
inline constexpr char kDeliveryReported[] = "DeliveryReported";
inline constexpr char kDeliveryVerified[] = "DeliveryVerified";
inline constexpr char kDeliveryRejected[] = "DeliveryRejected";
inline constexpr char kCommitmentAmended[] = "CommitmentAmended";
inline constexpr char kCommitmentWithdrawn[] = "CommitmentWithdrawn";
inline constexpr char kContractClosed[] = "ContractClosed";
inline constexpr char kContractFrameworkChanged[] = "ContractFrameworkChanged";

// What an applied event changed: for a reader that persists the state piece
// by piece (the progress projection).
struct Touched {
  bool contract = false;  // the registration or closure
  // Keys in state.commitments and state.deliveries of what changed. Those
  // maps never lose an entry, so the pointers stay valid while the state
  // lives.
  std::vector<const std::string*> commitments;
  const std::string* delivery = nullptr;
  // A delivery a verified correction superseded, or null.
  const std::string* corrected = nullptr;
};

// Applies one event of the contract's stream. An event that cannot be
// applied (unknown type, unparsable payload, or one that contradicts the
// state) is an INVALID_ARGUMENT error and leaves the state unchanged, so a
// reader can count and skip it. `touched`, if not null, is told what changed.
absl::Status Apply(ContractState& state, absl::string_view type,
                   absl::string_view payload, absl::Time recorded,
                   Touched* touched = nullptr);

// Who recorded an event, for the records that keep it (a delivery's
// reporter and decider).
struct RecordedBy {
  absl::string_view actor;
  absl::string_view on_behalf_of;
};
// Apply, keeping who recorded the event.
absl::Status Apply(ContractState& state, absl::string_view type,
                   absl::string_view payload, absl::Time recorded,
                   RecordedBy by, Touched* touched = nullptr);

// Whether an event of `type` can change how a commitment is judged (its
// status, and so the enforcement policy's decisions): every event but a
// new delivery report, which counts only once verified.
bool CanChangeJudgement(absl::string_view type);

// `framework`: the framework version the command names, or null if it is not
// published. The returned event has defaults filled in.
absl::StatusOr<v1::ContractRegistered> DecideRegister(
    const ContractState& state, const v1::ContractRegistered& command,
    const v1::Framework* framework);

// `library`: the measures commitments may name. The returned event has each
// commitment's start filled in (default: the contract's start).
absl::StatusOr<v1::CommitmentsAdded> DecideAddCommitments(
    const ContractState& state, const v1::CommitmentsAdded& command,
    const v1::MeasureLibrary& library);

// A return is guarded: quantities are exact decimals; its period lies
// within the commitment's start and due date plus the grace period, and
// has ended by `now`; it overlaps no other report of the commitment that
// still counts (pending or verified, not superseded), unless it `corrects`
// that report; a PERCENT share's numerator is at most its denominator.
absl::StatusOr<v1::DeliveryReported> DecideReportDelivery(
    const ContractState& state, const v1::DeliveryReported& command,
    const v1::MeasureLibrary& library, absl::Time now);

// Pending deliveries may still be decided after the contract closed: late
// reports are part of closing the books.
absl::StatusOr<v1::DeliveryVerified> DecideVerifyDelivery(
    const ContractState& state, const v1::DeliveryVerified& command);
absl::StatusOr<v1::DeliveryRejected> DecideRejectDelivery(
    const ContractState& state, const v1::DeliveryRejected& command);

absl::StatusOr<v1::CommitmentAmended> DecideAmendCommitment(
    const ContractState& state, const v1::CommitmentAmended& command);
absl::StatusOr<v1::CommitmentWithdrawn> DecideWithdrawCommitment(
    const ContractState& state, const v1::CommitmentWithdrawn& command);
// Closing: see DecideCloseContract in domain/enforcement.h. Changing
// framework version: domain/framework_change.h.

// The status rules applied to every commitment of the contract at `as_of`,
// in commitment id order, with the figures they were judged on.
// A closed contract is judged as of its close, for ever (a later `as_of`
// is taken back to closed_at), as a final judgement (no grace after due
// dates: no report is accepted after the close); deliveries verified after
// the close count.
struct CommitmentProgress {
  std::string commitment_id;
  std::string measure_id;
  Decimal target;
  // What the claims awaiting verification, and the rejected claims, come to
  // on their own, aggregated as the measure is (summed for SUM, the latest
  // for LATEST, their share for RATIO). Never counted as delivered.
  Decimal pending;
  Decimal rejected;
  Assessment assessment;
};
std::vector<CommitmentProgress> AssessContract(
    const ContractState& state, const v1::MeasureLibrary& library,
    absl::Time as_of);

// A v1::Date. Not checked: ToCivilDay says whether it is a real date.
v1::Date MakeDate(int year, int month, int day);

// Conversions used by the rules. A contract date starts at midnight UTC.
absl::StatusOr<absl::CivilDay> ToCivilDay(const v1::Date& date,
                                          absl::string_view field);
absl::Time StartOfDay(const v1::Date& date);
StatusThresholds ThresholdsOf(const v1::ContractRegistered& contract);

}  // namespace svledger::domain

#endif  // SVLEDGER_DOMAIN_CONTRACT_H_
