#ifndef SVLEDGER_SERVICES_REQUEST_GUARD_H_
#define SVLEDGER_SERVICES_REQUEST_GUARD_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/descriptor.h"
#include "grpc/byte_buffer.h"
#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "grpcpp/impl/service_type.h"
#include "services/grpc_status.h"

namespace svledger::services {

// The largest request each kind of RPC takes, in bytes as received, checked
// before the request is parsed. gRPC's own receive limit is one number for
// every method; these make a command small and only Append large.
//
// Commands (contract, enforcement, framework publication, role changes):
// 1 MiB, the largest event payload a command can write.
inline constexpr size_t kMaxCommandRequestBytes = 1 << 20;
// EventLog.Append: twice the store's 16 MiB per append (eventstore/
// limits.h), so that an append over the store's limit, framing and all, gets
// its clear INVALID_ARGUMENT naming the field, not a transport error.
inline constexpr size_t kMaxAppendRequestBytes = 32 << 20;
// Queries, reads, watches and the rest: ids, filters and page tokens only.
// 64 KiB.
inline constexpr size_t kMaxQueryRequestBytes = 64 << 10;
// The transport's limit: the largest of the above.
inline constexpr size_t kMaxRequestBytes = kMaxAppendRequestBytes;

namespace internal {

// Requests refused before their method ran, by call, until the method's
// place is taken by the refusal. Only refused calls are held.
//
// Thread-safe.
class Refusals {
 public:
  void Put(grpc_call* call, grpc::Status status) {
    absl::MutexLock lock(&mu_);
    by_call_[call] = std::move(status);
    held_.store(by_call_.size(), std::memory_order_release);
  }
  // The refusal of `call`, removed; OK when it was not refused.
  grpc::Status Take(grpc_call* call) {
    if (held_.load(std::memory_order_acquire) == 0) return grpc::Status::OK;
    absl::MutexLock lock(&mu_);
    auto it = by_call_.find(call);
    if (it == by_call_.end()) return grpc::Status::OK;
    grpc::Status status = std::move(it->second);
    by_call_.erase(it);
    held_.store(by_call_.size(), std::memory_order_release);
    return status;
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<grpc_call*, grpc::Status> by_call_ ABSL_GUARDED_BY(mu_);
  std::atomic<size_t> held_{0};
};

// Why a request of `type` is refused before parsing: INVALID_ARGUMENT
// naming "request" when it has more than `max_bytes`; OK otherwise.
// `bytes` is what arrived.
absl::Status CheckRequestSize(const google::protobuf::Descriptor& type,
                              size_t bytes, size_t max_bytes);
// The refusal of a request of `type` whose bytes do not parse.
absl::Status Unparsable(const google::protobuf::Descriptor& type);

// Wraps one of gRPC's callback handlers (`Inner`: CallbackUnaryHandler or
// CallbackServerStreamingHandler of Request) so that a request over
// `max_bytes` is refused without being parsed, a request that does not
// parse is refused with INVALID_ARGUMENT and a message (gRPC's own answer
// is UNIMPLEMENTED with none), and fields this server does not know are
// dropped before the method sees the request.
//
// `make_method(refusals)` returns the method gRPC's handler runs; it must
// first Take the call's refusal from `refusals` and answer with it when it
// is not OK.
template <typename Request, typename Inner>
class GuardedHandler final : public grpc::internal::MethodHandler {
 public:
  template <typename MakeMethod>
  GuardedHandler(size_t max_bytes, MakeMethod make_method)
      : max_bytes_(max_bytes), inner_(make_method(&refusals_)) {}

  void RunHandler(const HandlerParameter& param) override {
    inner_.RunHandler(param);
  }

  // Owns `req` (gRPC hands it over). Always reports OK in `status`, so
  // that gRPC runs the method, which answers with the refusal.
  void* Deserialize(grpc_call* call, grpc_byte_buffer* req,
                    grpc::Status* status, void** handler_data) override {
    const google::protobuf::Descriptor& type = *Request::descriptor();
    const size_t bytes = req == nullptr ? 0 : grpc_byte_buffer_length(req);
    absl::Status refusal = CheckRequestSize(type, bytes, max_bytes_);
    if (!refusal.ok()) {
      grpc_byte_buffer_destroy(req);
      req = nullptr;  // the inner handler then parses nothing
    }
    grpc::Status parsed;
    void* request = inner_.Deserialize(call, req, &parsed, handler_data);
    if (refusal.ok() && !parsed.ok()) refusal = Unparsable(type);
    if (refusal.ok()) {
      static_cast<Request*>(request)->DiscardUnknownFields();
    } else {
      refusals_.Put(call, ToGrpcStatus(refusal));
    }
    *status = grpc::Status::OK;
    return request;
  }

 private:
  const size_t max_bytes_;
  Refusals refusals_;  // before inner_, whose method refers to it
  Inner inner_;
};

}  // namespace internal

// A gRPC callback service (`GrpcService` is the generated outer class, for
// example v1::ContractService) whose methods take requests through
// internal::GuardedHandler. The implementation derives from it and, in its
// constructor, calls Guard once for each of its methods:
//
//   ContractService(...) {
//     Guard("RegisterContract", &ContractService::RegisterContract,
//           kMaxCommandRequestBytes);
//   }
//
// Not thread-safe until the server starts; then as the implementation.
template <typename GrpcService>
class GuardedService : public GrpcService::CallbackService {
 public:
  // OK when every method of the service was guarded under its own name
  // and types; INTERNAL naming the first that was not. The server refuses
  // to start without it.
  absl::Status CheckGuarded() const {
    if (!error_.ok()) return error_;
    const google::protobuf::ServiceDescriptor* service = Descriptor();
    for (int i = 0; i < service->method_count(); ++i) {
      if (i >= static_cast<int>(guarded_.size()) || !guarded_[i]) {
        return absl::InternalError(absl::StrCat(service->method(i)->full_name(),
                                                " has no request guard"));
      }
    }
    return absl::OkStatus();
  }

 protected:
  // Takes a unary `method` of `Impl` (the derived class) named `name` in
  // the proto, with requests of at most `max_bytes`.
  template <typename Impl, typename Request, typename Response>
  void Guard(absl::string_view name,
             grpc::ServerUnaryReactor* (Impl::*method)(
                 grpc::CallbackServerContext*, const Request*, Response*),
             size_t max_bytes) {
    using Handler = internal::GuardedHandler<
        Request, grpc::internal::CallbackUnaryHandler<Request, Response>>;
    const int index =
        IndexOf(name, *Request::descriptor(), *Response::descriptor(), false);
    if (index < 0) return;
    Impl* self = static_cast<Impl*>(this);
    this->MarkMethodCallback(
        index,
        new Handler(max_bytes, [self, method](internal::Refusals* refusals) {
          return [self, method, refusals](grpc::CallbackServerContext* context,
                                          const Request* request,
                                          Response* response) {
            grpc::Status refusal = refusals->Take(context->c_call());
            if (!refusal.ok()) {
              grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
              reactor->Finish(refusal);
              return reactor;
            }
            return (self->*method)(context, request, response);
          };
        }));
  }

  // Takes a server-streaming `method`, as above.
  template <typename Impl, typename Request, typename Response>
  void Guard(absl::string_view name,
             grpc::ServerWriteReactor<Response>* (Impl::*method)(
                 grpc::CallbackServerContext*, const Request*),
             size_t max_bytes) {
    using Handler = internal::GuardedHandler<
        Request,
        grpc::internal::CallbackServerStreamingHandler<Request, Response>>;
    const int index =
        IndexOf(name, *Request::descriptor(), *Response::descriptor(), true);
    if (index < 0) return;
    Impl* self = static_cast<Impl*>(this);
    this->MarkMethodCallback(
        index,
        new Handler(max_bytes, [self, method](internal::Refusals* refusals) {
          return [self, method, refusals](grpc::CallbackServerContext* context,
                                          const Request* request)
                     -> grpc::ServerWriteReactor<Response>* {
            grpc::Status refusal = refusals->Take(context->c_call());
            if (!refusal.ok()) return new RefusedStream<Response>(refusal);
            return (self->*method)(context, request);
          };
        }));
  }

 private:
  static const google::protobuf::ServiceDescriptor* Descriptor() {
    return google::protobuf::DescriptorPool::generated_pool()
        ->FindServiceByName(std::string(GrpcService::service_full_name()));
  }

  // The index gRPC's generated code gives method `name` (its place in the
  // proto), or -1 with error_ set when there is no such method or its
  // types or streaming differ.
  int IndexOf(absl::string_view name,
              const google::protobuf::Descriptor& request,
              const google::protobuf::Descriptor& response, bool streaming) {
    const google::protobuf::MethodDescriptor* m =
        Descriptor()->FindMethodByName(std::string(name));
    if (m == nullptr || m->input_type() != &request ||
        m->output_type() != &response || m->client_streaming() ||
        m->server_streaming() != streaming) {
      if (error_.ok()) {
        error_ = absl::InternalError(
            absl::StrCat(GrpcService::service_full_name(), "/", name,
                         ": guarded with the wrong name, types or streaming"));
      }
      return -1;
    }
    if (guarded_.size() <= static_cast<size_t>(m->index())) {
      guarded_.resize(m->index() + 1);
    }
    guarded_[m->index()] = true;
    return m->index();
  }

  std::vector<bool> guarded_;
  absl::Status error_;
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_REQUEST_GUARD_H_
