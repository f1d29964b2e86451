#ifndef SVLEDGER_SERVICES_DEMO_H_
#define SVLEDGER_SERVICES_DEMO_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "services/framework_store.h"

namespace svledger::services {

// A demo data set, so that what a newcomer queries first shows a living
// system: for every published council framework, six contracts with a
// supplier from a shared pool (so supplier scorecards span councils), five
// commitments each on measures the framework names, and quarterly
// deliveries from each contract's start (up to two years before `today`)
// to `today`: most verified, some rejected, the latest quarter pending, and
// suppliers performing from well above to well below their promises. One
// commitment is amended and one withdrawn per council.
//
// Everything goes through ContractService over `channel`, so it is
// validated like any client's commands. Deterministic for a given `seed`
// and `today`. Takes about a second.
absl::Status LoadDemo(const std::shared_ptr<grpc::Channel>& channel,
                      const FrameworkStore& frameworks, absl::CivilDay today,
                      uint64_t seed = 2026);

// The contract manager's side of enforcement for the demo, once the policy
// has opened its cases (`min_position`: the log position they are at): per
// council, the oldest open case is warned and given a remediation plan whose
// agreed date passed two weeks ago (the policy then escalates it), the
// next gets a plan due in 45 days, and the third is waived. Through
// EnforcementService over `channel`, like LoadDemo.
absl::Status LoadDemoEnforcement(const std::shared_ptr<grpc::Channel>& channel,
                                 absl::CivilDay today, uint64_t min_position);

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_DEMO_H_
