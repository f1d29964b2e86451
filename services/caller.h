#ifndef SVLEDGER_SERVICES_CALLER_H_
#define SVLEDGER_SERVICES_CALLER_H_

#include <algorithm>
#include <string>

#include "app/caller.h"
#include "grpcpp/server_context.h"

namespace svledger::services {

// Who is calling, for the actor of the events a call writes. Until
// authentication lands, the caller may name itself in the "svledger-actor"
// header (at most 100 bytes are kept); otherwise "anonymous".
inline app::Caller CallerOf(const grpc::CallbackServerContext* context) {
  app::Caller caller;
  auto it = context->client_metadata().find("svledger-actor");
  if (it != context->client_metadata().end()) {
    caller.actor = std::string(it->second.data(),
                               std::min<size_t>(it->second.size(), 100));
  }
  return caller;
}

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_CALLER_H_
