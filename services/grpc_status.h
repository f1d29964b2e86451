#ifndef SVLEDGER_SERVICES_GRPC_STATUS_H_
#define SVLEDGER_SERVICES_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"

namespace svledger::services {

// The one place where absl::Status becomes a gRPC status. The canonical codes
// are the same in both, number for number.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

// A stream that ends at once with the reason it was refused.
template <typename Response>
class RefusedStream final : public grpc::ServerWriteReactor<Response> {
 public:
  explicit RefusedStream(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_GRPC_STATUS_H_
