#include "services/event_log_service.h"

#include "services/event_convert.h"
#include "services/grpc_status.h"
#include "services/subscribe_reactor.h"

namespace svledger::services {

EventLogService::EventLogService(eventstore::EventStore* store,
                                 RandomSource* random)
    : store_(store), random_(random) {}

EventLogService::~EventLogService() { StopSubscriptions(); }

grpc::ServerUnaryReactor* EventLogService::Append(
    grpc::CallbackServerContext* context, const v1::AppendRequest* request,
    v1::AppendResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<eventstore::ExpectedVersion> expected =
      ExpectedVersionFromProto(*request);
  if (!expected.ok()) {
    reactor->Finish(ToGrpcStatus(expected.status()));
    return reactor;
  }
  absl::StatusOr<std::vector<eventstore::ProposedEvent>> events =
      ProposedEventsFromProto(request->events(), *random_);
  if (!events.ok()) {
    reactor->Finish(ToGrpcStatus(events.status()));
    return reactor;
  }
  // Completes on the store's writer thread once durable; Finish does not
  // block.
  store_->AppendAsync(
      request->stream_id(), *expected, *std::move(events),
      [reactor, response](absl::StatusOr<eventstore::AppendResult> result) {
        if (result.ok()) {
          response->set_first_position(result->first_position);
          response->set_last_position(result->last_position);
          response->set_last_stream_version(result->last_stream_version);
        }
        reactor->Finish(ToGrpcStatus(result.status()));
      });
  return reactor;
}

grpc::ServerUnaryReactor* EventLogService::ReadStream(
    grpc::CallbackServerContext* context, const v1::ReadStreamRequest* request,
    v1::ReadStreamResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  eventstore::ReadStreamOptions options;
  options.direction = request->direction() == v1::BACKWARDS
                          ? eventstore::Direction::kBackwards
                          : eventstore::Direction::kForwards;
  options.from_version = request->from_version();
  options.from_end = request->from_end();
  options.limit = request->limit();
  if (options.from_end &&
      options.direction == eventstore::Direction::kForwards) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "from_end: only with direction BACKWARDS"));
    return reactor;
  }
  // A bounded read of at most Limits::max_read_bytes: short, never a wait.
  absl::StatusOr<eventstore::StreamSlice> slice =
      store_->ReadStream(request->stream_id(), options);
  if (slice.ok()) {
    for (const eventstore::RecordedEvent& e : slice->events) {
      RecordedEventToProto(e, response->add_events());
    }
    response->set_last_stream_version(slice->last_stream_version);
    response->set_end_of_stream(slice->end_of_stream);
  }
  reactor->Finish(ToGrpcStatus(slice.status()));
  return reactor;
}

grpc::ServerUnaryReactor* EventLogService::ReadAll(
    grpc::CallbackServerContext* context, const v1::ReadAllRequest* request,
    v1::ReadAllResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  eventstore::ReadAllOptions options;
  options.limit = request->limit();
  options.filter = FilterFromProto(request->filter());
  absl::StatusOr<eventstore::AllSlice> slice =
      store_->ReadAll(request->from_position(), options);
  if (slice.ok()) {
    for (const eventstore::RecordedEvent& e : slice->events) {
      RecordedEventToProto(e, response->add_events());
    }
    response->set_next_position(slice->next_position);
    response->set_head_position(slice->head_position);
  }
  reactor->Finish(ToGrpcStatus(slice.status()));
  return reactor;
}

namespace {

// A Subscribe stream that ends at once with the reason.
class RefusedSubscription final
    : public grpc::ServerWriteReactor<v1::SubscribeResponse> {
 public:
  explicit RefusedSubscription(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<v1::SubscribeResponse>* EventLogService::Subscribe(
    grpc::CallbackServerContext* context, const v1::SubscribeRequest* request) {
  eventstore::EventFilter filter = FilterFromProto(request->filter());
  if (absl::Status valid = ValidateFilter(filter, store_->limits());
      !valid.ok()) {
    return new RefusedSubscription(ToGrpcStatus(valid));
  }
  const grpc::Status shutting_down(grpc::StatusCode::UNAVAILABLE,
                                   "server is shutting down; resume from "
                                   "next_position");
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return new RefusedSubscription(shutting_down);
  }
  // gRPC calls OnDone (and so Forget) only after this method returns the
  // reactor, so registering after Start cannot miss its end.
  std::shared_ptr<SubscribeReactor> handle;
  SubscribeReactor* reactor = SubscribeReactor::Start(
      this, store_, request->from_position(), std::move(filter), &handle);
  bool stop_now = false;
  {
    absl::MutexLock lock(&mu_);
    subscriptions_[reactor] = handle;
    stop_now = stopping_;  // StopSubscriptions ran meanwhile
  }
  if (stop_now) handle->Stop(shutting_down);
  return reactor;
}

void EventLogService::StopSubscriptions() {
  std::vector<std::shared_ptr<SubscribeReactor>> open;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (auto& [ptr, weak] : subscriptions_) {
      if (auto strong = weak.lock()) open.push_back(std::move(strong));
    }
  }
  for (auto& reactor : open) {
    reactor->Stop(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                               "server is shutting down; resume from "
                               "next_position"));
  }
}

size_t EventLogService::subscription_count() const {
  absl::MutexLock lock(&mu_);
  return subscriptions_.size();
}

void EventLogService::Forget(const SubscribeReactor* reactor) {
  absl::MutexLock lock(&mu_);
  subscriptions_.erase(reactor);
}

}  // namespace svledger::services
