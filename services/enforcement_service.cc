#include "services/enforcement_service.h"

#include "services/caller.h"
#include "services/command_reply.h"

namespace svledger::services {

EnforcementService::EnforcementService(app::Commands* commands,
                                       const app::CaseQueries* queries,
                                       eventstore::HeadWatcher* applied,
                                       absl::Duration max_position_wait)
    : commands_(commands),
      queries_(queries),
      wait_(applied, max_position_wait) {}

grpc::ServerUnaryReactor* EnforcementService::RecordAction(
    grpc::CallbackServerContext* context,
    const v1::RecordActionRequest* request, v1::CommandResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  commands_->RecordAction(CallerOf(context), *request,
                          ReplyTo(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* EnforcementService::CloseCase(
    grpc::CallbackServerContext* context, const v1::CloseCaseRequest* request,
    v1::CommandResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  commands_->CloseCase(CallerOf(context), *request, ReplyTo(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* EnforcementService::RecordPerformanceAssessment(
    grpc::CallbackServerContext* context,
    const v1::RecordPerformanceAssessmentRequest* request,
    v1::CommandResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  commands_->RecordPerformanceAssessment(CallerOf(context), *request,
                                         ReplyTo(reactor, response));
  return reactor;
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
