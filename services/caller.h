#ifndef SVLEDGER_SERVICES_CALLER_H_
#define SVLEDGER_SERVICES_CALLER_H_

#include <algorithm>
#include <string>

#include "grpcpp/server_context.h"

namespace svledger::services {

// Who is calling, for the actor of the events a call writes. Until
// authentication lands, the caller may name itself in the "svledger-actor"
// header (at most 100 bytes are kept); otherwise "anonymous".
inline std::string ActorOf(const grpc::CallbackServerContext* context) {
  auto it = context->client_metadata().find("svledger-actor");
  if (it == context->client_metadata().end()) return "anonymous";
  return std::string(it->second.data(),
                     std::min<size_t>(it->second.size(), 100));
}

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_CALLER_H_
