#include "services/enforcement_service.h"

#include "domain/enforcement.h"

namespace svledger::services {

EnforcementService::EnforcementService(ContractService* contracts,
                                       const FrameworkStore* frameworks,
                                       projections::ContractReadModel* model,
                                       const CaseQueries* queries,
                                       absl::Duration max_position_wait)
    : contracts_(contracts),
      frameworks_(frameworks),
      queries_(queries),
      wait_(model, max_position_wait) {}

grpc::ServerUnaryReactor* EnforcementService::RecordAction(
    grpc::CallbackServerContext* context,
    const v1::RecordActionRequest* request, v1::CommandResponse* response) {
  return contracts_->Run(
      context, request->contract_id(), request->request_id(),
      [frameworks = frameworks_,
       action = request->action()](const domain::ContractState& state)
          -> absl::StatusOr<ContractService::Decided> {
        // The ladder of the contract's own framework version.
        return AsDecided(domain::DecideRecordAction(
                             state, action,
                             domain::LadderStages(frameworks->LadderOf(
                                 state.contract.framework()))),
                         "action");
      },
      response);
}

grpc::ServerUnaryReactor* EnforcementService::CloseCase(
    grpc::CallbackServerContext* context, const v1::CloseCaseRequest* request,
    v1::CommandResponse* response) {
  return contracts_->Run(
      context, request->contract_id(), request->request_id(),
      [close = request->close()](const domain::ContractState& state) {
        return AsDecided(domain::DecideCloseCase(state, close), "close");
      },
      response);
}

grpc::ServerUnaryReactor* EnforcementService::RecordPerformanceAssessment(
    grpc::CallbackServerContext* context,
    const v1::RecordPerformanceAssessmentRequest* request,
    v1::CommandResponse* response) {
  return contracts_->Run(
      context, request->contract_id(), request->request_id(),
      [assessment = request->assessment()](const domain::ContractState& state) {
        return AsDecided(domain::DecideRecordAssessment(state, assessment),
                         "assessment");
      },
      response);
}

grpc::ServerUnaryReactor* EnforcementService::ListCases(
    grpc::CallbackServerContext* context, const v1::ListCasesRequest* request,
    v1::ListCasesResponse* response) {
  return wait_.Answer(context, request->min_position(), [=, this] {
    absl::StatusOr<v1::ListCasesResponse> out = queries_->ListCases(*request);
    if (out.ok()) *response = *std::move(out);
    return out.status();
  });
}

grpc::ServerUnaryReactor* EnforcementService::GetCase(
    grpc::CallbackServerContext* context, const v1::GetCaseRequest* request,
    v1::EnforcementCase* response) {
  return wait_.Answer(context, request->min_position(), [=, this] {
    absl::StatusOr<v1::EnforcementCase> out = queries_->GetCase(*request);
    if (out.ok()) *response = *std::move(out);
    return out.status();
  });
}

}  // namespace svledger::services
