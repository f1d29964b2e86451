#include "domain/contract.h"

#include <fstream>
#include <functional>
#include <sstream>

#include "absl/strings/match.h"
#include "domain/enforcement.h"
#include "domain/framework_catalog.h"
#include "gtest/gtest.h"
#include "tests/domain/decimal_testing.h"

namespace svledger::domain {
namespace {

v1::Date D(int y, int m, int d) { return MakeDate(y, m, d); }

v1::MeasureLibrary Library() {
  std::ifstream in(std::string(SVLEDGER_FRAMEWORKS_DIR) +
                   "/measures.textproto");
  std::stringstream text;
  text << in.rdbuf();
  return *ParseMeasureLibrary(text.str());
}

// Drives commands through Decide and Apply, as the service will: decide
// against the state, then apply the decided event.
class ContractTest : public ::testing::Test {
 protected:
  template <typename Event>
  absl::Status Record(const absl::StatusOr<Event>& decided,
                      absl::Time recorded = absl::UnixEpoch()) {
    if (!decided.ok()) return decided.status();
    return Apply(state_, decided->GetDescriptor()->name(),
                 decided->SerializeAsString(), recorded);
  }
  absl::Status Record(const absl::StatusOr<Decision>& decided,
                      absl::Time recorded = absl::UnixEpoch()) {
    if (!decided.ok()) return decided.status();
    for (const NewEvent& e : *decided) {
      if (absl::Status s = Apply(state_, e.type, e.payload, recorded);
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }
  absl::StatusOr<Decision> Close() {
    return DecideCloseContract(state_, v1::ContractClosed(), library_,
                               LadderStages({}), kToday);
  }
  absl::StatusOr<v1::DeliveryReported> Report(const v1::DeliveryReported& d) {
    return DecideReportDelivery(state_, d, library_, kToday);
  }

  // "Today" for the rules that need one: after every period below.
  const absl::Time kToday = StartOfDay(D(2026, 12, 1));

  v1::ContractRegistered Registration() {
    v1::ContractRegistered c;
    c.set_contract_id("DCC-2025-001");
    c.mutable_framework()->set_id("derbyshire");
    c.mutable_framework()->set_version(1);
    c.set_title("Highways maintenance");
    c.set_supplier_id("acme");
    c.set_supplier_name("Acme Roads Ltd");
    c.mutable_value()->set_pence(250000000);
    *c.mutable_start() = D(2025, 4, 1);
    *c.mutable_end() = D(2027, 3, 31);
    c.set_social_value_weighting_percent(10);
    c.set_contract_manager("j.smith");
    return c;
  }

  void Register() {
    ASSERT_TRUE(
        Record(DecideRegister(state_, Registration(), &framework_)).ok());
  }

  v1::CommitmentsAdded Commitments() {
    v1::CommitmentsAdded add;
    v1::Commitment* jobs = add.add_commitments();
    jobs->set_commitment_id("jobs");
    jobs->set_measure_id("jobs.new_local");
    jobs->set_target("10");
    *jobs->mutable_due() = D(2026, 3, 31);
    v1::Commitment* local = add.add_commitments();
    local->set_commitment_id("local-spend");
    local->set_measure_id("spend.local_percent");
    local->set_target("30");
    *local->mutable_due() = D(2027, 3, 31);
    return add;
  }

  // A report for the `half`-th half year of the contract (0: April to
  // September 2025).
  v1::DeliveryReported Delivery(const std::string& id,
                                const std::string& commitment,
                                const std::string& q,
                                const std::string& denominator = "",
                                int half = 0) {
    v1::DeliveryReported d;
    d.set_delivery_id(id);
    d.set_commitment_id(commitment);
    d.set_quantity(q);
    d.set_denominator(denominator);
    const absl::CivilMonth from = absl::CivilMonth(2025, 4) + 6 * half;
    *d.mutable_period_start() = D(from.year(), from.month(), 1);
    const absl::CivilDay to = absl::CivilDay(from + 6) - 1;
    *d.mutable_period_end() = D(to.year(), to.month(), to.day());
    d.mutable_evidence()->set_uri("https://evidence.example/1.pdf");
    return d;
  }

  v1::MeasureLibrary library_ = Library();
  v1::Framework framework_;
  ContractState state_;
};

TEST(CheckFileNameTest, TakesWhatPeopleCallFilesAndNothingThatDeceives) {
  for (const char* good :
       {"", "payroll Q3.pdf", "Payroll July \xc2\xa3.pdf",  // £
        "\xe6\x97\xa5\xe6\x9c\xac.csv",                     // 日本
        "\xf0\x9f\x93\x84 timesheets.xlsx"}) {              // 📄
    EXPECT_TRUE(CheckFileName(good, "name").ok()) << good;
  }
  for (const char* bad : {
           ".", "..", "a/b.pdf", "a\\b.pdf", "tab\t.pdf", "del\x7f.pdf",
           "\xff.pdf",          // not UTF-8
           "\xc0\xaf.pdf",      // an overlong '/'
           "\xed\xa0\x80.pdf",  // a surrogate
           "\xc2\x85.pdf",      // a C1 control
           "fdp.\xe2\x80\xae"
           "exe",  // U+202E: shows as exe.pdf
           "a\xe2\x81\xa6"
           "b.pdf",                 // U+2066
           "\xe2\x80\x8b.pdf",      // U+200B, invisible
           "\xef\xbb\xbfname.pdf",  // U+FEFF
           "\xe2\x82",              // cut short
       }) {
    absl::Status s = CheckFileName(bad, "name");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StartsWith(s.message(), "name")) << s;
  }
  EXPECT_FALSE(CheckFileName(std::string(256, 'a'), "name").ok());
}

TEST_F(ContractTest, WholeLifeOfAContract) {
  Register();
  ASSERT_TRUE(
      Record(DecideAddCommitments(state_, Commitments(), library_)).ok());
  // The start defaulted to the contract's start.
  EXPECT_EQ(state_.commitments.at("jobs").terms.start().month(), 4);

  ASSERT_TRUE(Record(Report(Delivery("d1", "jobs", "4"))).ok());
  ASSERT_TRUE(Record(Report(Delivery("d2", "jobs", "3", "", 1))).ok());
  ASSERT_TRUE(Record(Report(Delivery("d3", "local-spend", "40", "100"))).ok());
  v1::DeliveryVerified verify;
  verify.set_delivery_id("d1");
  ASSERT_TRUE(Record(DecideVerifyDelivery(state_, verify)).ok());
  verify.set_delivery_id("d3");
  ASSERT_TRUE(Record(DecideVerifyDelivery(state_, verify)).ok());
  v1::DeliveryRejected reject;
  reject.set_delivery_id("d2");
  reject.set_reason("no payroll evidence");
  ASSERT_TRUE(Record(DecideRejectDelivery(state_, reject)).ok());

  // Half way through the jobs commitment (due end of 2026-03-31).
  const absl::Time mid = StartOfDay(D(2025, 10, 1));
  std::vector<CommitmentProgress> progress =
      AssessContract(state_, library_, mid);
  ASSERT_EQ(progress.size(), 2u);
  const CommitmentProgress& jobs = progress[0];
  EXPECT_EQ(jobs.commitment_id, "jobs");
  EXPECT_EQ(jobs.assessment.delivered, Dec("4"));  // only the verified claim
  EXPECT_EQ(jobs.rejected, Dec("3"));
  EXPECT_EQ(jobs.assessment.expected, Dec("5.013698"));  // 10 x 183 / 365
  EXPECT_EQ(jobs.assessment.status, CommitmentStatus::kOffTrack);  // 4/5.01
  const CommitmentProgress& local = progress[1];
  EXPECT_EQ(local.assessment.delivered, Dec("40"));  // 100 x 40 / 100
  EXPECT_EQ(local.assessment.status, CommitmentStatus::kOnTrack);

  // Amend the jobs target down (history kept), then judge again.
  v1::CommitmentAmended amend;
  amend.set_commitment_id("jobs");
  amend.set_target("8");
  amend.set_reason("scope reduced by variation 2");
  ASSERT_TRUE(Record(DecideAmendCommitment(state_, amend)).ok());
  EXPECT_EQ(state_.commitments.at("jobs").amendments.size(), 1u);
  EXPECT_EQ(AssessContract(state_, library_, mid)[0].assessment.status,
            CommitmentStatus::kAtRisk);  // 4 / 4.01

  v1::CommitmentWithdrawn withdraw;
  withdraw.set_commitment_id("local-spend");
  withdraw.set_reason("supplier chain restructured");
  ASSERT_TRUE(Record(DecideWithdrawCommitment(state_, withdraw)).ok());
  EXPECT_EQ(AssessContract(state_, library_, mid)[1].assessment.status,
            CommitmentStatus::kWithdrawn);

  ASSERT_TRUE(Record(Close()).ok());
  EXPECT_TRUE(state_.closed);
}

TEST_F(ContractTest, RegistrationErrorsNameTheField) {
  struct Case {
    std::function<void(v1::ContractRegistered&)> mutate;
    std::string prefix;
    absl::StatusCode code = absl::StatusCode::kInvalidArgument;
  };
  std::vector<Case> cases = {
      {[](auto& c) { c.set_contract_id(""); }, "contract_id"},
      {[](auto& c) { c.set_contract_id("has space"); }, "contract_id"},
      {[](auto& c) { c.set_title(""); }, "title"},
      {[](auto& c) { c.set_supplier_id(""); }, "supplier_id"},
      {[](auto& c) { c.mutable_value()->set_pence(-1); }, "value"},
      {[](auto& c) { *c.mutable_start() = D(2025, 2, 30); }, "start"},
      {[](auto& c) { *c.mutable_end() = D(2025, 1, 1); }, "end"},
      {[](auto& c) { c.set_social_value_weighting_percent(101); },
       "social_value_weighting_percent"},
      {[](auto& c) { c.mutable_thresholds()->set_at_risk_ratio(1.5); },
       "thresholds.at_risk_ratio"},
      {[](auto& c) { c.mutable_framework()->set_version(0); },
       "framework.version"},
  };
  for (const Case& c : cases) {
    v1::ContractRegistered command = Registration();
    c.mutate(command);
    absl::Status s = DecideRegister(state_, command, &framework_).status();
    EXPECT_EQ(s.code(), c.code) << c.prefix << ": " << s;
    EXPECT_EQ(s.message().substr(0, c.prefix.size()), c.prefix) << s;
  }
  EXPECT_EQ(DecideRegister(state_, Registration(), nullptr).status().code(),
            absl::StatusCode::kFailedPrecondition);
  Register();
  EXPECT_EQ(DecideRegister(state_, Registration(), &framework_).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(ContractTest, CommitmentAndDeliveryRules) {
  // Nothing before registration.
  EXPECT_EQ(
      DecideAddCommitments(state_, Commitments(), library_).status().code(),
      absl::StatusCode::kFailedPrecondition);
  Register();
  v1::CommitmentsAdded bad = Commitments();
  bad.mutable_commitments(1)->set_measure_id("no.such");
  EXPECT_EQ(DecideAddCommitments(state_, bad, library_).status().message(),
            "commitments[1].measure_id: 'no.such' is not a measure of the "
            "library");
  bad = Commitments();
  bad.mutable_commitments(0)->set_target("0");
  EXPECT_EQ(DecideAddCommitments(state_, bad, library_).status().code(),
            absl::StatusCode::kInvalidArgument);
  bad = Commitments();
  *bad.mutable_commitments(0)->mutable_due() = D(2028, 1, 1);  // after the end
  EXPECT_EQ(DecideAddCommitments(state_, bad, library_).status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(
      Record(DecideAddCommitments(state_, Commitments(), library_)).ok());
  EXPECT_EQ(
      DecideAddCommitments(state_, Commitments(), library_).status().code(),
      absl::StatusCode::kAlreadyExists);

  auto report = [&](v1::DeliveryReported d) { return Report(d).status(); };
  EXPECT_EQ(report(Delivery("d", "unknown", "1")).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(report(Delivery("d", "jobs", "-1")).message(),
            "quantity: must not be negative");
  EXPECT_EQ(report(Delivery("d", "jobs", "NaN")).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(report(Delivery("d", "jobs", "1", "5")).message(),
            "denominator: only RATIO measures take a denominator");
  EXPECT_EQ(report(Delivery("d", "local-spend", "1")).message(),
            "denominator: \"\" is not a decimal number: empty");
  EXPECT_EQ(report(Delivery("d", "local-spend", "1", "0")).message(),
            "denominator: must be above 0 for a RATIO measure");
  v1::DeliveryReported outside = Delivery("d", "jobs", "1");
  *outside.mutable_period_start() = D(2024, 1, 1);
  EXPECT_EQ(report(outside).code(), absl::StatusCode::kFailedPrecondition);
  v1::DeliveryReported backwards = Delivery("d", "jobs", "1");
  *backwards.mutable_period_end() = D(2025, 3, 1);
  EXPECT_EQ(report(backwards).message(), "period_end: is before period_start");
  v1::DeliveryReported hash = Delivery("d", "jobs", "1");
  hash.mutable_evidence()->set_sha256("abc");
  EXPECT_EQ(report(hash).message(),
            "evidence.sha256: must be 64 hexadecimal digits");

  ASSERT_TRUE(Record(Report(Delivery("d", "jobs", "1"))).ok());
  EXPECT_EQ(report(Delivery("d", "jobs", "1")).code(),
            absl::StatusCode::kAlreadyExists);
  v1::DeliveryVerified verify;
  verify.set_delivery_id("never");
  EXPECT_EQ(DecideVerifyDelivery(state_, verify).status().code(),
            absl::StatusCode::kFailedPrecondition);
  verify.set_delivery_id("d");
  ASSERT_TRUE(Record(DecideVerifyDelivery(state_, verify)).ok());
  EXPECT_EQ(DecideVerifyDelivery(state_, verify).status().message(),
            "delivery_id: delivery 'd' is already verified");
  v1::DeliveryRejected reject;
  reject.set_delivery_id("d");
  reject.set_reason("late");
  EXPECT_EQ(DecideRejectDelivery(state_, reject).status().code(),
            absl::StatusCode::kFailedPrecondition);

  // Withdrawn commitments and closed contracts take no more reports.
  v1::CommitmentWithdrawn withdraw;
  withdraw.set_commitment_id("jobs");
  EXPECT_EQ(DecideWithdrawCommitment(state_, withdraw).status().message(),
            "reason: required");
  withdraw.set_reason("descoped");
  ASSERT_TRUE(Record(DecideWithdrawCommitment(state_, withdraw)).ok());
  EXPECT_EQ(report(Delivery("d9", "jobs", "1")).message(),
            "commitment_id: commitment 'jobs' is withdrawn");
  ASSERT_TRUE(Record(Close()).ok());
  EXPECT_EQ(report(Delivery("d9", "local-spend", "1", "2")).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Close().status().code(), absl::StatusCode::kFailedPrecondition);
}

// The guards on a return, one row each: the field the error names and its
// code. Jobs runs 2025-04-01 to 2026-03-31 (grace 30 days); local spend is
// a PERCENT share.
TEST_F(ContractTest, ReturnsAreGuarded) {
  Register();
  ASSERT_TRUE(
      Record(DecideAddCommitments(state_, Commitments(), library_)).ok());
  ASSERT_TRUE(Record(Report(Delivery("q1", "jobs", "1"))).ok());
  using Code = absl::StatusCode;
  struct Case {
    std::string name;
    v1::DeliveryReported report;
    std::function<void(v1::DeliveryReported&)> mutate;
    Code code;
    std::string field;
  };
  auto dates = [](v1::Date from, v1::Date to) {
    return [from, to](v1::DeliveryReported& d) {
      *d.mutable_period_start() = from;
      *d.mutable_period_end() = to;
    };
  };
  const std::vector<Case> cases = {
      {"the same half year again", Delivery("again", "jobs", "1"), nullptr,
       Code::kFailedPrecondition,
       "period_start: the period overlaps delivery 'q1'"},
      {"overlapping by a day", Delivery("overlap", "jobs", "1"),
       dates(D(2025, 9, 30), D(2025, 10, 31)), Code::kFailedPrecondition,
       "period_start: the period overlaps"},
      {"before the commitment's start", Delivery("early", "jobs", "1"),
       dates(D(2025, 3, 1), D(2025, 3, 31)), Code::kFailedPrecondition,
       "period_start: 2025-03-01 is before the commitment's start"},
      {"after due and grace", Delivery("late", "jobs", "1"),
       dates(D(2026, 4, 1), D(2026, 5, 1)), Code::kFailedPrecondition,
       "period_end: 2026-05-01 is after the commitment's due date and grace"},
      {"a period that has not happened",
       Delivery("future", "local-spend", "1", "2"),
       dates(D(2026, 12, 1), D(2026, 12, 31)), Code::kFailedPrecondition,
       "period_end: 2026-12-31 has not happened yet"},
      {"a share above 100%", Delivery("share", "local-spend", "300", "100"),
       nullptr, Code::kInvalidArgument,
       "quantity: the numerator 300 is above the denominator 100"},
      {"more than six decimals", Delivery("fine", "jobs", "0.0000001", "", 1),
       nullptr, Code::kInvalidArgument, "quantity: "},
      {"a correction of nothing", Delivery("fix", "jobs", "1"),
       [](v1::DeliveryReported& d) { d.set_corrects("nope"); },
       Code::kFailedPrecondition, "corrects: no delivery 'nope'"},
  };
  for (Case c : cases) {
    if (c.mutate) c.mutate(c.report);
    absl::Status s = Report(c.report).status();
    EXPECT_EQ(s.code(), c.code) << c.name << ": " << s;
    EXPECT_EQ(s.message().substr(0, c.field.size()), c.field)
        << c.name << ": " << s;
  }
  // A level in percent is at most 100, as is a target in percent.
  v1::CommitmentsAdded wage;
  v1::Commitment* w = wage.add_commitments();
  w->set_commitment_id("wage");
  w->set_measure_id("staff.living_wage_percent");
  w->set_target("101");
  *w->mutable_due() = D(2026, 3, 31);
  EXPECT_EQ(DecideAddCommitments(state_, wage, library_).status().message(),
            "commitments[0].target: a percentage is at most 100");
  w->set_target("95");
  ASSERT_TRUE(Record(DecideAddCommitments(state_, wage, library_)).ok());
  EXPECT_EQ(Report(Delivery("w1", "wage", "150")).status().message(),
            "quantity: a level in percent is at most 100");
  EXPECT_TRUE(Report(Delivery("w1", "wage", "100")).ok());

  // The last day of grace and today's day both pass.
  v1::DeliveryReported grace = Delivery("grace", "jobs", "1");
  *grace.mutable_period_start() = D(2026, 4, 1);
  *grace.mutable_period_end() = D(2026, 4, 30);
  EXPECT_TRUE(Report(grace).ok()) << Report(grace).status();
  v1::DeliveryReported share = Delivery("share", "local-spend", "100", "100");
  EXPECT_TRUE(Report(share).ok());

  // A correction supersedes the report once verified; both stay.
  v1::DeliveryReported fix = Delivery("q1-fix", "jobs", "3");
  fix.set_corrects("q1");
  ASSERT_TRUE(Record(Report(fix)).ok());
  v1::DeliveryReported second = Delivery("q1-fix2", "jobs", "4");
  second.set_corrects("q1");
  EXPECT_EQ(Report(second).status().message().substr(0, 40),
            "corrects: delivery 'q1-fix' already corr");
  v1::DeliveryVerified verify;
  verify.set_delivery_id("q1");
  ASSERT_TRUE(Record(DecideVerifyDelivery(state_, verify)).ok());
  const absl::Time mid = StartOfDay(D(2025, 10, 1));
  EXPECT_EQ(AssessContract(state_, library_, mid)[0].assessment.delivered,
            Dec("1"));
  verify.set_delivery_id("q1-fix");
  ASSERT_TRUE(Record(DecideVerifyDelivery(state_, verify)).ok());
  EXPECT_EQ(AssessContract(state_, library_, mid)[0].assessment.delivered,
            Dec("3"));
  EXPECT_EQ(state_.deliveries.at("q1").superseded_by, "q1-fix");
  EXPECT_EQ(state_.deliveries.size(), 2u);
}

TEST_F(ContractTest, AnAmendmentKeepsThePlanWithinTheTerms) {
  Register();
  v1::CommitmentsAdded add = Commitments();
  v1::Milestone* m = add.mutable_commitments(0)->add_plan();
  *m->mutable_on() = D(2025, 12, 31);
  m->set_cumulative("6");
  ASSERT_TRUE(Record(DecideAddCommitments(state_, add, library_)).ok());
  v1::CommitmentAmended amend;
  amend.set_commitment_id("jobs");
  amend.set_reason("variation");
  amend.set_target("5");
  EXPECT_EQ(DecideAmendCommitment(state_, amend).status().message(),
            "target: the commitment's delivery plan would not fit "
            "(commitment.plan[0].cumulative: is above the target)");
  EXPECT_EQ(DecideAmendCommitment(state_, amend).status().code(),
            absl::StatusCode::kFailedPrecondition);
  amend.clear_target();
  *amend.mutable_due() = D(2025, 11, 30);
  EXPECT_EQ(DecideAmendCommitment(state_, amend).status().message(),
            "due: the commitment's delivery plan would not fit "
            "(commitment.plan[0].on: must be after start and on or before "
            "due)");
  amend.set_target("8");
  *amend.mutable_due() = D(2026, 1, 31);
  EXPECT_TRUE(DecideAmendCommitment(state_, amend).ok());
}

TEST_F(ContractTest, LegacyDoublesAreReadExactly) {
  Register();
  // Events as written before decimals: doubles in the legacy fields.
  v1::CommitmentsAdded added;
  v1::Commitment& c = *added.add_commitments();
  c.set_commitment_id("jobs");
  c.set_measure_id("jobs.new_local");
  c.set_legacy_target(0.8);
  *c.mutable_start() = D(2025, 4, 1);
  *c.mutable_due() = D(2026, 3, 31);
  ASSERT_TRUE(Apply(state_, kCommitmentsAdded, added.SerializeAsString(),
                    absl::UnixEpoch())
                  .ok());
  for (const auto& [id, q] : {std::pair{"a", 0.7}, std::pair{"b", 0.1}}) {
    v1::DeliveryReported d = Delivery(id, "jobs", "");
    d.clear_quantity();
    d.set_legacy_quantity(q);
    if (std::string(id) == "b") {
      *d.mutable_period_start() = D(2025, 10, 1);
      *d.mutable_period_end() = D(2025, 10, 31);
    }
    ASSERT_TRUE(Apply(state_, kDeliveryReported, d.SerializeAsString(),
                      absl::UnixEpoch())
                    .ok());
    v1::DeliveryVerified v;
    v.set_delivery_id(id);
    ASSERT_TRUE(Record(DecideVerifyDelivery(state_, v)).ok());
  }
  EXPECT_EQ(state_.commitments.at("jobs").terms.target(), "0.8");
  CommitmentProgress p =
      AssessContract(state_, library_, StartOfDay(D(2025, 11, 1)))[0];
  EXPECT_EQ(p.assessment.delivered, Dec("0.8"));
  EXPECT_EQ(p.assessment.status, CommitmentStatus::kMet);
}

TEST_F(ContractTest, ApplyRefusesWhatItCannotApplyAndChangesNothing) {
  EXPECT_EQ(Apply(state_, kDeliveryReported, "", absl::UnixEpoch()).code(),
            absl::StatusCode::kInvalidArgument);  // not registered
  Register();
  EXPECT_EQ(Apply(state_, "Nonsense", "", absl::UnixEpoch()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      Apply(state_, kCommitmentsAdded, "\xff\xff", absl::UnixEpoch()).code(),
      absl::StatusCode::kInvalidArgument);
  v1::DeliveryVerified orphan;
  orphan.set_delivery_id("ghost");
  EXPECT_EQ(Apply(state_, kDeliveryVerified, orphan.SerializeAsString(),
                  absl::UnixEpoch())
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(state_.deliveries.empty());
  EXPECT_TRUE(state_.commitments.empty());
}

}  // namespace
}  // namespace svledger::domain
