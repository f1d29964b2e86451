#include "domain/contract.h"

#include <fstream>
#include <sstream>

#include "domain/framework_catalog.h"
#include "gtest/gtest.h"

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
    jobs->set_target(10);
    *jobs->mutable_due() = D(2026, 3, 31);
    v1::Commitment* local = add.add_commitments();
    local->set_commitment_id("local-spend");
    local->set_measure_id("spend.local_percent");
    local->set_target(30);
    *local->mutable_due() = D(2027, 3, 31);
    return add;
  }

  v1::DeliveryReported Delivery(const std::string& id,
                                const std::string& commitment, double q,
                                double denominator = 0) {
    v1::DeliveryReported d;
    d.set_delivery_id(id);
    d.set_commitment_id(commitment);
    d.set_quantity(q);
    d.set_denominator(denominator);
    *d.mutable_period_start() = D(2025, 4, 1);
    *d.mutable_period_end() = D(2025, 9, 30);
    d.mutable_evidence()->set_uri("https://evidence.example/1.pdf");
    return d;
  }

  v1::MeasureLibrary library_ = Library();
  v1::Framework framework_;
  ContractState state_;
};

TEST_F(ContractTest, WholeLifeOfAContract) {
  Register();
  ASSERT_TRUE(
      Record(DecideAddCommitments(state_, Commitments(), library_)).ok());
  // The start defaulted to the contract's start.
  EXPECT_EQ(state_.commitments.at("jobs").terms.start().month(), 4);

  ASSERT_TRUE(
      Record(DecideReportDelivery(state_, Delivery("d1", "jobs", 4), library_))
          .ok());
  ASSERT_TRUE(
      Record(DecideReportDelivery(state_, Delivery("d2", "jobs", 3), library_))
          .ok());
  ASSERT_TRUE(
      Record(DecideReportDelivery(
                 state_, Delivery("d3", "local-spend", 40, 100), library_))
          .ok());
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
  EXPECT_EQ(jobs.assessment.delivered, 4);  // only the verified claim
  EXPECT_EQ(jobs.rejected, 3);
  EXPECT_NEAR(jobs.assessment.expected, 10 * 183.0 / 365, 1e-9);
  EXPECT_EQ(jobs.assessment.status, CommitmentStatus::kOffTrack);  // 4/5.01
  const CommitmentProgress& local = progress[1];
  EXPECT_EQ(local.assessment.delivered, 40);  // 100 x 40 / 100
  EXPECT_EQ(local.assessment.status, CommitmentStatus::kOnTrack);

  // Amend the jobs target down (history kept), then judge again.
  v1::CommitmentAmended amend;
  amend.set_commitment_id("jobs");
  amend.set_target(8);
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

  ASSERT_TRUE(Record(DecideCloseContract(state_, v1::ContractClosed())).ok());
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
  bad.mutable_commitments(0)->set_target(0);
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

  auto report = [&](v1::DeliveryReported d) {
    return DecideReportDelivery(state_, d, library_).status();
  };
  EXPECT_EQ(report(Delivery("d", "unknown", 1)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(report(Delivery("d", "jobs", -1)).message(),
            "quantity: must not be negative");
  EXPECT_EQ(report(Delivery("d", "jobs", NAN)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(report(Delivery("d", "jobs", 1, 5)).message(),
            "denominator: only RATIO measures take a denominator");
  EXPECT_EQ(report(Delivery("d", "local-spend", 1)).message(),
            "denominator: must be above 0 for a RATIO measure");
  v1::DeliveryReported outside = Delivery("d", "jobs", 1);
  *outside.mutable_period_start() = D(2024, 1, 1);
  EXPECT_EQ(report(outside).code(), absl::StatusCode::kFailedPrecondition);
  v1::DeliveryReported backwards = Delivery("d", "jobs", 1);
  *backwards.mutable_period_end() = D(2025, 3, 1);
  EXPECT_EQ(report(backwards).message(), "period_end: is before period_start");
  v1::DeliveryReported hash = Delivery("d", "jobs", 1);
  hash.mutable_evidence()->set_sha256("abc");
  EXPECT_EQ(report(hash).message(),
            "evidence.sha256: must be 64 hexadecimal digits");

  ASSERT_TRUE(
      Record(DecideReportDelivery(state_, Delivery("d", "jobs", 1), library_))
          .ok());
  EXPECT_EQ(report(Delivery("d", "jobs", 1)).code(),
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
  EXPECT_EQ(report(Delivery("d9", "jobs", 1)).message(),
            "commitment_id: commitment 'jobs' is withdrawn");
  ASSERT_TRUE(Record(DecideCloseContract(state_, v1::ContractClosed())).ok());
  EXPECT_EQ(report(Delivery("d9", "local-spend", 1, 2)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(DecideCloseContract(state_, v1::ContractClosed()).status().code(),
            absl::StatusCode::kFailedPrecondition);
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
