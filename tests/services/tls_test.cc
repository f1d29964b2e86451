// TLS on the gRPC port, client certificates as identities (mTLS),
// certificates renewed on disk without a restart, and the refusal to serve
// a non-loopback address unprotected. Certificates are made by the openssl
// command for each test.

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "server/server.h"
#include "svledger/v1/admin_service.grpc.pb.h"
#include "tests/testing/temp_dir.h"

namespace svledger {
namespace {

constexpr char kIntegration[] = "integration.norwich.example";
// The principal its certificate names.
constexpr char kIntegrationPrincipal[] = "mtls:integration.norwich.example";

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class TlsTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) { return dir_.path() + "/" + name; }

  void Run(const std::string& command) {
    ASSERT_EQ(std::system((command + " 2>/dev/null >/dev/null").c_str()), 0)
        << command;
  }

  // A CA `name`.pem / `name`.key.
  void MakeCa(const std::string& name) {
    Run(absl::StrCat(
        "openssl req -x509 -newkey ec -pkeyopt "
        "ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=",
        name, " -keyout ", Path(name + ".key"), " -out ", Path(name + ".pem")));
  }

  // A certificate `name`.pem / `name`.key for `san`, signed by `ca`.
  void MakeCert(const std::string& name, const std::string& ca,
                const std::string& san) {
    std::ofstream(Path(name + ".ext")) << "subjectAltName=" << san << "\n";
    Run(absl::StrCat(
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
        "-nodes -subj /CN=",
        name, " -keyout ", Path(name + ".key"), " -out ", Path(name + ".csr")));
    Run(absl::StrCat("openssl x509 -req -days 2 -in ", Path(name + ".csr"),
                     " -CA ", Path(ca + ".pem"), " -CAkey ", Path(ca + ".key"),
                     " -CAcreateserial -extfile ", Path(name + ".ext"),
                     " -out ", Path(name + ".pem")));
  }

  void SetUp() override {
    MakeCa("ca");
    MakeCa("rogue-ca");
    MakeCert("server", "ca", "DNS:localhost,IP:127.0.0.1");
    MakeCert("client", "ca", std::string("DNS:") + kIntegration);
    MakeCert("rogue", "rogue-ca", std::string("DNS:") + kIntegration);
  }

  // TLS with the test's server certificate, client certificates of "ca",
  // and the integration's principal an admin.
  server::ServerOptions Options(absl::Duration reload = absl::Seconds(60)) {
    server::ServerOptions options;
    options.grpc.listen = "127.0.0.1:0";
    options.storage.data_dir = Path("data");
    options.app.enforcement = false;
    options.tls.cert_file = Path("server.pem");
    options.tls.key_file = Path("server.key");
    options.tls.client_ca_file = Path("ca.pem");
    options.tls.reload = reload;
    options.auth.bootstrap_admins = {kIntegrationPrincipal};
    options.http.listen = "127.0.0.1:0";
    return options;
  }

  void Start(absl::Duration reload = absl::Seconds(60)) {
    auto server = server::Server::Start(Options(reload));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  // WhoAmI over TLS trusting `ca`, with client certificate `cert` (empty:
  // none).
  grpc::Status WhoAmI(const std::string& ca, const std::string& cert,
                      v1::WhoAmIResponse* response) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = Read(Path(ca + ".pem"));
    if (!cert.empty()) {
      ssl.pem_cert_chain = Read(Path(cert + ".pem"));
      ssl.pem_private_key = Read(Path(cert + ".key"));
    }
    auto stub = v1::AdminService::NewStub(
        grpc::CreateChannel("localhost:" + std::to_string(server_->port()),
                            grpc::SslCredentials(ssl)));
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    return stub->WhoAmI(&context, {}, response);
  }

  testing::TempDir dir_;
  std::unique_ptr<server::Server> server_;
};

TEST_F(TlsTest, AClientCertificatesSanIsThePrincipal) {
  Start();
  v1::WhoAmIResponse me;
  grpc::Status s = WhoAmI("ca", "client", &me);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(me.principal(), kIntegrationPrincipal);
  EXPECT_EQ(me.authenticated_by(), "mtls");
  ASSERT_EQ(me.bindings_size(), 1);
  EXPECT_EQ(me.bindings(0).role(), v1::ROLE_ADMIN);
}

// The HTTP port presents the same certificate and takes the same client
// certificates; the SANs it forwards in process are trusted only with the
// server's gateway key, which no client has.
TEST_F(TlsTest, TheHttpPortTakesTheSameCertificatesAndClientIdentities) {
  Start();
  ASSERT_GT(server_->http_port(), 0);
  const std::string path = "/svledger.v1.AdminService/WhoAmI";
  httplib::SSLClient client("localhost", server_->http_port(),
                            Path("client.pem"), Path("client.key"));
  client.set_ca_cert_path(Path("ca.pem").c_str());
  client.enable_server_certificate_verification(true);
  httplib::Result res = client.Post(path, "{}", "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200) << res->body;
  v1::WhoAmIResponse me;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(res->body, &me).ok());
  EXPECT_EQ(me.principal(), kIntegrationPrincipal);
  EXPECT_EQ(me.authenticated_by(), "mtls");

  // Without a certificate, and with forged gateway headers: no identity.
  httplib::SSLClient bare("localhost", server_->http_port());
  bare.set_ca_cert_path(Path("ca.pem").c_str());
  bare.enable_server_certificate_verification(true);
  httplib::Result anonymous =
      bare.Post(path,
                {{"svledger-gateway-san", kIntegration},
                 {"svledger-gateway-key", std::string(64, '0')}},
                "{}", "application/json");
  ASSERT_TRUE(anonymous) << httplib::to_string(anonymous.error());
  EXPECT_EQ(anonymous->status, 401) << anonymous->body;

  // A certificate of another CA fails the handshake.
  httplib::SSLClient rogue("localhost", server_->http_port(), Path("rogue.pem"),
                           Path("rogue.key"));
  rogue.set_ca_cert_path(Path("ca.pem").c_str());
  rogue.enable_server_certificate_verification(true);
  httplib::Result refused = rogue.Post(path, "{}", "application/json");
  EXPECT_TRUE(!refused || refused->status == 401);

  // Plaintext to the TLS port gets no answer.
  httplib::Client plain("127.0.0.1", server_->http_port());
  EXPECT_FALSE(plain.Post(path, "{}", "application/json"));

  // Over gRPC, the same forged metadata without a certificate is refused.
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = Read(Path("ca.pem"));
  auto stub = v1::AdminService::NewStub(
      grpc::CreateChannel("localhost:" + std::to_string(server_->port()),
                          grpc::SslCredentials(ssl)));
  grpc::ClientContext context;
  context.AddMetadata("svledger-gateway-san", kIntegration);
  context.AddMetadata("svledger-gateway-key", std::string(64, '0'));
  EXPECT_EQ(stub->WhoAmI(&context, {}, &me).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(TlsTest, AnUntrustedCertificateOrNoneIsRefused) {
  Start();
  const uint64_t head = server_->store().HeadPosition();
  v1::WhoAmIResponse me;
  // The handshake fails: the transport refuses before any call.
  EXPECT_EQ(WhoAmI("ca", "rogue", &me).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  grpc::Status none = WhoAmI("ca", "", &me);
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(none.error_message().rfind("missing_credential:", 0), 0u)
      << none.error_message();
  // Plaintext to a TLS port does not connect.
  auto plain = v1::AdminService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                          grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  v1::WhoAmIResponse response;
  EXPECT_FALSE(plain->WhoAmI(&context, {}, &response).ok());
  EXPECT_EQ(server_->store().HeadPosition(), head);
}

TEST_F(TlsTest, ARenewedCertificateIsServedWithoutARestart) {
  Start(absl::Seconds(1));
  v1::WhoAmIResponse me;
  ASSERT_TRUE(WhoAmI("ca", "client", &me).ok());
  // The operator renews the server's certificate under another CA.
  MakeCa("new-ca");
  MakeCert("renewed", "new-ca", "DNS:localhost,IP:127.0.0.1");
  std::ofstream(Path("server.key")) << Read(Path("renewed.key"));
  std::ofstream(Path("server.pem")) << Read(Path("renewed.pem"));
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  grpc::Status s;
  do {
    s = WhoAmI("new-ca", "client", &me);
  } while (!s.ok() && absl::Now() < deadline &&
           (absl::SleepFor(absl::Milliseconds(200)), true));
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(me.principal(), kIntegrationPrincipal);

  // The HTTP port serves the renewed certificate too.
  auto whoami_over_https = [&]() -> int {
    httplib::SSLClient client("localhost", server_->http_port(),
                              Path("client.pem"), Path("client.key"));
    client.set_ca_cert_path(Path("new-ca.pem").c_str());
    client.enable_server_certificate_verification(true);
    httplib::Result res = client.Post("/svledger.v1.AdminService/WhoAmI", "{}",
                                      "application/json");
    return res ? res->status : 0;
  };
  int status = 0;
  while ((status = whoami_over_https()) != 200 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(status, 200)
      << "the HTTP port never served the renewed certificate";
}

TEST_F(TlsTest, AHealthOnlyPortAnswersProbesInPlaintext) {
  server::ServerOptions options = Options();
  options.grpc.health_listen = "127.0.0.1:0";
  auto server = server::Server::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT((*server)->health_port(), 0);
  auto channel = grpc::CreateChannel(
      "127.0.0.1:" + std::to_string((*server)->health_port()),
      grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(health->Check(&context, {}, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  // Nothing but health: the API is not there.
  auto admin = v1::AdminService::NewStub(channel);
  grpc::ClientContext whoami;
  v1::WhoAmIResponse me;
  EXPECT_EQ(admin->WhoAmI(&whoami, {}, &me).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST(BootstrapTest, ARevokedBootstrapAdminStaysRevokedAcrossRestarts) {
  testing::TempDir dir;
  server::ServerOptions options;
  options.grpc.listen = "127.0.0.1:0";
  options.storage.data_dir = dir.path();
  options.app.enforcement = false;
  options.auth.bootstrap_admins = {"first-admin"};
  {
    auto server = server::Server::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    app::RoleBindings& roles = (*server)->app().roles();
    ASSERT_TRUE(roles.GrantsOf({"first-admin"}).admin);
    // The first admin names a successor and is revoked.
    v1::RoleBinding next, first;
    next.set_principal("next-admin");
    next.set_role(v1::ROLE_ADMIN);
    first.set_principal("first-admin");
    first.set_role(v1::ROLE_ADMIN);
    const app::Caller admin = app::Caller::System("first-admin");
    ASSERT_TRUE(roles.Grant(admin, next, "handover").ok());
    ASSERT_TRUE(roles.Revoke(admin, first, "handover").ok());
  }
  // Restarted with the same flags: the revocation stands.
  auto server = server::Server::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_FALSE((*server)->app().roles().GrantsOf({"first-admin"}).admin);
  EXPECT_TRUE((*server)->app().roles().GrantsOf({"next-admin"}).admin);
}

TEST(ListenTest, ANonLoopbackAddressNeedsTlsAndAuthenticationOrInsecure) {
  testing::TempDir dir;
  server::ServerOptions options;
  options.storage.data_dir = dir.path();
  options.app.enforcement = false;
  // A name that merely starts like a loopback address is not one.
  options.grpc.listen = "127.evil.example:0";
  auto lookalike = server::Server::Start(options);
  ASSERT_FALSE(lookalike.ok());
  EXPECT_EQ(lookalike.status().code(), absl::StatusCode::kFailedPrecondition);
  options.grpc.listen = "0.0.0.0:0";
  auto refused = server::Server::Start(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("refusing to listen on 0.0.0.0:0"),
            std::string::npos)
      << refused.status();
  // Metrics on a non-loopback address need scrape credentials.
  options.grpc.listen = "127.0.0.1:0";
  options.metrics.listen = "0.0.0.0:0";
  auto metrics = server::Server::Start(options);
  ASSERT_FALSE(metrics.ok());
  EXPECT_NE(metrics.status().message().find("refusing to serve metrics"),
            std::string::npos)
      << metrics.status();
  // So does the HTTP API.
  options.metrics.listen = "";
  options.http.listen = "0.0.0.0:0";
  auto http = server::Server::Start(options);
  ASSERT_FALSE(http.ok());
  EXPECT_NE(http.status().message().find("refusing to listen on 0.0.0.0:0"),
            std::string::npos)
      << http.status();
  options.grpc.listen = "0.0.0.0:0";
  options.auth.insecure = true;
  auto allowed = server::Server::Start(options);
  EXPECT_TRUE(allowed.ok()) << allowed.status();
}

}  // namespace
}  // namespace svledger
