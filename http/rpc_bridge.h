#ifndef SVLEDGER_HTTP_RPC_BRIDGE_H_
#define SVLEDGER_HTTP_RPC_BRIDGE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/type_resolver.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"

namespace svledger::http {

// What an HTTP request carries that the gRPC services decide with.
struct Credentials {
  // The Authorization header, if sent.
  std::optional<std::string> authorization;
  // The SANs of the client certificate the TLS handshake verified.
  std::vector<std::string> certificate_sans;
  // The svledger-actor header (only heeded while authentication is off).
  std::optional<std::string> actor;
};

// How a message is written: protobuf's canonical JSON mapping, or binary.
enum class Encoding { kJson, kProto };

// Calls the server's gRPC methods by name, in process, so that an HTTP
// call meets exactly what a gRPC call meets: the same authentication,
// authorization (app/), validation, request limits, metrics and errors.
// The bridge only translates: JSON or binary in, a call on the in-process
// channel, JSON or binary out.
//
// Thread-safe. The channel must belong to the server whose services
// registered the methods (grpc::Server::InProcessChannel).
class RpcBridge {
 public:
  // `gateway_key`: the secret the server's services::CallAuthenticator
  // trusts forwarded certificate SANs with (never sent to a client).
  RpcBridge(std::shared_ptr<grpc::Channel> channel, std::string gateway_key);

  // The method a Connect path names ("/svledger.v1.ProgressService/
  // GetContract"). NOT_FOUND naming the path when no registered service has
  // it.
  static absl::StatusOr<const google::protobuf::MethodDescriptor*> FindMethod(
      absl::string_view path);

  // A request message of `method` read from `body`. INVALID_ARGUMENT
  // naming what is wrong (an unknown field, a value of the wrong type).
  static absl::StatusOr<std::unique_ptr<google::protobuf::Message>>
  ParseRequest(const google::protobuf::MethodDescriptor& method,
               Encoding encoding, absl::string_view body);

  // `message` written in `encoding`.
  static absl::StatusOr<std::string> Write(
      const google::protobuf::Message& message, Encoding encoding);

  // The request of unary `method` as protobuf binary, from `body`: JSON
  // converted straight to binary (no message is built), binary as it came
  // (the service parses it). INVALID_ARGUMENT naming what is wrong.
  absl::StatusOr<std::string> RequestBytes(
      const google::protobuf::MethodDescriptor& method, Encoding encoding,
      absl::string_view body) const;

  // The response of `method`, protobuf binary as the service sent it,
  // written in `encoding`.
  absl::StatusOr<std::string> ResponseBody(
      const google::protobuf::MethodDescriptor& method, Encoding encoding,
      std::string bytes) const;

  // Calls unary `method` with `request` (protobuf binary) and waits for
  // its response (protobuf binary). Errors: the call's status, as the
  // service answered it (DEADLINE_EXCEEDED past `deadline`).
  absl::StatusOr<std::string> Unary(
      const google::protobuf::MethodDescriptor& method,
      const Credentials& credentials, absl::Time deadline,
      const std::string& request);

  // A server-streaming call in progress. Responses are read one at a time:
  // the next is asked for only once the last was taken, so a slow HTTP
  // client holds back the gRPC stream (flow control) instead of filling
  // memory.
  //
  // Thread-compatible: one reader. Destroying it cancels the call and
  // waits for gRPC to finish with it.
  class Stream {
   public:
    virtual ~Stream() = default;
    enum class Next { kMessage, kTimeout, kEnd };
    // Waits up to `timeout` for the next response: kMessage with it in
    // `*out`; kTimeout with none yet (the stream goes on); kEnd when the
    // call has finished (status() says how).
    virtual Next Wait(absl::Duration timeout,
                      std::unique_ptr<google::protobuf::Message>* out) = 0;
    // How the call ended. REQUIRES: Wait returned kEnd.
    virtual absl::Status status() = 0;
  };

  // Starts server-streaming `method`. The stream's own errors arrive
  // through Stream::status.
  std::unique_ptr<Stream> OpenStream(
      const google::protobuf::MethodDescriptor& method,
      const Credentials& credentials,
      std::unique_ptr<google::protobuf::Message> request);

 private:
  // Sets the call's metadata from `credentials` and its deadline.
  void Prepare(const Credentials& credentials, absl::Time deadline,
               grpc::ClientContext* context) const;

  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub bytes_stub_;
  grpc::TemplatedGenericStub<google::protobuf::Message,
                             google::protobuf::Message>
      stub_;
  // Resolves the generated pool's types for the JSON <-> binary
  // conversions. Thread-safe.
  std::unique_ptr<google::protobuf::util::TypeResolver> resolver_;
  const std::string gateway_key_;
};

}  // namespace svledger::http

#endif  // SVLEDGER_HTTP_RPC_BRIDGE_H_
