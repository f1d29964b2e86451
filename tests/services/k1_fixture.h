#ifndef SVLEDGER_TESTS_SERVICES_K1_FIXTURE_H_
#define SVLEDGER_TESTS_SERVICES_K1_FIXTURE_H_

// A server with an injected clock and contract K1 (testing::RegisterK1,
// testing::K1Jobs) registered on 2025-01-01, with an enforcement policy the
// test drives itself (the server's own is off, so nothing changes between
// the test's steps).

#include <memory>

#include "app/enforcement_policy.h"
#include "common/clock.h"
#include "domain/contract.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "svledger/v1/contract_service.grpc.pb.h"
#include "tests/services/requests.h"
#include "tests/testing/temp_dir.h"

namespace svledger::testing {

class K1Fixture : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Set(domain::StartOfDay(domain::MakeDate(2025, 1, 1)));
    Start();
    ASSERT_TRUE(
        Command(&v1::ContractService::Stub::RegisterContract, RegisterK1()));
    ASSERT_TRUE(Command(&v1::ContractService::Stub::AddCommitments, K1Jobs()));
  }

  // What a suite changes in the server's options.
  virtual void Configure(server::ServerOptions& options) {}

  // Starts (or, after Stop, restarts) the server on the same data.
  void Start() {
    server::ServerOptions options;
    options.grpc.listen = "127.0.0.1:0";
    options.storage.data_dir = dir_.path();
    options.seed.frameworks_dir = SVLEDGER_FRAMEWORKS_DIR;
    options.clock = &clock_;
    options.app.enforcement = false;
    Configure(options);
    auto server = server::Server::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::ContractService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                            grpc::InsecureChannelCredentials()));
    policy_ = std::make_unique<app::EnforcementPolicy>(
        &server_->app().engine(), &server_->read_model(),
        &server_->app().framework_store(), &clock_);
  }

  void Stop() {
    policy_.reset();
    server_->Shutdown();
    server_.reset();
  }

  // Runs a command; true once it succeeded and the read model applied it
  // (the policy and the queries judge the projection).
  template <typename Method, typename Request>
  bool Command(Method method, const Request& request) {
    grpc::ClientContext context;
    v1::CommandResponse response;
    grpc::Status s = ((*stub_).*method)(&context, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return s.ok() && Settle();
  }

  // Waits until the read model has applied everything in the log.
  bool Settle() {
    return server_->read_model().applied().WaitFor(
        server_->store().HeadPosition(), absl::Now() + absl::Seconds(30));
  }

  FakeClock clock_;
  TempDir dir_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::ContractService::Stub> stub_;
  std::unique_ptr<app::EnforcementPolicy> policy_;
};

}  // namespace svledger::testing

#endif  // SVLEDGER_TESTS_SERVICES_K1_FIXTURE_H_
