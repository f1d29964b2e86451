#ifndef SVLEDGER_SERVICES_COMMAND_REPLY_H_
#define SVLEDGER_SERVICES_COMMAND_REPLY_H_

#include "app/commands.h"
#include "app/contract_commands.h"
#include "grpcpp/support/server_callback.h"
#include "services/authenticate.h"
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

// Authenticates the call and runs `method` of `commands` as the caller,
// answering with its outcome. An unauthenticated call is refused at once.
// The request's size and unknown fields were dealt with before it arrived
// here (services/request_guard.h).
template <typename Request>
grpc::ServerUnaryReactor* RunCommand(
    grpc::CallbackServerContext* context, const CallAuthenticator& auth,
    app::Commands* commands,
    void (app::Commands::*method)(const app::Caller&, const Request&,
                                  app::CommandDone),
    const Request& request, v1::CommandResponse* response) {
  absl::StatusOr<app::Caller> caller = auth.Authenticate(*context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  (commands->*method)(*caller, request, ReplyTo(reactor, response));
  return reactor;
}

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_COMMAND_REPLY_H_
