// The supplier standing rule: endorsement across contracts, extension per
// contract, each decision with its reasons.

#include "domain/standing.h"

#include "domain/contract.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace svledger::domain {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

// A contract started on 2025-01-01 judged on `as_of`, with commitments of
// the given statuses.
v1::ContractProgress Contract(const std::string& id,
                              std::vector<v1::CommitmentStatus> statuses,
                              v1::KpiRating rating, v1::Date as_of) {
  v1::ContractProgress p;
  p.mutable_contract()->set_contract_id(id);
  *p.mutable_contract()->mutable_start() = MakeDate(2025, 1, 1);
  p.mutable_as_of()->set_unix_micros(absl::ToUnixMicros(StartOfDay(as_of)));
  for (v1::CommitmentStatus s : statuses) p.add_commitments()->set_status(s);
  p.set_rating(rating);
  return p;
}

TEST(StandingTest, EndorsedAndExtendedWhenDelivering) {
  const v1::Date day = MakeDate(2026, 2, 1);  // 13 months in
  v1::SupplierStanding s = BuildStanding(
      {Contract("K1", {v1::ON_TRACK, v1::MET, v1::WITHDRAWN}, v1::GOOD, day),
       Contract("K2", {v1::ON_TRACK}, v1::GOOD, day)},
      {});
  EXPECT_DOUBLE_EQ(s.on_track_share(), 1.0);
  EXPECT_TRUE(s.endorsement().qualifies());
  EXPECT_THAT(s.endorsement().reasons(),
              Contains(HasSubstr("met: 3 of 3 live commitments")));
  ASSERT_EQ(s.extensions_size(), 2);
  EXPECT_TRUE(s.extensions(0).decision().qualifies());
}

TEST(StandingTest, EachCriterionCanFail) {
  const v1::Date early = MakeDate(2025, 6, 1);  // 5 months in
  v1::ContractProgress short_of =
      Contract("K1", {v1::ON_TRACK, v1::OFF_TRACK}, v1::INADEQUATE, early);
  short_of.mutable_cases()->set_open(1);
  short_of.mutable_cases()->set_terminated(1);
  v1::SupplierStanding s = BuildStanding({short_of}, {});
  EXPECT_FALSE(s.endorsement().qualifies());
  EXPECT_THAT(s.endorsement().reasons(),
              Contains(HasSubstr("not met: 1 of 2 live commitments")));
  EXPECT_THAT(s.endorsement().reasons(),
              Contains(HasSubstr("not met: 1 enforcement cases open")));
  EXPECT_THAT(s.endorsement().reasons(),
              Contains(HasSubstr("not met: 1 cases ended in termination")));
  ASSERT_EQ(s.extensions_size(), 1);
  const auto& reasons = s.extensions(0).decision().reasons();
  EXPECT_THAT(reasons, Contains(HasSubstr("not met: KPI rating INADEQUATE")));
  EXPECT_THAT(reasons, Contains(HasSubstr("not met: run for 5 months")));

  // The rule is configurable: a looser one endorses the same record.
  StandingRule loose;
  loose.endorse_min_on_track_share = 0.5;
  loose.endorse_max_open_cases = 1;
  loose.endorse_no_termination = false;
  EXPECT_TRUE(BuildStanding({short_of}, loose).endorsement().qualifies());

  // No live commitment: nothing to endorse; a closed contract is not
  // offered an extension.
  v1::ContractProgress closed =
      Contract("K2", {}, v1::KPI_RATING_UNSPECIFIED, early);
  closed.set_closed(true);
  v1::SupplierStanding none = BuildStanding({closed}, {});
  EXPECT_FALSE(none.endorsement().qualifies());
  EXPECT_EQ(none.extensions_size(), 0);
}

}  // namespace
}  // namespace svledger::domain
