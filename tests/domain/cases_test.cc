// Case views: due dates and overdue, the enforcement queue's order, page
// tokens and a case's history.

#include "domain/cases.h"

#include <algorithm>

#include "domain/enforcement.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace svledger::domain {
namespace {

v1::Date D(int y, int m, int d) { return MakeDate(y, m, d); }

CaseRecord Record(v1::EnforcementStage stage, absl::Time since) {
  CaseRecord c;
  c.opened.set_case_id("jobs#1");
  c.opened.set_commitment_id("jobs");
  c.stage = stage;
  c.opened_unix_micros = absl::ToUnixMicros(since);
  c.stage_since_unix_micros = absl::ToUnixMicros(since);
  return c;
}

TEST(CaseDueTest, StageDaysOrTheAgreedDate) {
  const absl::Time since = StartOfDay(D(2025, 7, 2));
  CaseRecord notice = Record(v1::NOTICE, since);
  EXPECT_EQ(CaseDue(notice, 30), StartOfDay(D(2025, 8, 1)));
  v1::EscalationLadder ladder;
  EXPECT_EQ(StageDays(ladder), 30);
  ladder.set_stage_days(14);
  EXPECT_EQ(CaseDue(notice, StageDays(ladder)), StartOfDay(D(2025, 7, 16)));

  CaseRecord plan = Record(v1::REMEDIATION_PLAN, since);
  plan.agreed_date = D(2025, 9, 30);
  EXPECT_EQ(CaseDue(plan, 30), StartOfDay(D(2025, 10, 1)));

  ContractState state;
  state.contract.set_contract_id("K1");
  state.contract.mutable_framework()->set_id("norwich");
  v1::EnforcementCase view =
      BuildCase(state, "jobs#1", plan, 30, StartOfDay(D(2025, 9, 30)));
  EXPECT_FALSE(view.overdue());
  EXPECT_EQ(view.council(), "norwich");
  view = BuildCase(state, "jobs#1", plan, 30, StartOfDay(D(2025, 10, 1)));
  EXPECT_TRUE(view.overdue());
  plan.closed = true;
  view = BuildCase(state, "jobs#1", plan, 30, StartOfDay(D(2026, 1, 1)));
  EXPECT_FALSE(view.overdue()) << "a closed case is never overdue";
  EXPECT_EQ(view.state(), v1::CASE_CLOSED);
}

v1::EnforcementCase View(const std::string& contract, bool open, int stage,
                         bool overdue, int64_t opened) {
  v1::EnforcementCase c;
  c.set_contract_id(contract);
  c.set_case_id("m#1");
  c.set_state(open ? v1::CASE_OPEN : v1::CASE_CLOSED);
  c.set_stage(static_cast<v1::EnforcementStage>(stage));
  c.set_overdue(overdue);
  c.mutable_opened()->set_unix_micros(opened);
  return c;
}

TEST(CaseOrderTest, OpenThenStageThenOverdueThenAge) {
  std::vector<v1::EnforcementCase> cases = {
      View("closed", false, 5, false, 1), View("notice-new", true, 1, false, 9),
      View("notice-old", true, 1, false, 2), View("plan", true, 2, false, 5),
      View("notice-overdue", true, 1, true, 8)};
  std::sort(cases.begin(), cases.end(), MoreSevere);
  std::vector<std::string> order;
  for (const auto& c : cases) order.push_back(c.contract_id());
  EXPECT_THAT(order,
              ::testing::ElementsAre("plan", "notice-overdue", "notice-old",
                                     "notice-new", "closed"));

  // A token names a place in that order; what follows it is the rest.
  const std::string token = CasePageToken(PlaceOf(cases[1]));
  absl::StatusOr<CasePlace> place = ParseCasePageToken(token);
  ASSERT_TRUE(place.ok()) << place.status();
  std::vector<std::string> after;
  for (const auto& c : cases) {
    if (After(*place, c)) after.push_back(c.contract_id());
  }
  EXPECT_THAT(after,
              ::testing::ElementsAre("notice-old", "notice-new", "closed"));
  for (const char* bad : {"", "1/2/3", "x/1/0/5/K/c", "1/1/0/5/K"}) {
    EXPECT_EQ(ParseCasePageToken(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(CaseFilterTest, EveryFieldFilters) {
  v1::EnforcementCase c = View("K1", true, 2, true, 1);
  c.set_council("norwich");
  c.set_supplier_id("acme");
  EXPECT_TRUE(Matches({}, c));
  EXPECT_TRUE(Matches({.council = "norwich", .overdue_only = true}, c));
  EXPECT_FALSE(Matches({.council = "rutland"}, c));
  EXPECT_FALSE(Matches({.contract_id = "K2"}, c));
  EXPECT_FALSE(Matches({.supplier_id = "other"}, c));
  EXPECT_FALSE(Matches({.state = v1::CASE_CLOSED}, c));
  EXPECT_FALSE(Matches({.stage = v1::NOTICE}, c));
  c.set_overdue(false);
  EXPECT_FALSE(Matches({.overdue_only = true}, c));
}

TEST(CaseHistoryTest, OnlyTheCasesOwnEvents) {
  v1::EnforcementCase view;
  view.set_case_id("jobs#2");
  v1::EnforcementCaseOpened other;
  other.set_case_id("jobs#1");
  v1::EnforcementActionRecorded mine;
  mine.set_case_id("jobs#2");
  mine.set_note("letter");
  EXPECT_FALSE(*AddCaseHistory(view, kEnforcementCaseOpened,
                               other.SerializeAsString(), 1, absl::UnixEpoch(),
                               "policy"));
  EXPECT_TRUE(*AddCaseHistory(view, kEnforcementActionRecorded,
                              mine.SerializeAsString(), 7, absl::UnixEpoch(),
                              "j.smith"));
  EXPECT_FALSE(
      *AddCaseHistory(view, "DeliveryReported", "", 8, absl::UnixEpoch(), "x"));
  EXPECT_EQ(AddCaseHistory(view, kEnforcementCaseClosed, "\xff", 9,
                           absl::UnixEpoch(), "x")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(view.history_size(), 1);
  EXPECT_EQ(view.history(0).position(), 7u);
  EXPECT_EQ(view.history(0).actor(), "j.smith");
  EXPECT_EQ(view.history(0).action().note(), "letter");
}

}  // namespace
}  // namespace svledger::domain
