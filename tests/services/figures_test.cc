// The figures behind an enforcement case, through gRPC as a council's and
// a supplier's tools would send them: exact decimals, definitions pinned to
// the library a contract's framework version pinned, guarded returns, and
// the closing judgement. Every refusal names its field and writes nothing.

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "svledger/v1/framework_service.grpc.pb.h"
#include "svledger/v1/progress_service.grpc.pb.h"
#include "tests/services/k1_fixture.h"

namespace svledger::services {
namespace {

using domain::MakeDate;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class FiguresTest : public testing::K1Fixture {
 protected:
  void SetUp() override {
    K1Fixture::SetUp();
    auto channel =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                            grpc::InsecureChannelCredentials());
    progress_ = v1::ProgressService::NewStub(channel);
    frameworks_ = v1::FrameworkService::NewStub(channel);
  }

  grpc::Status Report(const v1::ReportDeliveryRequest& request) {
    grpc::ClientContext context;
    v1::CommandResponse response;
    grpc::Status s = stub_->ReportDelivery(&context, request, &response);
    if (s.ok()) Settle();
    return s;
  }

  // A report of `quantity` (decimal text) against K1's `commitment`.
  static v1::ReportDeliveryRequest Return(const std::string& id,
                                          const std::string& commitment,
                                          const std::string& quantity,
                                          v1::Date from, v1::Date to) {
    v1::ReportDeliveryRequest r =
        testing::ReportRequest("K1", id, commitment, 0, from, to);
    r.mutable_delivery()->set_quantity(quantity);
    return r;
  }

  // Adds commitment `id` to K1, due at its end, with `target` as typed.
  bool AddToK1(const std::string& id, const std::string& measure,
               const std::string& target) {
    v1::AddCommitmentsRequest add;
    add.set_request_id("add-" + id);
    add.set_contract_id("K1");
    v1::Commitment* c = add.add_commitments();
    c->set_commitment_id(id);
    c->set_measure_id(measure);
    c->set_target(target);
    *c->mutable_due() = MakeDate(2026, 12, 31);
    return Command(&v1::ContractService::Stub::AddCommitments, add);
  }

  void Verify(const std::string& id) {
    v1::VerifyDeliveryRequest v;
    v.set_request_id("verify-" + id);
    v.set_contract_id("K1");
    v.mutable_verification()->set_delivery_id(id);
    ASSERT_TRUE(Command(&v1::ContractService::Stub::VerifyDelivery, v));
  }

  v1::ContractProgress Progress() {
    v1::GetContractProgressRequest request;
    request.set_contract_id("K1");
    grpc::ClientContext context;
    v1::ContractProgress out;
    grpc::Status s = progress_->GetContractProgress(&context, request, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    out.clear_position();
    return out;
  }

  grpc::Status PublishLibrary(const v1::MeasureLibrary& library) {
    v1::PublishMeasureLibraryRequest request;
    *request.mutable_library() = library;
    grpc::ClientContext context;
    v1::PublishResponse response;
    return frameworks_->PublishMeasureLibrary(&context, request, &response);
  }

  // The next library version: the latest with `edit` applied.
  v1::MeasureLibrary NextLibrary(
      const std::function<void(v1::MeasureLibrary&)>& edit) {
    v1::MeasureLibrary next = *server_->app().framework_store().Library();
    next.set_version(next.version() + 1);
    edit(next);
    return next;
  }

  static v1::Measure* Find(v1::MeasureLibrary& library, const std::string& id) {
    for (v1::Measure& m : *library.mutable_measures()) {
      if (m.id() == id) return &m;
    }
    return nullptr;
  }

  std::unique_ptr<v1::ProgressService::Stub> progress_;
  std::unique_ptr<v1::FrameworkService::Stub> frameworks_;
};

// 0.7 + 0.1 against a target of 0.8 is 0.8, 100% and MET, whatever the
// delivery ids or the order of the reports.
TEST_F(FiguresTest, DecimalsAreExactThroughTheApi) {
  ASSERT_TRUE(
      AddToK1("tenths", "volunteering.hours", "0.80"));  // kept as typed
  clock_.Set(domain::StartOfDay(MakeDate(2025, 7, 1)));
  ASSERT_TRUE(Report(Return("z", "tenths", "0.7", MakeDate(2025, 1, 1),
                            MakeDate(2025, 3, 31)))
                  .ok());
  ASSERT_TRUE(Report(Return("a", "tenths", "0.1", MakeDate(2025, 4, 1),
                            MakeDate(2025, 6, 30)))
                  .ok());
  Verify("a");
  Verify("z");
  const v1::ContractProgress p = Progress();
  const v1::CommitmentProgress& tenths = p.commitments(1);
  ASSERT_EQ(tenths.commitment_id(), "tenths");
  EXPECT_EQ(tenths.target(), "0.80");  // as typed
  EXPECT_EQ(tenths.delivered(), "0.8");
  EXPECT_EQ(tenths.percent_of_target(), "100");
  EXPECT_EQ(tenths.status(), v1::MET);
  // The event keeps what was typed.
  auto stream = server_->store().ReadStream("contract-K1", {});
  ASSERT_TRUE(stream.ok());
  v1::CommitmentsAdded added;
  ASSERT_TRUE(added.ParseFromString(stream->events[2].payload));
  EXPECT_EQ(added.commitments(0).target(), "0.80");
}

// Publishing a library version never changes an existing contract's
// figures or cases; a version that removes or retypes a measure a
// framework uses is refused; only ChangeFramework moves a contract.
TEST_F(FiguresTest, ALaterLibraryLeavesOldContractsAlone) {
  clock_.Set(domain::StartOfDay(MakeDate(2025, 7, 2)));
  ASSERT_TRUE(Report(Return("q1", "jobs", "3", MakeDate(2025, 1, 1),
                            MakeDate(2025, 6, 30)))
                  .ok());
  Verify("q1");
  ASSERT_TRUE(policy_->Sweep().ok());  // 3 of ~6: OFF_TRACK, a case
  ASSERT_TRUE(Settle());
  const v1::ContractProgress before = Progress();
  ASSERT_EQ(before.commitments(0).open_case_id(), "jobs#1");
  ASSERT_EQ(before.commitments(0).unit(), v1::FTE);
  const uint64_t head = server_->store().HeadPosition();

  // The library v3: jobs from SUM/FTE to LATEST/people. Refused,
  // as is removing it.
  grpc::Status retyped = PublishLibrary(NextLibrary([](auto& l) {
    v1::Measure* jobs = Find(l, "jobs.new_local");
    jobs->set_unit(v1::PEOPLE);
    jobs->set_aggregation(v1::LATEST);
  }));
  EXPECT_EQ(retyped.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(retyped.error_message(),
              HasSubstr("measure 'jobs.new_local' is named by framework"));
  EXPECT_THAT(retyped.error_message(), HasSubstr("cannot be retyped"));
  grpc::Status removed = PublishLibrary(NextLibrary([](auto& l) {
    auto* measures = l.mutable_measures();
    for (int i = 0; i < measures->size(); ++i) {
      if (measures->Get(i).id() == "jobs.new_local") {
        measures->DeleteSubrange(i, 1);
        break;
      }
    }
  }));
  EXPECT_EQ(removed.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(removed.error_message(), HasSubstr("cannot be removed"));
  EXPECT_EQ(server_->store().HeadPosition(), head) << "a refusal wrote";

  // A new edition with a proxy value is published, and changes nothing
  // for K1: byte-identical figures and cases, nothing for the policy.
  const v1::MeasureLibrary edition = NextLibrary([](auto& l) {
    v1::ProxyValue* proxy = Find(l, "jobs.new_local")->mutable_proxy();
    proxy->set_gbp_per_unit(17000.5);
    proxy->set_source("the council");
    proxy->set_edition("2026");
  });
  ASSERT_TRUE(PublishLibrary(edition).ok());
  ASSERT_TRUE(Settle());
  EXPECT_EQ(Progress().SerializeAsString(), before.SerializeAsString());
  const uint64_t published = server_->store().HeadPosition();
  ASSERT_TRUE(policy_->Sweep().ok());
  EXPECT_EQ(server_->store().HeadPosition(), published);

  // Moving K1 is explicit: a later framework version pinning the new
  // library, and the before and after in the answer and the log.
  v1::ChangeFrameworkRequest move;
  move.set_request_id("move");
  move.set_contract_id("K1");
  move.set_version(1);
  move.set_reason("adopt the 2026 proxy values");
  {
    grpc::ClientContext context;
    v1::ChangeFrameworkResponse response;
    grpc::Status s = stub_->ChangeFramework(&context, move, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(s.error_message(), StartsWith("version: "));
  }
  v1::Framework norwich = *server_->app().framework_store().Latest("norwich");
  norwich.set_version(norwich.version() + 1);
  norwich.clear_measure_library_version();
  {
    v1::PublishFrameworkRequest request;
    *request.mutable_framework() = norwich;
    grpc::ClientContext context;
    v1::PublishResponse response;
    ASSERT_TRUE(
        frameworks_->PublishFramework(&context, request, &response).ok());
  }
  EXPECT_EQ(Progress().SerializeAsString(), before.SerializeAsString());
  move.set_version(norwich.version());
  move.clear_reason();
  {
    grpc::ClientContext context;
    v1::ChangeFrameworkResponse response;
    grpc::Status s = stub_->ChangeFramework(&context, move, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), StartsWith("reason"));
  }
  move.set_reason("adopt the 2026 proxy values");
  grpc::ClientContext context;
  v1::ChangeFrameworkResponse moved;
  ASSERT_TRUE(stub_->ChangeFramework(&context, move, &moved).ok());
  ASSERT_TRUE(Settle());
  EXPECT_EQ(moved.change().from_library_version(), edition.version() - 1);
  EXPECT_EQ(moved.change().to_library_version(), edition.version());
  ASSERT_EQ(moved.change().before_size(), 1);
  EXPECT_FALSE(moved.change().before(0).has_proxy_value());
  EXPECT_EQ(moved.change().after(0).gbp_delivered().pence(), 5100150);
  EXPECT_EQ(moved.change().after(0).proxy_edition(), "2026");
  const v1::ContractProgress after = Progress();
  EXPECT_EQ(after.contract().framework().version(), norwich.version());
  EXPECT_EQ(after.commitments(0).gbp_delivered().pence(), 5100150);
  EXPECT_EQ(after.commitments(0).delivered(), "3");
}

// Returns are guarded: each refusal through gRPC with its code and field,
// and nothing written.
TEST_F(FiguresTest, ReturnsAreGuardedThroughGrpc) {
  clock_.Set(domain::StartOfDay(MakeDate(2025, 7, 2)));
  ASSERT_TRUE(Report(Return("q1", "jobs", "3", MakeDate(2025, 1, 1),
                            MakeDate(2025, 3, 31)))
                  .ok());
  const uint64_t head = server_->store().HeadPosition();
  using Code = grpc::StatusCode;
  struct Case {
    std::string name;
    v1::ReportDeliveryRequest request;
    Code code;
    std::string message;  // a prefix
  };
  v1::ReportDeliveryRequest reused =
      Return("q1b", "jobs", "4", MakeDate(2025, 4, 1), MakeDate(2025, 6, 30));
  reused.set_request_id("report-q1");
  v1::ReportDeliveryRequest correction_of_nothing =
      Return("fix", "jobs", "4", MakeDate(2025, 1, 1), MakeDate(2025, 3, 31));
  correction_of_nothing.mutable_delivery()->set_corrects("q9");
  const std::vector<Case> cases = {
      {"the same quarter twice",
       Return("q1-again", "jobs", "3", MakeDate(2025, 1, 1),
              MakeDate(2025, 3, 31)),
       Code::FAILED_PRECONDITION,
       "period_start: the period overlaps delivery 'q1'"},
      {"a quarter that has not ended",
       Return("q3", "jobs", "1", MakeDate(2025, 7, 1), MakeDate(2025, 9, 30)),
       Code::FAILED_PRECONDITION, "period_end: 2025-09-30 has not happened"},
      {"before the commitment's start",
       Return("old", "jobs", "1", MakeDate(2024, 10, 1),
              MakeDate(2024, 12, 31)),
       Code::FAILED_PRECONDITION, "period_start: 2024-10-01 is before"},
      {"a request id reused for another report", reused, Code::ALREADY_EXISTS,
       "request_id: 'report-q1'"},
      {"a correction of nothing", correction_of_nothing,
       Code::FAILED_PRECONDITION, "corrects: no delivery 'q9'"},
      {"binary floating point text",
       Return("e", "jobs", "1e3", MakeDate(2025, 4, 1), MakeDate(2025, 4, 30)),
       Code::INVALID_ARGUMENT, "delivery.quantity: \"1e3\" is not a decimal"},
  };
  for (const Case& c : cases) {
    grpc::Status s = Report(c.request);
    EXPECT_EQ(s.error_code(), c.code) << c.name << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), StartsWith(c.message)) << c.name;
  }
  EXPECT_EQ(server_->store().HeadPosition(), head) << "a refusal wrote";

  // A correction of the quarter supersedes it once verified.
  v1::ReportDeliveryRequest fix = Return(
      "q1-fix", "jobs", "5", MakeDate(2025, 1, 1), MakeDate(2025, 3, 31));
  fix.mutable_delivery()->set_corrects("q1");
  ASSERT_TRUE(Report(fix).ok());
  Verify("q1");
  EXPECT_EQ(Progress().commitments(0).delivered(), "3");
  Verify("q1-fix");
  EXPECT_EQ(Progress().commitments(0).delivered(), "5");
}

TEST_F(FiguresTest, ASharesNumeratorIsAtMostItsDenominator) {
  ASSERT_TRUE(AddToK1("spend", "spend.local_percent", "30"));
  clock_.Set(domain::StartOfDay(MakeDate(2025, 7, 2)));
  const uint64_t head = server_->store().HeadPosition();
  v1::ReportDeliveryRequest share =
      Return("s1", "spend", "300", MakeDate(2025, 1, 1), MakeDate(2025, 3, 31));
  share.mutable_delivery()->set_denominator("100");
  grpc::Status s = Report(share);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(),
              StartsWith("delivery.quantity: the numerator 300 is above"));
  EXPECT_EQ(server_->store().HeadPosition(), head);
  share.mutable_delivery()->set_quantity("100");
  EXPECT_TRUE(Report(share).ok());
}

// Closing is a last judgement: a contract closed straight after a short
// commitment is added gets its case in the close itself, before any sweep;
// afterwards no case opens, reports are refused, verification goes on.
TEST_F(FiguresTest, ClosingJudgesWhateverTheTiming) {
  clock_.Set(domain::StartOfDay(MakeDate(2025, 7, 2)));
  ASSERT_TRUE(Report(Return("q1", "jobs", "2", MakeDate(2025, 1, 1),
                            MakeDate(2025, 3, 31)))
                  .ok());
  Verify("q1");
  ASSERT_TRUE(Report(Return("q2", "jobs", "1", MakeDate(2025, 4, 1),
                            MakeDate(2025, 6, 30)))
                  .ok());  // pending at the close
  v1::CloseContractRequest close;
  close.set_request_id("close");
  close.set_contract_id("K1");
  close.mutable_closure()->set_reason("terminated by agreement");
  ASSERT_TRUE(Command(&v1::ContractService::Stub::CloseContract, close));
  const v1::ContractProgress closed = Progress();
  EXPECT_TRUE(closed.closed());
  EXPECT_EQ(closed.cases().open(), 1u);
  EXPECT_EQ(closed.commitments(0).open_case_id(), "jobs#1");
  // The case came with the close, in one append.
  auto stream = server_->store().ReadStream("contract-K1", {});
  ASSERT_TRUE(stream.ok());
  ASSERT_GE(stream->events.size(), 2u);
  const auto& last = stream->events.back();
  EXPECT_EQ(last.type, "EnforcementCaseOpened");
  EXPECT_EQ(stream->events[stream->events.size() - 2].type, "ContractClosed");
  EXPECT_EQ(last.position,
            stream->events[stream->events.size() - 2].position + 1);

  grpc::Status refused = Report(
      Return("q3", "jobs", "1", MakeDate(2025, 7, 1), MakeDate(2025, 7, 1)));
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("closed"));
  Verify("q2");  // still possible
  EXPECT_EQ(Progress().commitments(0).delivered(), "3");
  // Months later the sweep opens nothing new; the figures stay as of the
  // close.
  clock_.Set(domain::StartOfDay(MakeDate(2027, 6, 1)));
  ASSERT_TRUE(policy_->Sweep().ok());
  ASSERT_TRUE(Settle());
  EXPECT_EQ(Progress().cases().opened(), 1u);
  EXPECT_EQ(Progress().commitments(0).expected(),
            closed.commitments(0).expected());
}

// A delivery plan shapes expected-to-date; an onboarding date holds the
// policy back for a contract registered part-way through its life.
TEST_F(FiguresTest, PlansAndOnboarding) {
  v1::RegisterContractRequest reg = testing::RegisterK1();
  reg.set_request_id("reg-k2");
  reg.mutable_contract()->set_contract_id("K2");
  *reg.mutable_contract()->mutable_onboarded() = MakeDate(2025, 10, 1);
  ASSERT_TRUE(Command(&v1::ContractService::Stub::RegisterContract, reg));
  v1::AddCommitmentsRequest add;
  add.set_request_id("add-k2");
  add.set_contract_id("K2");
  for (const char* id : {"straight", "planned"}) {
    v1::Commitment* c = add.add_commitments();
    c->set_commitment_id(id);
    c->set_measure_id("jobs.new_local");
    c->set_target("5");
    *c->mutable_due() = MakeDate(2026, 12, 31);
  }
  v1::Milestone* m = add.mutable_commitments(1)->add_plan();
  *m->mutable_on() = MakeDate(2025, 12, 31);
  m->set_cumulative("0");
  m = add.mutable_commitments(1)->add_plan();
  *m->mutable_on() = MakeDate(2026, 6, 30);
  m->set_cumulative("2");
  ASSERT_TRUE(Command(&v1::ContractService::Stub::AddCommitments, add));

  // Six months in, nothing delivered: the straight line says OFF_TRACK,
  // the plan says on track; and no case before onboarding.
  clock_.Set(domain::StartOfDay(MakeDate(2025, 7, 2)));
  v1::GetContractProgressRequest request;
  request.set_contract_id("K2");
  auto get = [&] {
    grpc::ClientContext context;
    v1::ContractProgress out;
    EXPECT_TRUE(progress_->GetContractProgress(&context, request, &out).ok());
    return out;
  };
  v1::ContractProgress p = get();
  EXPECT_EQ(p.commitments(0).commitment_id(), "planned");
  EXPECT_EQ(p.commitments(0).status(), v1::ON_TRACK);
  EXPECT_EQ(p.commitments(0).expected(), "0");
  EXPECT_TRUE(p.commitments(0).has_plan());
  EXPECT_EQ(p.commitments(1).status(), v1::OFF_TRACK);
  ASSERT_TRUE(policy_->Sweep().ok());
  ASSERT_TRUE(Settle());
  EXPECT_EQ(get().cases().opened(), 0u);
  // From onboarding on, the straight-line commitment gets its case.
  clock_.Set(domain::StartOfDay(MakeDate(2025, 10, 1)));
  ASSERT_TRUE(policy_->Sweep().ok());
  ASSERT_TRUE(Settle());
  p = get();
  EXPECT_EQ(p.cases().opened(), 1u);
  EXPECT_EQ(p.commitments(1).open_case_id(), "straight#1");

  // A plan that falls is refused, naming the milestone.
  add.set_request_id("add-k2-bad");
  add.mutable_commitments(0)->set_commitment_id("bad");
  add.mutable_commitments(0)->clear_plan();
  add.mutable_commitments(0)->add_plan()->set_cumulative("3");
  *add.mutable_commitments(0)->mutable_plan(0)->mutable_on() =
      MakeDate(2025, 6, 30);
  add.mutable_commitments(0)->add_plan()->set_cumulative("1");
  *add.mutable_commitments(0)->mutable_plan(1)->mutable_on() =
      MakeDate(2025, 9, 30);
  add.mutable_commitments()->DeleteSubrange(1, 1);
  grpc::ClientContext context;
  v1::CommandResponse response;
  grpc::Status s = stub_->AddCommitments(&context, add, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(),
              StartsWith("commitments[0].plan[1].cumulative"));
}

}  // namespace
}  // namespace svledger::services
