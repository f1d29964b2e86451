#ifndef SVLEDGER_SERVICES_LOG_STREAM_H_
#define SVLEDGER_SERVICES_LOG_STREAM_H_

// Server streams that read the log from a position and then follow it live:
// EventLog/Subscribe (events) and AlertService/WatchAlerts (alerts) are the
// same machine with a different conversion of each batch.

#include <atomic>
#include <cstdint>
#include <limits>
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
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/worker_pool.h"
#include "eventstore/event_store.h"
#include "eventstore/subscription.h"
#include "grpcpp/support/server_callback.h"
#include "services/grpc_status.h"

namespace svledger::services {

template <typename Response>
class LogStreams;

// What one service's streams may hold.
struct LogStreamLimits {
  // Streams open at once, every caller together. Default 10,000.
  size_t max_streams = 10000;
  // Streams open at once by one principal (Caller::actor), so that no
  // caller takes every slot. Default 100.
  size_t max_streams_per_principal = 100;
  // One response's events, in bytes (eventstore::ReadBytes). A stream
  // reads the log only after its last response was taken by the transport,
  // so this bounds what a reader that stops reading pins. Default 16 KiB:
  // 10,000 never-reading streams over a 5 MB log peaked at 492 MB resident
  // (983 MB at 32 KiB; tests/server/stream_memory_test.cc scaled to 10,000).
  size_t batch_bytes = 16 << 10;
  // A response not taken by the transport for this long (the reader stopped
  // reading) ends the stream with RESOURCE_EXHAUSTED; the reader resumes
  // from its last next_position. A reader that never reads again keeps what
  // it pins (one response and the transport's window) and its slot until it
  // disconnects: the per-principal and global caps bound both. Default
  // 30 s.
  absl::Duration max_write_stall = absl::Seconds(30);
  // Threads that read the log for a service's streams and build their
  // responses, at a lower priority than the threads answering calls: a
  // stream is background work. Without them, 2,000 never-reading Subscribe
  // streams read the log on gRPC's own threads and the head watcher's, and
  // took append and GetContractProgress p99 from 2 ms to 0.9 s
  // (bench/soak_bench.cc). Default 1.
  size_t pump_threads = 1;
};

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
                   const eventstore::EventStore* store, std::string principal,
                   uint64_t from_position, eventstore::EventFilter filter,
                   uint32_t batch_limit, Convert convert)
      : owner_(owner),
        store_(store),
        principal_(std::move(principal)),
        convert_(std::move(convert)),
        cursor_(store, from_position, std::move(filter), batch_limit,
                owner->limits_.batch_bytes) {}

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
    eventstore::HeadWatcher::WaitId stall;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      stall = stall_timer_;
      stall_timer_ = 0;
    }
    store_->head_watcher().Cancel(stall);
    if (!ok) {
      // The client is gone; nothing more can be written.
      FinishOnce(grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed"));
      return;
    }
    SchedulePump();
  }

  void OnCancel() override { Stop(grpc::Status::CANCELLED); }

  void OnDone() override {
    eventstore::HeadWatcher::WaitId wait, stall;
    {
      absl::MutexLock lock(&mu_);
      wait = wait_;
      stall = stall_timer_;
    }
    // Not left registered until the log reaches its position.
    store_->head_watcher().Cancel(wait);
    store_->head_watcher().Cancel(stall);
    owner_->Forget(this);
    // May destroy this object; nothing may follow.
    std::shared_ptr<LogStreamReactor> last = std::move(self_);
  }

 private:
  friend class LogStreams<Response>;

  // Pumps on the owner's pump threads: at most one pump queued per open
  // stream (a finished stream's may wait too, and then does nothing).
  // Inline when the pool takes no more: it has stopped, or the pump
  // threads have fallen so far behind that the queue is full.
  void SchedulePump() {
    {
      absl::MutexLock lock(&mu_);
      if (finished_ || pump_queued_) return;
      pump_queued_ = true;
    }
    WorkerPool::Task pump = [weak = this->weak_from_this()]() {
      if (std::shared_ptr<LogStreamReactor> self = weak.lock()) self->Pump();
    };
    if (!owner_->pumps_.Submit(pump)) std::move(pump)();
  }

  // Sends what is durable beyond the cursor, or arranges to be called back.
  void Pump() {
    absl::ReleasableMutexLock lock(&mu_);
    pump_queued_ = false;
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
      wait_ = store_->head_watcher().NotifyAt(
          batch->next_position, [weak = this->weak_from_this()]() {
            if (std::shared_ptr<LogStreamReactor> self = weak.lock()) {
              self->SchedulePump();
            }
          });
      return;
    }
    response_.set_next_position(batch->next_position);
    response_.set_caught_up(announce);
    sent_caught_up_ = sent_caught_up_ || announce;
    writing_ = true;
    stall_timer_ = StartStallTimer(++write_seq_);
    lock.Release();
    this->StartWrite(&response_);
  }

  // The head watcher's timed wait for a position never reached is the
  // stream's timer: it fires once write `seq` has stalled for too long.
  eventstore::HeadWatcher::WaitId StartStallTimer(uint64_t seq) {
    return store_->head_watcher().NotifyAt(
        std::numeric_limits<uint64_t>::max(),
        absl::Now() + owner_->limits_.max_write_stall,
        [weak = this->weak_from_this(), seq](bool) {
          if (std::shared_ptr<LogStreamReactor> self = weak.lock()) {
            self->Stalled(seq);
          }
        });
  }

  // The reader has taken nothing of write `seq` for max_write_stall: end
  // the stream. The status follows the pending response, so a reader that
  // is only slow reads what was sent, then RESOURCE_EXHAUSTED.
  void Stalled(uint64_t seq) {
    {
      absl::MutexLock lock(&mu_);
      // That write went through meanwhile (a timer that fired as it was
      // being cancelled): not this one's business.
      if (!writing_ || seq != write_seq_) return;
    }
    owner_->stalled_.fetch_add(1, std::memory_order_relaxed);
    FinishOnce(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        absl::StrCat("reader too slow: nothing read for ",
                     absl::FormatDuration(owner_->limits_.max_write_stall),
                     "; resume from the last next_position received")));
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
  const std::string principal_;
  std::shared_ptr<LogStreamReactor> self_;  // set by Open, released in OnDone

  absl::Mutex mu_;
  Convert convert_ ABSL_GUARDED_BY(mu_);
  eventstore::Subscription cursor_ ABSL_GUARDED_BY(mu_);
  Response response_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool sent_caught_up_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool pump_queued_ ABSL_GUARDED_BY(mu_) = false;
  // The last head-watcher registration (it may have run already).
  eventstore::HeadWatcher::WaitId wait_ ABSL_GUARDED_BY(mu_) = 0;
  // The stall timer of the write in flight; 0 when none is.
  eventstore::HeadWatcher::WaitId stall_timer_ ABSL_GUARDED_BY(mu_) = 0;
  // Numbers the writes, so that a stale timer knows it is stale.
  uint64_t write_seq_ ABSL_GUARDED_BY(mu_) = 0;

  grpc::Status stop_status_ ABSL_GUARDED_BY(mu_);
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

  LogStreams(const eventstore::EventStore* store, LogStreamLimits limits)
      : store_(store),
        limits_(limits),
        // A queued pump per open stream at most, and room for as many
        // again from streams that ended before theirs ran.
        pumps_("svl-streams", limits.pump_threads, 2 * limits.max_streams + 64,
               /*nice=*/10) {}
  ~LogStreams() { StopAll(); }

  // Starts a stream for `principal` on the call of `context` from
  // `from_position` (inclusive) through `filter` (REQUIRES: it passed
  // ValidateFilter), reading at most `batch_limit` events a response; or a
  // stream that ends at once, UNAVAILABLE after StopAll and
  // RESOURCE_EXHAUSTED beyond max_streams or max_streams_per_principal.
  // Returns what to hand to gRPC.
  grpc::ServerWriteReactor<Response>* Open(grpc::CallbackServerContext* context,
                                           const std::string& principal,
                                           uint64_t from_position,
                                           eventstore::EventFilter filter,
                                           uint32_t batch_limit,
                                           Convert convert) {
    // Cancelled while queued for a thread (a client opening and cancelling
    // streams faster than they are served): nothing to read for it.
    if (context->IsCancelled()) {
      return new RefusedStream<Response>(grpc::Status::CANCELLED);
    }
    auto reactor = std::make_shared<LogStreamReactor<Response>>(
        this, store_, principal, from_position, std::move(filter), batch_limit,
        std::move(convert));
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return new RefusedStream<Response>(ShuttingDown());
      if (streams_.size() >= limits_.max_streams) {
        return new RefusedStream<Response>(grpc::Status(
            grpc::StatusCode::RESOURCE_EXHAUSTED,
            absl::StrCat("at most ", limits_.max_streams, " streams at once")));
      }
      size_t& mine = per_principal_[principal];
      if (mine >= limits_.max_streams_per_principal) {
        return new RefusedStream<Response>(grpc::Status(
            grpc::StatusCode::RESOURCE_EXHAUSTED,
            absl::StrCat("at most ", limits_.max_streams_per_principal,
                         " streams at once per caller")));
      }
      ++mine;
      // gRPC calls OnDone (and so Forget) only after the method returns.
      streams_[reactor.get()] = reactor;
      reactor->self_ = reactor;
    }
    reactor->SchedulePump();
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

  // Streams ended because their reader stopped reading.
  uint64_t stalled() const { return stalled_.load(std::memory_order_relaxed); }

 private:
  friend class LogStreamReactor<Response>;

  static grpc::Status ShuttingDown() {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "server is shutting down; resume from next_position");
  }

  void Forget(const LogStreamReactor<Response>* reactor) {
    absl::MutexLock lock(&mu_);
    streams_.erase(reactor);
    auto it = per_principal_.find(reactor->principal_);
    if (it != per_principal_.end() && --it->second == 0) {
      per_principal_.erase(it);
    }
  }

  const eventstore::EventStore* const store_;
  const LogStreamLimits limits_;
  std::atomic<uint64_t> stalled_{0};
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<const LogStreamReactor<Response>*,
                      std::weak_ptr<LogStreamReactor<Response>>>
      streams_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, size_t> per_principal_ ABSL_GUARDED_BY(mu_);
  // Last: destroyed first, so no pump runs once the rest is going.
  WorkerPool pumps_;
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_LOG_STREAM_H_
