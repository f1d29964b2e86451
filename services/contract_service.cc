#include "services/contract_service.h"

#include "services/command_reply.h"

namespace svledger::services {

grpc::ServerUnaryReactor* ContractService::RegisterContract(
    grpc::CallbackServerContext* context,
    const v1::RegisterContractRequest* request, v1::CommandResponse* response) {
  return RunCommand(context, *auth_, commands_,
                    &app::Commands::RegisterContract, *request, response);
}

grpc::ServerUnaryReactor* ContractService::AddCommitments(
    grpc::CallbackServerContext* context,
    const v1::AddCommitmentsRequest* request, v1::CommandResponse* response) {
  return RunCommand(context, *auth_, commands_, &app::Commands::AddCommitments,
                    *request, response);
}

grpc::ServerUnaryReactor* ContractService::ReportDelivery(
    grpc::CallbackServerContext* context,
    const v1::ReportDeliveryRequest* request, v1::CommandResponse* response) {
  return RunCommand(context, *auth_, commands_, &app::Commands::ReportDelivery,
                    *request, response);
}

grpc::ServerUnaryReactor* ContractService::VerifyDelivery(
    grpc::CallbackServerContext* context,
    const v1::VerifyDeliveryRequest* request, v1::CommandResponse* response) {
  return RunCommand(context, *auth_, commands_, &app::Commands::VerifyDelivery,
                    *request, response);
}

grpc::ServerUnaryReactor* ContractService::RejectDelivery(
    grpc::CallbackServerContext* context,
    const v1::RejectDeliveryRequest* request, v1::CommandResponse* response) {
  return RunCommand(context, *auth_, commands_, &app::Commands::RejectDelivery,
                    *request, response);
}

grpc::ServerUnaryReactor* ContractService::AmendCommitment(
    grpc::CallbackServerContext* context,
    const v1::AmendCommitmentRequest* request, v1::CommandResponse* response) {
  return RunCommand(context, *auth_, commands_, &app::Commands::AmendCommitment,
                    *request, response);
}

grpc::ServerUnaryReactor* ContractService::WithdrawCommitment(
    grpc::CallbackServerContext* context,
    const v1::WithdrawCommitmentRequest* request,
    v1::CommandResponse* response) {
  return RunCommand(context, *auth_, commands_,
                    &app::Commands::WithdrawCommitment, *request, response);
}

grpc::ServerUnaryReactor* ContractService::CloseContract(
    grpc::CallbackServerContext* context,
    const v1::CloseContractRequest* request, v1::CommandResponse* response) {
  return RunCommand(context, *auth_, commands_, &app::Commands::CloseContract,
                    *request, response);
}

grpc::ServerUnaryReactor* ContractService::ChangeFramework(
    grpc::CallbackServerContext* context,
    const v1::ChangeFrameworkRequest* request,
    v1::ChangeFrameworkResponse* response) {
  absl::StatusOr<app::Caller> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // gRPC keeps `response` until Finish, so the decided change can be
  // written into it directly.
  commands_->ChangeFramework(
      *caller, *request, response->mutable_change(),
      [response, reply = ReplyTo(reactor, response->mutable_command())](
          absl::StatusOr<app::CommandOutcome> outcome) mutable {
        if (outcome.ok() && outcome->replayed) response->clear_change();
        std::move(reply)(std::move(outcome));
      });
  return reactor;
}

}  // namespace svledger::services
