#ifndef SVLEDGER_TESTS_PROJECTIONS_LOG_FIXTURE_H_
#define SVLEDGER_TESTS_PROJECTIONS_LOG_FIXTURE_H_

// Writes contract events straight into an event log, for projection tests.

#include <string>

#include "absl/strings/str_cat.h"
#include "common/uuid.h"
#include "domain/contract.h"
#include "eventstore/event_store.h"
#include "google/protobuf/message.h"

namespace svledger::testing {

// Appends one event of `message`'s type to the contract's stream. REQUIRES
// the append to succeed (checked by the caller through the return value).
inline absl::Status AppendContractEvent(eventstore::EventStore& store,
                                        const std::string& contract_id,
                                        const google::protobuf::Message& e) {
  eventstore::ProposedEvent event;
  event.id = Uuid::FromName(absl::StrCat(contract_id, "/", store.HeadPosition(),
                                         "/", e.ShortDebugString()));
  event.type = e.GetDescriptor()->name();
  event.payload = e.SerializeAsString();
  return store
      .Append(domain::ContractStream(contract_id),
              eventstore::ExpectedVersion::Any(), {event})
      .status();
}

// A contract with two commitments and `deliveries` reported deliveries,
// every third rejected and the rest verified, and one event the domain
// cannot apply (a verification of an unknown delivery).
inline absl::Status WriteContract(eventstore::EventStore& store,
                                  const std::string& id, int deliveries) {
  v1::ContractRegistered reg;
  reg.set_contract_id(id);
  reg.mutable_framework()->set_id("shire");
  reg.mutable_framework()->set_version(1);
  reg.set_supplier_id("acme");
  *reg.mutable_start() = domain::MakeDate(2025, 1, 1);
  *reg.mutable_end() = domain::MakeDate(2027, 12, 31);
  if (auto s = AppendContractEvent(store, id, reg); !s.ok()) return s;
  v1::CommitmentsAdded add;
  for (const char* c : {"jobs", "hours"}) {
    v1::Commitment* cm = add.add_commitments();
    cm->set_commitment_id(c);
    cm->set_measure_id(absl::StrCat("m.", c));
    cm->set_target("100");
    *cm->mutable_start() = domain::MakeDate(2025, 1, 1);
    *cm->mutable_due() = domain::MakeDate(2027, 12, 31);
  }
  if (auto s = AppendContractEvent(store, id, add); !s.ok()) return s;
  for (int i = 0; i < deliveries; ++i) {
    v1::DeliveryReported d;
    d.set_delivery_id(absl::StrCat("d", i));
    d.set_commitment_id(i % 2 == 0 ? "jobs" : "hours");
    d.set_quantity(absl::StrCat(i + 1));
    *d.mutable_period_start() = domain::MakeDate(2025, 1, 1);
    *d.mutable_period_end() = domain::MakeDate(2025, 3, 31);
    if (auto s = AppendContractEvent(store, id, d); !s.ok()) return s;
    absl::Status s;
    if (i % 3 == 2) {
      v1::DeliveryRejected r;
      r.set_delivery_id(d.delivery_id());
      r.set_reason("no evidence");
      s = AppendContractEvent(store, id, r);
    } else {
      v1::DeliveryVerified v;
      v.set_delivery_id(d.delivery_id());
      s = AppendContractEvent(store, id, v);
    }
    if (!s.ok()) return s;
  }
  v1::DeliveryVerified unknown;
  unknown.set_delivery_id("no-such-delivery");
  return AppendContractEvent(store, id, unknown);
}

}  // namespace svledger::testing

#endif  // SVLEDGER_TESTS_PROJECTIONS_LOG_FIXTURE_H_
