#include "services/admin_service.h"

#include "services/grpc_status.h"

namespace svledger::services {

grpc::ServerUnaryReactor* AdminService::RebuildProjection(
    grpc::CallbackServerContext* context,
    const v1::RebuildProjectionRequest* request,
    v1::RebuildProjectionResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(admin_->Rebuild(request->name())));
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::GetProjectionStatus(
    grpc::CallbackServerContext* context,
    const v1::GetProjectionStatusRequest* request,
    v1::ProjectionStatus* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<v1::ProjectionStatus> status = admin_->Status(request->name());
  if (status.ok()) *response = *std::move(status);
  reactor->Finish(ToGrpcStatus(status.status()));
  return reactor;
}

}  // namespace svledger::services
