#ifndef SVLEDGER_SERVICES_LOG_STREAM_H_
#define SVLEDGER_SERVICES_LOG_STREAM_H_

// Server streams that read the log from a position and then follow it live:
// EventLog/Subscribe (events) and AlertService/WatchAlerts (alerts) are the
// same machine with a different conversion of each batch.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "eventstore/event_store.h"
#include "eventstore/subscription.h"
#include "grpcpp/support/server_callback.h"
#include "services/grpc_status.h"

namespace svledger::services {

template <typename Response>
class LogStreams;

// One stream. It writes a batch, and when the write is done reads the next;
// once caught up it asks the store's head watcher to call it back when the
// next position is durable. Nothing in it blocks.
//
// Response must have next_position and caught_up fields: next_position is
// where a client resumes; caught_up is set on the first response sent once
// the stream reached the log's head.
//
// Lifetime: owned through a shared_ptr by itself until gRPC calls OnDone. A
// pending head-watcher callback holds only a weak_ptr: if the stream has
// ended it finds nothing; if it wins the race, its strong reference keeps
// the reactor alive while Pump sees the stream finished and returns.
template <typename Response>
class LogStreamReactor final
    : public grpc::ServerWriteReactor<Response>,
      public std::enable_shared_from_this<LogStreamReactor<Response>> {
 public:
  // Appends to `response` (cleared) what a batch of events makes. An error
  // ends the stream with it.
  using Convert = absl::AnyInvocable<absl::Status(
      const std::vector<eventstore::RecordedEvent>& events,
      Response& response)>;

  LogStreamReactor(LogStreams<Response>* owner,
                   const eventstore::EventStore* store, uint64_t from_position,
                   eventstore::EventFilter filter, uint32_t batch_limit,
                   Convert convert)
      : owner_(owner),
        store_(store),
        convert_(std::move(convert)),
        cursor_(store, from_position, std::move(filter), batch_limit) {}

  // Ends the stream with `status` as soon as no write is in flight.
  void Stop(const grpc::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      stop_requested_ = true;
      stop_status_ = status;
      if (writing_) return;  // OnWriteDone's Pump finishes the stream
    }
    FinishOnce(status);
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
    }
    if (!ok) {
      // The client is gone; nothing more can be written.
      FinishOnce(grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed"));
      return;
    }
    Pump();
  }

  void OnCancel() override { Stop(grpc::Status::CANCELLED); }

  void OnDone() override {
    owner_->Forget(this);
    // May destroy this object; nothing may follow.
    std::shared_ptr<LogStreamReactor> last = std::move(self_);
  }

 private:
  friend class LogStreams<Response>;

  // Sends what is durable beyond the cursor, or arranges to be called back.
  void Pump() {
    absl::ReleasableMutexLock lock(&mu_);
    if (finished_ || writing_) return;
    if (stop_requested_) {
      grpc::Status status = stop_status_;
      lock.Release();
      FinishOnce(status);
      return;
    }
    absl::StatusOr<eventstore::SubscriptionBatch> batch = cursor_.Poll();
    absl::Status converted = batch.status();
    if (batch.ok()) {
      response_.Clear();
      converted = convert_(batch->events, response_);
    }
    if (!converted.ok()) {
      lock.Release();
      FinishOnce(ToGrpcStatus(converted));
      return;
    }
    const bool announce = batch->caught_up && !sent_caught_up_;
    // Nothing to send when caught up and already announced: wait for the
    // next durable position. (A scan that matched nothing but is not caught
    // up still sends, so the client's resume position advances.)
    if (response_.ByteSizeLong() == 0 && batch->caught_up && !announce) {
      // Weak: a stream that ends while waiting is freed at once, not when
      // the log next moves.
      store_->head_watcher().NotifyAt(
          batch->next_position, [weak = this->weak_from_this()]() {
            if (std::shared_ptr<LogStreamReactor> self = weak.lock()) {
              self->Pump();
            }
          });
      return;
    }
    response_.set_next_position(batch->next_position);
    response_.set_caught_up(announce);
    sent_caught_up_ = sent_caught_up_ || announce;
    writing_ = true;
    lock.Release();
    this->StartWrite(&response_);
  }

  // Calls Finish once. REQUIRES: mu_ not held.
  void FinishOnce(const grpc::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      finished_ = true;
    }
    this->Finish(status);
  }

  LogStreams<Response>* const owner_;
  const eventstore::EventStore* const store_;
  std::shared_ptr<LogStreamReactor> self_;  // set by Open, released in OnDone

  absl::Mutex mu_;
  Convert convert_ ABSL_GUARDED_BY(mu_);
  eventstore::Subscription cursor_ ABSL_GUARDED_BY(mu_);
  Response response_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool sent_caught_up_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status stop_status_ ABSL_GUARDED_BY(mu_);
};

// A stream that ends at once with the reason it was refused.
template <typename Response>
class RefusedStream final : public grpc::ServerWriteReactor<Response> {
 public:
  explicit RefusedStream(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

// A service's open streams: at most `max_streams` at once, all ended
// together at shutdown.
//
// Thread-safe. `store` must outlive it, and it must outlive its streams
// (call StopAll, then shut the gRPC server down, before destroying it).
template <typename Response>
class LogStreams {
 public:
  using Convert = typename LogStreamReactor<Response>::Convert;

  LogStreams(const eventstore::EventStore* store, size_t max_streams)
      : store_(store), max_streams_(max_streams) {}
  ~LogStreams() { StopAll(); }

  // Starts a stream from `from_position` (inclusive) through `filter`
  // (REQUIRES: it passed ValidateFilter), reading at most `batch_limit`
  // events a response; or a stream that ends at once, UNAVAILABLE after
  // StopAll and RESOURCE_EXHAUSTED beyond max_streams. Returns what to hand
  // to gRPC.
  grpc::ServerWriteReactor<Response>* Open(uint64_t from_position,
                                           eventstore::EventFilter filter,
                                           uint32_t batch_limit,
                                           Convert convert) {
    auto reactor = std::make_shared<LogStreamReactor<Response>>(
        this, store_, from_position, std::move(filter), batch_limit,
        std::move(convert));
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return new RefusedStream<Response>(ShuttingDown());
      if (streams_.size() >= max_streams_) {
        return new RefusedStream<Response>(grpc::Status(
            grpc::StatusCode::RESOURCE_EXHAUSTED,
            absl::StrCat("at most ", max_streams_, " streams at once")));
      }
      // gRPC calls OnDone (and so Forget) only after the method returns.
      streams_[reactor.get()] = reactor;
      reactor->self_ = reactor;
    }
    reactor->Pump();
    return reactor.get();
  }

  // Ends every stream with UNAVAILABLE (clients resume from their last
  // next_position) and refuses new ones. Call before shutting the gRPC
  // server down, which otherwise waits for them.
  void StopAll() {
    std::vector<std::shared_ptr<LogStreamReactor<Response>>> open;
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      for (auto& [ptr, weak] : streams_) {
        if (auto strong = weak.lock()) open.push_back(std::move(strong));
      }
    }
    for (auto& reactor : open) reactor->Stop(ShuttingDown());
  }

  size_t size() const {
    absl::MutexLock lock(&mu_);
    return streams_.size();
  }

 private:
  friend class LogStreamReactor<Response>;

  static grpc::Status ShuttingDown() {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "server is shutting down; resume from next_position");
  }

  void Forget(const LogStreamReactor<Response>* reactor) {
    absl::MutexLock lock(&mu_);
    streams_.erase(reactor);
  }

  const eventstore::EventStore* const store_;
  const size_t max_streams_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<const LogStreamReactor<Response>*,
                      std::weak_ptr<LogStreamReactor<Response>>>
      streams_ ABSL_GUARDED_BY(mu_);
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_LOG_STREAM_H_
