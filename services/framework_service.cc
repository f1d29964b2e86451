#include "services/framework_service.h"

#include "services/authenticate.h"
#include "services/grpc_status.h"

namespace svledger::services {
namespace {

// Finishes a unary call with a synchronous answer.
template <typename Response>
grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context,
                                 absl::StatusOr<Response> answer,
                                 Response* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (answer.ok()) *response = *std::move(answer);
  reactor->Finish(ToGrpcStatus(answer.status()));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* FrameworkService::PublishMeasureLibrary(
    grpc::CallbackServerContext* context,
    const v1::PublishMeasureLibraryRequest* request,
    v1::PublishResponse* response) {
  absl::StatusOr<app::Caller> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  return Answer(context, frameworks_->PublishMeasureLibrary(*caller, *request),
                response);
}

grpc::ServerUnaryReactor* FrameworkService::PublishFramework(
    grpc::CallbackServerContext* context,
    const v1::PublishFrameworkRequest* request, v1::PublishResponse* response) {
  absl::StatusOr<app::Caller> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  return Answer(context, frameworks_->PublishFramework(*caller, *request),
                response);
}

grpc::ServerUnaryReactor* FrameworkService::RecommendWeighting(
    grpc::CallbackServerContext* context,
    const v1::RecommendWeightingRequest* request,
    v1::RecommendWeightingResponse* response) {
  absl::StatusOr<app::Caller> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  return Answer(context, frameworks_->RecommendWeighting(*caller, *request),
                response);
}

}  // namespace svledger::services
