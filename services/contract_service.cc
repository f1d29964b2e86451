#include "services/contract_service.h"

#include "services/caller.h"
#include "services/command_reply.h"

namespace svledger::services {

grpc::ServerUnaryReactor* ContractService::RegisterContract(
    grpc::CallbackServerContext* context,
    const v1::RegisterContractRequest* request, v1::CommandResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  commands_->RegisterContract(CallerOf(context), *request,
                              ReplyTo(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* ContractService::AddCommitments(
    grpc::CallbackServerContext* context,
    const v1::AddCommitmentsRequest* request, v1::CommandResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  commands_->AddCommitments(CallerOf(context), *request,
                            ReplyTo(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* ContractService::ReportDelivery(
    grpc::CallbackServerContext* context,
    const v1::ReportDeliveryRequest* request, v1::CommandResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  commands_->ReportDelivery(CallerOf(context), *request,
                            ReplyTo(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* ContractService::VerifyDelivery(
    grpc::CallbackServerContext* context,
    const v1::VerifyDeliveryRequest* request, v1::CommandResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  commands_->VerifyDelivery(CallerOf(context), *request,
                            ReplyTo(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* ContractService::RejectDelivery(
    grpc::CallbackServerContext* context,
    const v1::RejectDeliveryRequest* request, v1::CommandResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  commands_->RejectDelivery(CallerOf(context), *request,
                            ReplyTo(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* ContractService::AmendCommitment(
    grpc::CallbackServerContext* context,
    const v1::AmendCommitmentRequest* request, v1::CommandResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  commands_->AmendCommitment(CallerOf(context), *request,
                             ReplyTo(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* ContractService::WithdrawCommitment(
    grpc::CallbackServerContext* context,
    const v1::WithdrawCommitmentRequest* request,
    v1::CommandResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  commands_->WithdrawCommitment(CallerOf(context), *request,
                                ReplyTo(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* ContractService::CloseContract(
    grpc::CallbackServerContext* context,
    const v1::CloseContractRequest* request, v1::CommandResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  commands_->CloseContract(CallerOf(context), *request,
                           ReplyTo(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* ContractService::ChangeFramework(
    grpc::CallbackServerContext* context,
    const v1::ChangeFrameworkRequest* request,
    v1::ChangeFrameworkResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // gRPC keeps `response` until Finish, so the decided change can be
  // written into it directly.
  commands_->ChangeFramework(
      CallerOf(context), *request, response->mutable_change(),
      [response, reply = ReplyTo(reactor, response->mutable_command())](
          absl::StatusOr<app::CommandOutcome> outcome) mutable {
        if (outcome.ok() && outcome->replayed) response->clear_change();
        std::move(reply)(std::move(outcome));
      });
  return reactor;
}

}  // namespace svledger::services
