#ifndef SVLEDGER_SERVICES_CONTRACT_SERVICE_H_
#define SVLEDGER_SERVICES_CONTRACT_SERVICE_H_

#include "app/commands.h"
#include "services/authenticate.h"
#include "services/request_guard.h"
#include "svledger/v1/contract_service.grpc.pb.h"

namespace svledger::services {

// svledger.v1.ContractService on the callback API: each RPC hands its
// request and authenticated caller to app::Commands, which decides and appends,
// and answers when the append is durable; no gRPC thread waits.
//
// Thread-safe. `commands` and `auth` must outlive it.
class ContractService final : public GuardedService<v1::ContractService> {
 public:
  ContractService(app::Commands* commands, const CallAuthenticator* auth)
      : commands_(commands), auth_(auth) {
    Guard("RegisterContract", &ContractService::RegisterContract,
          kMaxCommandRequestBytes);
    Guard("AddCommitments", &ContractService::AddCommitments,
          kMaxCommandRequestBytes);
    Guard("ReportDelivery", &ContractService::ReportDelivery,
          kMaxCommandRequestBytes);
    Guard("VerifyDelivery", &ContractService::VerifyDelivery,
          kMaxCommandRequestBytes);
    Guard("RejectDelivery", &ContractService::RejectDelivery,
          kMaxCommandRequestBytes);
    Guard("AmendCommitment", &ContractService::AmendCommitment,
          kMaxCommandRequestBytes);
    Guard("WithdrawCommitment", &ContractService::WithdrawCommitment,
          kMaxCommandRequestBytes);
    Guard("CloseContract", &ContractService::CloseContract,
          kMaxCommandRequestBytes);
    Guard("ChangeFramework", &ContractService::ChangeFramework,
          kMaxCommandRequestBytes);
  }

  grpc::ServerUnaryReactor* RegisterContract(
      grpc::CallbackServerContext* context,
      const v1::RegisterContractRequest* request,
      v1::CommandResponse* response) override;
  grpc::ServerUnaryReactor* AddCommitments(
      grpc::CallbackServerContext* context,
      const v1::AddCommitmentsRequest* request,
      v1::CommandResponse* response) override;
  grpc::ServerUnaryReactor* ReportDelivery(
      grpc::CallbackServerContext* context,
      const v1::ReportDeliveryRequest* request,
      v1::CommandResponse* response) override;
  grpc::ServerUnaryReactor* VerifyDelivery(
      grpc::CallbackServerContext* context,
      const v1::VerifyDeliveryRequest* request,
      v1::CommandResponse* response) override;
  grpc::ServerUnaryReactor* RejectDelivery(
      grpc::CallbackServerContext* context,
      const v1::RejectDeliveryRequest* request,
      v1::CommandResponse* response) override;
  grpc::ServerUnaryReactor* AmendCommitment(
      grpc::CallbackServerContext* context,
      const v1::AmendCommitmentRequest* request,
      v1::CommandResponse* response) override;
  grpc::ServerUnaryReactor* WithdrawCommitment(
      grpc::CallbackServerContext* context,
      const v1::WithdrawCommitmentRequest* request,
      v1::CommandResponse* response) override;
  grpc::ServerUnaryReactor* CloseContract(
      grpc::CallbackServerContext* context,
      const v1::CloseContractRequest* request,
      v1::CommandResponse* response) override;
  grpc::ServerUnaryReactor* ChangeFramework(
      grpc::CallbackServerContext* context,
      const v1::ChangeFrameworkRequest* request,
      v1::ChangeFrameworkResponse* response) override;

 private:
  app::Commands* const commands_;
  const CallAuthenticator* const auth_;
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_CONTRACT_SERVICE_H_
