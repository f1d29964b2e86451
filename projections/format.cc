#include "projections/format.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "projections/records.pb.h"

namespace svledger::projections::format {
namespace {

absl::Status Corrupt(absl::string_view key, absl::string_view why) {
  return absl::DataLossError(
      absl::StrCat("projection record '", key, "': ", why));
}

}  // namespace

std::string ContractKey(absl::string_view contract_id) {
  return absl::StrCat(kContractPrefix, contract_id, "/h");
}
std::string CommitmentKey(absl::string_view contract_id,
                          absl::string_view commitment_id) {
  return absl::StrCat(kContractPrefix, contract_id, "/m/", commitment_id);
}
std::string DeliveryKey(absl::string_view contract_id,
                        absl::string_view delivery_id) {
  return absl::StrCat(kContractPrefix, contract_id, "/d/", delivery_id);
}

std::string EncodeContract(const domain::ContractState& state) {
  StoredContract stored;
  *stored.mutable_contract() = state.contract;
  stored.set_closed(state.closed);
  stored.set_closed_unix_micros(absl::ToUnixMicros(state.closed_at));
  const domain::EnforcementState& e = state.enforcement;
  for (const auto& [id, c] : e.cases) {
    StoredCase& sc = *stored.add_cases();
    *sc.mutable_opened() = c.opened;
    sc.set_stage(c.stage);
    if (c.agreed_date) *sc.mutable_agreed_date() = *c.agreed_date;
    sc.set_closed(c.closed);
    sc.set_close_reason(c.close_reason);
    sc.set_opened_unix_micros(c.opened_unix_micros);
    sc.set_stage_since_unix_micros(c.stage_since_unix_micros);
    sc.set_closed_unix_micros(c.closed_unix_micros);
    sc.set_remedy_pence(c.remedy_pence);
    sc.set_actions(c.actions);
  }
  for (const auto& [id, n] : e.cases_opened) {
    (*stored.mutable_cases_opened())[id] = n;
  }
  for (const auto& [id, status] : e.recorded_status) {
    (*stored.mutable_recorded_status())[id] = status;
  }
  for (const auto& [id, n] : e.status_changes) {
    (*stored.mutable_status_changes())[id] = n;
  }
  for (const auto& a : e.assessments) *stored.add_assessments() = a;
  for (const std::string& id : e.held) stored.add_held(id);
  // Deterministic, so that equal states encode to equal bytes.
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  stored.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

std::string EncodeCommitment(const domain::CommitmentRecord& record) {
  StoredCommitment stored;
  *stored.mutable_terms() = record.terms;
  stored.set_withdrawn(record.withdrawn);
  for (const v1::CommitmentAmended& a : record.amendments) {
    *stored.add_amendments() = a;
  }
  return stored.SerializeAsString();
}

std::string EncodeDelivery(const domain::DeliveryRecord& record) {
  StoredDelivery stored;
  *stored.mutable_report() = record.report;
  switch (record.state) {
    case domain::DeliveryState::kPending:
      stored.set_state(StoredDelivery::PENDING);
      break;
    case domain::DeliveryState::kVerified:
      stored.set_state(StoredDelivery::VERIFIED);
      break;
    case domain::DeliveryState::kRejected:
      stored.set_state(StoredDelivery::REJECTED);
      break;
  }
  stored.set_recorded_unix_micros(absl::ToUnixMicros(record.recorded));
  stored.set_superseded_by(record.superseded_by);
  stored.set_reported_by(record.reported_by);
  stored.set_on_behalf_of(record.on_behalf_of);
  stored.set_decided_by(record.decided_by);
  if (!record.decided_by.empty()) {
    stored.set_decided_unix_micros(absl::ToUnixMicros(record.decided));
  }
  stored.set_decision_note(record.decision_note);
  return stored.SerializeAsString();
}

absl::Status LoadRecord(
    absl::string_view key, absl::string_view value,
    std::map<std::string, domain::ContractState>& contracts) {
  absl::string_view rest = key;
  if (!absl::ConsumePrefix(&rest, kContractPrefix)) {
    return Corrupt(key, "not a contract record");
  }
  const size_t slash = rest.find('/');
  if (slash == 0 || slash == absl::string_view::npos) {
    return Corrupt(key, "no contract id");
  }
  domain::ContractState& state = contracts[std::string(rest.substr(0, slash))];
  rest.remove_prefix(slash + 1);
  if (rest == "h") {
    StoredContract stored;
    if (!stored.ParseFromArray(value.data(), value.size())) {
      return Corrupt(key, "unparsable StoredContract");
    }
    state.registered = true;
    state.closed = stored.closed();
    state.closed_at = absl::FromUnixMicros(stored.closed_unix_micros());
    state.contract = std::move(*stored.mutable_contract());
    domain::EnforcementState& e = state.enforcement;
    for (StoredCase& sc : *stored.mutable_cases()) {
      domain::CaseRecord& c = e.cases[sc.opened().case_id()];
      c.stage = sc.stage();
      if (sc.has_agreed_date()) c.agreed_date = sc.agreed_date();
      c.closed = sc.closed();
      c.close_reason = sc.close_reason();
      c.opened_unix_micros = sc.opened_unix_micros();
      c.stage_since_unix_micros = sc.stage_since_unix_micros();
      c.closed_unix_micros = sc.closed_unix_micros();
      c.remedy_pence = sc.remedy_pence();
      c.actions = sc.actions();
      c.opened = std::move(*sc.mutable_opened());
    }
    e.cases_opened.insert(stored.cases_opened().begin(),
                          stored.cases_opened().end());
    for (const auto& [id, status] : stored.recorded_status()) {
      e.recorded_status[id] = static_cast<v1::CommitmentStatus>(status);
    }
    e.status_changes.insert(stored.status_changes().begin(),
                            stored.status_changes().end());
    e.assessments.assign(stored.assessments().begin(),
                         stored.assessments().end());
    e.held.insert(stored.held().begin(), stored.held().end());
  } else if (absl::ConsumePrefix(&rest, "m/")) {
    StoredCommitment stored;
    if (!stored.ParseFromArray(value.data(), value.size())) {
      return Corrupt(key, "unparsable StoredCommitment");
    }
    domain::CommitmentRecord& record = state.commitments[std::string(rest)];
    record.terms = std::move(*stored.mutable_terms());
    // Written by Apply, which carried any legacy target over.
    absl::StatusOr<domain::Decimal> target =
        domain::Decimal::Parse(record.terms.target(), "target");
    if (!target.ok()) return Corrupt(key, "commitment target not a decimal");
    record.target = *target;
    record.withdrawn = stored.withdrawn();
    record.amendments.assign(stored.amendments().begin(),
                             stored.amendments().end());
  } else if (absl::ConsumePrefix(&rest, "d/")) {
    StoredDelivery stored;
    if (!stored.ParseFromArray(value.data(), value.size())) {
      return Corrupt(key, "unparsable StoredDelivery");
    }
    domain::DeliveryRecord& record = state.deliveries[std::string(rest)];
    record.report = std::move(*stored.mutable_report());
    record.state = stored.state() == StoredDelivery::VERIFIED
                       ? domain::DeliveryState::kVerified
                   : stored.state() == StoredDelivery::REJECTED
                       ? domain::DeliveryState::kRejected
                       : domain::DeliveryState::kPending;
    record.recorded = absl::FromUnixMicros(stored.recorded_unix_micros());
    record.superseded_by = stored.superseded_by();
    record.reported_by = stored.reported_by();
    record.on_behalf_of = stored.on_behalf_of();
    record.decided_by = stored.decided_by();
    record.decided = absl::FromUnixMicros(stored.decided_unix_micros());
    record.decision_note = stored.decision_note();
    absl::StatusOr<absl::CivilDay> from =
        domain::ToCivilDay(record.report.period_start(), "");
    absl::StatusOr<absl::CivilDay> to =
        domain::ToCivilDay(record.report.period_end(), "");
    if (!from.ok() || !to.ok()) return Corrupt(key, "delivery period");
    record.from = *from;
    record.to = *to;
    // Delivery keys sort before commitment keys ('d' < 'm'): the record is
    // created here and filled when its own key is read.
    state.commitments[record.report.commitment_id()].deliveries.push_back(
        std::string(rest));
    absl::StatusOr<domain::Decimal> quantity =
        domain::Decimal::Parse(record.report.quantity(), "quantity");
    absl::StatusOr<domain::Decimal> denominator =
        record.report.denominator().empty()
            ? domain::Decimal()
            : domain::Decimal::Parse(record.report.denominator(), "");
    if (!quantity.ok() || !denominator.ok()) {
      return Corrupt(key, "delivery figures not decimals");
    }
    record.quantity = *quantity;
    record.denominator = *denominator;
  } else {
    return Corrupt(key, "unknown record kind");
  }
  return absl::OkStatus();
}

void EncodeAll(const domain::ContractState& state,
               std::map<std::string, std::string>& out) {
  const std::string& id = state.contract.contract_id();
  out[ContractKey(id)] = EncodeContract(state);
  for (const auto& [cid, record] : state.commitments) {
    out[CommitmentKey(id, cid)] = EncodeCommitment(record);
  }
  for (const auto& [did, record] : state.deliveries) {
    out[DeliveryKey(id, did)] = EncodeDelivery(record);
  }
}

}  // namespace svledger::projections::format
