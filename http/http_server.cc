#include "http/http_server.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.pb.h"
#include "http/certificate_reloader.h"
#include "http/connect.h"
#include "httplib.h"

namespace svledger::http {
namespace {

// The route of a served request, for metrics (HttpResponseReport::route):
// a handful of values, never the path itself.
absl::string_view RouteOf(const httplib::Request& req,
                          const httplib::Response& res) {
  if (req.method == "OPTIONS") return "cors";
  if (req.path == "/openapi.json") return "openapi";
  if (req.path == "/healthz") return "healthz";
  if (absl::StartsWith(req.path, "/evidence/")) return "evidence";
  if (absl::StartsWith(req.path, "/svledger.")) {
    const std::string type = res.get_header_value("Content-Type");
    return absl::StartsWith(type, "text/event-stream") ||
                   absl::StartsWith(type, "application/connect+")
               ? "stream"
               : "rpc";
  }
  return "other";
}

namespace pb = google::protobuf;

// Where each stream's position is, so that a Server-Sent Events client
// resumes where it left off: each event's id is the response's
// `response_field`, and Last-Event-ID sets the request's `request_field`.
struct ResumeCursor {
  const char* method;
  const char* response_field;
  const char* request_field;
};
constexpr ResumeCursor kResumeCursors[] = {
    {"svledger.v1.AlertService.WatchAlerts", "next_position", "from_position"},
    {"svledger.v1.EventLog.Subscribe", "next_position", "from_position"},
    // Each response is the whole view, so resuming is waiting for the
    // position already seen.
    {"svledger.v1.ProgressService.WatchContract", "position", "min_position"},
};

const ResumeCursor* CursorOf(const pb::MethodDescriptor& method) {
  for (const ResumeCursor& cursor : kResumeCursors) {
    if (method.full_name() == cursor.method) return &cursor;
  }
  return nullptr;
}

// The media type of a Content-Type or Accept value, lower-case, without
// parameters.
std::string MediaType(absl::string_view value) {
  absl::string_view type = value.substr(0, value.find(';'));
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(type));
}

bool Accepts(const httplib::Request& req, absl::string_view type) {
  for (absl::string_view part :
       absl::StrSplit(req.get_header_value("Accept"), ',')) {
    if (MediaType(part) == type) return true;
  }
  return false;
}

absl::Status BodyTooLarge(size_t max_body) {
  return absl::ResourceExhaustedError(absl::StrCat(
      "body: larger than ", max_body, " bytes, the most a request takes"));
}

void SendError(const absl::Status& status, httplib::Response& res) {
  res.status = HttpStatusOf(status.code());
  res.set_content(ErrorJson(status), kJson);
}

// The SANs of the client certificate the handshake verified (DNS names,
// URIs, e-mail addresses and IP addresses as text, as gRPC gives them);
// none without TLS or a verified certificate.
std::vector<std::string> PeerSans(const SSL* ssl) {
  std::vector<std::string> sans;
  if (ssl == nullptr) return sans;
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return sans;
  GENERAL_NAMES* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return sans;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    std::string text;
    if (name->type == GEN_DNS || name->type == GEN_URI ||
        name->type == GEN_EMAIL) {
      const ASN1_IA5STRING* s = name->d.ia5;
      text.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                  ASN1_STRING_length(s));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      const unsigned char* b = ASN1_STRING_get0_data(ip);
      if (ASN1_STRING_length(ip) == 4) {
        text = absl::StrCat(b[0], ".", b[1], ".", b[2], ".", b[3]);
      }
    }
    if (!text.empty() && text.size() <= 256) sans.push_back(std::move(text));
  }
  GENERAL_NAMES_free(names);
  return sans;
}

Credentials CredentialsOf(const httplib::Request& req) {
  Credentials credentials;
  if (req.has_header("Authorization")) {
    credentials.authorization = req.get_header_value("Authorization");
  }
  if (req.has_header("svledger-actor")) {
    credentials.actor = req.get_header_value("svledger-actor");
  }
  credentials.certificate_sans = PeerSans(req.ssl);
  return credentials;
}

// Configures the TLS context: the certificate chain and key (re-read by
// `reloader` when renewed), TLS 1.2 at least, and with client CAs, a client
// certificate requested and verified if sent.
bool SetUpTls(const HttpOptions& options, CertificateReloader& reloader,
              SSL_CTX& ctx) {
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  // Each handshake takes the pair in force, renewed when the files change.
  reloader.Install(ctx);
  if (SSL_CTX_use_certificate_chain_file(&ctx, options.cert_file.c_str()) !=
          1 ||
      SSL_CTX_use_PrivateKey_file(&ctx, options.key_file.c_str(),
                                  SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(&ctx) != 1) {
    return false;
  }
  if (!options.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(&ctx, options.client_ca_file.c_str(),
                                      nullptr) != 1) {
      return false;
    }
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, nullptr);
  }
  return true;
}

}  // namespace

// The request handlers, apart from the server's lifetime.
class HttpServer::Handlers {
 public:
  explicit Handlers(HttpServer& server) : server_(server) {}

  // POST or GET /<package>.<Service>/<Method>; `body` is a POST's body
  // (empty for a GET).
  void Rpc(const httplib::Request& req, const std::string& body,
           httplib::Response& res) {
    absl::StatusOr<const pb::MethodDescriptor*> method =
        RpcBridge::FindMethod(req.path);
    if (!method.ok()) return SendError(method.status(), res);
    if (req.has_header("Connect-Protocol-Version") &&
        req.get_header_value("Connect-Protocol-Version") != "1") {
      return SendError(absl::InvalidArgumentError(
                           "Connect-Protocol-Version: only 1 is spoken"),
                       res);
    }
    if ((*method)->server_streaming()) return Stream(**method, req, body, res);
    absl::Time deadline = absl::InfiniteFuture();
    if (req.has_header("Connect-Timeout-Ms")) {
      absl::StatusOr<int64_t> ms =
          ParseTimeoutMs(req.get_header_value("Connect-Timeout-Ms"));
      if (!ms.ok()) return SendError(ms.status(), res);
      deadline = absl::Now() + absl::Milliseconds(*ms);
    }
    absl::StatusOr<Encoding> encoding = UnaryEncoding(**method, req, res);
    if (!encoding.ok()) return;
    RpcBridge& bridge = *server_.bridge_;
    absl::StatusOr<std::string> request =
        bridge.RequestBytes(**method, *encoding, Body(req, body));
    if (!request.ok()) return SendError(request.status(), res);
    absl::StatusOr<std::string> response =
        bridge.Unary(**method, CredentialsOf(req), deadline, *request);
    if (!response.ok()) return SendError(response.status(), res);
    absl::StatusOr<std::string> answer =
        bridge.ResponseBody(**method, *encoding, *std::move(response));
    if (!answer.ok()) return SendError(answer.status(), res);
    res.status = 200;
    res.set_content(*std::move(answer),
                    *encoding == Encoding::kJson ? kJson : kProto);
  }

 private:
  // The request body: the POST body, or a GET's `message` parameter.
  static std::string Body(const httplib::Request& req,
                          const std::string& body) {
    if (req.method == "GET") return req.get_param_value("message");
    return body;
  }

  // How a unary call's request and response are written; or 405, 415 or
  // 400 sent, and an error returned.
  static absl::StatusOr<Encoding> UnaryEncoding(
      const pb::MethodDescriptor& method, const httplib::Request& req,
      httplib::Response& res) {
    if (req.method == "GET") {
      if (method.options().idempotency_level() !=
          pb::MethodOptions::NO_SIDE_EFFECTS) {
        res.set_header("Allow", "POST");
        res.status = 405;
        res.set_content(
            ErrorJson(absl::InvalidArgumentError(absl::StrCat(
                method.full_name(), " changes state: call it with POST"))),
            kJson);
        return absl::InvalidArgumentError("GET");
      }
      const std::string encoding = req.get_param_value("encoding");
      if (encoding != "json" && !encoding.empty()) {
        SendError(absl::InvalidArgumentError(
                      "encoding: GET takes encoding=json only"),
                  res);
        return absl::InvalidArgumentError("encoding");
      }
      if (req.has_param("compression") || req.has_param("base64")) {
        SendError(absl::InvalidArgumentError(
                      "compression, base64: not supported; send the message "
                      "as URL-encoded JSON"),
                  res);
        return absl::InvalidArgumentError("compression");
      }
      return Encoding::kJson;
    }
    const std::string type = MediaType(req.get_header_value("Content-Type"));
    if (type == kJson) return Encoding::kJson;
    if (type == kProto) return Encoding::kProto;
    res.status = 415;
    res.set_header("Accept-Post", absl::StrCat(kJson, ", ", kProto));
    res.set_content(ErrorJson(absl::InvalidArgumentError(
                        absl::StrCat("Content-Type: ", method.full_name(),
                                     " takes ", kJson, " or ", kProto))),
                    kJson);
    return absl::InvalidArgumentError("Content-Type");
  }

  // A server-streaming method: as Server-Sent Events when the client
  // accepts them, else as a Connect stream.
  void Stream(const pb::MethodDescriptor& method, const httplib::Request& req,
              const std::string& body, httplib::Response& res) {
    const bool sse = Accepts(req, kEventStream);
    Encoding encoding = Encoding::kJson;
    std::string message = Body(req, body);
    if (!sse) {
      const std::string type = MediaType(req.get_header_value("Content-Type"));
      if (req.method != "POST" ||
          (type != kConnectJson && type != kConnectProto)) {
        res.status = 415;
        res.set_content(
            ErrorJson(absl::InvalidArgumentError(absl::StrCat(
                "Content-Type: ", method.full_name(), " streams: POST ",
                kConnectJson, " or ", kConnectProto,
                ", or send Accept: ", kEventStream))),
            kJson);
        return;
      }
      encoding = type == kConnectJson ? Encoding::kJson : Encoding::kProto;
      absl::StatusOr<std::string> unwrapped = Unenvelope(body);
      if (!unwrapped.ok()) return SendError(unwrapped.status(), res);
      message = *std::move(unwrapped);
    }
    absl::StatusOr<std::unique_ptr<pb::Message>> request =
        RpcBridge::ParseRequest(method, encoding, message);
    if (!request.ok()) return SendError(request.status(), res);
    const ResumeCursor* cursor = CursorOf(method);
    if (sse && cursor != nullptr && req.has_header("Last-Event-ID")) {
      uint64_t position = 0;
      if (!absl::SimpleAtoi(req.get_header_value("Last-Event-ID"), &position)) {
        return SendError(
            absl::InvalidArgumentError("Last-Event-ID: not a log position"),
            res);
      }
      const pb::FieldDescriptor* field =
          (*request)->GetDescriptor()->FindFieldByName(cursor->request_field);
      (*request)->GetReflection()->SetUInt64(request->get(), field, position);
    }
    if (server_.streams_.fetch_add(1) >= server_.options_.max_streams) {
      server_.streams_.fetch_sub(1);
      return SendError(
          absl::ResourceExhaustedError(absl::StrCat(
              "streams: ", server_.options_.max_streams,
              " are open, the most this server takes; retry later")),
          res);
    }
    std::shared_ptr<RpcBridge::Stream> stream = server_.bridge_->OpenStream(
        method, CredentialsOf(req), *std::move(request));
    HttpServer& server = server_;
    const absl::Duration heartbeat = server_.options_.heartbeat;
    auto next_beat = std::make_shared<absl::Time>(absl::Now() + heartbeat);
    res.status = 200;
    res.set_header("Cache-Control", "no-store");
    res.set_chunked_content_provider(
        sse ? kEventStream
            : (encoding == Encoding::kJson ? kConnectJson : kConnectProto),
        [stream, sse, encoding, cursor, heartbeat, next_beat, &server](
            size_t, httplib::DataSink& sink) {
          std::unique_ptr<pb::Message> response;
          RpcBridge::Stream::Next next =
              stream->Wait(absl::Milliseconds(200), &response);
          if (next == RpcBridge::Stream::Next::kTimeout) {
            if (server.stopping_.load()) {
              Finish(absl::UnavailableError(
                         "the server is shutting down; resume from the "
                         "last position received"),
                     sse, sink);
              return false;
            }
            if (sse && absl::Now() >= *next_beat) {
              *next_beat = absl::Now() + heartbeat;
              static constexpr char kBeat[] = ": heartbeat\n\n";
              return sink.write(kBeat, sizeof(kBeat) - 1);
            }
            return true;
          }
          if (next == RpcBridge::Stream::Next::kEnd) {
            Finish(stream->status(), sse, sink);
            return false;
          }
          absl::StatusOr<std::string> body =
              RpcBridge::Write(*response, encoding);
          if (!body.ok()) {
            Finish(body.status(), sse, sink);
            return false;
          }
          std::string frame;
          if (sse) {
            if (cursor != nullptr) {
              const pb::FieldDescriptor* field =
                  response->GetDescriptor()->FindFieldByName(
                      cursor->response_field);
              absl::StrAppend(
                  &frame, "id: ",
                  response->GetReflection()->GetUInt64(*response, field), "\n");
            }
            absl::StrAppend(&frame, "data: ", *body, "\n\n");
          } else {
            frame = Envelope(0, *body);
          }
          *next_beat = absl::Now() + heartbeat;
          return sink.write(frame.data(), frame.size());
        },
        [stream, &server](bool) mutable {
          stream.reset();  // cancels the call if it is still open
          server.streams_.fetch_sub(1);
        });
  }

  // The last frame of a stream: an "error" event, or the end-of-stream
  // envelope; then the end of the response.
  static void Finish(const absl::Status& status, bool sse,
                     httplib::DataSink& sink) {
    std::string frame =
        sse ? (status.ok()
                   ? std::string("event: end\ndata: {}\n\n")
                   : absl::StrCat("event: error\ndata: ", ErrorJson(status),
                                  "\n\n"))
            : Envelope(kEndOfStream, EndOfStreamJson(status));
    if (sink.write(frame.data(), frame.size())) sink.done();
  }

  HttpServer& server_;
};

HttpServer::HttpServer(HttpOptions options, RpcBridge* bridge,
                       std::string openapi, EvidenceRoutes* evidence)
    : options_(std::move(options)),
      bridge_(bridge),
      openapi_(std::move(openapi)) {}

HttpServer::~HttpServer() { Shutdown(); }

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    HttpOptions options, RpcBridge* bridge, std::string openapi_json,
    EvidenceRoutes* evidence) {
  std::vector<absl::string_view> address =
      absl::StrSplit(options.listen, absl::MaxSplits(':', 1));
  int port = -1;
  if (address.size() != 2 || address[0].empty() ||
      !absl::SimpleAtoi(address[1], &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http-listen: '", options.listen, "' is not host:port"));
  }
  const std::string host(address[0]);  // `options` moves below
  if (options.cert_file.empty() != options.key_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS: give the HTTP port both a certificate and a key, or neither");
  }
  auto self = std::unique_ptr<HttpServer>(new HttpServer(
      std::move(options), bridge, std::move(openapi_json), evidence));
  const HttpOptions& o = self->options_;
  if (o.cert_file.empty()) {
    self->server_ = std::make_unique<httplib::Server>();
  } else {
    absl::StatusOr<std::unique_ptr<CertificateReloader>> reloader =
        CertificateReloader::Open(o.cert_file, o.key_file, o.tls_reload);
    if (!reloader.ok()) return reloader.status();
    self->reloader_ = *std::move(reloader);
    CertificateReloader* r = self->reloader_.get();
    auto tls = std::make_unique<httplib::SSLServer>(
        [&o, r](SSL_CTX& ctx) { return SetUpTls(o, *r, ctx); });
    if (!tls->is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "TLS: cannot use certificate '", o.cert_file, "' with key '",
          o.key_file, "'",
          o.client_ca_file.empty()
              ? ""
              : absl::StrCat(" and client CAs '", o.client_ca_file, "'")));
    }
    self->server_ = std::move(tls);
  }
  httplib::Server& server = *self->server_;
  const size_t threads = o.threads;
  server.new_task_queue = [threads] {
    return new httplib::ThreadPool(threads);
  };
  // The library's own limit is the largest body any route takes (an
  // evidence file); an RPC's body is held to max_body_bytes by Rpc once
  // read. (Refusing it from its Content-Length before reading does not
  // work with httplib 0.11: the server keeps the connection and reads the
  // unread body as the next request, and the client hangs.)
  server.set_payload_max_length(
      evidence == nullptr
          ? o.max_body_bytes
          : std::max(o.max_body_bytes, evidence->options().max_bytes + 1));
  server.set_keep_alive_max_count(100000);
  server.set_keep_alive_timeout(
      std::max<time_t>(1, absl::ToInt64Seconds(o.keep_alive)));
  server.set_read_timeout(10, 0);
  server.set_write_timeout(10, 0);
  server.set_tcp_nodelay(true);
  self->handlers_ = std::make_unique<Handlers>(*self);
  Handlers* handlers = self->handlers_.get();
  const std::string rpc = R"(/svledger\.[A-Za-z0-9_.]+/[A-Za-z0-9_]+)";
  server.Get(rpc,
             [handlers](const httplib::Request& req, httplib::Response& res) {
               handlers->Rpc(req, std::string(), res);
             });
  if (evidence != nullptr) {
    const std::string contract = "/evidence/([^/]{1,128})";
    server.Post(contract,
                [evidence](const httplib::Request& req, httplib::Response& res,
                           const httplib::ContentReader& content) {
                  evidence->Upload(CredentialsOf(req), req, res, content);
                });
    server.Get(contract + "/([0-9a-f]{64})",
               [evidence](const httplib::Request& req, httplib::Response& res) {
                 evidence->Download(CredentialsOf(req), req, res);
               });
  }
  // Every other POST, an RPC or not, reads its body here, holding at most
  // max_body_bytes: the library's own limit is the evidence route's, and
  // would otherwise let anyone, signed in or not, make each worker hold
  // 25 MiB. A larger body is read to its end and dropped (httplib 0.11
  // cannot close the connection from a handler; a client still sending
  // would never read an early answer).
  const size_t max_rpc_body = o.max_body_bytes;
  server.Post(".*", [handlers, max_rpc_body](
                        const httplib::Request& req, httplib::Response& res,
                        const httplib::ContentReader& content) {
    std::string body;
    bool over = false;
    const bool read = content([&](const char* data, size_t length) {
      if (over || body.size() + length > max_rpc_body) {
        over = true;
        body.clear();
      } else {
        body.append(data, length);
      }
      return true;
    });
    if (!read) {
      return SendError(
          absl::InvalidArgumentError("body: the request ended before it did"),
          res);
    }
    if (!absl::StartsWith(req.path, "/svledger.")) {
      res.status = 404;  // the error handler below says what is served
      return;
    }
    if (over) {
      SendError(BodyTooLarge(max_rpc_body), res);
      res.status = 413;  // not 429: the same body will never fit
      return;
    }
    handlers->Rpc(req, body, res);
  });
  const std::string* openapi = &self->openapi_;
  server.Get("/openapi.json",
             [openapi](const httplib::Request&, httplib::Response& res) {
               res.set_content(*openapi, kJson);
             });
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  // CORS: only the configured origins, each exactly.
  const std::vector<std::string>* origins = &self->options_.cors_origins;
  auto allowed = [origins](const httplib::Request& req) {
    const std::string origin = req.get_header_value("Origin");
    return !origin.empty() && std::find(origins->begin(), origins->end(),
                                        origin) != origins->end();
  };
  server.Options(".*", [allowed](const httplib::Request& req,
                                 httplib::Response& res) {
    if (!allowed(req)) {
      return SendError(absl::PermissionDeniedError(absl::StrCat(
                           "Origin: '", req.get_header_value("Origin"),
                           "' may not call this API from a browser (CORS)")),
                       res);
    }
    res.status = 204;
    res.set_header("Access-Control-Allow-Methods", "GET, POST");
    res.set_header("Access-Control-Allow-Headers",
                   "authorization, content-type, connect-protocol-version, "
                   "connect-timeout-ms, last-event-id");
    res.set_header("Access-Control-Max-Age", "600");
  });
  // Each response's route, status and time, for metrics: the clock starts
  // when routing does (a worker serves one request at a time, so the start
  // is the worker thread's).
  if (o.on_response) {
    static thread_local absl::Time started;
    server.set_pre_routing_handler(
        [](const httplib::Request&, httplib::Response&) {
          started = absl::Now();
          return httplib::Server::HandlerResponse::Unhandled;
        });
    server.set_logger([report = o.on_response](const httplib::Request& req,
                                               const httplib::Response& res) {
      HttpResponseReport r;
      r.route = RouteOf(req, res);
      r.status = res.status;
      r.latency = absl::Now() - started;
      report(r);
    });
  }
  server.set_post_routing_handler(
      [allowed](const httplib::Request& req, httplib::Response& res) {
        res.set_header("X-Content-Type-Options", "nosniff");
        if (!res.has_header("Cache-Control")) {
          res.set_header("Cache-Control", "no-store");
        }
        if (allowed(req)) {
          res.set_header("Access-Control-Allow-Origin",
                         req.get_header_value("Origin"));
          res.set_header("Vary", "Origin");
        }
      });
  // Whatever the library answers by itself (an unknown path, a body over
  // the limit) is still a Connect error.
  const size_t max_body = o.max_body_bytes;
  const uint64_t max_file =
      evidence == nullptr ? 0 : evidence->options().max_bytes;
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [max_body, max_file](const httplib::Request& req,
                           httplib::Response& res) {
        if (!res.body.empty())
          return httplib::Server::HandlerResponse::Unhandled;
        absl::Status status;
        if (res.status == 413 && absl::StartsWith(req.path, "/evidence/")) {
          status = absl::ResourceExhaustedError(absl::StrCat(
              "content: the file is over the limit of ", max_file, " bytes"));
        } else if (res.status == 413) {
          status = BodyTooLarge(max_body);
        } else if (res.status == 404) {
          status = absl::NotFoundError(
              absl::StrCat("path: nothing at ", req.path,
                           "; methods are POST /<package>.<Service>/<Method> "
                           "(/openapi.json)"));
        } else {
          status = absl::InvalidArgumentError(absl::StrCat(
              "HTTP ", res.status, ": the request was not usable"));
        }
        res.set_content(ErrorJson(status), kJson);
        return httplib::Server::HandlerResponse::Handled;
      }));
  if (port == 0) {
    port = server.bind_to_any_port(host);
  } else if (!server.bind_to_port(host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::UnavailableError(
        absl::StrCat("--http-listen: cannot listen on ", o.listen));
  }
  self->port_ = port;
  self->listener_ = std::thread([&server] { server.listen_after_bind(); });
  // httplib's stop() does nothing until the accept loop runs: a Shutdown
  // right after Start (a SIGTERM during start-up) would then never end.
  // Start returns only once the loop runs.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!server.is_running()) {
    if (absl::Now() > deadline) {
      self->Shutdown();
      return absl::UnavailableError(absl::StrCat("--http-listen: ", o.listen,
                                                 ": the server did not start"));
    }
    absl::SleepFor(absl::Microseconds(100));
  }
  return self;
}

void HttpServer::Shutdown() {
  if (stopping_.exchange(true)) return;
  if (server_ != nullptr) server_->stop();
  if (listener_.joinable()) listener_.join();
}

}  // namespace svledger::http
