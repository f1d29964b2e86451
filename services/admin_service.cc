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

template <typename Response, typename Work>
grpc::ServerUnaryReactor* AdminService::RunLong(
    grpc::CallbackServerContext* context, Response* response, Work work) {
  absl::StatusOr<app::Caller> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  // Finishes the call exactly once: with the work's outcome, or, if the
  // task is dropped unrun (the pool stopping), UNAVAILABLE.
  struct Call {
    explicit Call(grpc::ServerUnaryReactor* r) : reactor(r) {}
    ~Call() {
      if (!finished) Finish(absl::UnavailableError("the server is stopping"));
    }
    void Finish(const absl::Status& status) {
      finished = true;
      reactor->Finish(ToGrpcStatus(status));
    }
    grpc::ServerUnaryReactor* const reactor;
    bool finished = false;
  };
  auto call = std::make_shared<Call>(context->DefaultReactor());
  WorkerPool::Task task = [call, context, response, work = std::move(work),
                           caller = *std::move(caller)]() mutable {
    if (context->IsCancelled()) {
      call->Finish(absl::CancelledError("the caller gave up before it ran"));
      return;
    }
    absl::StatusOr<Response> result = work(caller);
    if (result.ok()) *response = *std::move(result);
    call->Finish(result.status());
  };
  if (!long_ops_->Submit(task)) {
    call->Finish(absl::ResourceExhaustedError(
        "the server is busy with other backups or log checks; retry later"));
  }
  return call->reactor;
}

grpc::ServerUnaryReactor* AdminService::GetLogHead(
    grpc::CallbackServerContext* context, const v1::GetLogHeadRequest* request,
    v1::LogHead* response) {
  absl::StatusOr<app::Caller> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  absl::StatusOr<v1::LogHead> head = storage_->Head(*caller);
  if (head.ok()) *response = *std::move(head);
  return FinishNow(context, head.status());
}

grpc::ServerUnaryReactor* AdminService::VerifyLog(
    grpc::CallbackServerContext* context, const v1::VerifyLogRequest* request,
    v1::VerifyLogResponse* response) {
  return RunLong(context, response, [this, request](const app::Caller& c) {
    return storage_->VerifyLog(c, *request);
  });
}

grpc::ServerUnaryReactor* AdminService::CreateBackup(
    grpc::CallbackServerContext* context,
    const v1::CreateBackupRequest* request,
    v1::CreateBackupResponse* response) {
  return RunLong(context, response, [this](const app::Caller& c) {
    return storage_->CreateBackup(c);
  });
}

grpc::ServerUnaryReactor* AdminService::ListBackups(
    grpc::CallbackServerContext* context, const v1::ListBackupsRequest* request,
    v1::ListBackupsResponse* response) {
  absl::StatusOr<app::Caller> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  absl::StatusOr<v1::ListBackupsResponse> listed =
      storage_->ListBackups(*caller);
  if (listed.ok()) *response = *std::move(listed);
  return FinishNow(context, listed.status());
}

grpc::ServerUnaryReactor* AdminService::VerifyBackup(
    grpc::CallbackServerContext* context,
    const v1::VerifyBackupRequest* request,
    v1::VerifyBackupResponse* response) {
  return RunLong(context, response, [this, request](const app::Caller& c) {
    return storage_->VerifyBackup(c, *request);
  });
}

grpc::ServerUnaryReactor* AdminService::PruneBackups(
    grpc::CallbackServerContext* context,
    const v1::PruneBackupsRequest* request,
    v1::PruneBackupsResponse* response) {
  return RunLong(context, response, [this, request](const app::Caller& c) {
    return storage_->PruneBackups(c, *request);
  });
}

}  // namespace svledger::services
