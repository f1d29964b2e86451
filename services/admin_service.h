#ifndef SVLEDGER_SERVICES_ADMIN_SERVICE_H_
#define SVLEDGER_SERVICES_ADMIN_SERVICE_H_

#include "app/projection_admin.h"
#include "app/role_bindings.h"
#include "app/storage_admin.h"
#include "common/worker_pool.h"
#include "services/authenticate.h"
#include "services/request_guard.h"
#include "svledger/v1/admin_service.grpc.pb.h"

namespace svledger::services {

// svledger.v1.AdminService: the projections, the role bindings, the log's
// hash chain and the backups. Calls that read the whole log or a whole
// backup (VerifyLog, CreateBackup, VerifyBackup, PruneBackups) run on
// `long_ops`, never on a gRPC thread; a full queue is RESOURCE_EXHAUSTED.
// The rest are answered at once (a grant waits only for its own durable
// append).
//
// Thread-safe. Everything passed in must outlive it.
class AdminService final : public GuardedService<v1::AdminService> {
 public:
  AdminService(app::ProjectionAdmin* admin, app::RoleBindings* roles,
               app::StorageAdmin* storage, WorkerPool* long_ops,
               const CallAuthenticator* auth)
      : admin_(admin),
        roles_(roles),
        storage_(storage),
        long_ops_(long_ops),
        auth_(auth) {
    Guard("RebuildProjection", &AdminService::RebuildProjection,
          kMaxCommandRequestBytes);
    Guard("GetProjectionStatus", &AdminService::GetProjectionStatus,
          kMaxQueryRequestBytes);
    Guard("GrantRole", &AdminService::GrantRole, kMaxCommandRequestBytes);
    Guard("RevokeRole", &AdminService::RevokeRole, kMaxCommandRequestBytes);
    Guard("ListRoleBindings", &AdminService::ListRoleBindings,
          kMaxQueryRequestBytes);
    Guard("WhoAmI", &AdminService::WhoAmI, kMaxQueryRequestBytes);
    Guard("GetLogHead", &AdminService::GetLogHead, kMaxQueryRequestBytes);
    Guard("VerifyLog", &AdminService::VerifyLog, kMaxQueryRequestBytes);
    Guard("CreateBackup", &AdminService::CreateBackup, kMaxCommandRequestBytes);
    Guard("ListBackups", &AdminService::ListBackups, kMaxQueryRequestBytes);
    Guard("VerifyBackup", &AdminService::VerifyBackup, kMaxQueryRequestBytes);
    Guard("PruneBackups", &AdminService::PruneBackups, kMaxCommandRequestBytes);
  }

  grpc::ServerUnaryReactor* RebuildProjection(
      grpc::CallbackServerContext* context,
      const v1::RebuildProjectionRequest* request,
      v1::RebuildProjectionResponse* response) override;
  grpc::ServerUnaryReactor* GetProjectionStatus(
      grpc::CallbackServerContext* context,
      const v1::GetProjectionStatusRequest* request,
      v1::ProjectionStatus* response) override;
  grpc::ServerUnaryReactor* GrantRole(
      grpc::CallbackServerContext* context, const v1::GrantRoleRequest* request,
      v1::RoleChangeResponse* response) override;
  grpc::ServerUnaryReactor* RevokeRole(
      grpc::CallbackServerContext* context,
      const v1::RevokeRoleRequest* request,
      v1::RoleChangeResponse* response) override;
  grpc::ServerUnaryReactor* ListRoleBindings(
      grpc::CallbackServerContext* context,
      const v1::ListRoleBindingsRequest* request,
      v1::ListRoleBindingsResponse* response) override;
  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* context,
                                   const v1::WhoAmIRequest* request,
                                   v1::WhoAmIResponse* response) override;

  grpc::ServerUnaryReactor* GetLogHead(grpc::CallbackServerContext* context,
                                       const v1::GetLogHeadRequest* request,
                                       v1::LogHead* response) override;
  grpc::ServerUnaryReactor* VerifyLog(grpc::CallbackServerContext* context,
                                      const v1::VerifyLogRequest* request,
                                      v1::VerifyLogResponse* response) override;
  grpc::ServerUnaryReactor* CreateBackup(
      grpc::CallbackServerContext* context,
      const v1::CreateBackupRequest* request,
      v1::CreateBackupResponse* response) override;
  grpc::ServerUnaryReactor* ListBackups(
      grpc::CallbackServerContext* context,
      const v1::ListBackupsRequest* request,
      v1::ListBackupsResponse* response) override;
  grpc::ServerUnaryReactor* VerifyBackup(
      grpc::CallbackServerContext* context,
      const v1::VerifyBackupRequest* request,
      v1::VerifyBackupResponse* response) override;
  grpc::ServerUnaryReactor* PruneBackups(
      grpc::CallbackServerContext* context,
      const v1::PruneBackupsRequest* request,
      v1::PruneBackupsResponse* response) override;

 private:
  // Authenticates, then runs `work` on long_ops_ and finishes the call with
  // its outcome, the response filled in on success.
  template <typename Response, typename Work>
  grpc::ServerUnaryReactor* RunLong(grpc::CallbackServerContext* context,
                                    Response* response, Work work);

  app::ProjectionAdmin* const admin_;
  app::RoleBindings* const roles_;
  app::StorageAdmin* const storage_;
  WorkerPool* const long_ops_;
  const CallAuthenticator* const auth_;
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_ADMIN_SERVICE_H_
