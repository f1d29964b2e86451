// In-process gRPC tests of ContractService against the real server
// composition (port 0, temporary data, the councils' frameworks published
// on first start).

#include <atomic>
#include <thread>

#include "common/uuid.h"
#include "domain/contract.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/server.h"
#include "svledger/v1/contract_service.grpc.pb.h"
#include "tests/testing/temp_dir.h"

namespace svledger::services {
namespace {

using svledger::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

v1::Date D(int y, int m, int d) { return domain::MakeDate(y, m, d); }

class ContractServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.data_dir = dir_.path();
    options.frameworks_dir = SVLEDGER_FRAMEWORKS_DIR;
    auto server = Server::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::ContractService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  grpc::Status Register(const std::string& request_id,
                        v1::CommandResponse* response,
                        uint32_t framework_version = 1) {
    v1::RegisterContractRequest request;
    request.set_request_id(request_id);
    v1::ContractRegistered* c = request.mutable_contract();
    c->set_contract_id("NCC-2025-7");
    c->mutable_framework()->set_id("norwich");
    c->mutable_framework()->set_version(framework_version);
    c->set_title("Waste collection");
    c->set_supplier_id("norse");
    c->set_supplier_name("Norse Environmental Ltd");
    c->mutable_value()->set_pence(1200000000);
    *c->mutable_start() = D(2025, 4, 1);
    *c->mutable_end() = D(2030, 3, 31);
    c->set_social_value_weighting_percent(10);
    c->set_contract_manager("p.jones");
    grpc::ClientContext context;
    return stub_->RegisterContract(&context, request, response);
  }

  grpc::Status AddJobs(v1::CommandResponse* response) {
    v1::AddCommitmentsRequest request;
    request.set_request_id("add-1");
    request.set_contract_id("NCC-2025-7");
    v1::Commitment* c = request.add_commitments();
    c->set_commitment_id("jobs");
    c->set_measure_id("jobs.new_local");
    c->set_target(25);
    *c->mutable_due() = D(2027, 3, 31);
    grpc::ClientContext context;
    return stub_->AddCommitments(&context, request, response);
  }

  grpc::Status Report(v1::ReportDeliveryRequest request,
                      v1::CommandResponse* response) {
    grpc::ClientContext context;
    return stub_->ReportDelivery(&context, request, response);
  }

  static v1::ReportDeliveryRequest Delivery(const std::string& id,
                                            double quantity) {
    v1::ReportDeliveryRequest request;
    request.set_request_id("report-" + id);
    request.set_contract_id("NCC-2025-7");
    v1::DeliveryReported* d = request.mutable_delivery();
    d->set_delivery_id(id);
    d->set_commitment_id("jobs");
    d->set_quantity(quantity);
    *d->mutable_period_start() = D(2025, 4, 1);
    *d->mutable_period_end() = D(2025, 6, 30);
    d->mutable_evidence()->set_uri("https://evidence.example/" + id);
    return request;
  }

  TempDir dir_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::ContractService::Stub> stub_;
};

TEST_F(ContractServiceTest, CommandsAppendToTheContractStream) {
  v1::CommandResponse registered, added, reported, verified;
  ASSERT_TRUE(Register("reg-1", &registered).ok());
  ASSERT_TRUE(AddJobs(&added).ok());
  ASSERT_TRUE(Report(Delivery("q1", 6), &reported).ok());
  v1::VerifyDeliveryRequest verify;
  verify.set_request_id("verify-q1");
  verify.set_contract_id("NCC-2025-7");
  verify.mutable_verification()->set_delivery_id("q1");
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->VerifyDelivery(&context, verify, &verified).ok());

  EXPECT_LT(registered.position(), added.position());
  EXPECT_LT(added.position(), reported.position());
  EXPECT_EQ(verified.stream_version(), 3u);
  auto stream =
      server_->store().ReadStream("contract-NCC-2025-7", {.limit = 10});
  ASSERT_TRUE(stream.ok());
  std::vector<std::string> types;
  for (const auto& e : stream->events) types.push_back(e.type);
  EXPECT_EQ(types,
            (std::vector<std::string>{"ContractRegistered", "CommitmentsAdded",
                                      "DeliveryReported", "DeliveryVerified"}));
  EXPECT_EQ(stream->events[2].metadata.request_id, "report-q1");
}

TEST_F(ContractServiceTest, ARetriedRequestReturnsTheFirstAnswer) {
  v1::CommandResponse first, again;
  ASSERT_TRUE(Register("reg-1", &first).ok());
  ASSERT_TRUE(AddJobs(&first).ok());
  ASSERT_TRUE(Report(Delivery("q1", 6), &first).ok());
  const uint64_t head = server_->store().HeadPosition();
  // Deciding again would now fail (the delivery id exists): the request id
  // is answered from the log instead.
  ASSERT_TRUE(Report(Delivery("q1", 6), &again).ok());
  EXPECT_TRUE(again.replayed());
  EXPECT_EQ(again.position(), first.position());
  EXPECT_EQ(server_->store().HeadPosition(), head);
  // A new request id for the same delivery is a real duplicate.
  v1::ReportDeliveryRequest duplicate = Delivery("q1", 6);
  duplicate.set_request_id("another");
  EXPECT_EQ(Report(duplicate, &again).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(ContractServiceTest, ErrorsUseTheRightCodeAndWriteNothing) {
  const uint64_t head = server_->store().HeadPosition();  // frameworks only
  v1::CommandResponse response;
  grpc::Status s = Register("", &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("request_id"));
  s = Register("reg-1", &response, /*framework_version=*/9);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("not published"));
  s = Report(Delivery("q1", 1), &response);  // no such contract yet
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(server_->store().HeadPosition(), head);

  ASSERT_TRUE(Register("reg-1", &response).ok());
  ASSERT_TRUE(AddJobs(&response).ok());
  v1::ReportDeliveryRequest bad = Delivery("q2", -3);
  s = Report(bad, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("quantity"));
  bad = Delivery("q3", 1);
  *bad.mutable_delivery()->mutable_period_end() = D(2031, 1, 1);
  EXPECT_EQ(Report(bad, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  v1::AddCommitmentsRequest no_contract;
  no_contract.set_request_id("x");
  EXPECT_EQ(
      [&] {
        grpc::ClientContext context;
        return stub_->AddCommitments(&context, no_contract, &response);
      }()
          .error_message(),
      "contract_id: required");
}

TEST_F(ContractServiceTest, AnEventTheDomainCannotApplyIsCountedAndSkipped) {
  v1::CommandResponse response;
  ASSERT_TRUE(Register("reg-1", &response).ok());
  // An admin writes something odd straight into the contract's stream.
  eventstore::ProposedEvent odd;
  odd.id = Uuid::FromName("odd");
  odd.type = "SomethingUnexpected";
  ASSERT_TRUE(server_->store()
                  .Append("contract-NCC-2025-7",
                          eventstore::ExpectedVersion::Any(), {odd})
                  .ok());
  ASSERT_TRUE(AddJobs(&response).ok());
  EXPECT_EQ(response.stream_version(), 2u);
  EXPECT_EQ(server_->contracts().skipped_events(), 1u);
}

// Several suppliers' staff report at once: each command loses races,
// re-reads and retries; every report lands once, versions stay gap-free.
TEST_F(ContractServiceTest, ConcurrentReportsOnOneContractAllLand) {
  v1::CommandResponse response;
  ASSERT_TRUE(Register("reg-1", &response).ok());
  ASSERT_TRUE(AddJobs(&response).ok());
  constexpr int kThreads = 4, kEach = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        v1::CommandResponse r;
        grpc::Status s = Report(
            Delivery("t" + std::to_string(t) + "-" + std::to_string(i), 1), &r);
        if (!s.ok()) {
          ADD_FAILURE() << s.error_message();
          failures++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto stream =
      server_->store().ReadStream("contract-NCC-2025-7", {.limit = 1000});
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(stream->events.size(), 2u + kThreads * kEach);
}

}  // namespace
}  // namespace svledger::services
