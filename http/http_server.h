#ifndef SVLEDGER_HTTP_HTTP_SERVER_H_
#define SVLEDGER_HTTP_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "http/evidence_routes.h"
#include "http/rpc_bridge.h"

namespace httplib {
class Server;
}

namespace svledger::http {

class CertificateReloader;

// One finished HTTP response, for metrics (HttpOptions::on_response).
struct HttpResponseReport {
  // What was asked for: "rpc" (a unary call), "stream" (Server-Sent Events
  // or a Connect stream; latency is then its lifetime), "openapi",
  // "evidence" (an upload or download), "healthz", "cors" (a preflight)
  // or "other" (no such path).
  absl::string_view route;
  int status = 0;  // the HTTP status sent
  absl::Duration latency;
};

// The HTTP/JSON front door (doc/http_api.md).
struct HttpOptions {
  // host:port to listen on; port 0 picks a free port (HttpServer::port).
  // Empty (the default): no HTTP API.
  std::string listen;
  // TLS: the PEM certificate chain and key (both or neither; neither:
  // plaintext), and the CAs whose client certificates are accepted (mTLS;
  // a certificate is requested and, if sent, verified). The server passes
  // its gRPC port's. Read once at start.
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  // How often the certificate and key files are looked at for a renewal
  // (CertificateReloader); the server passes its gRPC port's. Default 60 s.
  absl::Duration tls_reload = absl::Seconds(60);
  // Origins allowed to call from a browser page elsewhere (CORS), exactly
  // as browsers send them ("https://portal.example.gov.uk"). Default none:
  // CORS closed; a page of another origin cannot read any answer.
  std::vector<std::string> cors_origins;
  // The largest request body, in bytes; beyond it 413. Default 4 MiB: a
  // command is at most 1 MiB as protobuf (services/request_guard.h), its
  // JSON up to about twice that (bytes in base64, field names). Appends
  // larger than this take gRPC.
  size_t max_body_bytes = 4 << 20;
  // Worker threads. A connection holds one while it is open (keep-alive
  // included), so this bounds the connections served at once. Default 64.
  size_t threads = 64;
  // Streams (Server-Sent Events and Connect streams) open at once; beyond
  // it 429. Below `threads`, so that unary calls always find a worker.
  // Default 32.
  size_t max_streams = 32;
  // An idle keep-alive connection is closed after this long. Default 5 s.
  absl::Duration keep_alive = absl::Seconds(5);
  // A Server-Sent Events stream with nothing to send writes a comment this
  // often, so proxies keep it open and a client that left is noticed.
  // Default 15 s.
  absl::Duration heartbeat = absl::Seconds(15);
  // Called once per response, after it is sent, on the worker thread that
  // sent it; must be quick and thread-safe. Default none.
  std::function<void(const HttpResponseReport&)> on_response;
};

// Serves every RPC of the server over HTTP/1.1 in the Connect protocol
// (unary JSON and binary, GET for side-effect-free methods, server
// streams enveloped or as Server-Sent Events resumable by Last-Event-ID),
// evidence files at /evidence, the API's OpenAPI description at
// /openapi.json, and /healthz.
//
// Thread-safe. `bridge` must outlive it.
class HttpServer {
 public:
  // Binds and starts serving. `openapi_json`: the document served at
  // /openapi.json. `evidence`: serves /evidence (http/evidence_routes.h);
  // null: no such routes. It must outlive the server.
  // Errors: INVALID_ARGUMENT for an unusable address or TLS
  // file; UNAVAILABLE when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      HttpOptions options, RpcBridge* bridge, std::string openapi_json,
      EvidenceRoutes* evidence = nullptr);

  // Shutdown()s.
  ~HttpServer();

  // The port actually bound.
  int port() const { return port_; }
  // Streams open now.
  size_t open_streams() const { return streams_.load(); }

  // Streams end with UNAVAILABLE (resume from the last id), new
  // connections are refused, and in-flight calls complete. Idempotent.
  void Shutdown();

 private:
  HttpServer(HttpOptions options, RpcBridge* bridge, std::string openapi,
             EvidenceRoutes* evidence);
  class Handlers;

  const HttpOptions options_;
  RpcBridge* const bridge_;
  const std::string openapi_;
  std::unique_ptr<CertificateReloader> reloader_;  // with TLS only
  std::unique_ptr<httplib::Server> server_;
  std::unique_ptr<Handlers> handlers_;
  std::thread listener_;
  int port_ = 0;
  std::atomic<size_t> streams_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace svledger::http

#endif  // SVLEDGER_HTTP_HTTP_SERVER_H_
