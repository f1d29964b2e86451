#ifndef SVLEDGER_SERVICES_APPLIED_WAIT_H_
#define SVLEDGER_SERVICES_APPLIED_WAIT_H_

#include <cstdint>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "eventstore/head_watcher.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "services/authenticate.h"

namespace svledger::services {

// Reading your own writes at the gRPC edge: answers a unary query once the
// read model has applied the request's min_position, without blocking a
// thread while it waits.
//
// Thread-safe. `applied` (the position the read model has applied, as
// app's queries offer it) must outlive it.
class AppliedWait {
 public:
  // `max_wait`: the longest a query waits for its min_position (the call's
  // own deadline may cut it shorter).
  AppliedWait(eventstore::HeadWatcher* applied, absl::Duration max_wait)
      : applied_(applied), max_wait_(max_wait) {}

  // Runs `answer` once `min_position` is applied (at once if it is) and
  // finishes the call with its status: DEADLINE_EXCEEDED naming
  // min_position if the position is not applied in time, UNAVAILABLE if the
  // wait is dropped at shutdown.
  grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context,
                                   uint64_t min_position,
                                   absl::AnyInvocable<absl::Status()> answer);

  // The sooner of the call's deadline and max_wait from now.
  absl::Time Deadline(const grpc::CallbackServerContext* context) const;

 private:
  eventstore::HeadWatcher* const applied_;
  const absl::Duration max_wait_;
};

// Authenticates the call, then answers it through `wait` with `query`, a
// callable taking the app::Caller and returning absl::StatusOr<Response>.
// An unauthenticated call is refused at once, without waiting.
template <typename Response, typename Query>
grpc::ServerUnaryReactor* AnswerFor(grpc::CallbackServerContext* context,
                                    const CallAuthenticator& auth,
                                    AppliedWait& wait, uint64_t min_position,
                                    Response* response, Query query) {
  absl::StatusOr<app::Caller> caller = auth.Authenticate(*context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  return wait.Answer(context, min_position,
                     [caller = *std::move(caller), response,
                      query = std::move(query)]() mutable {
                       absl::StatusOr<Response> out = query(caller);
                       if (out.ok()) *response = *std::move(out);
                       return out.status();
                     });
}

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_APPLIED_WAIT_H_
