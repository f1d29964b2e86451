// The enforcement policy walked through a contract's life with an injected
// as-of time: months in microseconds.

#include "domain/enforcement.h"

#include "domain/progress.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace svledger::domain {
namespace {

v1::Date D(int y, int m, int d) { return MakeDate(y, m, d); }

class EnforcementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v1::Measure* jobs = library_.add_measures();
    jobs->set_id("jobs");
    jobs->set_unit(v1::PEOPLE);
    jobs->set_aggregation(v1::SUM);
    v1::ContractRegistered reg;
    reg.set_contract_id("K1");
    *reg.mutable_start() = D(2025, 1, 1);
    *reg.mutable_end() = D(2026, 12, 31);
    ASSERT_TRUE(Record(reg).ok());
    v1::CommitmentsAdded add;
    v1::Commitment* c = add.add_commitments();
    c->set_commitment_id("jobs");
    c->set_measure_id("jobs");
    c->set_target("24");
    *c->mutable_start() = D(2025, 1, 1);
    *c->mutable_due() = D(2026, 12, 31);
    ASSERT_TRUE(Record(add).ok());
  }

  absl::Status Record(const google::protobuf::Message& event) {
    return Apply(state_, event.GetDescriptor()->name(),
                 event.SerializeAsString(), absl::UnixEpoch());
  }

  void Deliver(int quantity) {
    v1::DeliveryReported d;
    d.set_delivery_id("d" + std::to_string(++deliveries_));
    d.set_commitment_id("jobs");
    d.set_quantity(std::to_string(quantity));
    *d.mutable_period_start() = D(2025, 1, 1);
    *d.mutable_period_end() = D(2025, 3, 31);
    ASSERT_TRUE(Record(d).ok());
    v1::DeliveryVerified v;
    v.set_delivery_id(d.delivery_id());
    ASSERT_TRUE(Record(v).ok());
  }

  // Evaluates the policy on `day` and applies what it proposes, as the
  // process manager will. Returns the proposed event types.
  std::vector<std::string> Sweep(v1::Date day) {
    const v1::ContractProgress progress =
        BuildContractProgress(state_, library_, StartOfDay(day));
    std::vector<std::string> types;
    for (const PolicyEvent& e :
         EvaluatePolicy(state_, progress, LadderStages({}))) {
      types.push_back(e.type);
      keys_.push_back(e.key);
      EXPECT_TRUE(Apply(state_, e.type, e.payload, absl::UnixEpoch()).ok())
          << e.type;
    }
    return types;
  }

  const CaseRecord& Case(const std::string& id) {
    return state_.enforcement.cases.at(id);
  }

  v1::MeasureLibrary library_;
  ContractState state_;
  int deliveries_ = 0;
  std::vector<std::string> keys_;
};

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_F(EnforcementTest, ALifeOfFallingBehindEscalatingAndRecovering) {
  // Too early to judge: on track, where every commitment starts; nothing
  // to record.
  EXPECT_THAT(Sweep(D(2025, 2, 1)), IsEmpty());

  // Six months in, 3 of an expected 6: off track, a case opens.
  Deliver(3);
  EXPECT_THAT(Sweep(D(2025, 7, 2)),
              ElementsAre(kCommitmentStatusChanged, kEnforcementCaseOpened));
  const CaseRecord& c = Case("jobs#1");
  EXPECT_EQ(c.stage, v1::NOTICE);
  EXPECT_EQ(c.opened.trigger().status(), v1::OFF_TRACK);
  EXPECT_EQ(c.opened.trigger().delivered(), "3");
  // Expected 24 x 182 / 730 days.
  EXPECT_EQ(c.opened.trigger().expected(), "5.983561");
  EXPECT_EQ(c.opened.trigger().shortfall(), "2.983561");
  // Judged again (a restart, a second sweep): nothing new, no second case.
  EXPECT_THAT(Sweep(D(2025, 7, 3)), IsEmpty());

  // The manager agrees a remediation plan due 2025-09-30.
  v1::EnforcementActionRecorded plan;
  plan.set_case_id("jobs#1");
  plan.set_stage(v1::REMEDIATION_PLAN);
  *plan.mutable_agreed_date() = D(2025, 9, 30);
  ASSERT_TRUE(Record(plan).ok());
  EXPECT_THAT(Sweep(D(2025, 9, 30)), IsEmpty());  // due at the end of it
  // The date passes without recovery: the policy escalates, saying why.
  EXPECT_THAT(Sweep(D(2025, 10, 1)), ElementsAre(kEnforcementCaseEscalated));
  EXPECT_EQ(Case("jobs#1").stage, v1::FINANCIAL_REMEDY);
  EXPECT_THAT(Sweep(D(2025, 10, 2)), IsEmpty());

  // The supplier catches up: the case closes as recovered.
  Deliver(12);
  EXPECT_THAT(Sweep(D(2025, 10, 3)),
              ElementsAre(kCommitmentStatusChanged, kEnforcementCaseClosed));
  EXPECT_TRUE(Case("jobs#1").closed);
  EXPECT_EQ(Case("jobs#1").close_reason, v1::RECOVERED);

  // Falling behind again (15 of an expected 23) opens the commitment's
  // second case.
  EXPECT_THAT(Sweep(D(2026, 12, 1)),
              ElementsAre(kCommitmentStatusChanged, kEnforcementCaseOpened));
  EXPECT_FALSE(Case("jobs#2").closed);
  // Every key was proposed once: event ids never collide.
  std::vector<std::string> sorted = keys_;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end());
}

TEST_F(EnforcementTest, ACouncilsCloseHoldsUntilTheStatusChanges) {
  EXPECT_THAT(Sweep(D(2025, 7, 2)),
              ElementsAre(kCommitmentStatusChanged, kEnforcementCaseOpened));
  // The council waives the case while the commitment is still off track.
  v1::EnforcementCaseClosed waive;
  waive.set_case_id("jobs#1");
  waive.set_reason(v1::WAIVED);
  waive.set_note("recruitment freeze");
  ASSERT_TRUE(DecideCloseCase(state_, waive).ok());
  ASSERT_TRUE(Record(waive).ok());
  // Its decision stands: no new case while nothing changes.
  EXPECT_THAT(Sweep(D(2025, 7, 3)), IsEmpty());
  EXPECT_THAT(Sweep(D(2025, 12, 1)), IsEmpty());
  // Missed after the due date's grace is a change: a new case.
  EXPECT_THAT(Sweep(D(2027, 3, 1)),
              ElementsAre(kCommitmentStatusChanged, kEnforcementCaseOpened));
  EXPECT_EQ(Case("jobs#2").opened.trigger().status(), v1::MISSED);
}

TEST_F(EnforcementTest, MissedAtTheEndAndWithdrawn) {
  Deliver(20);
  // Past due plus grace with 20 of 24: missed; the shortfall is against the
  // target.
  EXPECT_THAT(Sweep(D(2027, 3, 1)),
              ElementsAre(kCommitmentStatusChanged, kEnforcementCaseOpened));
  EXPECT_EQ(Case("jobs#1").opened.trigger().shortfall(), "4");
  v1::CommitmentWithdrawn withdrawn;
  withdrawn.set_commitment_id("jobs");
  ASSERT_TRUE(Record(withdrawn).ok());
  EXPECT_THAT(Sweep(D(2027, 3, 2)),
              ElementsAre(kCommitmentStatusChanged, kEnforcementCaseClosed));
  EXPECT_EQ(Case("jobs#1").close_reason, v1::COMMITMENT_WITHDRAWN);
}

TEST_F(EnforcementTest, ApplyRefusesASecondOpenCaseAndUnknownCases) {
  Deliver(1);
  Sweep(D(2025, 7, 2));
  v1::EnforcementCaseOpened again;
  again.set_case_id("jobs#9");
  again.set_commitment_id("jobs");
  EXPECT_FALSE(Record(again).ok());
  v1::EnforcementCaseClosed unknown;
  unknown.set_case_id("nope#1");
  EXPECT_FALSE(Record(unknown).ok());
  EXPECT_EQ(state_.enforcement.cases.size(), 1u);
}

TEST_F(EnforcementTest, ManagerCommandsAreChecked) {
  Deliver(1);
  Sweep(D(2025, 7, 2));  // opens jobs#1 at NOTICE
  const auto stages = LadderStages({});
  using ::testing::HasSubstr;
  auto action = [&](v1::EnforcementStage stage) {
    v1::EnforcementActionRecorded a;
    a.set_case_id("jobs#1");
    a.set_stage(stage);
    return a;
  };
  // A plan needs its date; a remedy its amount; no going back down.
  EXPECT_THAT(DecideRecordAction(state_, action(v1::REMEDIATION_PLAN), stages)
                  .status()
                  .message(),
              HasSubstr("agreed_date"));
  v1::EnforcementActionRecorded plan = action(v1::REMEDIATION_PLAN);
  *plan.mutable_agreed_date() = D(2025, 2, 30);
  EXPECT_THAT(DecideRecordAction(state_, plan, stages).status().message(),
              HasSubstr("agreed_date"));
  *plan.mutable_agreed_date() = D(2025, 9, 30);
  ASSERT_TRUE(DecideRecordAction(state_, plan, stages).ok());
  ASSERT_TRUE(Record(plan).ok());
  EXPECT_THAT(
      DecideRecordAction(state_, action(v1::NOTICE), stages).status().message(),
      HasSubstr("already at REMEDIATION_PLAN"));
  EXPECT_THAT(DecideRecordAction(state_, action(v1::FINANCIAL_REMEDY), stages)
                  .status()
                  .message(),
              HasSubstr("amount"));
  // A note at the current stage.
  v1::EnforcementActionRecorded note;
  note.set_case_id("jobs#1");
  note.set_note("supplier called");
  absl::StatusOr<v1::EnforcementActionRecorded> decided =
      DecideRecordAction(state_, note, stages);
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_EQ(decided->stage(), v1::REMEDIATION_PLAN);
  // A stage off a framework's shorter ladder.
  v1::EscalationLadder short_ladder;
  short_ladder.add_stages(v1::NOTICE);
  short_ladder.add_stages(v1::REMEDIATION_PLAN);
  EXPECT_THAT(DecideRecordAction(state_, action(v1::PERFORMANCE_NOTICE),
                                 LadderStages(short_ladder))
                  .status()
                  .message(),
              HasSubstr("not on this framework's ladder"));

  v1::EnforcementCaseClosed close;
  close.set_case_id("jobs#1");
  close.set_reason(v1::RECOVERED);
  close.set_note("better now");
  EXPECT_THAT(DecideCloseCase(state_, close).status().message(),
              HasSubstr("reason"));
  close.set_reason(v1::WAIVED);
  ASSERT_TRUE(DecideCloseCase(state_, close).ok());
  ASSERT_TRUE(Record(close).ok());
  EXPECT_EQ(DecideCloseCase(state_, close).status().code(),
            absl::StatusCode::kFailedPrecondition);
  close.set_case_id("nope#1");
  EXPECT_EQ(DecideCloseCase(state_, close).status().code(),
            absl::StatusCode::kFailedPrecondition);

  v1::PerformanceAssessmentRecorded assessment;
  const absl::Time now = StartOfDay(D(2026, 1, 10)) + absl::Hours(9);
  EXPECT_THAT(
      DecideRecordAssessment(state_, assessment, now).status().message(),
      HasSubstr("rating"));
  assessment.set_rating(v1::REQUIRES_IMPROVEMENT);
  assessment.set_evidence("KPI report Q4");
  *assessment.mutable_assessed_on() = D(2024, 12, 1);
  EXPECT_THAT(
      DecideRecordAssessment(state_, assessment, now).status().message(),
      HasSubstr("before the contract's start"));
  *assessment.mutable_assessed_on() = D(2026, 1, 11);
  EXPECT_EQ(DecideRecordAssessment(state_, assessment, now).status().message(),
            "assessed_on: 2026-01-11 is in the future (today is 2026-01-10)");
  *assessment.mutable_assessed_on() = D(2026, 1, 10);
  ASSERT_TRUE(DecideRecordAssessment(state_, assessment, now).ok());
  ASSERT_TRUE(Record(assessment).ok());
  EXPECT_EQ(NextAssessmentDue(state_).year(), 2027);
}

TEST_F(EnforcementTest, EscalationThatSkipsStagesNeedsAReason) {
  Deliver(1);
  Sweep(D(2025, 7, 2));  // opens jobs#1 at NOTICE
  v1::EnforcementActionRecorded jump;
  jump.set_case_id("jobs#1");
  jump.set_stage(v1::TERMINATION_RECOMMENDED);
  const auto stages = LadderStages({});
  EXPECT_EQ(DecideRecordAction(state_, jump, stages).status().message(),
            "skip_reason: required: TERMINATION_RECOMMENDED skips stages "
            "after NOTICE");
  jump.set_skip_reason("supplier has ceased trading");
  absl::StatusOr<v1::EnforcementActionRecorded> decided =
      DecideRecordAction(state_, jump, stages);
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_EQ(decided->skip_reason(), "supplier has ceased trading");
  // The next stage needs none, and may not carry one.
  v1::EnforcementActionRecorded next;
  next.set_case_id("jobs#1");
  next.set_stage(v1::REMEDIATION_PLAN);
  *next.mutable_agreed_date() = D(2025, 9, 30);
  EXPECT_TRUE(DecideRecordAction(state_, next, stages).ok());
  next.set_skip_reason("because");
  EXPECT_EQ(DecideRecordAction(state_, next, stages).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Closing is a last judgement, whatever the timing of the commands: a
// commitment short at the close gets its case in the close's decision.
TEST_F(EnforcementTest, ClosingJudgesOneLastTime) {
  Deliver(3);
  // The policy has not swept since; the contract closes in July 2025 with
  // 3 of an expected 6.
  absl::StatusOr<Decision> closed =
      DecideCloseContract(state_, v1::ContractClosed(), library_,
                          LadderStages({}), StartOfDay(D(2025, 7, 2)));
  ASSERT_TRUE(closed.ok()) << closed.status();
  ASSERT_EQ(closed->size(), 2u);
  EXPECT_EQ((*closed)[0].type, kContractClosed);
  EXPECT_EQ((*closed)[1].type, kEnforcementCaseOpened);
  // Judged as of the decision, recorded a little later: the state keeps
  // the decision's time.
  v1::ContractClosed event;
  ASSERT_TRUE(event.ParseFromString((*closed)[0].payload));
  EXPECT_EQ(event.closed_at_unix_micros(),
            absl::ToUnixMicros(StartOfDay(D(2025, 7, 2))));
  for (const NewEvent& e : *closed) {
    ASSERT_TRUE(Apply(state_, e.type, e.payload,
                      StartOfDay(D(2025, 7, 2)) + absl::Seconds(1))
                    .ok());
  }
  EXPECT_EQ(state_.closed_at, StartOfDay(D(2025, 7, 2)));
  EXPECT_TRUE(Case("jobs#1").opened.trigger().at_close());
  // After the close the policy opens nothing and the figures stay as of
  // the close: a year later nothing new is proposed but the status change.
  EXPECT_THAT(Sweep(D(2026, 7, 2)), ElementsAre(kCommitmentStatusChanged));
  EXPECT_THAT(Sweep(D(2027, 7, 2)), IsEmpty());
  const v1::ContractProgress late =
      BuildContractProgress(state_, library_, StartOfDay(D(2030, 1, 1)));
  EXPECT_EQ(late.commitments(0).status(), v1::OFF_TRACK);
  EXPECT_EQ(late.as_of().unix_micros(),
            absl::ToUnixMicros(StartOfDay(D(2030, 1, 1))));
}

TEST_F(EnforcementTest, ClosingAfterThePolicyOpenedTheCaseAddsNone) {
  Deliver(3);
  EXPECT_THAT(Sweep(D(2025, 7, 2)),
              ElementsAre(kCommitmentStatusChanged, kEnforcementCaseOpened));
  absl::StatusOr<Decision> closed =
      DecideCloseContract(state_, v1::ContractClosed(), library_,
                          LadderStages({}), StartOfDay(D(2025, 7, 3)));
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->size(), 1u);  // the case is open already
}

TEST_F(EnforcementTest, NoCaseBeforeOnboarding) {
  // Registered part-way through: svledger judges it from 2025-10-01.
  *state_.contract.mutable_onboarded() = D(2025, 10, 1);
  Deliver(1);
  EXPECT_THAT(Sweep(D(2025, 7, 2)), ElementsAre(kCommitmentStatusChanged));
  EXPECT_THAT(Sweep(D(2025, 10, 1)), ElementsAre(kEnforcementCaseOpened));
}

TEST(AddMonthsTest, ClampsToTheMonthsLastDay) {
  struct Case {
    absl::CivilDay from;
    int months;
    absl::CivilDay want;
  };
  for (const Case& c : std::vector<Case>{
           {absl::CivilDay(2024, 2, 29), 12, absl::CivilDay(2025, 2, 28)},
           {absl::CivilDay(2024, 2, 29), 48, absl::CivilDay(2028, 2, 29)},
           {absl::CivilDay(2025, 1, 31), 1, absl::CivilDay(2025, 2, 28)},
           {absl::CivilDay(2025, 3, 31), 12, absl::CivilDay(2026, 3, 31)},
           {absl::CivilDay(2025, 8, 31), 1, absl::CivilDay(2025, 9, 30)},
       }) {
    EXPECT_EQ(AddMonths(c.from, c.months), c.want) << c.from;
  }
}

TEST(KpiRatingTest, ShareOnTrackOrMet) {
  struct Case {
    int good, other, withdrawn;
    v1::KpiRating rating;
  };
  const Case cases[] = {
      {19, 1, 0, v1::GOOD},                   // 95%
      {94, 6, 0, v1::APPROACHING_TARGET},     // 94%
      {91, 9, 0, v1::APPROACHING_TARGET},     // 91%
      {90, 10, 0, v1::REQUIRES_IMPROVEMENT},  // 90%
      {86, 14, 0, v1::REQUIRES_IMPROVEMENT},  // 86%
      {85, 15, 0, v1::INADEQUATE},
      {1, 0, 5, v1::GOOD},  // withdrawn ones do not count
      {0, 0, 2, v1::KPI_RATING_UNSPECIFIED},
  };
  for (const Case& c : cases) {
    v1::ContractProgress p;
    for (int i = 0; i < c.good; ++i) {
      p.add_commitments()->set_status(i % 2 ? v1::MET : v1::ON_TRACK);
    }
    for (int i = 0; i < c.other; ++i) {
      p.add_commitments()->set_status(i % 2 ? v1::AT_RISK : v1::OFF_TRACK);
    }
    for (int i = 0; i < c.withdrawn; ++i) {
      p.add_commitments()->set_status(v1::WITHDRAWN);
    }
    EXPECT_EQ(RateKpis(p), c.rating) << c.good << "/" << c.other;
  }
}

TEST(NextAssessmentDueTest, AYearAfterStartThenAfterTheLatest) {
  ContractState s;
  *s.contract.mutable_start() = D(2024, 2, 29);
  v1::Date due = NextAssessmentDue(s);
  EXPECT_EQ(due.year(), 2025);
  EXPECT_EQ(due.month(), 2);  // 2025 has no 29 February: the 28th
  EXPECT_EQ(due.day(), 28);
  v1::PerformanceAssessmentRecorded a;
  *a.mutable_assessed_on() = D(2025, 6, 15);
  s.enforcement.assessments.push_back(a);
  *a.mutable_assessed_on() = D(2025, 3, 1);  // an older one recorded later
  s.enforcement.assessments.push_back(a);
  due = NextAssessmentDue(s);
  EXPECT_EQ(due.year(), 2026);
  EXPECT_EQ(due.month(), 6);
  EXPECT_EQ(due.day(), 15);
}

TEST(LadderTest, DefaultAndConfigured) {
  const auto stages = LadderStages({});
  ASSERT_EQ(stages.size(), 5u);
  EXPECT_EQ(NextStage(stages, v1::NOTICE), v1::REMEDIATION_PLAN);
  EXPECT_EQ(NextStage(stages, v1::TERMINATION_RECOMMENDED), std::nullopt);
  v1::EscalationLadder short_ladder;
  short_ladder.add_stages(v1::NOTICE);
  short_ladder.add_stages(v1::PERFORMANCE_NOTICE);
  EXPECT_EQ(NextStage(LadderStages(short_ladder), v1::NOTICE),
            v1::PERFORMANCE_NOTICE);
  EXPECT_EQ(NextStage(LadderStages(short_ladder), v1::REMEDIATION_PLAN),
            std::nullopt);
}

}  // namespace
}  // namespace svledger::domain
