#ifndef SVLEDGER_SERVICES_COMMAND_REPLY_H_
#define SVLEDGER_SERVICES_COMMAND_REPLY_H_

#include "app/contract_commands.h"
#include "grpcpp/support/server_callback.h"
#include "services/grpc_status.h"
#include "svledger/v1/contract_service.pb.h"

namespace svledger::services {

// The app::CommandDone that answers a unary command call: the outcome into
// `response`, the status mapped to gRPC. Neither is owned; gRPC keeps both
// until Finish.
inline app::CommandDone ReplyTo(grpc::ServerUnaryReactor* reactor,
                                v1::CommandResponse* response) {
  return [reactor, response](absl::StatusOr<app::CommandOutcome> outcome) {
    if (outcome.ok()) {
      response->set_position(outcome->position);
      response->set_stream_version(outcome->stream_version);
      response->set_replayed(outcome->replayed);
    }
    reactor->Finish(ToGrpcStatus(outcome.status()));
  };
}

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_COMMAND_REPLY_H_
