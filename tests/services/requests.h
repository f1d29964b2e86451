#ifndef SVLEDGER_TESTS_SERVICES_REQUESTS_H_
#define SVLEDGER_TESTS_SERVICES_REQUESTS_H_

// Command requests the service tests build again and again.

#include <string>

#include "domain/contract.h"
#include "domain/decimal.h"
#include "svledger/v1/contract_service.pb.h"

namespace svledger::testing {

// A report of `quantity` (over `denominator` for RATIO measures) against
// `commitment` for the period [start, end], request id "report-<id>".
inline v1::ReportDeliveryRequest ReportRequest(
    const std::string& contract, const std::string& id,
    const std::string& commitment, double quantity, const v1::Date& start,
    const v1::Date& end, double denominator = 0) {
  v1::ReportDeliveryRequest request;
  request.set_request_id("report-" + id);
  request.set_contract_id(contract);
  v1::DeliveryReported* d = request.mutable_delivery();
  d->set_delivery_id(id);
  d->set_commitment_id(commitment);
  // Test figures are exact in binary; sent as the decimal text they are.
  d->set_quantity(domain::Decimal::FromLegacyDouble(quantity).ToString());
  if (denominator != 0) {
    d->set_denominator(
        domain::Decimal::FromLegacyDouble(denominator).ToString());
  }
  *d->mutable_period_start() = start;
  *d->mutable_period_end() = end;
  d->mutable_evidence()->set_uri("https://evidence.example/" + id);
  return request;
}

// The enforcement tests' contract: K1, Norwich's framework, supplier acme,
// 2025-01-01 to 2026-12-31, with one commitment of 24 local jobs ("jobs")
// due at the end.
inline v1::RegisterContractRequest RegisterK1() {
  v1::RegisterContractRequest reg;
  reg.set_request_id("reg");
  v1::ContractRegistered* c = reg.mutable_contract();
  c->set_contract_id("K1");
  c->mutable_framework()->set_id("norwich");
  c->mutable_framework()->set_version(1);
  c->set_title("Waste");
  c->set_supplier_id("acme");
  c->set_supplier_name("Acme");
  *c->mutable_start() = domain::MakeDate(2025, 1, 1);
  *c->mutable_end() = domain::MakeDate(2026, 12, 31);
  c->set_contract_manager("j.smith");
  return reg;
}
inline v1::AddCommitmentsRequest K1Jobs() {
  v1::AddCommitmentsRequest add;
  add.set_request_id("add");
  add.set_contract_id("K1");
  v1::Commitment* jobs = add.add_commitments();
  jobs->set_commitment_id("jobs");
  jobs->set_measure_id("jobs.new_local");
  jobs->set_target("24");
  *jobs->mutable_due() = domain::MakeDate(2026, 12, 31);
  return add;
}

}  // namespace svledger::testing

#endif  // SVLEDGER_TESTS_SERVICES_REQUESTS_H_
