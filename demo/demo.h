#ifndef SVLEDGER_DEMO_DEMO_H_
#define SVLEDGER_DEMO_DEMO_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "app/application.h"

namespace svledger::demo {

// A demo data set, so that what a newcomer queries first shows a living
// system: for every published council framework, six contracts with a
// supplier from a shared pool (so supplier scorecards span councils), five
// commitments each on measures the framework names, and quarterly
// deliveries from each contract's start (up to two years before `today`)
// to `today`: most verified, some rejected, the latest quarter pending, and
// suppliers performing from well above to well below their promises. One
// commitment is amended and one withdrawn per council.
//
// Everything goes through app::Commands as actor "demo", so it is
// validated like any client's commands. Deterministic for a given `seed`
// and `today`. Takes about a second.
absl::Status LoadDemo(app::Application& app, absl::CivilDay today,
                      uint64_t seed = 2026);

// The contract manager's side of enforcement for the demo, once the policy
// has opened its cases (`min_position`: the log position they are at): per
// council, the oldest open case is warned and given a remediation plan whose
// agreed date passed two weeks ago (the policy then escalates it), the
// next gets a plan due in 45 days, and the third is waived. Through
// app::Commands as actor "demo.manager", once the read model has applied
// `min_position` (DEADLINE_EXCEEDED after 30 s).
absl::Status LoadDemoEnforcement(app::Application& app, absl::CivilDay today,
                                 uint64_t min_position);

}  // namespace svledger::demo

#endif  // SVLEDGER_DEMO_DEMO_H_
