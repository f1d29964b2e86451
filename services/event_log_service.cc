#include "services/event_log_service.h"

#include "services/event_convert.h"
#include "services/grpc_status.h"

namespace svledger::services {

EventLogService::EventLogService(app::EventLog* log, RandomSource* random,
                                 const CallAuthenticator* auth,
                                 LogStreamLimits limits)
    : log_(log),
      random_(random),
      auth_(auth),
      subscriptions_(&log->log(), limits) {
  Guard("Append", &EventLogService::Append, kMaxAppendRequestBytes);
  Guard("ReadStream", &EventLogService::ReadStream, kMaxQueryRequestBytes);
  Guard("ReadAll", &EventLogService::ReadAll, kMaxQueryRequestBytes);
  Guard("Subscribe", &EventLogService::Subscribe, kMaxQueryRequestBytes);
}

EventLogService::~EventLogService() { StopSubscriptions(); }

grpc::ServerUnaryReactor* EventLogService::Append(
    grpc::CallbackServerContext* context, const v1::AppendRequest* request,
    v1::AppendResponse* response) {
  absl::StatusOr<app::Caller> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return FinishNow(context, caller.status());
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
  log_->Append(
      *caller, request->stream_id(), *expected, *std::move(events),
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
  absl::StatusOr<app::Caller> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  eventstore::ReadStreamOptions options;
  options.direction = request->direction() == v1::BACKWARDS
                          ? eventstore::Direction::kBackwards
                          : eventstore::Direction::kForwards;
  options.from_version = request->from_version();
  options.from_end = request->from_end();
  options.limit = request->limit();
  absl::StatusOr<eventstore::StreamSlice> slice =
      log_->ReadStream(*caller, request->stream_id(), options);
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
  absl::StatusOr<app::Caller> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return FinishNow(context, caller.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  eventstore::ReadAllOptions options;
  options.limit = request->limit();
  options.filter = FilterFromProto(request->filter());
  absl::StatusOr<eventstore::AllSlice> slice =
      log_->ReadAll(*caller, request->from_position(), options);
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

grpc::ServerWriteReactor<v1::SubscribeResponse>* EventLogService::Subscribe(
    grpc::CallbackServerContext* context, const v1::SubscribeRequest* request) {
  absl::StatusOr<app::Caller> caller = auth_->Authenticate(*context);
  if (!caller.ok()) {
    return new RefusedStream<v1::SubscribeResponse>(
        ToGrpcStatus(caller.status()));
  }
  eventstore::EventFilter filter = FilterFromProto(request->filter());
  if (absl::Status valid = log_->CheckFilter(*caller, filter); !valid.ok()) {
    return new RefusedStream<v1::SubscribeResponse>(ToGrpcStatus(valid));
  }
  if (absl::Status s = log_->CheckFromPosition(request->from_position());
      !s.ok()) {
    return new RefusedStream<v1::SubscribeResponse>(ToGrpcStatus(s));
  }
  return subscriptions_.Open(
      context, caller->actor, request->from_position(), std::move(filter),
      kEventsPerResponse,
      [](const std::vector<eventstore::RecordedEvent>& events,
         v1::SubscribeResponse& response) {
        for (const eventstore::RecordedEvent& e : events) {
          RecordedEventToProto(e, response.add_events());
        }
        return absl::OkStatus();
      });
}

void EventLogService::StopSubscriptions() { subscriptions_.StopAll(); }

size_t EventLogService::subscription_count() const {
  return subscriptions_.size();
}

}  // namespace svledger::services
