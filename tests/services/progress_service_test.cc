// In-process gRPC tests of ProgressService and FrameworkService against the
// real server composition (port 0, temporary data, the councils' frameworks,
// an injected clock).

#include <thread>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "domain/contract.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "svledger/v1/admin_service.grpc.pb.h"
#include "svledger/v1/contract_service.grpc.pb.h"
#include "svledger/v1/framework_service.grpc.pb.h"
#include "svledger/v1/progress_service.grpc.pb.h"
#include "tests/services/requests.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"

namespace svledger::services {
namespace {

using server::Server;
using server::ServerOptions;

using svledger::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

v1::Date D(int y, int m, int d) { return domain::MakeDate(y, m, d); }

class ProgressServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Set(domain::StartOfDay(D(2025, 4, 1)));
    Start();
  }

  void Start() {
    ServerOptions options;
    options.grpc.listen = "127.0.0.1:0";
    options.storage.data_dir = dir_.path();
    options.seed.frameworks_dir = SVLEDGER_FRAMEWORKS_DIR;
    options.clock = &clock_;
    options.grpc.max_position_wait = max_position_wait_;
    options.grpc.streams = streams_;
    // Views only: the policy (tested in enforcement_service_test) would
    // append its own events as the test moves the clock.
    options.app.enforcement = false;
    auto server = Server::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    auto channel =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                            grpc::InsecureChannelCredentials());
    commands_ = v1::ContractService::NewStub(channel);
    progress_ = v1::ProgressService::NewStub(channel);
    frameworks_ = v1::FrameworkService::NewStub(channel);
    admin_ = v1::AdminService::NewStub(channel);
  }

  // Registers a two-year contract from 2025-04-01 with a jobs commitment
  // (25, SUM) and a local spend commitment (30%, RATIO). Returns the last
  // position written.
  uint64_t Register(const std::string& id, const std::string& council,
                    const std::string& supplier) {
    v1::RegisterContractRequest reg;
    reg.set_request_id("reg");
    v1::ContractRegistered* c = reg.mutable_contract();
    c->set_contract_id(id);
    c->mutable_framework()->set_id(council);
    c->mutable_framework()->set_version(1);
    c->set_title("Waste collection");
    c->set_supplier_id(supplier);
    c->set_supplier_name(supplier + " Ltd");
    *c->mutable_start() = D(2025, 4, 1);
    *c->mutable_end() = D(2027, 3, 31);
    c->set_contract_manager("j.smith");
    v1::CommandResponse r;
    grpc::ClientContext c1;
    grpc::Status registered = commands_->RegisterContract(&c1, reg, &r);
    EXPECT_TRUE(registered.ok()) << registered.error_message();
    v1::AddCommitmentsRequest add;
    add.set_request_id("add");
    add.set_contract_id(id);
    v1::Commitment* jobs = add.add_commitments();
    jobs->set_commitment_id("jobs");
    jobs->set_measure_id("jobs.new_local");
    jobs->set_target("24");
    *jobs->mutable_due() = D(2027, 3, 31);
    v1::Commitment* spend = add.add_commitments();
    spend->set_commitment_id("spend");
    spend->set_measure_id("spend.local_percent");
    spend->set_target("30");
    *spend->mutable_due() = D(2027, 3, 31);
    grpc::ClientContext c2;
    grpc::Status s = commands_->AddCommitments(&c2, add, &r);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return r.position();
  }

  // Reports a delivery for the quarter ending `end` and verifies it.
  uint64_t Deliver(const std::string& contract, const std::string& id,
                   const std::string& commitment, double quantity,
                   double denominator, v1::Date start, v1::Date end,
                   bool verify = true) {
    const v1::ReportDeliveryRequest report = testing::ReportRequest(
        contract, id, commitment, quantity, start, end, denominator);
    v1::CommandResponse r;
    grpc::ClientContext c1;
    // A period is reported once it has ended: the clock moves to the day
    // after it for the report (if it is not there yet), then back, so the
    // views are still judged where the test put the clock.
    const absl::Time was = clock_.Now();
    const absl::Time ended = domain::StartOfDay(end) + absl::Hours(24);
    if (was < ended) clock_.Set(ended);
    grpc::Status s = commands_->ReportDelivery(&c1, report, &r);
    clock_.Set(was);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!verify) return r.position();
    v1::VerifyDeliveryRequest v;
    v.set_request_id("verify-" + id);
    v.set_contract_id(contract);
    v.mutable_verification()->set_delivery_id(id);
    grpc::ClientContext c2;
    s = commands_->VerifyDelivery(&c2, v, &r);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return r.position();
  }

  grpc::Status Progress(const std::string& id, uint64_t min_position,
                        v1::ContractProgress* out,
                        const v1::Date* as_of = nullptr) {
    v1::GetContractProgressRequest request;
    request.set_contract_id(id);
    request.set_min_position(min_position);
    if (as_of != nullptr) *request.mutable_as_of() = *as_of;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    return progress_->GetContractProgress(&context, request, out);
  }

  absl::Duration max_position_wait_ = absl::Milliseconds(300);
  services::LogStreamLimits streams_;
  FakeClock clock_;
  TempDir dir_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::ContractService::Stub> commands_;
  std::unique_ptr<v1::ProgressService::Stub> progress_;
  std::unique_ptr<v1::FrameworkService::Stub> frameworks_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
};

TEST_F(ProgressServiceTest, ReadsItsOwnWritesAndJudgesAtTheClock) {
  Register("K1", "norwich", "acme");
  uint64_t pos =
      Deliver("K1", "q1", "jobs", 3, 0, D(2025, 4, 1), D(2025, 6, 30));
  pos = Deliver("K1", "s1", "spend", 40, 100, D(2025, 4, 1), D(2025, 6, 30));
  clock_.Set(domain::StartOfDay(D(2026, 4, 1)));  // halfway

  v1::ContractProgress p;
  grpc::Status s = Progress("K1", pos, &p);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_GE(p.position(), pos);
  ASSERT_EQ(p.commitments_size(), 2);
  const v1::CommitmentProgress& jobs = p.commitments(0);
  EXPECT_EQ(jobs.delivered(), "3");
  EXPECT_NEAR(domain::DisplayDouble(jobs.expected()), 12, 0.05);
  EXPECT_EQ(jobs.status(), v1::OFF_TRACK);
  EXPECT_EQ(jobs.unit(), v1::FTE);                // as measures.textproto says
  EXPECT_EQ(p.commitments(1).delivered(), "40");  // %
  EXPECT_EQ(p.commitments(1).status(), v1::ON_TRACK);
  EXPECT_EQ(p.status(), v1::OFF_TRACK);
  EXPECT_EQ(p.as_of().unix_micros(),
            absl::ToUnixMicros(domain::StartOfDay(D(2026, 4, 1))));

  // Nine more jobs: 12 of an expected 12 is on track.
  pos = Deliver("K1", "q2", "jobs", 9, 0, D(2025, 7, 1), D(2025, 9, 30));
  ASSERT_TRUE(Progress("K1", pos, &p).ok());
  EXPECT_EQ(p.commitments(0).status(), v1::ON_TRACK);
  EXPECT_EQ(p.status(), v1::ON_TRACK);
}

// A reader that did not make the write (another svctl process, a console
// page after a redirect) sets latest instead of min_position: each answer
// has applied at least every event acknowledged before the call was made.
TEST_F(ProgressServiceTest, LatestReadsWhatAnyoneWroteBeforeTheCall) {
  for (int i = 0; i < 40; ++i) {
    const std::string id = absl::StrCat("L", i);
    const uint64_t written = Register(id, "norwich", "acme");
    v1::GetContractProgressRequest request;
    request.set_contract_id(id);
    request.set_latest(true);
    grpc::ClientContext context;
    v1::ContractProgress p;
    grpc::Status s = progress_->GetContractProgress(&context, request, &p);
    ASSERT_TRUE(s.ok()) << id << ": " << s.error_message();
    EXPECT_GE(p.position(), written) << id;
    EXPECT_EQ(p.commitments_size(), 2) << id;
  }
}

TEST_F(ProgressServiceTest, AsOfViewsJudgeWhatTheLogHeldThen) {
  Register("K1", "norwich", "acme");
  clock_.Set(domain::StartOfDay(D(2025, 10, 10)));
  Deliver("K1", "q1", "jobs", 6, 0, D(2025, 4, 1), D(2025, 6, 30));
  clock_.Set(domain::StartOfDay(D(2026, 1, 10)));
  uint64_t pos =
      Deliver("K1", "q2", "jobs", 6, 0, D(2025, 7, 1), D(2025, 9, 30));

  v1::ContractProgress now, then, before;
  ASSERT_TRUE(Progress("K1", pos, &now).ok());
  EXPECT_EQ(now.commitments(0).delivered(), "12");
  const v1::Date oct = D(2025, 11, 1);
  ASSERT_TRUE(Progress("K1", 0, &then, &oct).ok());
  EXPECT_EQ(then.commitments(0).delivered(), "6");  // q2 was recorded later
  EXPECT_EQ(then.as_of().unix_micros(),
            absl::ToUnixMicros(domain::StartOfDay(D(2025, 11, 2))) - 1);
  const v1::Date march = D(2025, 3, 1);
  grpc::Status s = Progress("K1", 0, &before, &march);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);

  v1::GetCouncilSummaryRequest request;
  request.set_council("norwich");
  *request.mutable_as_of() = oct;
  v1::CouncilSummary summary;
  grpc::ClientContext context;
  ASSERT_TRUE(progress_->GetCouncilSummary(&context, request, &summary).ok());
  EXPECT_EQ(summary.total().contracts(), 1u);
  bool found = false;
  for (const auto& m : summary.measures()) {
    if (m.measure_id() == "jobs.new_local") {
      found = true;
      EXPECT_EQ(m.delivered(), "6");
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(ProgressServiceTest, ListsFiltersAndPages) {
  for (int i = 0; i < 5; ++i) {
    Register("N" + std::to_string(i), "norwich", i % 2 ? "acme" : "beta");
  }
  uint64_t pos = Register("D0", "derbyshire", "acme");
  clock_.Set(domain::StartOfDay(D(2026, 4, 1)));  // nothing delivered

  auto list = [&](v1::ListContractsRequest request) {
    request.set_min_position(pos);
    v1::ListContractsResponse response;
    grpc::ClientContext context;
    grpc::Status s = progress_->ListContracts(&context, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  };
  v1::ListContractsRequest request;
  request.set_council("norwich");
  request.set_page_size(2);
  std::vector<std::string> ids;
  while (true) {
    v1::ListContractsResponse page = list(request);
    for (const auto& c : page.contracts()) ids.push_back(c.contract_id());
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"N0", "N1", "N2", "N3", "N4"}));

  v1::ListContractsRequest by_supplier;
  by_supplier.set_supplier_id("acme");
  EXPECT_EQ(list(by_supplier).contracts_size(), 3);  // N1, N3, D0
  v1::ListContractsRequest by_status;
  by_status.set_status(v1::OFF_TRACK);
  EXPECT_EQ(list(by_status).contracts_size(), 6);
  by_status.set_status(v1::MET);
  EXPECT_EQ(list(by_status).contracts_size(), 0);

  v1::GetSupplierScorecardRequest scorecard_request;
  scorecard_request.set_supplier_id("acme");
  v1::SupplierScorecard scorecard;
  grpc::ClientContext context;
  ASSERT_TRUE(
      progress_->GetSupplierScorecard(&context, scorecard_request, &scorecard)
          .ok());
  EXPECT_EQ(scorecard.contracts_size(), 3);
  EXPECT_EQ(scorecard.total().commitments(), 6u);
  EXPECT_EQ(scorecard.supplier_name(), "acme Ltd");
}

TEST_F(ProgressServiceTest, CouncilSummaryFollowsTheFramework) {
  uint64_t pos = Register("K1", "derbyshire", "acme");
  v1::GetCouncilSummaryRequest request;
  request.set_council("derbyshire");
  request.set_min_position(pos);
  v1::CouncilSummary summary;
  grpc::ClientContext context;
  ASSERT_TRUE(progress_->GetCouncilSummary(&context, request, &summary).ok());
  EXPECT_EQ(summary.themes_size(), 5);
  int outcomes = 0;
  for (const auto& t : summary.themes()) outcomes += t.outcomes_size();
  EXPECT_EQ(outcomes, 12);
  EXPECT_EQ(summary.total().commitments(), 2u);
  EXPECT_EQ(summary.council_name(), "Derbyshire County Council");
}

TEST_F(ProgressServiceTest, WatchSendsTheViewThenEveryChange) {
  // After the quarter reported below, so Deliver leaves the clock alone:
  // the watch sends a new view when the clock moves too.
  clock_.Set(domain::StartOfDay(D(2025, 7, 1)));
  uint64_t pos = Register("K1", "norwich", "acme");
  v1::WatchContractRequest request;
  request.set_contract_id("K1");
  request.set_min_position(pos);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  auto reader = progress_->WatchContract(&context, request);
  v1::ContractProgress view;
  ASSERT_TRUE(reader->Read(&view));
  EXPECT_EQ(view.commitments(0).pending(), "0");
  Deliver("K1", "q1", "jobs", 5, 0, D(2025, 4, 1), D(2025, 6, 30),
          /*verify=*/false);
  // The report shows as pending, then (perhaps in the same view) verified.
  while (view.commitments(0).delivered() != "5") {
    ASSERT_TRUE(reader->Read(&view));
    if (view.commitments(0).delivered() == "0") {
      EXPECT_EQ(view.commitments(0).pending(), "5");
      v1::VerifyDeliveryRequest v;
      v.set_request_id("verify-q1");
      v.set_contract_id("K1");
      v.mutable_verification()->set_delivery_id("q1");
      v1::CommandResponse r;
      grpc::ClientContext c;
      ASSERT_TRUE(commands_->VerifyDelivery(&c, v, &r).ok());
    }
  }
  EXPECT_EQ(view.commitments(0).pending(), "0");
  context.TryCancel();
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

class FewWatchesTest : public ProgressServiceTest {
 protected:
  FewWatchesTest() { streams_.max_streams_per_principal = 3; }
};

// WatchContract had a global cap only: one caller could hold all 10,000.
TEST_F(FewWatchesTest, OneCallerCannotTakeEveryWatch) {
  const uint64_t pos = Register("K1", "norwich", "acme");
  struct Watch {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::ContractProgress>> reader;
    v1::ContractProgress view;
  };
  // A watch as `actor` (authentication is off: the header names the
  // caller); open once it has sent its first view.
  auto watch = [&](const std::string& actor) {
    auto w = std::make_unique<Watch>();
    w->context.AddMetadata("svledger-actor", actor);
    w->context.set_deadline(
        absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    v1::WatchContractRequest request;
    request.set_contract_id("K1");
    request.set_min_position(pos);
    w->reader = progress_->WatchContract(&w->context, request);
    return w;
  };
  auto end = [](Watch& w) {
    w.context.TryCancel();
    return w.reader->Finish();
  };
  std::vector<std::unique_ptr<Watch>> mine;
  for (int i = 0; i < 3; ++i) {
    mine.push_back(watch("greedy"));
    ASSERT_TRUE(mine.back()->reader->Read(&mine.back()->view));
  }
  std::unique_ptr<Watch> fourth = watch("greedy");
  EXPECT_FALSE(fourth->reader->Read(&fourth->view));
  grpc::Status refused = fourth->reader->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("per caller"));
  // Another caller still gets one, and a slot freed is a slot again.
  std::unique_ptr<Watch> other = watch("modest");
  EXPECT_TRUE(other->reader->Read(&other->view));
  end(*mine[0]);
  EXPECT_TRUE(testing::WaitUntil([&] {
    std::unique_ptr<Watch> again = watch("greedy");
    const bool opened = again->reader->Read(&again->view);
    end(*again);
    return opened;
  }));
  for (auto* w : {&mine[1], &mine[2], &other}) end(**w);
}

TEST_F(ProgressServiceTest, WatchEndsWithUnavailableAtShutdown) {
  uint64_t pos = Register("K1", "norwich", "acme");
  v1::WatchContractRequest request;
  request.set_contract_id("K1");
  request.set_min_position(pos);
  grpc::ClientContext context;
  auto reader = progress_->WatchContract(&context, request);
  v1::ContractProgress view;
  ASSERT_TRUE(reader->Read(&view));
  std::thread stop([&] { server_->Shutdown(); });
  while (reader->Read(&view)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  stop.join();
}

TEST_F(ProgressServiceTest, ErrorsNameTheFieldAndUseTheRightCode) {
  v1::ContractProgress p;
  grpc::Status s = Progress("", 0, &p);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("contract_id"));
  s = Progress("K!", 0, &p);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  s = Progress("nope", 0, &p);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  const v1::Date bad = D(2025, 2, 30);
  s = Progress("nope", 0, &p, &bad);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("as_of"));

  // A position the log has not reached: a bounded wait (300 ms here; the
  // client allows far longer), then DEADLINE_EXCEEDED naming min_position.
  v1::GetContractProgressRequest request;
  request.set_contract_id("nope");
  request.set_min_position(server_->store().HeadPosition() + 1000);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  const absl::Time asked = absl::Now();
  s = progress_->GetContractProgress(&context, request, &p);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_THAT(s.error_message(), StartsWith("min_position"));
  EXPECT_LT(absl::Now() - asked, absl::Seconds(30));
  v1::WatchContractRequest late;
  late.set_contract_id("nope");
  late.set_min_position(server_->store().HeadPosition() + 1000);
  grpc::ClientContext c0;
  auto late_reader = progress_->WatchContract(&c0, late);
  EXPECT_FALSE(late_reader->Read(&p));
  s = late_reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_THAT(s.error_message(), StartsWith("min_position"));

  v1::ListContractsRequest list;
  list.set_page_size(501);
  v1::ListContractsResponse lr;
  grpc::ClientContext c2;
  s = progress_->ListContracts(&c2, list, &lr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("page_size"));
  list.set_page_size(0);
  list.set_status(static_cast<v1::CommitmentStatus>(42));
  grpc::ClientContext c3;
  s = progress_->ListContracts(&c3, list, &lr);
  EXPECT_THAT(s.error_message(), StartsWith("status"));

  v1::GetCouncilSummaryRequest council;
  council.set_council("atlantis");
  v1::CouncilSummary cs;
  grpc::ClientContext c4;
  s = progress_->GetCouncilSummary(&c4, council, &cs);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), StartsWith("council"));

  v1::GetSupplierScorecardRequest supplier;
  supplier.set_supplier_id("nobody");
  v1::SupplierScorecard sc;
  grpc::ClientContext c5;
  s = progress_->GetSupplierScorecard(&c5, supplier, &sc);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);

  v1::WatchContractRequest watch;
  watch.set_contract_id("nope");
  grpc::ClientContext c6;
  auto reader = progress_->WatchContract(&c6, watch);
  EXPECT_FALSE(reader->Read(&p));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);

  // The server still serves.
  v1::ListFrameworksResponse frameworks;
  grpc::ClientContext c7;
  ASSERT_TRUE(progress_->ListFrameworks(&c7, {}, &frameworks).ok());
  EXPECT_EQ(frameworks.frameworks_size(), 4);
}

TEST_F(ProgressServiceTest, FrameworksArePublishedReadAndVersioned) {
  v1::GetFrameworkRequest get;
  get.set_id("lancashire");
  v1::GetFrameworkResponse lancashire;
  grpc::ClientContext c1;
  ASSERT_TRUE(progress_->GetFramework(&c1, get, &lancashire).ok());
  EXPECT_EQ(lancashire.framework().themes_size(), 5);
  EXPECT_GT(lancashire.measures_size(), 10);
  get.set_version(7);
  grpc::ClientContext c2;
  EXPECT_EQ(progress_->GetFramework(&c2, get, &lancashire).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // Version 2 of Lancashire, published from text by an admin.
  v1::Framework next = lancashire.framework();
  next.set_version(2);
  next.set_title("Revised framework");
  v1::PublishFrameworkRequest publish;
  *publish.mutable_framework() = next;
  v1::PublishResponse published;
  grpc::ClientContext c3;
  grpc::Status s = frameworks_->PublishFramework(&c3, publish, &published);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(published.already());
  grpc::ClientContext c4;
  ASSERT_TRUE(frameworks_->PublishFramework(&c4, publish, &published).ok());
  EXPECT_TRUE(published.already());
  // A published version is never rewritten; versions do not skip.
  next.set_title("Rewritten");
  *publish.mutable_framework() = next;
  grpc::ClientContext c5;
  EXPECT_EQ(
      frameworks_->PublishFramework(&c5, publish, &published).error_code(),
      grpc::StatusCode::ALREADY_EXISTS);
  next.set_version(9);
  *publish.mutable_framework() = next;
  grpc::ClientContext c6;
  EXPECT_EQ(
      frameworks_->PublishFramework(&c6, publish, &published).error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);
  // Malformed text names the problem.
  v1::PublishFrameworkRequest text;
  text.set_textproto("id: \"x\" version: one");
  grpc::ClientContext c7;
  s = frameworks_->PublishFramework(&c7, text, &published);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::PublishFrameworkRequest neither;
  grpc::ClientContext c8;
  s = frameworks_->PublishFramework(&c8, neither, &published);
  EXPECT_THAT(s.error_message(), StartsWith("framework"));

  get.set_version(0);
  grpc::ClientContext c9;
  ASSERT_TRUE(progress_->GetFramework(&c9, get, &lancashire).ok());
  EXPECT_EQ(lancashire.framework().version(), 2u);
}

TEST_F(ProgressServiceTest, RecommendWeightingExplainsAndChecks) {
  v1::RecommendWeightingRequest request;
  request.set_additional_impact(v1::SIGNIFICANT);
  request.add_objectives("training_employment");
  request.add_objectives("living_standards");
  request.add_objectives("vcs");
  request.set_needs_quintile(1);
  v1::RecommendWeightingResponse response;
  grpc::ClientContext c1;
  grpc::Status s = frameworks_->RecommendWeighting(&c1, request, &response);
  if (!s.ok()) {
    // The objective ids come from frameworks/lancashire.textproto.
    FAIL() << s.error_message();
  }
  EXPECT_EQ(response.weighting_percent(), 10u);
  EXPECT_TRUE(response.criteria_met());
  EXPECT_EQ(response.reasons_size(), 4);

  request.set_objectives(2, "atlantis");
  grpc::ClientContext c2;
  s = frameworks_->RecommendWeighting(&c2, request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("objectives[2]"));
  request.set_objectives(2, "training_employment");
  grpc::ClientContext c3;
  s = frameworks_->RecommendWeighting(&c3, request, &response);
  EXPECT_THAT(s.error_message(), HasSubstr("twice"));
  request.clear_additional_impact();
  grpc::ClientContext c4;
  s = frameworks_->RecommendWeighting(&c4, request, &response);
  EXPECT_THAT(s.error_message(), StartsWith("additional_impact"));
}

TEST_F(ProgressServiceTest, ARebuildSwapsInWhileQueriesKeepAnswering) {
  uint64_t pos = Register("K1", "norwich", "acme");
  pos = Deliver("K1", "q1", "jobs", 6, 0, D(2025, 4, 1), D(2025, 6, 30));
  v1::ContractProgress before;
  ASSERT_TRUE(Progress("K1", pos, &before).ok());
  v1::RebuildProjectionRequest rebuild;
  rebuild.set_name("contracts");
  v1::RebuildProjectionResponse started;
  grpc::ClientContext c1;
  ASSERT_TRUE(admin_->RebuildProjection(&c1, rebuild, &started).ok());
  v1::ProjectionStatus status;
  auto fetch = [&] {
    v1::GetProjectionStatusRequest request;
    request.set_name("contracts");
    grpc::ClientContext c;
    return admin_->GetProjectionStatus(&c, request, &status).ok();
  };
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return fetch() && status.generation() == 2; }, absl::Seconds(30)));
  EXPECT_EQ(status.last_rebuild_error(), "");
  EXPECT_EQ(status.skipped_events(), 0u);
  v1::ContractProgress after;
  ASSERT_TRUE(Progress("K1", pos, &after).ok());
  EXPECT_EQ(before.SerializeAsString(), after.SerializeAsString());
  // And it follows the log on from there.
  pos = Deliver("K1", "q2", "jobs", 4, 0, D(2025, 7, 1), D(2025, 9, 30));
  ASSERT_TRUE(Progress("K1", pos, &after).ok());
  EXPECT_EQ(after.commitments(0).delivered(), "10");

  rebuild.set_name("nope");
  grpc::ClientContext c2;
  grpc::Status s = admin_->RebuildProjection(&c2, rebuild, &started);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), StartsWith("name"));
}

// Shutdown must not wait for queries waiting on a min_position: they are
// answered UNAVAILABLE at once (the gRPC server would otherwise wait for
// them forever).
TEST_F(ProgressServiceTest, ShutdownAnswersQueriesStillWaitingForAPosition) {
  server_->Shutdown();
  server_.reset();
  max_position_wait_ = absl::Hours(1);
  Start();
  grpc::Status status;
  std::thread query([&] {
    v1::GetContractProgressRequest request;
    request.set_contract_id("K1");
    request.set_min_position(1'000'000);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Hours(1)));
    v1::ContractProgress p;
    status = progress_->GetContractProgress(&context, request, &p);
  });
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return server_->read_model().applied().waiting() == 1; },
      absl::Seconds(30)));
  const absl::Time start = absl::Now();
  server_->Shutdown();
  query.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(ProgressServiceTest, RestartServesTheSameViews) {
  uint64_t pos = Register("K1", "norwich", "acme");
  pos = Deliver("K1", "q1", "jobs", 6, 0, D(2025, 4, 1), D(2025, 6, 30));
  v1::ContractProgress before, after;
  ASSERT_TRUE(Progress("K1", pos, &before).ok());
  server_->Shutdown();
  server_.reset();
  Start();
  ASSERT_TRUE(Progress("K1", pos, &after).ok());
  EXPECT_EQ(before.SerializeAsString(), after.SerializeAsString());
}

}  // namespace
}  // namespace svledger::services
