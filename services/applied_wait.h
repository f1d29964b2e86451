#ifndef SVLEDGER_SERVICES_APPLIED_WAIT_H_
#define SVLEDGER_SERVICES_APPLIED_WAIT_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/worker_pool.h"
#include "eventstore/head_watcher.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "services/authenticate.h"

namespace svledger::services {

// How a query is served. Point reads (one contract, one case) answer on
// the calling gRPC thread as soon as their position is applied; scans
// (listings, summaries, scorecards, as-of replays) always run on the scan
// pool, whose few threads and bounded queue keep any number of scanning
// clients from taking the threads and cores that appends and point reads
// need.
enum class Lane { kPoint, kScan };

struct AppliedWaitOptions {
  // The longest a query waits for its min_position (the call's own deadline
  // may cut it shorter). Default 5 s.
  absl::Duration max_wait = absl::Seconds(5);
  // Runs the answers of point reads that waited, so that answers never run
  // one after another on the notification thread. Not owned; null: on the
  // notification thread.
  WorkerPool* answers = nullptr;
  // Runs scans. Not owned; null: like point reads.
  WorkerPool* scans = nullptr;
  // min_position waits one principal may have pending at once; beyond it
  // RESOURCE_EXHAUSTED. Default 100.
  size_t max_waits_per_principal = 100;
  // The event log's durable head, which a query with `latest` set waits
  // for. Not owned; null: `latest` waits for nothing (tests without a log).
  const eventstore::HeadWatcher* log = nullptr;
};

// Reading your own writes at the gRPC edge: answers a unary query once the
// read model has applied the request's min_position, without blocking a
// thread while it waits.
//
// Thread-safe. `applied` (the position the read model has applied, as
// app's queries offer it) and the pools must outlive it.
class AppliedWait {
 public:
  AppliedWait(eventstore::HeadWatcher* applied, AppliedWaitOptions options);

  // Runs `answer` for `principal` once `min_position` is applied, on the
  // thread its lane says, and finishes the call with its status:
  // DEADLINE_EXCEEDED naming min_position if the position is not applied in
  // time, RESOURCE_EXHAUSTED if the principal has too many waits pending or
  // the scan pool's queue is full (retry later), UNAVAILABLE if the wait is
  // dropped at shutdown.
  grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context,
                                   const std::string& principal,
                                   uint64_t min_position, Lane lane,
                                   absl::AnyInvocable<absl::Status()> answer);

  // The position a query waits for: its min_position or, with `latest`,
  // the log's head now, whichever is later.
  uint64_t Target(uint64_t min_position, bool latest) const;
  template <typename Request>
  uint64_t ReadAfter(const Request& request) const {
    return Target(request.min_position(), request.latest());
  }

  // The sooner of the call's deadline and max_wait from now.
  absl::Time Deadline(const grpc::CallbackServerContext* context) const;

 private:
  // Counts a principal's pending waits; false if it has too many.
  bool StartWait(const std::string& principal);
  void EndWait(const std::string& principal);

  eventstore::HeadWatcher* const applied_;
  const AppliedWaitOptions options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, size_t> waiting_ ABSL_GUARDED_BY(mu_);
};

// Authenticates the call, then answers it through `wait` with `query`, a
// callable taking the app::Caller and returning absl::StatusOr<Response>,
// in `lane`.
// An unauthenticated call is refused at once, without waiting.
template <typename Response, typename Query>
grpc::ServerUnaryReactor* AnswerFor(grpc::CallbackServerContext* context,
                                    const CallAuthenticator& auth,
                                    AppliedWait& wait, uint64_t min_position,
                                    Response* response, Query query,
                                    Lane lane = Lane::kPoint) {
  absl::StatusOr<app::Caller> caller = auth.Authenticate(*context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  const std::string principal = caller->actor;
  return wait.Answer(context, principal, min_position, lane,
                     [caller = *std::move(caller), response,
                      query = std::move(query)]() mutable {
                       absl::StatusOr<Response> out = query(caller);
                       if (out.ok()) *response = *std::move(out);
                       return out.status();
                     });
}

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_APPLIED_WAIT_H_
