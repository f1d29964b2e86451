// EnforcementService and AlertService against the real server composition
// with its enforcement policy running and an injected clock: a contract
// walks through falling behind, notice, plan, the plan's date passing,
// escalation, a financial remedy and recovery; the alerts of that life are
// streamed, and resumed across a restart with no gap and no duplicate;
// every error of the new RPCs.

#include <thread>

#include "common/clock.h"
#include "common/uuid.h"
#include "domain/contract.h"
#include "domain/enforcement.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "svledger/v1/alert_service.grpc.pb.h"
#include "svledger/v1/contract_service.grpc.pb.h"
#include "svledger/v1/enforcement_service.grpc.pb.h"
#include "svledger/v1/progress_service.grpc.pb.h"
#include "tests/services/requests.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"

namespace svledger::services {
namespace {

using server::Server;
using server::ServerOptions;

using svledger::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

v1::Date D(int y, int m, int d) { return domain::MakeDate(y, m, d); }

// What an alert is about, in a word (for comparing sequences).
std::string Kind(const v1::Alert& a) {
  switch (a.change_case()) {
    case v1::Alert::kStatusChanged:
      return "status " + v1::CommitmentStatus_Name(a.status_changed().to());
    case v1::Alert::kCaseOpened:
      return "opened";
    case v1::Alert::kCaseAction:
      return "action " + v1::EnforcementStage_Name(a.case_action().stage());
    case v1::Alert::kCaseEscalated:
      return "escalated " + v1::EnforcementStage_Name(a.case_escalated().to());
    case v1::Alert::kCaseClosed:
      return "closed " + v1::CaseCloseReason_Name(a.case_closed().reason());
    case v1::Alert::kDeliveryReported:
      return "reported " + a.delivery_id();
    case v1::Alert::kDeliveryVerified:
      return "verified " + a.delivery_id();
    case v1::Alert::kDeliveryRejected:
      return "rejected " + a.delivery_id();
    default:
      return "?";
  }
}

class EnforcementServiceTest : public ::testing::Test {
 public:  // for the error table's lambdas
  void SetUp() override {
    clock_.Set(domain::StartOfDay(D(2025, 1, 1)));
    Start();
    ASSERT_TRUE(Ok(Command(&v1::ContractService::Stub::RegisterContract,
                           testing::RegisterK1())));
    ASSERT_TRUE(Ok(Command(&v1::ContractService::Stub::AddCommitments,
                           testing::K1Jobs())));
  }

  void Start() {
    ServerOptions options;
    options.grpc.listen = "127.0.0.1:0";
    options.storage.data_dir = dir_.path();
    options.seed.frameworks_dir = SVLEDGER_FRAMEWORKS_DIR;
    options.clock = &clock_;
    options.grpc.max_position_wait = absl::Seconds(30);
    auto server = Server::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_NE(server_->app().policy(), nullptr);
    auto channel =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                            grpc::InsecureChannelCredentials());
    contracts_ = v1::ContractService::NewStub(channel);
    enforcement_ = v1::EnforcementService::NewStub(channel);
    alerts_ = v1::AlertService::NewStub(channel);
    progress_ = v1::ProgressService::NewStub(channel);
  }

  void Restart() {
    server_->Shutdown();
    server_.reset();
    Start();
  }

  static bool Ok(const grpc::Status& s) {
    EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
    return s.ok();
  }

  // Runs a command as the contract manager; waits until the read model has
  // applied it, so the policy and the queries see it.
  template <typename Stub, typename Method, typename Request>
  grpc::Status Run(Stub& stub, Method method, const Request& request) {
    grpc::ClientContext context;
    context.AddMetadata("svledger-actor", "j.smith");
    v1::CommandResponse response;
    grpc::Status s = ((*stub).*method)(&context, request, &response);
    if (s.ok()) Settle();
    return s;
  }
  template <typename Method, typename Request>
  grpc::Status Command(Method method, const Request& request) {
    return Run(contracts_, method, request);
  }
  template <typename Method, typename Request>
  grpc::Status Enforce(Method method, const Request& request) {
    return Run(enforcement_, method, request);
  }

  // Waits until the read model has applied everything in the log.
  void Settle() {
    ASSERT_TRUE(server_->read_model().applied().WaitFor(
        server_->store().HeadPosition(), absl::Now() + absl::Seconds(30)));
  }

  // Moves the clock and sweeps, as the hourly sweep would.
  void SweepAt(absl::Time t) {
    clock_.Set(t);
    auto swept = server_->app().policy()->Sweep();
    ASSERT_TRUE(swept.ok()) << swept.status();
    Settle();
  }

  v1::RecordActionRequest Action(const std::string& request_id,
                                 v1::EnforcementStage stage,
                                 const std::string& note) {
    v1::RecordActionRequest r;
    r.set_request_id(request_id);
    r.set_contract_id("K1");
    r.mutable_action()->set_case_id("jobs#1");
    r.mutable_action()->set_stage(stage);
    r.mutable_action()->set_note(note);
    return r;
  }

  absl::StatusOr<v1::EnforcementCase> GetCase(const std::string& case_id) {
    v1::GetCaseRequest request;
    request.set_contract_id("K1");
    request.set_case_id(case_id);
    grpc::ClientContext context;
    v1::EnforcementCase out;
    grpc::Status s = enforcement_->GetCase(&context, request, &out);
    if (!s.ok()) return absl::InternalError(s.error_message());
    return out;
  }

  v1::ListCasesResponse ListCases(v1::ListCasesRequest request) {
    grpc::ClientContext context;
    v1::ListCasesResponse out;
    EXPECT_TRUE(Ok(enforcement_->ListCases(&context, request, &out)));
    return out;
  }

  // Reads a WatchAlerts stream from `from` until it reports caught up;
  // returns the alerts and sets `*next` to the resume position.
  std::vector<v1::Alert> AlertsUntilCaughtUp(uint64_t from, uint64_t* next,
                                             const std::string& council = "") {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    v1::WatchAlertsRequest request;
    request.set_from_position(from);
    request.set_council(council);
    auto reader = alerts_->WatchAlerts(&context, request);
    std::vector<v1::Alert> out;
    v1::WatchAlertsResponse response;
    while (reader->Read(&response)) {
      for (const v1::Alert& a : response.alerts()) out.push_back(a);
      *next = response.next_position();
      if (response.caught_up()) break;
    }
    context.TryCancel();
    grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED)
        << status.error_message();
    return out;
  }

  FakeClock clock_;
  TempDir dir_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::ContractService::Stub> contracts_;
  std::unique_ptr<v1::EnforcementService::Stub> enforcement_;
  std::unique_ptr<v1::AlertService::Stub> alerts_;
  std::unique_ptr<v1::ProgressService::Stub> progress_;
};

TEST_F(EnforcementServiceTest, ACaseFromShortfallThroughEscalationToRecovery) {
  // Six months without a delivery: off track, a case at NOTICE, once.
  SweepAt(domain::StartOfDay(D(2025, 7, 2)));
  SweepAt(domain::StartOfDay(D(2025, 7, 2)) + absl::Hours(1));
  v1::ListCasesResponse open = ListCases({});
  ASSERT_EQ(open.cases_size(), 1);
  const v1::EnforcementCase& opened = open.cases(0);
  EXPECT_EQ(opened.case_id(), "jobs#1");
  EXPECT_EQ(opened.council(), "norwich");
  EXPECT_EQ(opened.supplier_id(), "acme");
  EXPECT_EQ(opened.measure_id(), "jobs.new_local");
  EXPECT_EQ(opened.state(), v1::CASE_OPEN);
  EXPECT_EQ(opened.stage(), v1::NOTICE);
  EXPECT_EQ(opened.trigger().status(), v1::OFF_TRACK);
  EXPECT_EQ(opened.trigger().delivered(), "0");
  EXPECT_GT(domain::DisplayDouble(opened.trigger().expected()),
            5);  // ~half of 24
  EXPECT_EQ(opened.trigger().shortfall(), opened.trigger().expected());
  EXPECT_FALSE(opened.overdue());

  // The manager warns, then agrees a plan to recover by 31 August.
  ASSERT_TRUE(Ok(Enforce(&v1::EnforcementService::Stub::RecordAction,
                         Action("warn", v1::NOTICE, "warning letter sent"))));
  v1::RecordActionRequest plan =
      Action("plan", v1::REMEDIATION_PLAN, "recruit via the job centre");
  *plan.mutable_action()->mutable_agreed_date() = D(2025, 8, 31);
  ASSERT_TRUE(Ok(Enforce(&v1::EnforcementService::Stub::RecordAction, plan)));
  // A retry of the same request writes nothing more.
  ASSERT_TRUE(Ok(Enforce(&v1::EnforcementService::Stub::RecordAction, plan)));
  auto planned = GetCase("jobs#1");
  ASSERT_TRUE(planned.ok()) << planned.status();
  EXPECT_EQ(planned->stage(), v1::REMEDIATION_PLAN);
  EXPECT_EQ(planned->actions(), 2u);
  EXPECT_EQ(planned->due().unix_micros(),
            absl::ToUnixMicros(domain::StartOfDay(D(2025, 9, 1))));

  // The agreed date passes with the supplier still behind: the policy
  // escalates by itself, saying why.
  SweepAt(domain::StartOfDay(D(2025, 8, 31)) + absl::Hours(12));
  EXPECT_EQ(GetCase("jobs#1")->stage(), v1::REMEDIATION_PLAN);
  SweepAt(domain::StartOfDay(D(2025, 9, 1)) + absl::Hours(9));
  auto escalated = GetCase("jobs#1");
  ASSERT_TRUE(escalated.ok());
  EXPECT_EQ(escalated->stage(), v1::FINANCIAL_REMEDY);
  ASSERT_EQ(escalated->history_size(), 4);
  EXPECT_THAT(escalated->history(3).escalated().reason(),
              HasSubstr("2025-08-31 passed"));
  EXPECT_EQ(escalated->history(3).actor(), "svledger-policy");
  EXPECT_FALSE(escalated->overdue());

  // Thirty days at FINANCIAL_REMEDY with nothing done: overdue.
  clock_.Set(domain::StartOfDay(D(2025, 10, 15)));
  v1::ListCasesRequest overdue_only;
  overdue_only.set_overdue_only(true);
  ASSERT_EQ(ListCases(overdue_only).cases_size(), 1);
  EXPECT_TRUE(ListCases(overdue_only).cases(0).overdue());

  v1::RecordActionRequest remedy =
      Action("credits", v1::FINANCIAL_REMEDY, "social value credits");
  remedy.mutable_action()->mutable_amount()->set_pence(500000);
  ASSERT_TRUE(Ok(Enforce(&v1::EnforcementService::Stub::RecordAction, remedy)));

  // The supplier catches up: the case closes as RECOVERED by itself.
  ASSERT_TRUE(
      Ok(Command(&v1::ContractService::Stub::ReportDelivery,
                 testing::ReportRequest("K1", "q3", "jobs", 20, D(2025, 1, 1),
                                        D(2025, 9, 30)))));
  v1::VerifyDeliveryRequest verify;
  verify.set_request_id("verify-q3");
  verify.set_contract_id("K1");
  verify.mutable_verification()->set_delivery_id("q3");
  ASSERT_TRUE(Ok(Command(&v1::ContractService::Stub::VerifyDelivery, verify)));
  SweepAt(domain::StartOfDay(D(2025, 10, 15)));

  auto closed = GetCase("jobs#1");
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->state(), v1::CASE_CLOSED);
  EXPECT_EQ(closed->close_reason(), v1::RECOVERED);
  EXPECT_EQ(closed->remedies().pence(), 500000);
  std::vector<std::string> actors;
  for (const v1::CaseEvent& e : closed->history()) actors.push_back(e.actor());
  EXPECT_THAT(actors,
              ElementsAre("svledger-policy", "j.smith", "j.smith",
                          "svledger-policy", "j.smith", "svledger-policy"));
  for (int i = 1; i < closed->history_size(); ++i) {
    EXPECT_GT(closed->history(i).position(), closed->history(i - 1).position());
  }
  v1::ListCasesRequest open_only;
  open_only.set_state(v1::CASE_OPEN);
  EXPECT_EQ(ListCases(open_only).cases_size(), 0);

  // Every change is an alert, in log order.
  uint64_t next = 0;
  std::vector<std::string> kinds;
  for (const v1::Alert& a : AlertsUntilCaughtUp(1, &next)) {
    kinds.push_back(Kind(a));
    EXPECT_EQ(a.contract_id(), "K1");
    EXPECT_EQ(a.council(), "norwich");
    // A decision names its delivery; the report, its commitment.
    if (!a.has_delivery_verified()) EXPECT_EQ(a.commitment_id(), "jobs");
  }
  EXPECT_THAT(
      kinds,
      ElementsAre("status OFF_TRACK", "opened", "action NOTICE",
                  "action REMEDIATION_PLAN", "escalated FINANCIAL_REMEDY",
                  "action FINANCIAL_REMEDY", "reported q3", "verified q3",
                  "status ON_TRACK", "closed RECOVERED"));
  EXPECT_EQ(next, server_->store().HeadPosition() + 1);
  EXPECT_EQ(server_->app().policy()->failures(), 0u);
}

TEST_F(EnforcementServiceTest, KpiRatingAssessmentsAndSupplierStanding) {
  clock_.Set(domain::StartOfDay(D(2025, 7, 2)));
  auto progress = [&] {
    v1::GetContractProgressRequest request;
    request.set_contract_id("K1");
    grpc::ClientContext context;
    v1::ContractProgress out;
    EXPECT_TRUE(Ok(progress_->GetContractProgress(&context, request, &out)));
    return out;
  };
  // The one commitment is off track: 0% on track, INADEQUATE.
  EXPECT_EQ(progress().rating(), v1::INADEQUATE);
  // First assessment due 12 months after the start.
  EXPECT_EQ(progress().next_assessment_due().year(), 2026);
  EXPECT_EQ(progress().next_assessment_due().month(), 1);
  EXPECT_EQ(progress().next_assessment_due().day(), 1);

  v1::RecordPerformanceAssessmentRequest assess;
  assess.set_request_id("assess-2025");
  assess.set_contract_id("K1");
  assess.mutable_assessment()->set_rating(v1::REQUIRES_IMPROVEMENT);
  assess.mutable_assessment()->set_evidence("KPI report Q2 2025");
  *assess.mutable_assessment()->mutable_assessed_on() = D(2025, 7, 1);
  ASSERT_TRUE(Ok(Enforce(
      &v1::EnforcementService::Stub::RecordPerformanceAssessment, assess)));
  EXPECT_EQ(progress().last_assessed_rating(), v1::REQUIRES_IMPROVEMENT);
  EXPECT_EQ(progress().next_assessment_due().year(), 2026);
  EXPECT_EQ(progress().next_assessment_due().month(), 7);

  // The policy's case shows in the view and in the supplier's standing.
  SweepAt(domain::StartOfDay(D(2025, 7, 2)));
  EXPECT_EQ(progress().cases().open(), 1u);
  EXPECT_EQ(progress().commitments(0).open_case_id(), "jobs#1");
  EXPECT_EQ(progress().commitments(0).case_stage(), v1::NOTICE);
  auto scorecard = [&] {
    v1::GetSupplierScorecardRequest request;
    request.set_supplier_id("acme");
    grpc::ClientContext context;
    v1::SupplierScorecard out;
    EXPECT_TRUE(Ok(progress_->GetSupplierScorecard(&context, request, &out)));
    return out;
  };
  v1::SupplierScorecard behind = scorecard();
  EXPECT_EQ(behind.standing().cases().open(), 1u);
  EXPECT_FALSE(behind.standing().endorsement().qualifies());
  ASSERT_EQ(behind.standing().extensions_size(), 1);
  EXPECT_FALSE(behind.standing().extensions(0).decision().qualifies());

  // The manager waives the case; the supplier then delivers and is on track
  // a year and a half in: endorsed, and the contract may be extended.
  v1::CloseCaseRequest waive;
  waive.set_request_id("waive");
  waive.set_contract_id("K1");
  waive.mutable_close()->set_case_id("jobs#1");
  waive.mutable_close()->set_reason(v1::WAIVED);
  waive.mutable_close()->set_note("recruitment freeze agreed with the council");
  ASSERT_TRUE(Ok(Enforce(&v1::EnforcementService::Stub::CloseCase, waive)));
  clock_.Set(domain::StartOfDay(D(2026, 7, 2)));  // the period has ended
  ASSERT_TRUE(
      Ok(Command(&v1::ContractService::Stub::ReportDelivery,
                 testing::ReportRequest("K1", "y1", "jobs", 20, D(2025, 1, 1),
                                        D(2026, 6, 30)))));
  v1::VerifyDeliveryRequest verify;
  verify.set_request_id("verify-y1");
  verify.set_contract_id("K1");
  verify.mutable_verification()->set_delivery_id("y1");
  ASSERT_TRUE(Ok(Command(&v1::ContractService::Stub::VerifyDelivery, verify)));
  SweepAt(domain::StartOfDay(D(2026, 7, 2)));
  EXPECT_EQ(progress().rating(), v1::GOOD);
  v1::SupplierScorecard good = scorecard();
  EXPECT_EQ(good.standing().cases().waived(), 1u);
  EXPECT_EQ(good.standing().cases().open(), 0u);
  EXPECT_TRUE(good.standing().endorsement().qualifies())
      << good.standing().endorsement().DebugString();
  ASSERT_EQ(good.standing().extensions_size(), 1);
  EXPECT_TRUE(good.standing().extensions(0).decision().qualifies())
      << good.standing().extensions(0).DebugString();
}

TEST_F(EnforcementServiceTest, NoDuplicateCaseAcrossRestartRebuildAndSweeps) {
  SweepAt(domain::StartOfDay(D(2025, 7, 2)));
  auto count_opened = [&] {
    auto stream = server_->store().ReadStream("contract-K1", {.limit = 1000});
    EXPECT_TRUE(stream.ok());
    int opened = 0;
    for (const auto& e : stream->events) {
      opened += e.type == domain::kEnforcementCaseOpened;
    }
    return opened;
  };
  ASSERT_EQ(count_opened(), 1);

  // Four sweeps at once, with the server's own thread also evaluating.
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back(
        [&] { ASSERT_TRUE(server_->app().policy()->Sweep().ok()); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(count_opened(), 1);

  // A rebuild of the projection, then a sweep.
  ASSERT_TRUE(server_->read_model().Rebuild().ok());
  Settle();
  ASSERT_TRUE(server_->app().policy()->Sweep().ok());
  EXPECT_EQ(count_opened(), 1);

  // A restart: the policy's first sweep runs at start-up.
  Restart();
  ASSERT_TRUE(server_->app().policy()->Sweep().ok());
  EXPECT_EQ(count_opened(), 1);
  EXPECT_EQ(ListCases({}).cases_size(), 1);
}

TEST_F(EnforcementServiceTest, AlertsResumeAcrossARestartWithNoGapOrDuplicate) {
  SweepAt(domain::StartOfDay(D(2025, 7, 2)));
  uint64_t next = 0;
  std::vector<v1::Alert> first = AlertsUntilCaughtUp(1, &next);
  ASSERT_EQ(first.size(), 2u);

  // A live watch from "now" sees the next alert as it happens.
  grpc::ClientContext live_context;
  live_context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  v1::WatchAlertsRequest live_request;  // from_position 0: from now
  live_request.set_council("norwich");
  auto live = alerts_->WatchAlerts(&live_context, live_request);
  v1::WatchAlertsResponse response;
  ASSERT_TRUE(live->Read(&response));  // caught up, nothing yet
  EXPECT_TRUE(response.caught_up());
  EXPECT_EQ(response.alerts_size(), 0);
  ASSERT_TRUE(Ok(Enforce(&v1::EnforcementService::Stub::RecordAction,
                         Action("warn", v1::NOTICE, "warning letter sent"))));
  ASSERT_TRUE(live->Read(&response));
  ASSERT_EQ(response.alerts_size(), 1);
  EXPECT_EQ(Kind(response.alerts(0)), "action NOTICE");
  EXPECT_EQ(response.alerts(0).actor(), "j.smith");

  // The server restarts under the live watch: it ends UNAVAILABLE.
  Restart();
  while (live->Read(&response)) {
  }
  EXPECT_EQ(live->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);

  v1::CloseCaseRequest close;
  close.set_request_id("close");
  close.set_contract_id("K1");
  close.mutable_close()->set_case_id("jobs#1");
  close.mutable_close()->set_reason(v1::REMEDIED);
  close.mutable_close()->set_note("apprentices hired from another scheme");
  ASSERT_TRUE(Ok(Enforce(&v1::EnforcementService::Stub::CloseCase, close)));

  // Resuming from where the first watch stopped gives exactly the rest.
  uint64_t resumed_next = 0;
  std::vector<v1::Alert> rest = AlertsUntilCaughtUp(next, &resumed_next);
  uint64_t all_next = 0;
  std::vector<v1::Alert> all = AlertsUntilCaughtUp(1, &all_next);
  ASSERT_EQ(first.size() + rest.size(), all.size());
  std::vector<uint64_t> joined, whole;
  for (const auto* part : {&first, &rest}) {
    for (const v1::Alert& a : *part) joined.push_back(a.position());
  }
  for (const v1::Alert& a : all) whole.push_back(a.position());
  EXPECT_EQ(joined, whole);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(Kind(rest[0]), "action NOTICE");
  EXPECT_EQ(Kind(rest[1]), "closed REMEDIED");
  EXPECT_EQ(resumed_next, all_next);

  // A council filter that matches nothing still advances the position.
  uint64_t other_next = 0;
  EXPECT_TRUE(AlertsUntilCaughtUp(1, &other_next, "derbyshire").empty());
  EXPECT_EQ(other_next, all_next);
}

// One event that cannot make an alert, in a stream no one registered or
// with a payload no one can read, is skipped and counted; it must not end
// every watch that reaches it (and again on every resume).
TEST_F(EnforcementServiceTest, AnAlertEventNoOneCanReadIsSkippedNotFatal) {
  SweepAt(domain::StartOfDay(D(2025, 7, 2)));
  uint64_t next = 0;
  ASSERT_EQ(AlertsUntilCaughtUp(1, &next).size(), 2u);
  // That watch is over on the server's side too before the bad events
  // land, so that only the two watches below can count them.
  ASSERT_TRUE(testing::WaitUntil([&] { return server_->alert_watches() == 0; },
                                 absl::Seconds(10)));
  // Written under the API, as a store from before reserved streams holds.
  eventstore::ProposedEvent ghost;
  ghost.id = Uuid::FromName("ghost-case");
  ghost.type = domain::kEnforcementCaseOpened;
  ghost.payload = v1::EnforcementCaseOpened().SerializeAsString();
  ASSERT_TRUE(server_->store()
                  .Append(domain::ContractStream("ghost"),
                          eventstore::ExpectedVersion::Any(), {ghost})
                  .ok());
  eventstore::ProposedEvent garbage = ghost;
  garbage.id = Uuid::FromName("garbage-case");
  garbage.payload = "\xff\xff\xff";
  ASSERT_TRUE(server_->store()
                  .Append(domain::ContractStream("K1"),
                          eventstore::ExpectedVersion::Any(), {garbage})
                  .ok());
  const uint64_t head = server_->store().HeadPosition();
  // Twice: a resumed watch passes them too.
  for (int pass = 0; pass < 2; ++pass) {
    uint64_t after = 0;
    EXPECT_EQ(AlertsUntilCaughtUp(1, &after).size(), 2u);
    EXPECT_EQ(after, head + 1);
  }
  EXPECT_EQ(server_->app().alerts().skipped(), 4u);  // 2 events, 2 watches
  // And alerts after them still come.
  ASSERT_TRUE(Ok(Enforce(&v1::EnforcementService::Stub::RecordAction,
                         Action("warn", v1::NOTICE, "warning letter sent"))));
  uint64_t last = 0;
  std::vector<v1::Alert> rest = AlertsUntilCaughtUp(head + 1, &last);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(Kind(rest[0]), "action NOTICE");
}

TEST_F(EnforcementServiceTest, ListCasesPagesInOrderOfSeverity) {
  v1::AddCommitmentsRequest add;
  add.set_request_id("add-hours");
  add.set_contract_id("K1");
  v1::Commitment* hours = add.add_commitments();
  hours->set_commitment_id("hours");
  hours->set_measure_id("jobs.new_local");
  hours->set_target("10");
  *hours->mutable_due() = D(2026, 12, 31);
  ASSERT_TRUE(Ok(Command(&v1::ContractService::Stub::AddCommitments, add)));
  SweepAt(domain::StartOfDay(D(2025, 7, 2)));
  // The later case moves up the ladder: it comes first.
  v1::RecordActionRequest plan =
      Action("plan", v1::REMEDIATION_PLAN, "recovery plan");
  plan.mutable_action()->set_case_id("hours#1");
  *plan.mutable_action()->mutable_agreed_date() = D(2025, 9, 30);
  ASSERT_TRUE(Ok(Enforce(&v1::EnforcementService::Stub::RecordAction, plan)));

  v1::ListCasesRequest request;
  request.set_page_size(1);
  request.set_council("norwich");
  v1::ListCasesResponse first = ListCases(request);
  ASSERT_EQ(first.cases_size(), 1);
  EXPECT_EQ(first.cases(0).case_id(), "hours#1");
  ASSERT_FALSE(first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  v1::ListCasesResponse second = ListCases(request);
  ASSERT_EQ(second.cases_size(), 1);
  EXPECT_EQ(second.cases(0).case_id(), "jobs#1");
  EXPECT_TRUE(second.next_page_token().empty());
  // Filters: by stage, by another council.
  v1::ListCasesRequest at_notice;
  at_notice.set_stage(v1::NOTICE);
  ASSERT_EQ(ListCases(at_notice).cases_size(), 1);
  EXPECT_EQ(ListCases(at_notice).cases(0).case_id(), "jobs#1");
  v1::ListCasesRequest elsewhere;
  elsewhere.set_council("rutland");
  EXPECT_EQ(ListCases(elsewhere).cases_size(), 0);
}

// One row per error: the RPC, its code and the start of its message.
struct ErrorCase {
  std::string name;
  std::function<grpc::Status(EnforcementServiceTest*)> call;
  grpc::StatusCode code;
  std::string message;
};

TEST_F(EnforcementServiceTest, EveryErrorOfTheNewRpcs) {
  SweepAt(domain::StartOfDay(D(2025, 7, 2)));  // case jobs#1 open
  auto action = [](std::function<void(v1::RecordActionRequest&)> edit) {
    return [edit](EnforcementServiceTest* t) {
      v1::RecordActionRequest r = t->Action("a", v1::NOTICE, "note");
      edit(r);
      return t->Enforce(&v1::EnforcementService::Stub::RecordAction, r);
    };
  };
  auto close = [](std::function<void(v1::CloseCaseRequest&)> edit) {
    return [edit](EnforcementServiceTest* t) {
      v1::CloseCaseRequest r;
      r.set_request_id("c");
      r.set_contract_id("K1");
      r.mutable_close()->set_case_id("jobs#1");
      r.mutable_close()->set_reason(v1::WAIVED);
      r.mutable_close()->set_note("why");
      edit(r);
      return t->Enforce(&v1::EnforcementService::Stub::CloseCase, r);
    };
  };
  auto assess =
      [](std::function<void(v1::RecordPerformanceAssessmentRequest&)> edit) {
        return [edit](EnforcementServiceTest* t) {
          v1::RecordPerformanceAssessmentRequest r;
          r.set_request_id("p");
          r.set_contract_id("K1");
          r.mutable_assessment()->set_rating(v1::GOOD);
          r.mutable_assessment()->set_evidence("report");
          *r.mutable_assessment()->mutable_assessed_on() = D(2025, 6, 1);
          edit(r);
          return t->Enforce(
              &v1::EnforcementService::Stub::RecordPerformanceAssessment, r);
        };
      };
  auto list = [](std::function<void(v1::ListCasesRequest&)> edit) {
    return [edit](EnforcementServiceTest* t) {
      v1::ListCasesRequest r;
      edit(r);
      grpc::ClientContext context;
      v1::ListCasesResponse out;
      return t->enforcement_->ListCases(&context, r, &out);
    };
  };
  auto get = [](std::string contract, std::string case_id) {
    return [=](EnforcementServiceTest* t) {
      v1::GetCaseRequest r;
      r.set_contract_id(contract);
      r.set_case_id(case_id);
      grpc::ClientContext context;
      v1::EnforcementCase out;
      return t->enforcement_->GetCase(&context, r, &out);
    };
  };
  auto watch = [](uint64_t from, std::string council) {
    return [=](EnforcementServiceTest* t) {
      v1::WatchAlertsRequest r;
      r.set_from_position(from);
      r.set_council(council);
      grpc::ClientContext context;
      auto reader = t->alerts_->WatchAlerts(&context, r);
      v1::WatchAlertsResponse response;
      while (reader->Read(&response)) {
      }
      return reader->Finish();
    };
  };
  using enum grpc::StatusCode;
  const std::vector<ErrorCase> cases = {
      {"no request id", action([](auto& r) { r.clear_request_id(); }),
       INVALID_ARGUMENT, "request_id"},
      {"no contract", action([](auto& r) { r.clear_contract_id(); }),
       INVALID_ARGUMENT, "contract_id"},
      {"unknown contract", action([](auto& r) { r.set_contract_id("nope"); }),
       FAILED_PRECONDITION, "contract_id"},
      {"malformed case id",
       action([](auto& r) { r.mutable_action()->set_case_id("a b"); }),
       INVALID_ARGUMENT, "action.case_id"},
      {"unknown case",
       action([](auto& r) { r.mutable_action()->set_case_id("jobs#7"); }),
       FAILED_PRECONDITION, "case_id"},
      {"unknown stage", action([](auto& r) {
         r.mutable_action()->set_stage(static_cast<v1::EnforcementStage>(99));
       }),
       INVALID_ARGUMENT, "action.stage: unknown value 99"},
      {"plan without date", action([](auto& r) {
         r.mutable_action()->set_stage(v1::REMEDIATION_PLAN);
       }),
       INVALID_ARGUMENT, "action.agreed_date"},
      {"bad agreed date", action([](auto& r) {
         r.mutable_action()->set_stage(v1::REMEDIATION_PLAN);
         *r.mutable_action()->mutable_agreed_date() = D(2025, 2, 30);
       }),
       INVALID_ARGUMENT, "action.agreed_date"},
      {"remedy without amount", action([](auto& r) {
         r.mutable_action()->set_stage(v1::FINANCIAL_REMEDY);
         r.mutable_action()->set_skip_reason("no plan is possible");
       }),
       INVALID_ARGUMENT, "action.amount"},
      {"skipping stages without a reason", action([](auto& r) {
         r.mutable_action()->set_stage(v1::TERMINATION_RECOMMENDED);
       }),
       INVALID_ARGUMENT, "action.skip_reason: required"},
      {"negative amount", action([](auto& r) {
         r.mutable_action()->mutable_amount()->set_pence(-1);
       }),
       INVALID_ARGUMENT, "action.amount"},
      {"close as recovered",
       close([](auto& r) { r.mutable_close()->set_reason(v1::RECOVERED); }),
       INVALID_ARGUMENT, "close.reason"},
      {"close without note",
       close([](auto& r) { r.mutable_close()->clear_note(); }),
       INVALID_ARGUMENT, "close.note"},
      {"close unknown case",
       close([](auto& r) { r.mutable_close()->set_case_id("jobs#2"); }),
       FAILED_PRECONDITION, "case_id"},
      {"assessment without rating",
       assess([](auto& r) { r.mutable_assessment()->clear_rating(); }),
       INVALID_ARGUMENT, "assessment.rating"},
      {"assessment without evidence",
       assess([](auto& r) { r.mutable_assessment()->clear_evidence(); }),
       INVALID_ARGUMENT, "assessment.evidence"},
      {"assessment before the start", assess([](auto& r) {
         *r.mutable_assessment()->mutable_assessed_on() = D(2024, 12, 31);
       }),
       INVALID_ARGUMENT, "assessment.assessed_on"},
      {"assessment in the future", assess([](auto& r) {
         *r.mutable_assessment()->mutable_assessed_on() = D(2030, 1, 1);
       }),
       INVALID_ARGUMENT, "assessment.assessed_on: 2030-01-01 is in the future"},
      {"list bad council", list([](auto& r) { r.set_council("a b"); }),
       INVALID_ARGUMENT, "council"},
      {"list page too big", list([](auto& r) { r.set_page_size(501); }),
       INVALID_ARGUMENT, "page_size"},
      {"list bad token", list([](auto& r) { r.set_page_token("x"); }),
       INVALID_ARGUMENT, "page_token"},
      {"list bad state",
       list([](auto& r) { r.set_state(static_cast<v1::CaseState>(9)); }),
       INVALID_ARGUMENT, "state"},
      {"list bad stage",
       list([](auto& r) { r.set_stage(static_cast<v1::EnforcementStage>(9)); }),
       INVALID_ARGUMENT, "stage"},
      {"get without case id", get("K1", ""), INVALID_ARGUMENT, "case_id"},
      {"get malformed case id", get("K1", "jobs#x"), INVALID_ARGUMENT,
       "case_id"},
      {"get unknown contract", get("nope", "jobs#1"), NOT_FOUND, "contract_id"},
      {"get unknown case", get("K1", "jobs#2"), NOT_FOUND, "case_id"},
      {"watch bad council", watch(1, "a b"), INVALID_ARGUMENT, "council"},
      {"watch beyond the head", watch(1000000, ""), INVALID_ARGUMENT,
       "from_position"},
  };
  const uint64_t head = server_->store().HeadPosition();
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    grpc::Status s = c.call(this);
    EXPECT_EQ(s.error_code(), c.code) << s.error_message();
    EXPECT_THAT(s.error_message(), StartsWith(c.message));
  }
  EXPECT_EQ(server_->store().HeadPosition(), head) << "an error wrote";

  // A closed case takes no more actions.
  ASSERT_TRUE(close([](auto&) {})(this).ok());
  grpc::Status again = action([](auto& r) { r.set_request_id("late"); })(this);
  EXPECT_EQ(again.error_code(), FAILED_PRECONDITION);
  EXPECT_THAT(again.error_message(), HasSubstr("is closed"));
}

}  // namespace
}  // namespace svledger::services
