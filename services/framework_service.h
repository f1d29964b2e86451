#ifndef SVLEDGER_SERVICES_FRAMEWORK_SERVICE_H_
#define SVLEDGER_SERVICES_FRAMEWORK_SERVICE_H_

#include "app/frameworks.h"
#include "services/authenticate.h"
#include "services/request_guard.h"
#include "svledger/v1/framework_service.grpc.pb.h"

namespace svledger::services {

// svledger.v1.FrameworkService: app::Frameworks over gRPC (publishing
// measure libraries and council frameworks, and Lancashire's
// award-weighting rule).
//
// Thread-safe. `frameworks` must outlive it.
class FrameworkService final : public GuardedService<v1::FrameworkService> {
 public:
  FrameworkService(app::Frameworks* frameworks, const CallAuthenticator* auth)
      : frameworks_(frameworks), auth_(auth) {
    Guard("PublishMeasureLibrary", &FrameworkService::PublishMeasureLibrary,
          kMaxCommandRequestBytes);
    Guard("PublishFramework", &FrameworkService::PublishFramework,
          kMaxCommandRequestBytes);
    Guard("RecommendWeighting", &FrameworkService::RecommendWeighting,
          kMaxQueryRequestBytes);
  }

  grpc::ServerUnaryReactor* PublishMeasureLibrary(
      grpc::CallbackServerContext* context,
      const v1::PublishMeasureLibraryRequest* request,
      v1::PublishResponse* response) override;
  grpc::ServerUnaryReactor* PublishFramework(
      grpc::CallbackServerContext* context,
      const v1::PublishFrameworkRequest* request,
      v1::PublishResponse* response) override;
  grpc::ServerUnaryReactor* RecommendWeighting(
      grpc::CallbackServerContext* context,
      const v1::RecommendWeightingRequest* request,
      v1::RecommendWeightingResponse* response) override;

 private:
  app::Frameworks* const frameworks_;
  const CallAuthenticator* const auth_;
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_FRAMEWORK_SERVICE_H_
