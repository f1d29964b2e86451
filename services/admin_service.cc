#include "services/admin_service.h"

#include <utility>

#include "app/access_policy.h"
#include "services/grpc_status.h"

namespace svledger::services {
namespace {

void ToProto(const app::RoleBindings::Change& change,
             v1::RoleChangeResponse* response) {
  response->set_position(change.position);
  response->set_already(change.already);
}

}  // namespace

grpc::ServerUnaryReactor* AdminService::RebuildProjection(
    grpc::CallbackServerContext* context,
    const v1::RebuildProjectionRequest* request,
    v1::RebuildProjectionResponse* response) {
  absl::StatusOr<app::Caller> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  return FinishNow(context, admin_->Rebuild(*caller, request->name()));
}

grpc::ServerUnaryReactor* AdminService::GetProjectionStatus(
    grpc::CallbackServerContext* context,
    const v1::GetProjectionStatusRequest* request,
    v1::ProjectionStatus* response) {
  absl::StatusOr<app::Caller> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  absl::StatusOr<v1::ProjectionStatus> status =
      admin_->Status(*caller, request->name());
  if (status.ok()) *response = *std::move(status);
  return FinishNow(context, status.status());
}

grpc::ServerUnaryReactor* AdminService::GrantRole(
    grpc::CallbackServerContext* context, const v1::GrantRoleRequest* request,
    v1::RoleChangeResponse* response) {
  absl::StatusOr<app::Caller> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  // A synchronous append of one event: rare, admin-only.
  absl::StatusOr<app::RoleBindings::Change> change =
      roles_->Grant(*caller, request->binding(), request->reason());
  if (change.ok()) ToProto(*change, response);
  return FinishNow(context, change.status());
}

grpc::ServerUnaryReactor* AdminService::RevokeRole(
    grpc::CallbackServerContext* context, const v1::RevokeRoleRequest* request,
    v1::RoleChangeResponse* response) {
  absl::StatusOr<app::Caller> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  absl::StatusOr<app::RoleBindings::Change> change =
      roles_->Revoke(*caller, request->binding(), request->reason());
  if (change.ok()) ToProto(*change, response);
  return FinishNow(context, change.status());
}

grpc::ServerUnaryReactor* AdminService::ListRoleBindings(
    grpc::CallbackServerContext* context,
    const v1::ListRoleBindingsRequest* request,
    v1::ListRoleBindingsResponse* response) {
  absl::StatusOr<app::Caller> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  absl::StatusOr<std::vector<v1::RoleBinding>> bindings = roles_->List(*caller);
  if (bindings.ok()) {
    for (v1::RoleBinding& b : *bindings)
      *response->add_bindings() = std::move(b);
  }
  return FinishNow(context, bindings.status());
}

grpc::ServerUnaryReactor* AdminService::WhoAmI(
    grpc::CallbackServerContext* context, const v1::WhoAmIRequest* request,
    v1::WhoAmIResponse* response) {
  absl::StatusOr<app::Caller> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  if (absl::Status s = app::MayDo(*caller, app::Operation::kWhoAmI); !s.ok()) {
    return FinishNow(context, s);
  }
  response->set_principal(caller->actor);
  response->set_authenticated_by(caller->authenticated_by);
  // What the call's grants come from: every principal's bindings.
  for (const std::string& principal : caller->principals) {
    for (v1::RoleBinding& b : roles_->BindingsOf(principal)) {
      *response->add_bindings() = std::move(b);
    }
  }
  return FinishNow(context, absl::OkStatus());
}

}  // namespace svledger::services
