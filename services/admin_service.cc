#include "services/admin_service.h"

#include "absl/strings/str_cat.h"
#include "services/grpc_status.h"

namespace svledger::services {
namespace {

constexpr char kContracts[] = "contracts";

absl::Status CheckName(const std::string& name) {
  if (name != kContracts) {
    return absl::NotFoundError(absl::StrCat(
        "name: no projection '", name, "' (there is \"", kContracts, "\")"));
  }
  return absl::OkStatus();
}

}  // namespace

AdminService::AdminService(const eventstore::EventStore* store,
                           projections::ContractReadModel* model)
    : store_(store), model_(model) {}

grpc::ServerUnaryReactor* AdminService::RebuildProjection(
    grpc::CallbackServerContext* context,
    const v1::RebuildProjectionRequest* request,
    v1::RebuildProjectionResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status s = CheckName(request->name());
  if (s.ok()) s = model_->StartRebuild();
  reactor->Finish(ToGrpcStatus(s));
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::GetProjectionStatus(
    grpc::CallbackServerContext* context,
    const v1::GetProjectionStatusRequest* request,
    v1::ProjectionStatus* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status s = CheckName(request->name());
  if (s.ok()) {
    const projections::ReadModelStatus status = model_->status();
    response->set_name(kContracts);
    response->set_generation(status.generation);
    response->set_applied_position(status.applied);
    response->set_head_position(store_->HeadPosition());
    response->set_skipped_events(status.skipped);
    response->set_rebuilding(status.rebuilding);
    response->set_rebuild_position(status.rebuild_applied);
    response->set_last_rebuild_error(status.last_rebuild_error);
  }
  reactor->Finish(ToGrpcStatus(s));
  return reactor;
}

}  // namespace svledger::services
