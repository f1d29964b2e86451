#include "http/rpc_bridge.h"

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver_util.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/support/client_callback.h"
#include "services/authenticate.h"

namespace svledger::http {
namespace {

namespace pb = google::protobuf;

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

std::unique_ptr<pb::Message> NewMessage(const pb::Descriptor& type) {
  const pb::Message* prototype =
      pb::MessageFactory::generated_factory()->GetPrototype(&type);
  return std::unique_ptr<pb::Message>(prototype->New());
}

constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

std::string TypeUrl(const pb::Descriptor& type) {
  return absl::StrCat(kTypeUrlPrefix, "/", type.full_name());
}

// The gRPC method name of `method`: "/package.Service/Method".
std::string GrpcPath(const pb::MethodDescriptor& method) {
  return absl::StrCat("/", method.service()->full_name(), "/", method.name());
}

// A server-streaming call as a client bidi reactor: the request is written
// once (with the half-close), then responses are read one at a time, each
// asked for only once the reader took the last. A hold keeps gRPC from
// finishing the reactor while the reader may still ask for another read;
// it is removed once no read will follow (the stream ended, or the reader
// left).
class StreamCall final
    : public RpcBridge::Stream,
      public grpc::ClientBidiReactor<pb::Message, pb::Message> {
 public:
  StreamCall(const pb::MethodDescriptor& method,
             std::unique_ptr<pb::Message> request)
      : method_(method), request_(std::move(request)) {}

  ~StreamCall() override {
    bool remove = false;
    {
      absl::MutexLock lock(&mu_);
      closing_ = true;
      // With a response waiting no read is outstanding, so nothing else
      // would release the hold.
      if (read_ready_ && held_) {
        held_ = false;
        remove = true;
      }
    }
    context_.TryCancel();
    if (remove) RemoveHold();
    done_.WaitForNotification();
  }

  grpc::ClientContext* context() { return &context_; }

  // REQUIRES: the call was prepared on context().
  void Begin() {
    AddHold();
    {
      absl::MutexLock lock(&mu_);
      held_ = true;
    }
    StartWriteLast(request_.get(), grpc::WriteOptions());
    Read();
    StartCall();
  }

  Next Wait(absl::Duration timeout,
            std::unique_ptr<pb::Message>* out) override {
    {
      absl::MutexLock lock(&mu_);
      const auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return read_ready_ || finished_;
      };
      mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
      if (!read_ready_) return finished_ ? Next::kEnd : Next::kTimeout;
      read_ready_ = false;
      *out = std::move(reading_);
    }
    Read();
    return Next::kMessage;
  }

  absl::Status status() override {
    absl::MutexLock lock(&mu_);
    return status_;
  }

  void OnWriteDone(bool) override {}
  void OnReadDone(bool ok) override {
    bool remove = false;
    {
      absl::MutexLock lock(&mu_);
      if (ok && !closing_) {
        read_ready_ = true;
      } else if (held_) {
        held_ = false;
        remove = true;
      }
    }
    if (remove) RemoveHold();
  }
  void OnDone(const grpc::Status& status) override {
    {
      absl::MutexLock lock(&mu_);
      status_ = FromGrpc(status);
      finished_ = true;
    }
    done_.Notify();
  }

 private:
  // Asks for the next response. REQUIRES: the hold is held and no read is
  // outstanding.
  void Read() {
    pb::Message* next;
    {
      absl::MutexLock lock(&mu_);
      reading_ = NewMessage(*method_.output_type());
      next = reading_.get();
    }
    StartRead(next);
  }

  const pb::MethodDescriptor& method_;
  grpc::ClientContext context_;
  std::unique_ptr<pb::Message> request_;
  absl::Notification done_;

  absl::Mutex mu_;
  // The message the outstanding read fills; taken by Wait once ready.
  std::unique_ptr<pb::Message> reading_ ABSL_GUARDED_BY(mu_);
  bool read_ready_ ABSL_GUARDED_BY(mu_) = false;
  bool held_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

RpcBridge::RpcBridge(std::shared_ptr<grpc::Channel> channel,
                     std::string gateway_key)
    : channel_(std::move(channel)),
      bytes_stub_(channel_),
      stub_(channel_),
      resolver_(pb::util::NewTypeResolverForDescriptorPool(
          kTypeUrlPrefix, pb::DescriptorPool::generated_pool())),
      gateway_key_(std::move(gateway_key)) {}

absl::StatusOr<std::string> RpcBridge::RequestBytes(
    const pb::MethodDescriptor& method, Encoding encoding,
    absl::string_view body) const {
  if (encoding == Encoding::kProto) return std::string(body);
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  std::string binary;
  const auto parsed = pb::util::JsonToBinaryString(
      resolver_.get(), TypeUrl(*method.input_type()),
      body.empty() ? pb::StringPiece("{}")
                   : pb::StringPiece(body.data(), body.size()),
      &binary, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("body: not a ", method.input_type()->full_name(),
                     " in JSON: ", parsed.message().ToString()));
  }
  return binary;
}

absl::StatusOr<std::string> RpcBridge::ResponseBody(
    const pb::MethodDescriptor& method, Encoding encoding,
    std::string bytes) const {
  if (encoding == Encoding::kProto) return bytes;
  std::string json;
  const auto written = pb::util::BinaryToJsonString(
      resolver_.get(), TypeUrl(*method.output_type()), bytes, &json);
  if (!written.ok()) {
    return absl::InternalError(absl::StrCat("response: not writable as JSON: ",
                                            written.message().ToString()));
  }
  return json;
}

absl::StatusOr<const pb::MethodDescriptor*> RpcBridge::FindMethod(
    absl::string_view path) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::StripPrefix(path, "/"), absl::MaxSplits('/', 1));
  const pb::ServiceDescriptor* service =
      parts.size() == 2 && absl::StartsWith(parts[0], "svledger.")
          ? pb::DescriptorPool::generated_pool()->FindServiceByName(
                std::string(parts[0]))
          : nullptr;
  const pb::MethodDescriptor* method =
      service == nullptr ? nullptr
                         : service->FindMethodByName(std::string(parts[1]));
  if (method == nullptr || method->client_streaming()) {
    return absl::NotFoundError(absl::StrCat(
        "path: no method ", path,
        "; methods are /<package>.<Service>/<Method>, as /openapi.json lists"));
  }
  return method;
}

absl::StatusOr<std::unique_ptr<pb::Message>> RpcBridge::ParseRequest(
    const pb::MethodDescriptor& method, Encoding encoding,
    absl::string_view body) {
  std::unique_ptr<pb::Message> request = NewMessage(*method.input_type());
  if (encoding == Encoding::kProto) {
    if (!request->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      return absl::InvalidArgumentError(
          absl::StrCat("body: not a valid ", method.input_type()->full_name()));
    }
    return request;
  }
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto parsed = pb::util::JsonStringToMessage(
      body.empty() ? std::string("{}") : std::string(body), request.get(),
      options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("body: not a ", method.input_type()->full_name(),
                     " in JSON: ", parsed.message().ToString()));
  }
  return request;
}

absl::StatusOr<std::string> RpcBridge::Write(const pb::Message& message,
                                             Encoding encoding) {
  std::string out;
  if (encoding == Encoding::kProto) {
    if (!message.SerializeToString(&out)) {
      return absl::InternalError("response: could not be serialized");
    }
    return out;
  }
  const auto written = pb::util::MessageToJsonString(message, &out);
  if (!written.ok()) {
    return absl::InternalError(absl::StrCat("response: not writable as JSON: ",
                                            written.message().ToString()));
  }
  return out;
}

void RpcBridge::Prepare(const Credentials& credentials, absl::Time deadline,
                        grpc::ClientContext* context) const {
  if (credentials.authorization.has_value()) {
    context->AddMetadata("authorization", *credentials.authorization);
  }
  if (credentials.actor.has_value()) {
    context->AddMetadata("svledger-actor", *credentials.actor);
  }
  if (!credentials.certificate_sans.empty()) {
    context->AddMetadata(services::kGatewayKeyHeader, gateway_key_);
    for (const std::string& san : credentials.certificate_sans) {
      context->AddMetadata(services::kGatewaySanHeader, san);
    }
  }
  if (deadline != absl::InfiniteFuture()) {
    context->set_deadline(absl::ToChronoTime(deadline));
  }
}

absl::StatusOr<std::string> RpcBridge::Unary(const pb::MethodDescriptor& method,
                                             const Credentials& credentials,
                                             absl::Time deadline,
                                             const std::string& request) {
  grpc::ClientContext context;
  Prepare(credentials, deadline, &context);
  grpc::Slice slice(request);
  grpc::ByteBuffer sent(&slice, 1), received;
  absl::Notification done;
  grpc::Status status;
  bytes_stub_.UnaryCall(&context, GrpcPath(method), grpc::StubOptions(), &sent,
                        &received, [&](grpc::Status s) {
                          status = std::move(s);
                          done.Notify();
                        });
  done.WaitForNotification();
  if (!status.ok()) return FromGrpc(status);
  std::vector<grpc::Slice> slices;
  if (!received.Dump(&slices).ok()) {
    return absl::InternalError("response: unreadable");
  }
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return bytes;
}

std::unique_ptr<RpcBridge::Stream> RpcBridge::OpenStream(
    const pb::MethodDescriptor& method, const Credentials& credentials,
    std::unique_ptr<pb::Message> request) {
  auto call = std::make_unique<StreamCall>(method, std::move(request));
  Prepare(credentials, absl::InfiniteFuture(), call->context());
  stub_.PrepareBidiStreamingCall(call->context(), GrpcPath(method),
                                 grpc::StubOptions(), call.get());
  call->Begin();
  return call;
}

}  // namespace svledger::http
