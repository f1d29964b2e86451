#ifndef SVLEDGER_DEMO_DEMO_H_
#define SVLEDGER_DEMO_DEMO_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "app/application.h"
#include "common/clock.h"

namespace svledger::demo {

// When the demo's history begins for `today`: a month before its first
// contract starts (the first day of the quarter two years before today).
// Publish the frameworks at this time, so the log's recorded times stay in
// order.
absl::Time DemoEpoch(absl::CivilDay today);

struct DemoOptions {
  uint64_t seed = 2026;
  // The log's head position, so the loader can wait for the read model to
  // apply everything before a sweep or a case query. Required.
  std::function<uint64_t()> head_position;
};

// A demo data set with a past: two years of a ledger as it would have
// happened, written at its own dates. For each of the four councils five
// contracts whose titles, suppliers and commitments belong together
// (highways with local jobs, apprentices, local spend and carbon; care
// with volunteering and wellbeing; IT with apprentices and school
// sessions), each commitment on a measure the council's own framework
// names. One ordered timeline across every contract: registration at the
// contract's start, commitments a few days later, each quarter's return
// 5-14 days after the quarter ends, verified 3-8 days later (a few
// rejected with a reason and resubmitted; the latest returns of some
// contracts still pending), the enforcement policy swept on the 25th of
// every month, and the contract managers' case actions at their own dates.
// Each supplier has a profile with a story (ids for a `today` in the
// fourth quarter of 2026):
//   - RECOVERS: one commitment falls short, the case is warned and given a
//     remediation plan, the supplier catches up and the manager closes the
//     case REMEDIED (NOR-2024-101 and others);
//   - FAILING: one commitment stays far short, the plan's agreed date
//     passes, the policy escalates the case and the manager issues a
//     PERFORMANCE_NOTICE (NOR-2025-102 and others);
//   - EXEMPLARY: well ahead, with a GOOD annual performance assessment
//     (NOR-2025-103 and others);
//   - SLIPPING: on track until the last year's returns, now warned;
//   - GOOD and STEADY: on or just above track.
// Every step sets `clock` to its recorded time first; `clock` must be the
// clock `app` and its log were built with, the log empty but for the
// frameworks (published at DemoEpoch), and the policy not started (the
// loader sweeps it). Leaves `clock` set to the last step's time: Release
// it before serving. Everything goes through app::Commands as actor "demo"
// (suppliers' and verifications) or "demo.manager" (case actions), so it
// is validated like any client's commands. Deterministic for a given seed
// and `today`. Errors: the first step's that fails, naming the contract;
// FAILED_PRECONDITION when a story's case is not where the story needs it;
// DEADLINE_EXCEEDED when the read model does not catch up in 30 s.
absl::Status LoadDemo(app::Application& app, SettableClock& clock,
                      absl::CivilDay today, const DemoOptions& options);

}  // namespace svledger::demo

#endif  // SVLEDGER_DEMO_DEMO_H_
