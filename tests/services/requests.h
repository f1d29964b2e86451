#ifndef SVLEDGER_TESTS_SERVICES_REQUESTS_H_
#define SVLEDGER_TESTS_SERVICES_REQUESTS_H_

// Command requests the service tests build again and again.

#include <string>

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
  d->set_quantity(quantity);
  d->set_denominator(denominator);
  *d->mutable_period_start() = start;
  *d->mutable_period_end() = end;
  d->mutable_evidence()->set_uri("https://evidence.example/" + id);
  return request;
}

}  // namespace svledger::testing

#endif  // SVLEDGER_TESTS_SERVICES_REQUESTS_H_
