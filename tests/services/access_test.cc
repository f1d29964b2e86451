// The authorization matrix through real gRPC with real tokens: every RPC,
// called by every role on a contract in its scope ("own") and on one
// outside it ("other"). The expected outcomes are written out here by hand,
// independently of app/access_policy.cc, so that a change to the policy
// table that this matrix does not also state fails.

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "svledger/v1/admin_service.grpc.pb.h"
#include "svledger/v1/alert_service.grpc.pb.h"
#include "svledger/v1/contract_service.grpc.pb.h"
#include "svledger/v1/enforcement_service.grpc.pb.h"
#include "svledger/v1/event_log.grpc.pb.h"
#include "svledger/v1/framework_service.grpc.pb.h"
#include "svledger/v1/progress_service.grpc.pb.h"
#include "tests/services/dev_auth_server.h"
#include "tests/services/requests.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"

namespace svledger {
namespace {

// The callers, in the order of the expectation strings below.
enum Who { kAdmin, kAuditor, kManager, kSupplier, kNoRole, kAnonymous };
constexpr int kCallers = 6;
constexpr const char* kWhoNames[] = {"admin",    "auditor", "manager",
                                     "supplier", "no role", "anonymous"};

// "Own" is N1 (Norwich, supplier acme-facilities): in scope of
// manager-norwich and supplier-acme-facilities. "Other" is D1 (Derbyshire,
// greenway-construction): in neither's scope.
struct Contract {
  std::string id, council, supplier;
};
const Contract kOwn{"N1", "norwich", "acme-facilities"};
const Contract kOther{"D1", "derbyshire", "greenway-construction"};

v1::RegisterContractRequest Register(const std::string& id,
                                     const Contract& like) {
  v1::RegisterContractRequest reg = testing::RegisterK1();
  reg.set_request_id("reg-" + id);
  reg.mutable_contract()->set_contract_id(id);
  reg.mutable_contract()->mutable_framework()->set_id(like.council);
  reg.mutable_contract()->set_supplier_id(like.supplier);
  return reg;
}

class AccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = testing::StartWithDevAuth(
        dir_.path(), [this](server::ServerOptions& o) { Configure(o); });
    ASSERT_NE(server_, nullptr);
    channel_ = testing::ChannelTo(*server_);
    tokens_[kAdmin] = Persona("admin");
    tokens_[kAuditor] = Persona("auditor");
    tokens_[kManager] = Persona("manager-norwich");
    tokens_[kSupplier] = Persona("supplier-acme-facilities");
    auto nobody =
        server_->dev_issuer()->Mint("nobody", absl::Now(), absl::Hours(1));
    ASSERT_TRUE(nobody.ok());
    tokens_[kNoRole] = *nobody;
    tokens_[kAnonymous] = "";
    for (const Contract* c : {&kOwn, &kOther}) {
      grpc::ClientContext context;
      Authorize(context, kAdmin);
      v1::CommandResponse response;
      auto stub = v1::ContractService::NewStub(channel_);
      ASSERT_TRUE(
          stub->RegisterContract(&context, Register(c->id, *c), &response)
              .ok());
      grpc::ClientContext add_context;
      Authorize(add_context, kAdmin);
      v1::AddCommitmentsRequest jobs = testing::K1Jobs();
      jobs.set_contract_id(c->id);
      ASSERT_TRUE(stub->AddCommitments(&add_context, jobs, &response).ok());
    }
    ASSERT_TRUE(server_->read_model().applied().WaitFor(
        server_->store().HeadPosition(), absl::Now() + absl::Seconds(30)));
  }

  // What a suite changes in the server's options.
  virtual void Configure(server::ServerOptions& options) {}

  std::string Persona(const std::string& name) {
    std::ifstream in(dir_.path() + "/dev-auth/tokens/" + name + ".jwt");
    std::string token;
    in >> token;
    EXPECT_FALSE(token.empty()) << name;
    return token;
  }

  void Authorize(grpc::ClientContext& context, Who who) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    if (!tokens_[who].empty()) {
      context.AddMetadata("authorization", "Bearer " + tokens_[who]);
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<server::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::string tokens_[kCallers];
};

// One RPC: calls it as `who` on contract `c`; `n` makes ids unique.
using Call =
    std::function<grpc::Status(AccessTest*, Who who, const Contract& c, int n)>;

struct Row {
  const char* rpc;
  // One letter a caller (kWhoNames order): y allowed (any outcome but the
  // two below), n PERMISSION_DENIED, u UNAUTHENTICATED.
  const char* own;
  const char* other;
  Call call;
};

}  // namespace

// Friend-free access to the fixture for the table's lambdas.
class AccessMatrix : public AccessTest {
 public:
  template <typename Service, typename Request, typename Response,
            typename Method>
  grpc::Status Unary(Who who, Method method, const Request& request) {
    auto stub = Service::NewStub(channel_);
    grpc::ClientContext context;
    Authorize(context, who);
    Response response;
    return ((*stub).*method)(&context, request, &response);
  }

  // A server stream: its status if it ends within 300 ms, OK if it is
  // still open (allowed: a refusal comes at once).
  template <typename Response, typename Open>
  grpc::Status Stream(Who who, Open open) {
    grpc::ClientContext context;
    Authorize(context, who);
    context.set_deadline(
        absl::ToChronoTime(absl::Now() + absl::Milliseconds(300)));
    auto reader = open(&context);
    Response response;
    if (reader->Read(&response)) {
      context.TryCancel();
      reader->Finish();
      return grpc::Status::OK;
    }
    grpc::Status status = reader->Finish();
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      return grpc::Status::OK;
    }
    return status;
  }

  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  server::Server& server() { return *server_; }
};

namespace {

std::vector<Row> Rows() {
  using CS = v1::ContractService;
  using ES = v1::EnforcementService;
  using PS = v1::ProgressService;
  using FS = v1::FrameworkService;
  using AS = v1::AdminService;
  using EL = v1::EventLog;
  auto id = [](const char* what, Who who, int n) {
    return absl::StrCat(what, "-", who, "-", n);
  };
  return {
      {"ContractService.RegisterContract", "ynynnu", "ynnnnu",
       [id](AccessTest* t, Who who, const Contract& c, int n) {
         return static_cast<AccessMatrix*>(t)
             ->Unary<CS, v1::RegisterContractRequest, v1::CommandResponse>(
                 who, &CS::Stub::RegisterContract,
                 Register(id("R", who, n), c));
       }},
      {"ContractService.AddCommitments", "ynynnu", "ynnnnu",
       [id](AccessTest* t, Who who, const Contract& c, int n) {
         v1::AddCommitmentsRequest r = testing::K1Jobs();
         r.set_request_id(id("add", who, n));
         r.set_contract_id(c.id);
         r.mutable_commitments(0)->set_commitment_id(id("j", who, n));
         return static_cast<AccessMatrix*>(t)
             ->Unary<CS, v1::AddCommitmentsRequest, v1::CommandResponse>(
                 who, &CS::Stub::AddCommitments, r);
       }},
      {"ContractService.ReportDelivery", "ynyynu", "ynnnnu",
       [id](AccessTest* t, Who who, const Contract& c, int n) {
         v1::ReportDeliveryRequest r = testing::ReportRequest(
             c.id, id("d", who, n), "jobs", 1, domain::MakeDate(2025, 1, 1),
             domain::MakeDate(2025, 1, 31));
         return static_cast<AccessMatrix*>(t)
             ->Unary<CS, v1::ReportDeliveryRequest, v1::CommandResponse>(
                 who, &CS::Stub::ReportDelivery, r);
       }},
      {"ContractService.VerifyDelivery", "ynynnu", "ynnnnu",
       [id](AccessTest* t, Who who, const Contract& c, int n) {
         v1::VerifyDeliveryRequest r;
         r.set_request_id(id("v", who, n));
         r.set_contract_id(c.id);
         r.mutable_verification()->set_delivery_id("no-such-delivery");
         return static_cast<AccessMatrix*>(t)
             ->Unary<CS, v1::VerifyDeliveryRequest, v1::CommandResponse>(
                 who, &CS::Stub::VerifyDelivery, r);
       }},
      {"ContractService.RejectDelivery", "ynynnu", "ynnnnu",
       [id](AccessTest* t, Who who, const Contract& c, int n) {
         v1::RejectDeliveryRequest r;
         r.set_request_id(id("x", who, n));
         r.set_contract_id(c.id);
         r.mutable_rejection()->set_delivery_id("no-such-delivery");
         return static_cast<AccessMatrix*>(t)
             ->Unary<CS, v1::RejectDeliveryRequest, v1::CommandResponse>(
                 who, &CS::Stub::RejectDelivery, r);
       }},
      {"ContractService.AmendCommitment", "ynynnu", "ynnnnu",
       [id](AccessTest* t, Who who, const Contract& c, int n) {
         v1::AmendCommitmentRequest r;
         r.set_request_id(id("am", who, n));
         r.set_contract_id(c.id);
         r.mutable_amendment()->set_commitment_id("no-such-commitment");
         return static_cast<AccessMatrix*>(t)
             ->Unary<CS, v1::AmendCommitmentRequest, v1::CommandResponse>(
                 who, &CS::Stub::AmendCommitment, r);
       }},
      {"ContractService.WithdrawCommitment", "ynynnu", "ynnnnu",
       [id](AccessTest* t, Who who, const Contract& c, int n) {
         v1::WithdrawCommitmentRequest r;
         r.set_request_id(id("w", who, n));
         r.set_contract_id(c.id);
         r.mutable_withdrawal()->set_commitment_id("no-such-commitment");
         return static_cast<AccessMatrix*>(t)
             ->Unary<CS, v1::WithdrawCommitmentRequest, v1::CommandResponse>(
                 who, &CS::Stub::WithdrawCommitment, r);
       }},
      {"ContractService.CloseContract", "ynynnu", "ynnnnu",
       [id](AccessTest* t, Who who, const Contract& c, int n) {
         v1::CloseContractRequest r;
         r.set_request_id(id("close", who, n));
         r.set_contract_id(c.id);
         // Too long a reason: refused after the policy, so nothing closes.
         r.mutable_closure()->set_reason(std::string(3000, 'x'));
         return static_cast<AccessMatrix*>(t)
             ->Unary<CS, v1::CloseContractRequest, v1::CommandResponse>(
                 who, &CS::Stub::CloseContract, r);
       }},
      {"ContractService.ChangeFramework", "ynynnu", "ynnnnu",
       [id](AccessTest* t, Who who, const Contract& c, int n) {
         v1::ChangeFrameworkRequest r;
         r.set_request_id(id("cf", who, n));
         r.set_contract_id(c.id);
         r.set_version(99);
         return static_cast<AccessMatrix*>(t)
             ->Unary<CS, v1::ChangeFrameworkRequest,
                     v1::ChangeFrameworkResponse>(
                 who, &CS::Stub::ChangeFramework, r);
       }},
      {"EnforcementService.RecordAction", "ynynnu", "ynnnnu",
       [id](AccessTest* t, Who who, const Contract& c, int n) {
         v1::RecordActionRequest r;
         r.set_request_id(id("act", who, n));
         r.set_contract_id(c.id);
         r.mutable_action()->set_case_id("jobs#9");
         return static_cast<AccessMatrix*>(t)
             ->Unary<ES, v1::RecordActionRequest, v1::CommandResponse>(
                 who, &ES::Stub::RecordAction, r);
       }},
      {"EnforcementService.CloseCase", "ynynnu", "ynnnnu",
       [id](AccessTest* t, Who who, const Contract& c, int n) {
         v1::CloseCaseRequest r;
         r.set_request_id(id("cc", who, n));
         r.set_contract_id(c.id);
         r.mutable_close()->set_case_id("jobs#9");
         return static_cast<AccessMatrix*>(t)
             ->Unary<ES, v1::CloseCaseRequest, v1::CommandResponse>(
                 who, &ES::Stub::CloseCase, r);
       }},
      {"EnforcementService.RecordPerformanceAssessment", "ynynnu", "ynnnnu",
       [id](AccessTest* t, Who who, const Contract& c, int n) {
         v1::RecordPerformanceAssessmentRequest r;
         r.set_request_id(id("pa", who, n));
         r.set_contract_id(c.id);
         return static_cast<AccessMatrix*>(t)
             ->Unary<ES, v1::RecordPerformanceAssessmentRequest,
                     v1::CommandResponse>(
                 who, &ES::Stub::RecordPerformanceAssessment, r);
       }},
      {"EnforcementService.ListCases", "yyyynu", "yynnnu",
       [](AccessTest* t, Who who, const Contract& c, int) {
         v1::ListCasesRequest r;
         r.set_contract_id(c.id);
         return static_cast<AccessMatrix*>(t)
             ->Unary<ES, v1::ListCasesRequest, v1::ListCasesResponse>(
                 who, &ES::Stub::ListCases, r);
       }},
      {"EnforcementService.GetCase", "yyyynu", "yynnnu",
       [](AccessTest* t, Who who, const Contract& c, int) {
         v1::GetCaseRequest r;
         r.set_contract_id(c.id);
         r.set_case_id("jobs#1");
         return static_cast<AccessMatrix*>(t)
             ->Unary<ES, v1::GetCaseRequest, v1::EnforcementCase>(
                 who, &ES::Stub::GetCase, r);
       }},
      {"ProgressService.GetContractProgress", "yyyynu", "yynnnu",
       [](AccessTest* t, Who who, const Contract& c, int) {
         v1::GetContractProgressRequest r;
         r.set_contract_id(c.id);
         return static_cast<AccessMatrix*>(t)
             ->Unary<PS, v1::GetContractProgressRequest, v1::ContractProgress>(
                 who, &PS::Stub::GetContractProgress, r);
       }},
      // By council: a supplier may ask, and sees only its own contracts.
      {"ProgressService.ListContracts(council)", "yyyynu", "yynynu",
       [](AccessTest* t, Who who, const Contract& c, int) {
         v1::ListContractsRequest r;
         r.set_council(c.council);
         return static_cast<AccessMatrix*>(t)
             ->Unary<PS, v1::ListContractsRequest, v1::ListContractsResponse>(
                 who, &PS::Stub::ListContracts, r);
       }},
      // By supplier: a manager may ask, and sees only its councils'.
      {"ProgressService.ListContracts(supplier)", "yyyynu", "yyynnu",
       [](AccessTest* t, Who who, const Contract& c, int) {
         v1::ListContractsRequest r;
         r.set_supplier_id(c.supplier);
         return static_cast<AccessMatrix*>(t)
             ->Unary<PS, v1::ListContractsRequest, v1::ListContractsResponse>(
                 who, &PS::Stub::ListContracts, r);
       }},
      {"ProgressService.GetCouncilSummary", "yyynnu", "yynnnu",
       [](AccessTest* t, Who who, const Contract& c, int) {
         v1::GetCouncilSummaryRequest r;
         r.set_council(c.council);
         return static_cast<AccessMatrix*>(t)
             ->Unary<PS, v1::GetCouncilSummaryRequest, v1::CouncilSummary>(
                 who, &PS::Stub::GetCouncilSummary, r);
       }},
      {"ProgressService.GetSupplierScorecard", "yynynu", "yynnnu",
       [](AccessTest* t, Who who, const Contract& c, int) {
         v1::GetSupplierScorecardRequest r;
         r.set_supplier_id(c.supplier);
         return static_cast<AccessMatrix*>(t)
             ->Unary<PS, v1::GetSupplierScorecardRequest,
                     v1::SupplierScorecard>(who,
                                            &PS::Stub::GetSupplierScorecard, r);
       }},
      // The review queue: of a contract, as its progress; by council, as
      // the contract list (a supplier sees its own deliveries only).
      {"ProgressService.ListDeliveries(contract)", "yyyynu", "yynnnu",
       [](AccessTest* t, Who who, const Contract& c, int) {
         v1::ListDeliveriesRequest r;
         r.set_contract_id(c.id);
         return static_cast<AccessMatrix*>(t)
             ->Unary<PS, v1::ListDeliveriesRequest, v1::ListDeliveriesResponse>(
                 who, &PS::Stub::ListDeliveries, r);
       }},
      {"ProgressService.ListDeliveries(council)", "yyyynu", "yynynu",
       [](AccessTest* t, Who who, const Contract& c, int) {
         v1::ListDeliveriesRequest r;
         r.set_council(c.council);
         return static_cast<AccessMatrix*>(t)
             ->Unary<PS, v1::ListDeliveriesRequest, v1::ListDeliveriesResponse>(
                 who, &PS::Stub::ListDeliveries, r);
       }},
      {"ProgressService.ListFrameworks", "yyyynu", "yyyynu",
       [](AccessTest* t, Who who, const Contract&, int) {
         return static_cast<AccessMatrix*>(t)
             ->Unary<PS, v1::ListFrameworksRequest, v1::ListFrameworksResponse>(
                 who, &PS::Stub::ListFrameworks, {});
       }},
      {"ProgressService.GetFramework", "yyyynu", "yyyynu",
       [](AccessTest* t, Who who, const Contract& c, int) {
         v1::GetFrameworkRequest r;
         r.set_id(c.council);
         return static_cast<AccessMatrix*>(t)
             ->Unary<PS, v1::GetFrameworkRequest, v1::GetFrameworkResponse>(
                 who, &PS::Stub::GetFramework, r);
       }},
      {"ProgressService.WatchContract", "yyyynu", "yynnnu",
       [](AccessTest* t, Who who, const Contract& c, int) {
         auto* m = static_cast<AccessMatrix*>(t);
         auto stub = PS::NewStub(m->channel());
         v1::WatchContractRequest r;
         r.set_contract_id(c.id);
         return m->Stream<v1::ContractProgress>(
             who, [&](grpc::ClientContext* ctx) {
               return stub->WatchContract(ctx, r);
             });
       }},
      {"FrameworkService.RecommendWeighting", "yyyynu", "yyyynu",
       [](AccessTest* t, Who who, const Contract&, int) {
         return static_cast<AccessMatrix*>(t)
             ->Unary<FS, v1::RecommendWeightingRequest,
                     v1::RecommendWeightingResponse>(
                 who, &FS::Stub::RecommendWeighting, {});
       }},
      {"FrameworkService.PublishMeasureLibrary", "ynnnnu", "ynnnnu",
       [](AccessTest* t, Who who, const Contract&, int) {
         return static_cast<AccessMatrix*>(t)
             ->Unary<FS, v1::PublishMeasureLibraryRequest, v1::PublishResponse>(
                 who, &FS::Stub::PublishMeasureLibrary, {});
       }},
      {"FrameworkService.PublishFramework", "ynnnnu", "ynnnnu",
       [](AccessTest* t, Who who, const Contract&, int) {
         return static_cast<AccessMatrix*>(t)
             ->Unary<FS, v1::PublishFrameworkRequest, v1::PublishResponse>(
                 who, &FS::Stub::PublishFramework, {});
       }},
      {"AdminService.RebuildProjection", "ynnnnu", "ynnnnu",
       [](AccessTest* t, Who who, const Contract&, int) {
         v1::RebuildProjectionRequest r;
         r.set_name("no-such-projection");
         return static_cast<AccessMatrix*>(t)
             ->Unary<AS, v1::RebuildProjectionRequest,
                     v1::RebuildProjectionResponse>(
                 who, &AS::Stub::RebuildProjection, r);
       }},
      {"AdminService.GetProjectionStatus", "yynnnu", "yynnnu",
       [](AccessTest* t, Who who, const Contract&, int) {
         v1::GetProjectionStatusRequest r;
         r.set_name("contracts");
         return static_cast<AccessMatrix*>(t)
             ->Unary<AS, v1::GetProjectionStatusRequest, v1::ProjectionStatus>(
                 who, &AS::Stub::GetProjectionStatus, r);
       }},
      {"AdminService.GrantRole", "ynnnnu", "ynnnnu",
       [](AccessTest* t, Who who, const Contract&, int) {
         v1::GrantRoleRequest r;  // no binding: INVALID_ARGUMENT if allowed
         return static_cast<AccessMatrix*>(t)
             ->Unary<AS, v1::GrantRoleRequest, v1::RoleChangeResponse>(
                 who, &AS::Stub::GrantRole, r);
       }},
      {"AdminService.RevokeRole", "ynnnnu", "ynnnnu",
       [](AccessTest* t, Who who, const Contract&, int) {
         v1::RevokeRoleRequest r;
         return static_cast<AccessMatrix*>(t)
             ->Unary<AS, v1::RevokeRoleRequest, v1::RoleChangeResponse>(
                 who, &AS::Stub::RevokeRole, r);
       }},
      {"AdminService.ListRoleBindings", "ynnnnu", "ynnnnu",
       [](AccessTest* t, Who who, const Contract&, int) {
         return static_cast<AccessMatrix*>(t)
             ->Unary<AS, v1::ListRoleBindingsRequest,
                     v1::ListRoleBindingsResponse>(
                 who, &AS::Stub::ListRoleBindings, {});
       }},
      {"AdminService.WhoAmI", "yyyyyu", "yyyyyu",
       [](AccessTest* t, Who who, const Contract&, int) {
         return static_cast<AccessMatrix*>(t)
             ->Unary<AS, v1::WhoAmIRequest, v1::WhoAmIResponse>(
                 who, &AS::Stub::WhoAmI, {});
       }},
      {"AdminService.GetLogHead", "yyyynu", "yyyynu",
       [](AccessTest* t, Who who, const Contract&, int) {
         return static_cast<AccessMatrix*>(t)
             ->Unary<AS, v1::GetLogHeadRequest, v1::LogHead>(
                 who, &AS::Stub::GetLogHead, {});
       }},
      {"AdminService.VerifyLog", "yynnnu", "yynnnu",
       [](AccessTest* t, Who who, const Contract&, int) {
         return static_cast<AccessMatrix*>(t)
             ->Unary<AS, v1::VerifyLogRequest, v1::VerifyLogResponse>(
                 who, &AS::Stub::VerifyLog, {});
       }},
      // No --backup-dir here: allowed callers get FAILED_PRECONDITION.
      {"AdminService.CreateBackup", "ynnnnu", "ynnnnu",
       [](AccessTest* t, Who who, const Contract&, int) {
         return static_cast<AccessMatrix*>(t)
             ->Unary<AS, v1::CreateBackupRequest, v1::CreateBackupResponse>(
                 who, &AS::Stub::CreateBackup, {});
       }},
      {"AdminService.ListBackups", "ynnnnu", "ynnnnu",
       [](AccessTest* t, Who who, const Contract&, int) {
         return static_cast<AccessMatrix*>(t)
             ->Unary<AS, v1::ListBackupsRequest, v1::ListBackupsResponse>(
                 who, &AS::Stub::ListBackups, {});
       }},
      {"AdminService.VerifyBackup", "ynnnnu", "ynnnnu",
       [](AccessTest* t, Who who, const Contract&, int) {
         return static_cast<AccessMatrix*>(t)
             ->Unary<AS, v1::VerifyBackupRequest, v1::VerifyBackupResponse>(
                 who, &AS::Stub::VerifyBackup, {});
       }},
      {"AdminService.PruneBackups", "ynnnnu", "ynnnnu",
       [](AccessTest* t, Who who, const Contract&, int) {
         v1::PruneBackupsRequest r;
         r.set_keep(1);
         return static_cast<AccessMatrix*>(t)
             ->Unary<AS, v1::PruneBackupsRequest, v1::PruneBackupsResponse>(
                 who, &AS::Stub::PruneBackups, r);
       }},
      {"EventLog.Append", "ynnnnu", "ynnnnu",
       [id](AccessTest* t, Who who, const Contract&, int n) {
         v1::AppendRequest r;
         r.set_stream_id(id("notes", who, n));
         r.mutable_any();
         r.add_events()->set_type("Note");
         return static_cast<AccessMatrix*>(t)
             ->Unary<EL, v1::AppendRequest, v1::AppendResponse>(
                 who, &EL::Stub::Append, r);
       }},
      {"EventLog.ReadStream", "yynnnu", "yynnnu",
       [](AccessTest* t, Who who, const Contract& c, int) {
         v1::ReadStreamRequest r;
         r.set_stream_id("contract-" + c.id);
         return static_cast<AccessMatrix*>(t)
             ->Unary<EL, v1::ReadStreamRequest, v1::ReadStreamResponse>(
                 who, &EL::Stub::ReadStream, r);
       }},
      {"EventLog.ReadAll", "yynnnu", "yynnnu",
       [](AccessTest* t, Who who, const Contract&, int) {
         return static_cast<AccessMatrix*>(t)
             ->Unary<EL, v1::ReadAllRequest, v1::ReadAllResponse>(
                 who, &EL::Stub::ReadAll, {});
       }},
      {"EventLog.Subscribe", "yynnnu", "yynnnu",
       [](AccessTest* t, Who who, const Contract&, int) {
         auto* m = static_cast<AccessMatrix*>(t);
         auto stub = EL::NewStub(m->channel());
         v1::SubscribeRequest r;
         r.set_from_position(1);
         return m->Stream<v1::SubscribeResponse>(
             who,
             [&](grpc::ClientContext* ctx) { return stub->Subscribe(ctx, r); });
       }},
      {"AlertService.WatchAlerts", "yyyynu", "yynnnu",
       [](AccessTest* t, Who who, const Contract& c, int) {
         auto* m = static_cast<AccessMatrix*>(t);
         auto stub = v1::AlertService::NewStub(m->channel());
         v1::WatchAlertsRequest r;
         r.set_from_position(1);
         r.set_contract_id(c.id);
         return m->Stream<v1::WatchAlertsResponse>(
             who, [&](grpc::ClientContext* ctx) {
               return stub->WatchAlerts(ctx, r);
             });
       }},
  };
}

char Outcome(const grpc::Status& s) {
  if (s.error_code() == grpc::StatusCode::PERMISSION_DENIED) return 'n';
  if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED) return 'u';
  return 'y';
}

TEST_F(AccessMatrix, EveryRpcByEveryRoleInAndOutOfScope) {
  int n = 0;
  for (const Row& row : Rows()) {
    for (const auto& [target, expected] :
         {std::pair{&kOwn, row.own}, std::pair{&kOther, row.other}}) {
      ASSERT_EQ(std::string(expected).size(), static_cast<size_t>(kCallers));
      for (int who = 0; who < kCallers; ++who) {
        const uint64_t head = server_->store().HeadPosition();
        grpc::Status s = row.call(this, static_cast<Who>(who), *target, ++n);
        EXPECT_EQ(Outcome(s), expected[who])
            << row.rpc << " by " << kWhoNames[who] << " on " << target->id
            << ": " << s.error_code() << " " << s.error_message();
        if (Outcome(s) != 'y') {
          EXPECT_EQ(server_->store().HeadPosition(), head)
              << row.rpc << " by " << kWhoNames[who] << " wrote something";
        }
      }
    }
  }
}

TEST_F(AccessMatrix, ASupplierCannotVerifyNorReadAnotherSuppliersContract) {
  v1::VerifyDeliveryRequest verify;
  verify.set_request_id("self-verify");
  verify.set_contract_id(kOwn.id);
  verify.mutable_verification()->set_delivery_id("d1");
  grpc::Status s = Unary<v1::ContractService, v1::VerifyDeliveryRequest,
                         v1::CommandResponse>(
      kSupplier, &v1::ContractService::Stub::VerifyDelivery, verify);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(s.error_message().find("manager"), std::string::npos)
      << s.error_message();
  v1::GetContractProgressRequest read;
  read.set_contract_id(kOther.id);
  s = Unary<v1::ProgressService, v1::GetContractProgressRequest,
            v1::ContractProgress>(
      kSupplier, &v1::ProgressService::Stub::GetContractProgress, read);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // The message names the role and scope that would be needed.
  EXPECT_NE(s.error_message().find("supplier 'greenway-construction'"),
            std::string::npos)
      << s.error_message();
}

TEST_F(AccessMatrix, ARetryIsAnsweredOnlyToACallerWhoMaySendIt) {
  v1::ReportDeliveryRequest report = testing::ReportRequest(
      kOther.id, "by-admin", "jobs", 1, domain::MakeDate(2025, 4, 1),
      domain::MakeDate(2025, 4, 30));
  auto send = [&](Who who, v1::CommandResponse* response) {
    auto stub = v1::ContractService::NewStub(channel_);
    grpc::ClientContext context;
    Authorize(context, who);
    return stub->ReportDelivery(&context, report, response);
  };
  v1::CommandResponse first;
  ASSERT_TRUE(send(kAdmin, &first).ok());
  // The same request id and content from a supplier outside the contract's
  // scope: refused, not answered with the admin's outcome.
  v1::CommandResponse replayed;
  EXPECT_EQ(send(kSupplier, &replayed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(send(kManager, &replayed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(send(kAdmin, &replayed).ok());
  EXPECT_TRUE(replayed.replayed());
  EXPECT_EQ(replayed.position(), first.position());
}

TEST_F(AccessMatrix, ListsShowOnlyWhatTheCallerMaySee) {
  auto list = [&](Who who) {
    auto stub = v1::ProgressService::NewStub(channel_);
    grpc::ClientContext context;
    Authorize(context, who);
    v1::ListContractsResponse response;
    EXPECT_TRUE(stub->ListContracts(&context, {}, &response).ok());
    std::vector<std::string> ids;
    for (const auto& c : response.contracts()) ids.push_back(c.contract_id());
    return ids;
  };
  EXPECT_EQ(list(kSupplier), std::vector<std::string>{"N1"});
  EXPECT_EQ(list(kManager), std::vector<std::string>{"N1"});
  EXPECT_EQ(list(kAuditor), (std::vector<std::string>{"D1", "N1"}));
}

TEST_F(AccessMatrix, EventsRecordTheAuthenticatedPrincipalNotTheNamedActor) {
  v1::ReportDeliveryRequest own = testing::ReportRequest(
      kOwn.id, "by-supplier", "jobs", 2, domain::MakeDate(2025, 2, 1),
      domain::MakeDate(2025, 2, 28));
  v1::ReportDeliveryRequest entered = testing::ReportRequest(
      kOwn.id, "by-manager", "jobs", 3, domain::MakeDate(2025, 3, 1),
      domain::MakeDate(2025, 3, 31));
  auto stub = v1::ContractService::NewStub(channel_);
  for (auto [who, request] :
       {std::pair{kSupplier, &own}, std::pair{kManager, &entered}}) {
    grpc::ClientContext context;
    Authorize(context, who);
    context.AddMetadata("svledger-actor", "somebody-else");
    v1::CommandResponse response;
    ASSERT_TRUE(stub->ReportDelivery(&context, *request, &response).ok());
  }
  auto events = server_->store().ReadStream("contract-N1", {});
  ASSERT_TRUE(events.ok());
  std::map<std::string, eventstore::EventMetadata> by_request;
  for (const auto& e : events->events)
    by_request[e.metadata.request_id] = e.metadata;
  EXPECT_EQ(by_request["report-by-supplier"].actor, "supplier-acme-facilities");
  EXPECT_EQ(by_request["report-by-supplier"].authenticated_by, "oidc");
  EXPECT_EQ(by_request["report-by-supplier"].on_behalf_of, "");
  // A manager entering the supplier's return: recorded as such.
  EXPECT_EQ(by_request["report-by-manager"].actor, "manager-norwich");
  EXPECT_EQ(by_request["report-by-manager"].on_behalf_of, "acme-facilities");
}

TEST_F(AccessMatrix, GrantsApplyOnceDurableAndAreAudited) {
  auto whoami_roles = [&](const std::string& token) {
    auto stub = v1::AdminService::NewStub(channel_);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    v1::WhoAmIResponse response;
    EXPECT_TRUE(stub->WhoAmI(&context, {}, &response).ok());
    return response.bindings_size();
  };
  EXPECT_EQ(whoami_roles(tokens_[kNoRole]), 0);
  v1::GrantRoleRequest grant;
  grant.mutable_binding()->set_principal("nobody");
  grant.mutable_binding()->set_role(v1::ROLE_AUDITOR);
  grant.set_reason("quarterly audit");
  grpc::Status s =
      Unary<v1::AdminService, v1::GrantRoleRequest, v1::RoleChangeResponse>(
          kAdmin, &v1::AdminService::Stub::GrantRole, grant);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(whoami_roles(tokens_[kNoRole]), 1);
  v1::ReadAllRequest read;
  s = Unary<v1::EventLog, v1::ReadAllRequest, v1::ReadAllResponse>(
      kNoRole, &v1::EventLog::Stub::ReadAll, read);
  EXPECT_TRUE(s.ok()) << s.error_message();
  auto roles = server_->store().ReadStream("roles", {});
  ASSERT_TRUE(roles.ok());
  ASSERT_FALSE(roles->events.empty());
  EXPECT_EQ(roles->events.back().type, "RoleGranted");
  EXPECT_EQ(roles->events.back().metadata.actor, "admin");
  // Revoked: refused again at once.
  v1::RevokeRoleRequest revoke;
  *revoke.mutable_binding() = grant.binding();
  s = Unary<v1::AdminService, v1::RevokeRoleRequest, v1::RoleChangeResponse>(
      kAdmin, &v1::AdminService::Stub::RevokeRole, revoke);
  ASSERT_TRUE(s.ok()) << s.error_message();
  s = Unary<v1::EventLog, v1::ReadAllRequest, v1::ReadAllResponse>(
      kNoRole, &v1::EventLog::Stub::ReadAll, read);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AccessMatrix, HealthIsOpenToAnonymousCallers) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse response;
  EXPECT_TRUE(health->Check(&context, {}, &response).ok());
}

// With the enforcement policy on, both contracts fall short (nothing is
// delivered against 24 jobs due by the end of 2026), so the log holds
// status changes and cases: alerts of both.
class AlertScope : public AccessMatrix {
 protected:
  void Configure(server::ServerOptions& options) override {
    options.app.enforcement = true;
    options.app.policy.sweep_interval = absl::Milliseconds(100);
  }

  // The alerts an unfiltered watch from position 1 shows `who`, until one
  // of `until` at or past `position` came (or 10 s passed): contract id ->
  // the highest position seen.
  std::map<std::string, uint64_t> Watch(Who who, const std::string& until,
                                        uint64_t position = 0) {
    auto stub = v1::AlertService::NewStub(channel_);
    grpc::ClientContext context;
    Authorize(context, who);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::WatchAlertsRequest request;
    request.set_from_position(1);
    auto reader = stub->WatchAlerts(&context, request);
    std::map<std::string, uint64_t> seen;
    v1::WatchAlertsResponse response;
    while (!(seen.contains(until) && seen[until] >= position) &&
           reader->Read(&response)) {
      for (const v1::Alert& a : response.alerts()) {
        seen[a.contract_id()] = std::max(seen[a.contract_id()], a.position());
      }
    }
    context.TryCancel();
    reader->Finish();
    return seen;
  }
};

TEST_F(AlertScope, AnUnfilteredWatchShowsOnlyWhatTheCallerMaySee) {
  // Both contracts fall short: the auditor sees both contracts' cases.
  std::map<std::string, uint64_t> all = Watch(kAuditor, "D1");
  ASSERT_TRUE(all.contains("D1")) << "no alert of D1 in 10 s";
  // Then N1's manager acts on its case: an alert after D1's.
  v1::RecordActionRequest action;
  action.set_request_id("notice");
  action.set_contract_id("N1");
  action.mutable_action()->set_case_id("jobs#1");
  action.mutable_action()->set_stage(v1::NOTICE);
  action.mutable_action()->set_note("first warning");
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        return Unary<v1::EnforcementService, v1::RecordActionRequest,
                     v1::CommandResponse>(
                   kManager, &v1::EnforcementService::Stub::RecordAction,
                   action)
            .ok();
      },
      absl::Seconds(10)));
  all = Watch(kAuditor, "N1", all["D1"] + 1);
  ASSERT_GT(all["N1"], all["D1"]);
  // Whoever may see only N1 reads past D1's alerts to that last one, and is
  // shown none of D1's.
  for (Who who : {kSupplier, kManager}) {
    std::map<std::string, uint64_t> seen = Watch(who, "N1", all["N1"]);
    EXPECT_EQ(seen["N1"], all["N1"]) << kWhoNames[who];
    EXPECT_FALSE(seen.contains("D1")) << kWhoNames[who];
  }
}

}  // namespace
}  // namespace svledger
