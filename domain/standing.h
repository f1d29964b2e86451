#ifndef SVLEDGER_DOMAIN_STANDING_H_
#define SVLEDGER_DOMAIN_STANDING_H_

// A supplier's standing across its contracts (SupplierStanding in
// progress.proto), by the Derbyshire principles: "endorse suppliers who
// engage successfully" and "extend contracts of those who deliver". The
// seeds give the principles, not thresholds; the rule below is svledger's,
// configurable, and every decision lists its reasons. Pure.

#include <vector>

#include "svledger/v1/progress.pb.h"

namespace svledger::domain {

struct StandingRule {
  // Endorsement: at least this share (0-1) of the supplier's live
  // commitments ON_TRACK or MET, over all its contracts. Default 0.9.
  double endorse_min_on_track_share = 0.9;
  // ... at most this many cases open. Default 0.
  int endorse_max_open_cases = 0;
  // ... and, if set, no case of its ever closed TERMINATED. Default true.
  bool endorse_no_termination = true;

  // Contract extension, per open contract: a KPI rating at least this good.
  // Default GOOD.
  v1::KpiRating extension_min_rating = v1::GOOD;
  // ... no case open on the contract. Default true.
  bool extension_no_open_case = true;
  // ... and the contract has run at least this many months, so there is a
  // record to judge. Default 12 (one assessment year).
  int extension_min_months = 12;
};

// The standing of the supplier whose contracts' progress (judged at one
// time, BuildContractProgress) is `contracts`.
v1::SupplierStanding BuildStanding(
    const std::vector<v1::ContractProgress>& contracts,
    const StandingRule& rule);

}  // namespace svledger::domain

#endif  // SVLEDGER_DOMAIN_STANDING_H_
