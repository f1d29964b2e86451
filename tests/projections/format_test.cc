#include "projections/format.h"

#include "gtest/gtest.h"

namespace svledger::projections {
namespace {

// A contract's record carries its enforcement state, and decodes to a
// state that encodes to the same bytes.
TEST(ProjectionFormatTest, ContractRecordRoundTripsWithEnforcementState) {
  domain::ContractState s;
  s.registered = true;
  s.closed = true;
  s.contract.set_contract_id("K1");
  domain::CaseRecord& c = s.enforcement.cases["jobs#1"];
  c.opened.set_case_id("jobs#1");
  c.opened.set_commitment_id("jobs");
  c.stage = v1::REMEDIATION_PLAN;
  c.agreed_date = domain::MakeDate(2025, 9, 30);
  c.opened_unix_micros = 42;
  c.stage_since_unix_micros = 43;
  c.closed_unix_micros = 44;
  c.remedy_pence = 45;
  c.actions = 3;
  s.enforcement.held.insert("meals");
  s.enforcement.cases_opened["jobs"] = 1;
  s.enforcement.recorded_status["jobs"] = v1::OFF_TRACK;
  s.enforcement.status_changes["jobs"] = 2;
  s.enforcement.assessments.emplace_back().set_rating(v1::GOOD);

  const std::string bytes = format::EncodeContract(s);
  std::map<std::string, domain::ContractState> loaded;
  ASSERT_TRUE(
      format::LoadRecord(format::ContractKey("K1"), bytes, loaded).ok());
  const domain::ContractState& back = loaded.at("K1");
  EXPECT_TRUE(back.closed);
  EXPECT_EQ(back.enforcement.cases.at("jobs#1").stage, v1::REMEDIATION_PLAN);
  EXPECT_TRUE(back.enforcement.cases.at("jobs#1").agreed_date.has_value());
  EXPECT_EQ(back.enforcement.recorded_status.at("jobs"), v1::OFF_TRACK);
  const domain::CaseRecord& case_back = back.enforcement.cases.at("jobs#1");
  EXPECT_EQ(case_back.stage_since_unix_micros, 43);
  EXPECT_EQ(case_back.closed_unix_micros, 44);
  EXPECT_EQ(case_back.remedy_pence, 45);
  EXPECT_EQ(case_back.actions, 3);
  EXPECT_TRUE(back.enforcement.held.contains("meals"));
  EXPECT_EQ(format::EncodeContract(back), bytes);

  EXPECT_EQ(format::LoadRecord("c/K1/x", "", loaded).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(format::LoadRecord("c//h", "", loaded).code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace svledger::projections
