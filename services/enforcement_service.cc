#include "services/enforcement_service.h"

#include "services/command_reply.h"

namespace svledger::services {

EnforcementService::EnforcementService(app::Commands* commands,
                                       const app::CaseQueries* queries,
                                       eventstore::HeadWatcher* applied,
                                       AppliedWaitOptions wait,
                                       const CallAuthenticator* auth)
    : commands_(commands),
      auth_(auth),
      queries_(queries),
      wait_(applied, wait) {
  Guard("RecordAction", &EnforcementService::RecordAction,
        kMaxCommandRequestBytes);
  Guard("CloseCase", &EnforcementService::CloseCase, kMaxCommandRequestBytes);
  Guard("RecordPerformanceAssessment",
        &EnforcementService::RecordPerformanceAssessment,
        kMaxCommandRequestBytes);
  Guard("ListCases", &EnforcementService::ListCases, kMaxQueryRequestBytes);
  Guard("GetCase", &EnforcementService::GetCase, kMaxQueryRequestBytes);
}

grpc::ServerUnaryReactor* EnforcementService::RecordAction(
    grpc::CallbackServerContext* context,
    const v1::RecordActionRequest* request, v1::CommandResponse* response) {
  return RunCommand(context, *auth_, commands_, &app::Commands::RecordAction,
                    *request, response);
}

grpc::ServerUnaryReactor* EnforcementService::CloseCase(
    grpc::CallbackServerContext* context, const v1::CloseCaseRequest* request,
    v1::CommandResponse* response) {
  return RunCommand(context, *auth_, commands_, &app::Commands::CloseCase,
                    *request, response);
}

grpc::ServerUnaryReactor* EnforcementService::RecordPerformanceAssessment(
    grpc::CallbackServerContext* context,
    const v1::RecordPerformanceAssessmentRequest* request,
    v1::CommandResponse* response) {
  return RunCommand(context, *auth_, commands_,
                    &app::Commands::RecordPerformanceAssessment, *request,
                    response);
}

grpc::ServerUnaryReactor* EnforcementService::ListCases(
    grpc::CallbackServerContext* context, const v1::ListCasesRequest* request,
    v1::ListCasesResponse* response) {
  return AnswerFor(
      context, *auth_, wait_, wait_.ReadAfter(*request), response,
      [this, request](const app::Caller& caller) {
        return queries_->ListCases(caller, *request);
      },
      Lane::kScan);
}

grpc::ServerUnaryReactor* EnforcementService::GetCase(
    grpc::CallbackServerContext* context, const v1::GetCaseRequest* request,
    v1::EnforcementCase* response) {
  return AnswerFor(context, *auth_, wait_, wait_.ReadAfter(*request), response,
                   [this, request](const app::Caller& caller) {
                     return queries_->GetCase(caller, *request);
                   });
}

}  // namespace svledger::services
