// The HTTP/JSON API as its users meet it: the real svledger binary with the
// demo and the dev personas, called with cpp-httplib's client in the
// Connect protocol, and compared with the same calls over gRPC.

#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "http/connect.h"
#include "http/evidence_routes.h"
#include "httplib.h"
#include "svledger/v1/admin_service.pb.h"
#include "svledger/v1/alert_service.pb.h"
#include "svledger/v1/contract_service.pb.h"
#include "svledger/v1/enforcement_service.pb.h"
#include "svledger/v1/event_log.pb.h"
#include "svledger/v1/framework_service.pb.h"
#include "svledger/v1/progress_service.pb.h"
#include "tests/testing/start_report.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace svledger {
namespace {

namespace pb = google::protobuf;

constexpr const char* kServices[] = {
    "svledger.v1.EventLog",        "svledger.v1.ContractService",
    "svledger.v1.ProgressService", "svledger.v1.FrameworkService",
    "svledger.v1.AdminService",    "svledger.v1.EnforcementService",
    "svledger.v1.AlertService"};

// Every persona the dev issuer writes a token for that these tests use,
// and "" for no credential.
constexpr const char* kPersonas[] = {"", "admin", "auditor", "manager-norwich",
                                     "supplier-acme-facilities"};

std::vector<const pb::MethodDescriptor*> AllMethods() {
  // One message of each service's file, so that the linker keeps the file
  // and its services are in the generated pool.
  for (const pb::Descriptor* linked :
       {v1::AppendRequest::descriptor(),
        v1::RegisterContractRequest::descriptor(),
        v1::ListContractsRequest::descriptor(),
        v1::PublishFrameworkRequest::descriptor(),
        v1::WhoAmIRequest::descriptor(), v1::ListCasesRequest::descriptor(),
        v1::WatchAlertsRequest::descriptor()}) {
    EXPECT_NE(linked, nullptr);
  }
  std::vector<const pb::MethodDescriptor*> methods;
  for (const char* name : kServices) {
    const pb::ServiceDescriptor* service =
        pb::DescriptorPool::generated_pool()->FindServiceByName(name);
    EXPECT_NE(service, nullptr) << name;
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      methods.push_back(service->method(i));
    }
  }
  return methods;
}

std::string Path(const pb::MethodDescriptor& method) {
  return absl::StrCat("/", method.service()->full_name(), "/", method.name());
}

// The JSON of an error body's "code", or "" when the body is not one.
std::string CodeOf(const std::string& body) {
  pb::Struct error;
  if (!pb::util::JsonStringToMessage(body, &error).ok()) return "";
  auto it = error.fields().find("code");
  return it == error.fields().end() ? "" : it->second.string_value();
}

std::string MessageOf(const std::string& body) {
  pb::Struct error;
  if (!pb::util::JsonStringToMessage(body, &error).ok()) return "";
  auto it = error.fields().find("message");
  return it == error.fields().end() ? "" : it->second.string_value();
}

// One Server-Sent Event.
struct Event {
  std::string id;
  std::string event;  // "" for a message
  std::string data;
};

// A server started for a test: the demo, the frameworks, the dev personas.
class Svledger {
 public:
  // `data_dir`: empty for a new one of its own.
  explicit Svledger(std::vector<std::string> extra = {},
                    std::string data_dir = "")
      : data_dir_(data_dir.empty() ? dir_.path() + "/data" : data_dir) {
    std::vector<std::string> argv = {
        SVLEDGER_PATH,
        "--listen=127.0.0.1:0",
        "--http-listen=127.0.0.1:0",
        "--metrics-listen=",
        "--data-dir=" + data_dir_,
        std::string("--frameworks-dir=") + SVLEDGER_ROOT + "/frameworks",
        "--demo",
        "--dev-auth",
        "--no-enforcement"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_.emplace(argv);
    std::optional<testing::StartReport> report =
        testing::ReadStartReport(*process_, absl::Seconds(60));
    if (report.has_value()) {
      grpc_port_ = report->port;
      http_port_ = report->http_port;
      metrics_port_ = report->metrics_port;
    }
  }
  ~Svledger() {
    process_->Signal(SIGTERM);
    process_->Wait(absl::Seconds(30));
  }

  bool started() const { return grpc_port_ > 0 && http_port_ > 0; }
  int http_port() const { return http_port_; }
  int metrics_port() const { return metrics_port_; }

  std::string Token(const std::string& persona) const {
    if (persona.empty()) return "";
    std::ifstream in(data_dir_ + "/dev-auth/tokens/" + persona + ".jwt");
    std::stringstream text;
    text << in.rdbuf();
    std::string token = text.str();
    while (!token.empty() && (token.back() == '\n' || token.back() == ' ')) {
      token.pop_back();
    }
    return token;
  }

  httplib::Headers Auth(const std::string& persona) const {
    if (persona.empty()) return {};
    return {{"Authorization", "Bearer " + Token(persona)}};
  }

  std::unique_ptr<httplib::Client> Client() const {
    auto client = std::make_unique<httplib::Client>("127.0.0.1", http_port_);
    client->set_read_timeout(30, 0);
    return client;
  }

  // POSTs `json` to `path` as `persona`.
  httplib::Result Post(const std::string& persona, const std::string& path,
                       const std::string& json) const {
    return Client()->Post(path, Auth(persona), json, "application/json");
  }

  // A unary call over gRPC with an empty request; its status code.
  grpc::StatusCode GrpcCode(const std::string& persona,
                            const pb::MethodDescriptor& method) {
    if (channel_ == nullptr) {
      channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_port_),
                                     grpc::InsecureChannelCredentials());
    }
    grpc::GenericStub stub(channel_);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    if (!persona.empty()) {
      context.AddMetadata("authorization", "Bearer " + Token(persona));
    }
    grpc::ByteBuffer request, response;
    grpc::Slice empty("");
    request = grpc::ByteBuffer(&empty, 1);
    absl::Notification done;
    grpc::Status status;
    stub.UnaryCall(&context, Path(method), grpc::StubOptions(), &request,
                   &response, [&](grpc::Status s) {
                     status = std::move(s);
                     done.Notify();
                   });
    done.WaitForNotification();
    return status.error_code();
  }

  // Reads Server-Sent Events of GET `path_and_query` as `persona` until
  // `enough` says so or `timeout` passes.
  std::vector<Event> Events(
      const std::string& persona, const std::string& path_and_query,
      const std::function<bool(const std::vector<Event>&)>& enough,
      std::optional<std::string> last_event_id = std::nullopt,
      absl::Duration timeout = absl::Seconds(30)) const {
    httplib::Headers headers = Auth(persona);
    headers.emplace("Accept", "text/event-stream");
    if (last_event_id) headers.emplace("Last-Event-ID", *last_event_id);
    std::vector<Event> events;
    std::string buffer;
    const absl::Time deadline = absl::Now() + timeout;
    auto client = Client();
    client->Get(path_and_query, headers, [&](const char* data, size_t n) {
      buffer.append(data, n);
      size_t end;
      while ((end = buffer.find("\n\n")) != std::string::npos) {
        Event event;
        for (absl::string_view line :
             absl::StrSplit(buffer.substr(0, end), '\n')) {
          if (absl::ConsumePrefix(&line, "id: ")) {
            event.id = std::string(line);
          } else if (absl::ConsumePrefix(&line, "event: ")) {
            event.event = std::string(line);
          } else if (absl::ConsumePrefix(&line, "data: ")) {
            event.data = std::string(line);
          }
        }
        buffer.erase(0, end + 2);
        if (!event.data.empty()) events.push_back(event);
      }
      return !enough(events) && absl::Now() < deadline;
    });
    return events;
  }

 private:
  testing::TempDir dir_;
  const std::string data_dir_;
  std::optional<testing::Subprocess> process_;
  int grpc_port_ = 0;
  int http_port_ = 0;
  int metrics_port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
};

std::string Query(const std::string& json) {
  return absl::StrCat("?encoding=json&message=",
                      httplib::detail::encode_query_param(json));
}

// A contract of acme-facilities and one of another supplier, from the
// demo.
std::pair<std::string, std::string> DemoContracts(const Svledger& server) {
  v1::ListContractsResponse all;
  httplib::Result res =
      server.Post("auditor", "/svledger.v1.ProgressService/ListContracts",
                  R"({"pageSize":100})");
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(pb::util::JsonStringToMessage(res->body, &all).ok());
  std::string own, other;
  for (const auto& c : all.contracts()) {
    // Norwich's, so that manager-norwich may decide on it.
    if (c.supplier_id() == "acme-facilities" &&
        absl::StartsWith(c.contract_id(), "NOR-") && own.empty()) {
      own = c.contract_id();
    } else if (c.supplier_id() != "acme-facilities" && other.empty()) {
      other = c.contract_id();
    }
  }
  return {own, other};
}

// A commitment of `contract` still open to returns.
std::string OpenCommitment(const Svledger& server,
                           const std::string& contract) {
  httplib::Result res =
      server.Post("auditor", "/svledger.v1.ProgressService/GetContractProgress",
                  absl::StrCat(R"({"contractId":")", contract, R"("})"));
  v1::ContractProgress progress;
  EXPECT_TRUE(pb::util::JsonStringToMessage(res->body, &progress).ok())
      << res->body;
  for (const auto& c : progress.commitments()) {
    if (c.unit() != v1::PERCENT && c.unit() != v1::GBP) {
      return c.commitment_id();
    }
  }
  return "";
}

// Reports 2 against `commitment` for a day in November 2026 (after the
// demo's last return) as `persona`; the response.
httplib::Result ReportOver(
    const Svledger& server, const std::string& contract,
    const std::string& commitment, const std::string& delivery,
    int november_day, const std::string& persona = "supplier-acme-facilities",
    const std::string& evidence =
        R"({"uri":"https://evidence.example/http"})") {
  const std::string day =
      absl::StrCat(R"({"year":2026,"month":11,"day":)", november_day, "}");
  return server.Post(
      persona, "/svledger.v1.ContractService/ReportDelivery",
      absl::StrCat(
          R"({"requestId":")", delivery, R"(","contractId":")", contract,
          R"(","delivery":{"deliveryId":")", delivery, R"(","commitmentId":")",
          commitment, R"(","periodStart":)", day, R"(,"periodEnd":)", day, ",",
          R"("quantity":"2","note":"over HTTP","evidence":)", evidence, "}}"));
}

class HttpApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new Svledger(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(server_->started()); }

  std::pair<std::string, std::string> Contracts() {
    return DemoContracts(*server_);
  }
  std::string Commitment(const std::string& contract) {
    return OpenCommitment(*server_, contract);
  }
  template <typename... Args>
  httplib::Result Report(const Args&... args) {
    return ReportOver(*server_, args...);
  }

  static Svledger* server_;
};

Svledger* HttpApiTest::server_ = nullptr;

TEST_F(HttpApiTest, EveryRpcAnswersOverHttpAsOverGrpcForEveryRole) {
  size_t compared = 0, unary = 0;
  for (const pb::MethodDescriptor* method : AllMethods()) {
    if (method->server_streaming()) continue;
    ++unary;
    for (const char* persona : kPersonas) {
      const grpc::StatusCode grpc = server_->GrpcCode(persona, *method);
      httplib::Result res = server_->Post(persona, Path(*method), "{}");
      ASSERT_TRUE(res) << Path(*method);
      const absl::StatusCode code = static_cast<absl::StatusCode>(grpc);
      EXPECT_EQ(res->status, http::HttpStatusOf(code))
          << Path(*method) << " as '" << persona << "': " << res->body;
      if (grpc == grpc::StatusCode::OK) {
        std::unique_ptr<pb::Message> response(
            pb::MessageFactory::generated_factory()
                ->GetPrototype(method->output_type())
                ->New());
        EXPECT_TRUE(
            pb::util::JsonStringToMessage(res->body, response.get()).ok())
            << Path(*method) << ": " << res->body;
      } else {
        EXPECT_EQ(CodeOf(res->body), http::CodeName(code))
            << Path(*method) << " as '" << persona << "': " << res->body;
        EXPECT_FALSE(MessageOf(res->body).empty()) << res->body;
      }
      ++compared;
    }
  }
  EXPECT_GE(unary, 35u);
  EXPECT_EQ(compared, unary * std::size(kPersonas));
}

TEST_F(HttpApiTest, ASupplierReportsAndAManagerVerifiesOverHttp) {
  auto [own, other] = Contracts();
  ASSERT_FALSE(own.empty());
  ASSERT_FALSE(other.empty());
  const std::string commitment = Commitment(own);
  ASSERT_FALSE(commitment.empty());

  httplib::Result reported = Report(own, commitment, "http-d1", 2);
  ASSERT_EQ(reported->status, 200) << reported->body;
  v1::CommandResponse written;
  ASSERT_TRUE(pb::util::JsonStringToMessage(reported->body, &written).ok());
  EXPECT_GT(written.position(), 0u);
  // A retry with the same request id writes nothing more.
  httplib::Result retried = Report(own, commitment, "http-d1", 2);
  ASSERT_EQ(retried->status, 200) << retried->body;
  EXPECT_TRUE(absl::StrContains(retried->body, "\"replayed\":true"))
      << retried->body;

  // The manager's queue, read with GET as a spreadsheet would.
  httplib::Headers auth = server_->Auth("manager-norwich");
  httplib::Result queue = server_->Client()->Get(
      "/svledger.v1.ProgressService/ListDeliveries" +
          Query(absl::StrCat(R"({"contractId":")", own,
                             R"(","state":"DELIVERY_PENDING","minPosition":")",
                             written.position(), R"("})")),
      auth);
  ASSERT_EQ(queue->status, 200) << queue->body;
  EXPECT_TRUE(absl::StrContains(queue->body, "\"http-d1\"")) << queue->body;
  EXPECT_TRUE(absl::StrContains(queue->body, "supplier-acme-facilities"))
      << queue->body;

  httplib::Result verified = server_->Post(
      "manager-norwich", "/svledger.v1.ContractService/VerifyDelivery",
      absl::StrCat(R"({"requestId":"v-http-d1","contractId":")", own,
                   R"(","verification":{"deliveryId":"http-d1"}})"));
  ASSERT_EQ(verified->status, 200) << verified->body;

  // The supplier may not verify, nor read another supplier's contract.
  httplib::Result self_verify = server_->Post(
      "supplier-acme-facilities", "/svledger.v1.ContractService/VerifyDelivery",
      absl::StrCat(R"({"requestId":"v2","contractId":")", own,
                   R"(","verification":{"deliveryId":"http-d1"}})"));
  EXPECT_EQ(self_verify->status, 403) << self_verify->body;
  EXPECT_EQ(CodeOf(self_verify->body), "permission_denied");
  httplib::Result foreign =
      server_->Post("supplier-acme-facilities",
                    "/svledger.v1.ProgressService/GetContractProgress",
                    absl::StrCat(R"({"contractId":")", other, R"("})"));
  EXPECT_EQ(foreign->status, 403) << foreign->body;
  // Nor report against it.
  httplib::Result foreign_report = Report(other, "c1", "http-d2", 3);
  EXPECT_EQ(foreign_report->status, 403) << foreign_report->body;

  // Binary protobuf works the same way (Content-Type: application/proto).
  v1::WhoAmIRequest who;
  httplib::Result binary =
      server_->Client()->Post("/svledger.v1.AdminService/WhoAmI",
                              server_->Auth("supplier-acme-facilities"),
                              who.SerializeAsString(), "application/proto");
  ASSERT_EQ(binary->status, 200);
  EXPECT_EQ(binary->get_header_value("Content-Type"), "application/proto");
  v1::WhoAmIResponse me;
  ASSERT_TRUE(me.ParseFromString(binary->body));
  EXPECT_EQ(me.principal(), "supplier-acme-facilities");
}

// A minimal PDF: what libmagic reads as application/pdf.
constexpr char kPdf[] =
    "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R "
    ">>\n%%EOF\n";

// Uploads `body` as `persona` for `contract` under `name`.
httplib::Result Upload(const Svledger& server, const std::string& persona,
                       const std::string& contract, const std::string& name,
                       const std::string& body) {
  return server.Client()->Post(
      absl::StrCat("/evidence/", contract,
                   "?name=", httplib::detail::encode_query_param(name)),
      server.Auth(persona), body, "application/octet-stream");
}

TEST_F(HttpApiTest, EvidenceIsUploadedRecordedAndServedOnlyToWhoMaySeeIt) {
  auto [own, other] = Contracts();
  ASSERT_FALSE(own.empty());
  const std::string commitment = Commitment(own);
  ASSERT_FALSE(commitment.empty());
  const std::string pdf = kPdf;

  httplib::Result up = Upload(*server_, "supplier-acme-facilities", own,
                              "timesheets Q4 (signed).pdf", pdf);
  ASSERT_EQ(up->status, 200) << up->body;
  v1::Evidence stored;
  ASSERT_TRUE(pb::util::JsonStringToMessage(up->body, &stored).ok());
  EXPECT_EQ(stored.sha256().size(), 64u);
  EXPECT_EQ(stored.uri(), "svledger-evidence:" + stored.sha256());
  EXPECT_EQ(stored.media_type(), "application/pdf");
  EXPECT_EQ(stored.size(), pdf.size());
  EXPECT_EQ(stored.name(), "timesheets Q4 (signed).pdf");

  // The type is read from the bytes: a page with a script is refused
  // whatever it is called.
  httplib::Result html =
      Upload(*server_, "supplier-acme-facilities", own, "invoice.pdf",
             "<html><script>alert(1)</script></html>");
  EXPECT_EQ(html->status, 400) << html->body;
  EXPECT_TRUE(absl::StartsWith(MessageOf(html->body), "content:"))
      << html->body;
  EXPECT_TRUE(absl::StrContains(MessageOf(html->body), "text/html"));
  // Not for another supplier's contract, nor without a credential, nor
  // with a path in the name.
  EXPECT_EQ(
      Upload(*server_, "supplier-acme-facilities", other, "a.pdf", pdf)->status,
      403);
  EXPECT_EQ(Upload(*server_, "", own, "a.pdf", pdf)->status, 401);
  httplib::Result traversal = Upload(*server_, "supplier-acme-facilities", own,
                                     "../../etc/passwd", pdf);
  EXPECT_EQ(traversal->status, 400);
  EXPECT_TRUE(absl::StartsWith(MessageOf(traversal->body), "name:"));

  // Until a delivery names it, nobody can download it: a hash opens
  // nothing.
  const std::string download =
      absl::StrCat("/evidence/", own, "/", stored.sha256());
  EXPECT_EQ(server_->Client()->Get(download, server_->Auth("auditor"))->status,
            404);

  // A report naming a file never uploaded is refused, naming the field.
  const std::string unknown(64, 'a');
  httplib::Result missing =
      Report(own, commitment, "http-e0", 20, "supplier-acme-facilities",
             absl::StrCat(R"({"uri":"svledger-evidence:)", unknown, R"("})"));
  EXPECT_EQ(missing->status, 400) << missing->body;
  EXPECT_EQ(CodeOf(missing->body), "failed_precondition");
  EXPECT_TRUE(absl::StartsWith(MessageOf(missing->body), "evidence.uri:"));

  // A file uploaded for another contract cannot be named here, even by
  // whoever learnt its hash; and nothing is said of a file to a caller
  // who may not report on the contract.
  httplib::Result elsewhere =
      Upload(*server_, "admin", other, "theirs.pdf", pdf + "\n% theirs\n");
  ASSERT_EQ(elsewhere->status, 200) << elsewhere->body;
  v1::Evidence theirs;
  ASSERT_TRUE(pb::util::JsonStringToMessage(elsewhere->body, &theirs).ok());
  httplib::Result borrowed =
      Report(own, commitment, "http-e0b", 20, "supplier-acme-facilities",
             absl::StrCat(R"({"uri":")", theirs.uri(), R"("})"));
  EXPECT_EQ(borrowed->status, 400) << borrowed->body;
  EXPECT_EQ(CodeOf(borrowed->body), "failed_precondition") << borrowed->body;
  httplib::Result foreign = Report(
      other, Commitment(other), "http-e0c", 20, "supplier-acme-facilities",
      absl::StrCat(R"({"uri":")", theirs.uri(), R"("})"));
  EXPECT_EQ(foreign->status, 403) << foreign->body;

  // The report records what was stored, not what the client claimed.
  httplib::Result reported = Report(
      own, commitment, "http-e1", 21, "supplier-acme-facilities",
      absl::StrCat(R"({"uri":")", stored.uri(),
                   R"(","name":"timesheets Q4 (signed).pdf","size":"1",)",
                   R"("mediaType":"text/html"})"));
  ASSERT_EQ(reported->status, 200) << reported->body;
  v1::CommandResponse written;
  ASSERT_TRUE(pb::util::JsonStringToMessage(reported->body, &written).ok());
  httplib::Result queue = server_->Post(
      "manager-norwich", "/svledger.v1.ProgressService/ListDeliveries",
      absl::StrCat(R"({"contractId":")", own, R"(","minPosition":")",
                   written.position(), R"("})"));
  ASSERT_EQ(queue->status, 200) << queue->body;
  v1::ListDeliveriesResponse deliveries;
  ASSERT_TRUE(pb::util::JsonStringToMessage(queue->body, &deliveries).ok());
  bool found = false;
  for (const auto& d : deliveries.deliveries()) {
    if (d.report().delivery_id() != "http-e1") continue;
    found = true;
    EXPECT_EQ(d.report().evidence().sha256(), stored.sha256());
    EXPECT_EQ(d.report().evidence().size(), pdf.size());
    EXPECT_EQ(d.report().evidence().media_type(), "application/pdf");
  }
  EXPECT_TRUE(found) << queue->body;

  // Its contract's manager, its auditor and its supplier download it, as
  // an attachment that no browser renders or sniffs.
  for (const char* reader :
       {"manager-norwich", "auditor", "supplier-acme-facilities"}) {
    httplib::Result file =
        server_->Client()->Get(download, server_->Auth(reader));
    ASSERT_EQ(file->status, 200) << reader << ": " << file->body;
    EXPECT_EQ(file->body, pdf) << reader;
    EXPECT_EQ(file->get_header_value("Content-Type"), "application/pdf");
    EXPECT_EQ(file->get_header_value("X-Content-Type-Options"), "nosniff");
    // httplib's client percent-decodes header values as it reads them.
    EXPECT_EQ(file->get_header_value("Content-Disposition"),
              "attachment; filename=\"timesheets_Q4__signed_.pdf\"; "
              "filename*=UTF-8''timesheets Q4 (signed).pdf");
  }
  EXPECT_EQ(http::AttachmentDisposition("timesheets Q4 (signed).pdf",
                                        stored.sha256()),
            "attachment; filename=\"timesheets_Q4__signed_.pdf\"; "
            "filename*=UTF-8''timesheets%20Q4%20%28signed%29.pdf");
  EXPECT_EQ(http::AttachmentDisposition("", stored.sha256()),
            absl::StrCat("attachment; filename=\"evidence-",
                         stored.sha256().substr(0, 12), "\"; filename*=UTF-8''",
                         "evidence-", stored.sha256().substr(0, 12)));
  // Not without a credential, and not through a contract that does not
  // name it.
  EXPECT_EQ(server_->Client()->Get(download)->status, 401);
  EXPECT_EQ(server_->Client()
                ->Get(absl::StrCat("/evidence/", other, "/", stored.sha256()),
                      server_->Auth("auditor"))
                ->status,
            404);
}

TEST_F(HttpApiTest,
       BadRequestsNameWhatIsWrongWriteNothingAndTheServerServesOn) {
  auto head = [&] {
    httplib::Result res =
        server_->Post("admin", "/svledger.v1.AdminService/GetLogHead", "{}");
    return res ? res->body : std::string("no answer");
  };
  const std::string before = head();
  auto [own, other] = Contracts();
  const std::string manager = "manager-norwich";
  struct Case {
    std::string what;
    int status;
    std::string code;
    std::string names;  // the message must contain it
    std::function<httplib::Result()> call;
  };
  const std::string report = "/svledger.v1.ContractService/ReportDelivery";
  std::vector<Case> cases = {
      {"an unknown field", 400, "invalid_argument", "bogus",
       [&] { return server_->Post(manager, report, R"({"bogus":1})"); }},
      {"a value of the wrong type", 400, "invalid_argument", "contract",
       [&] { return server_->Post(manager, report, R"({"contractId":7})"); }},
      {"not JSON", 400, "invalid_argument", "JSON",
       [&] { return server_->Post(manager, report, "{"); }},
      {"a missing field", 400, "invalid_argument", "delivery",
       [&] {
         return server_->Post(
             manager, report,
             absl::StrCat(R"({"requestId":"x","contractId":")", own, "\"}"));
       }},
      {"GET on a command", 405, "invalid_argument", "POST",
       [&] {
         return server_->Client()->Get(report + Query("{}"),
                                       server_->Auth(manager));
       }},
      {"an unsupported Content-Type", 415, "invalid_argument",
       "application/json",
       [&] {
         return server_->Client()->Post(report, server_->Auth(manager), "{}",
                                        "text/plain");
       }},
      {"a body over the limit", 413, "resource_exhausted", "body",
       [&] {
         return server_->Post(manager, report,
                              absl::StrCat(R"({"requestId":")",
                                           std::string(5 << 20, 'x'), "\"}"));
       }},
      {"a bad Connect-Timeout-Ms", 400, "invalid_argument",
       "Connect-Timeout-Ms",
       [&] {
         httplib::Headers h = server_->Auth(manager);
         h.emplace("Connect-Timeout-Ms", "soon");
         return server_->Client()->Post(report, h, "{}", "application/json");
       }},
      {"another protocol version", 400, "invalid_argument",
       "Connect-Protocol-Version",
       [&] {
         httplib::Headers h = server_->Auth(manager);
         h.emplace("Connect-Protocol-Version", "2");
         return server_->Client()->Post(report, h, "{}", "application/json");
       }},
      {"an unknown method", 404, "not_found", "Nope",
       [&] {
         return server_->Post(manager, "/svledger.v1.ContractService/Nope",
                              "{}");
       }},
      {"an unknown path", 404, "not_found", "/nowhere",
       [&] { return server_->Post(manager, "/nowhere", "{}"); }},
      {"a malformed token", 401, "unauthenticated", "",
       [&] {
         return server_->Client()->Post(
             report, {{"Authorization", "Bearer not-a-token"}}, "{}",
             "application/json");
       }},
  };
  for (const Case& c : cases) {
    httplib::Result res = c.call();
    ASSERT_TRUE(res) << c.what;
    EXPECT_EQ(res->status, c.status) << c.what << ": " << res->body;
    EXPECT_EQ(CodeOf(res->body), c.code) << c.what << ": " << res->body;
    EXPECT_TRUE(absl::StrContains(MessageOf(res->body), c.names))
        << c.what << ": " << res->body;
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  }
  EXPECT_EQ(head(), before) << "a refused request wrote to the log";
}

TEST_F(HttpApiTest, AlertStreamsResumeWithNoGapAndNoDuplicate) {
  const std::string path = "/svledger.v1.AlertService/WatchAlerts" +
                           Query(R"({"fromPosition":"1","council":"norwich"})");
  auto caught_up = [](const std::vector<Event>& events) {
    return !events.empty() &&
           (absl::StrContains(events.back().data, "\"caughtUp\":true") ||
            !events.back().event.empty());
  };
  // Alert positions in the events, in order.
  auto positions = [](const std::vector<Event>& events) {
    std::vector<uint64_t> out;
    for (const Event& e : events) {
      v1::WatchAlertsResponse response;
      EXPECT_TRUE(pb::util::JsonStringToMessage(e.data, &response).ok())
          << e.data;
      for (const auto& alert : response.alerts()) {
        out.push_back(alert.position());
      }
    }
    return out;
  };
  std::vector<Event> first =
      server_->Events("manager-norwich", path, caught_up);
  ASSERT_FALSE(first.empty());
  ASSERT_TRUE(first.back().event.empty()) << first.back().data;
  const std::string resume_from = first.back().id;
  ASSERT_FALSE(resume_from.empty());
  std::vector<uint64_t> seen = positions(first);
  ASSERT_FALSE(seen.empty());

  // While nobody watches, two returns arrive.
  auto [own, other] = Contracts();
  const std::string commitment = Commitment(own);
  ASSERT_EQ(Report(own, commitment, "sse-d1", 4)->status, 200);
  ASSERT_EQ(Report(own, commitment, "sse-d2", 5)->status, 200);

  // The browser reconnects with the last id it saw.
  std::vector<Event> second = server_->Events(
      "manager-norwich", path,
      [&](const std::vector<Event>& events) {
        int reports = 0;
        for (const Event& e : events) {
          reports += absl::StrContains(e.data, "sse-d") ? 1 : 0;
        }
        return reports >= 2 || caught_up(events);
      },
      resume_from);
  std::vector<uint64_t> more = positions(second);
  seen.insert(seen.end(), more.begin(), more.end());

  // One stream from the start sees the same alerts, once each.
  std::vector<Event> whole =
      server_->Events("manager-norwich", path, caught_up);
  EXPECT_EQ(positions(whole), seen);
  EXPECT_EQ(std::set<uint64_t>(seen.begin(), seen.end()).size(), seen.size());
  int reports = 0;
  for (const Event& e : whole) reports += absl::StrContains(e.data, "sse-d");
  EXPECT_EQ(reports, 1) << "both returns in one response, or missing";
  EXPECT_TRUE(absl::StrContains(whole.back().data, "sse-d2"));

  // A caller without a credential gets an error event, not data.
  std::vector<Event> refused = server_->Events("", path, caught_up);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].event, "error");
  EXPECT_EQ(CodeOf(refused[0].data), "unauthenticated");
}

TEST_F(HttpApiTest, ConnectStreamsAreEnveloped) {
  const std::string request = R"({"fromPosition":"1"})";
  std::string body;
  body += '\0';
  const uint32_t n = request.size();
  for (int shift : {24, 16, 8, 0})
    body += static_cast<char>((n >> shift) & 0xff);
  body += request;
  httplib::Headers headers = server_->Auth("auditor");
  std::string received;
  auto client = server_->Client();
  httplib::Request req;
  req.method = "POST";
  req.path = "/svledger.v1.EventLog/Subscribe";
  req.headers = headers;
  req.headers.emplace("Content-Type", "application/connect+json");
  req.body = body;
  req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
    received.append(data, len);
    return received.size() < 5 ||
           received.size() < 5 + static_cast<size_t>(
                                     (static_cast<uint8_t>(received[1]) << 24) |
                                     (static_cast<uint8_t>(received[2]) << 16) |
                                     (static_cast<uint8_t>(received[3]) << 8) |
                                     static_cast<uint8_t>(received[4]));
  };
  httplib::Result res = client->send(req);
  ASSERT_GE(received.size(), 5u);
  EXPECT_EQ(received[0], 0) << "the first envelope is a message";
  const size_t len = (static_cast<uint8_t>(received[1]) << 24) |
                     (static_cast<uint8_t>(received[2]) << 16) |
                     (static_cast<uint8_t>(received[3]) << 8) |
                     static_cast<uint8_t>(received[4]);
  ASSERT_GE(received.size(), 5 + len);
  v1::SubscribeResponse first;
  EXPECT_TRUE(
      pb::util::JsonStringToMessage(received.substr(5, len), &first).ok())
      << received.substr(5, len);
  EXPECT_GT(first.events_size(), 0);

  // A refused stream ends with an end-of-stream envelope naming the code.
  received.clear();
  req.headers = {{"Content-Type", "application/connect+json"}};
  req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
    received.append(data, len);
    return true;
  };
  client->send(req);
  ASSERT_GE(received.size(), 5u);
  EXPECT_EQ(static_cast<uint8_t>(received[0]), http::kEndOfStream);
  EXPECT_TRUE(absl::StrContains(received, "\"unauthenticated\"")) << received;
}

TEST_F(HttpApiTest, TheOpenApiDescriptionMatchesTheProtos) {
  httplib::Result res = server_->Client()->Get("/openapi.json");
  ASSERT_EQ(res->status, 200);
  pb::Struct doc;
  ASSERT_TRUE(pb::util::JsonStringToMessage(res->body, &doc).ok());
  const auto& paths = doc.fields().at("paths").struct_value().fields();
  const auto& schemas = doc.fields()
                            .at("components")
                            .struct_value()
                            .fields()
                            .at("schemas")
                            .struct_value()
                            .fields();
  std::vector<const pb::MethodDescriptor*> methods = AllMethods();
  EXPECT_EQ(paths.size(), methods.size());
  auto ref_of = [](const pb::Value& body, const std::string& type) {
    return body.struct_value()
        .fields()
        .at("content")
        .struct_value()
        .fields()
        .at(type)
        .struct_value()
        .fields()
        .at("schema")
        .struct_value()
        .fields()
        .at("$ref")
        .string_value();
  };
  std::set<const pb::Descriptor*> messages;
  for (const pb::MethodDescriptor* method : methods) {
    auto it = paths.find(Path(*method));
    ASSERT_NE(it, paths.end()) << Path(*method);
    const auto& item = it->second.struct_value().fields();
    ASSERT_TRUE(item.contains("post")) << Path(*method);
    const auto& post = item.at("post").struct_value().fields();
    EXPECT_EQ(ref_of(post.at("requestBody"), "application/json"),
              "#/components/schemas/" + method->input_type()->full_name());
    const pb::Value& ok =
        post.at("responses").struct_value().fields().at("200");
    EXPECT_EQ(ref_of(ok, method->server_streaming() ? "text/event-stream"
                                                    : "application/json"),
              "#/components/schemas/" + method->output_type()->full_name());
    EXPECT_EQ(item.contains("get"), method->server_streaming() ||
                                        method->options().idempotency_level() ==
                                            pb::MethodOptions::NO_SIDE_EFFECTS)
        << Path(*method);
    messages.insert(method->input_type());
    messages.insert(method->output_type());
  }
  // Every message a method takes or gives, and every message in those,
  // with each field under its JSON name.
  std::vector<const pb::Descriptor*> todo(messages.begin(), messages.end());
  std::set<const pb::Descriptor*> checked;
  while (!todo.empty()) {
    const pb::Descriptor* m = todo.back();
    todo.pop_back();
    if (!checked.insert(m).second) continue;
    auto it = schemas.find(m->full_name());
    ASSERT_NE(it, schemas.end()) << m->full_name();
    const auto& properties = it->second.struct_value()
                                 .fields()
                                 .at("properties")
                                 .struct_value()
                                 .fields();
    EXPECT_EQ(properties.size(), static_cast<size_t>(m->field_count()))
        << m->full_name();
    for (int i = 0; i < m->field_count(); ++i) {
      const pb::FieldDescriptor* f = m->field(i);
      EXPECT_TRUE(properties.contains(f->json_name()))
          << m->full_name() << "." << f->json_name();
      const pb::Descriptor* nested = f->message_type();
      if (f->is_map()) nested = nested->map_value()->message_type();
      if (nested != nullptr) todo.push_back(nested);
    }
  }
  EXPECT_GT(checked.size(), 50u);
}

// An evidence file over the limit is refused before it is stored, and a
// backup carries the stored files: restored into a new directory, the
// delivery's file downloads as it was uploaded.
TEST(HttpApiConfiguredTest, EvidenceHasALimitAndComesBackFromABackup) {
  testing::TempDir work;
  const std::string data = work.path() + "/data";
  const std::string backups = work.path() + "/backups";
  std::string pdf = kPdf;
  std::string sha256;
  std::string own;
  {
    Svledger server({"--max-evidence-bytes=1000", "--backup-dir=" + backups},
                    data);
    ASSERT_TRUE(server.started());
    own = DemoContracts(server).first;
    ASSERT_FALSE(own.empty());
    // One byte over (refused by the route as it reads) and far over
    // (refused by its Content-Length, before a byte is held): both get their
    // answer rather than a hung upload.
    for (size_t size : {size_t{1001}, size_t{4} << 20}) {
      std::string large = pdf + std::string(size - pdf.size(), ' ');
      httplib::Result refused =
          Upload(server, "supplier-acme-facilities", own, "big.pdf", large);
      ASSERT_TRUE(refused) << size;
      EXPECT_EQ(refused->status, 413) << refused->body;
      EXPECT_TRUE(absl::StartsWith(MessageOf(refused->body), "content:"))
          << refused->body;
    }
    // Nothing of it was stored.
    EXPECT_FALSE(std::filesystem::exists(data + "/evidence") &&
                 !std::filesystem::is_empty(data + "/evidence"));
    // The server keeps serving on new connections.
    httplib::Result up =
        Upload(server, "supplier-acme-facilities", own, "q4.pdf", pdf);
    ASSERT_EQ(up->status, 200) << up->body;
    v1::Evidence stored;
    ASSERT_TRUE(pb::util::JsonStringToMessage(up->body, &stored).ok());
    sha256 = stored.sha256();
    httplib::Result reported = ReportOver(
        server, own, OpenCommitment(server, own), "backup-e1", 22,
        "supplier-acme-facilities",
        absl::StrCat(R"({"uri":")", stored.uri(), R"(","name":"q4.pdf"})"));
    ASSERT_EQ(reported->status, 200) << reported->body;
    httplib::Result backup =
        server.Post("admin", "/svledger.v1.AdminService/CreateBackup", "{}");
    ASSERT_EQ(backup->status, 200) << backup->body;
  }
  const std::string restored = work.path() + "/restored";
  testing::Subprocess restore({SVLEDGER_PATH, "restore", "--from=" + backups,
                               "--data-dir=" + restored});
  std::optional<int> status = restore.Wait(absl::Seconds(60));
  ASSERT_TRUE(status.has_value());
  ASSERT_EQ(*status, 0);  // its diagnostics are on stderr
  Svledger again({}, restored);
  ASSERT_TRUE(again.started());
  httplib::Result file = again.Client()->Get(
      absl::StrCat("/evidence/", own, "/", sha256), again.Auth("auditor"));
  ASSERT_EQ(file->status, 200) << file->body;
  EXPECT_EQ(file->body, pdf);
}

TEST(HttpApiConfiguredTest, CorsIsClosedUnlessTheOriginIsAllowed) {
  Svledger closed;
  ASSERT_TRUE(closed.started());
  std::optional<Svledger> open;
  open.emplace(std::vector<std::string>{
      "--http-cors-origin=https://portal.example.gov.uk",
      "--http-max-streams=1"});
  ASSERT_TRUE(open->started());
  const std::string path = "/svledger.v1.AdminService/WhoAmI";
  auto preflight = [&](const Svledger& server, const std::string& origin) {
    return server.Client()->Options(
        path, {{"Origin", origin},
               {"Access-Control-Request-Method", "POST"},
               {"Access-Control-Request-Headers", "authorization"}});
  };
  auto call = [&](const Svledger& server, const std::string& origin) {
    httplib::Headers h = server.Auth("auditor");
    h.emplace("Origin", origin);
    return server.Client()->Post(path, h, "{}", "application/json");
  };
  for (const Svledger* server : {&closed, &*open}) {
    httplib::Result refused = preflight(*server, "https://evil.example");
    EXPECT_EQ(refused->status, 403);
    EXPECT_FALSE(refused->has_header("Access-Control-Allow-Origin"));
    EXPECT_FALSE(call(*server, "https://evil.example")
                     ->has_header("Access-Control-Allow-Origin"));
  }
  EXPECT_FALSE(call(closed, "https://portal.example.gov.uk")
                   ->has_header("Access-Control-Allow-Origin"));
  httplib::Result allowed = preflight(*open, "https://portal.example.gov.uk");
  EXPECT_EQ(allowed->status, 204);
  EXPECT_EQ(allowed->get_header_value("Access-Control-Allow-Origin"),
            "https://portal.example.gov.uk");
  EXPECT_TRUE(absl::StrContains(
      allowed->get_header_value("Access-Control-Allow-Headers"),
      "authorization"));
  httplib::Result answered = call(*open, "https://portal.example.gov.uk");
  EXPECT_EQ(answered->status, 200);
  EXPECT_EQ(answered->get_header_value("Access-Control-Allow-Origin"),
            "https://portal.example.gov.uk");

  // One stream at most on `open`: a second is refused while the first
  // is open.
  std::atomic<bool> first_open{false};
  std::thread holder(
      [&, port = open->http_port(), auth = open->Auth("auditor")] {
        httplib::Client client("127.0.0.1", port);
        httplib::Headers h = auth;
        h.emplace("Accept", "text/event-stream");
        client.Get("/svledger.v1.AlertService/WatchAlerts" + Query("{}"), h,
                   [&](const char*, size_t) {
                     first_open = true;
                     return true;  // until the server ends it
                   });
      });
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!first_open && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE(first_open);
  httplib::Headers h = open->Auth("auditor");
  h.emplace("Accept", "text/event-stream");
  httplib::Result refused = open->Client()->Get(
      "/svledger.v1.AlertService/WatchAlerts" + Query("{}"), h);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429);
  EXPECT_EQ(CodeOf(refused->body), "resource_exhausted");
  // Shutting the server down ends the first stream.
  open.reset();
  holder.join();
}

// The HTTP port's responses are counted by route and status, timed, and its
// open streams gauged, on the real /metrics.
TEST(HttpMetricsTest, ResponsesAreCountedByRouteAndStatus) {
  Svledger server({"--metrics-listen=127.0.0.1:0"});
  ASSERT_TRUE(server.started());
  ASSERT_GT(server.metrics_port(), 0);
  for (int i = 0; i < 3; ++i) {
    httplib::Result res = server.Post(
        "manager-norwich", "/svledger.v1.ProgressService/ListContracts", "{}");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  httplib::Result missing = server.Client()->Get("/no/such/path");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  // A line of the scrape holding every one of `parts`, or "".
  auto line = [](const std::string& text, std::vector<std::string> parts) {
    for (absl::string_view l : absl::StrSplit(text, '\n')) {
      bool all = true;
      for (const std::string& p : parts) all = all && absl::StrContains(l, p);
      if (all && !absl::StartsWith(l, "#")) return std::string(l);
    }
    return std::string();
  };
  httplib::Client metrics("127.0.0.1", server.metrics_port());
  std::string text;
  // The report comes after the response is sent: wait for it.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    httplib::Result scrape = metrics.Get("/metrics");
    ASSERT_TRUE(scrape);
    text = scrape->body;
    if (absl::EndsWith(line(text, {"svledger_http_responses_total{",
                                   "route=\"rpc\"", "code=\"200\""}),
                       " 3") &&
        !line(text, {"svledger_http_responses_total{", "route=\"other\"",
                     "code=\"404\""})
             .empty()) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(absl::EndsWith(line(text, {"svledger_http_responses_total{",
                                         "route=\"rpc\"", "code=\"200\""}),
                             " 3"))
      << text;
  EXPECT_TRUE(absl::EndsWith(line(text, {"svledger_http_responses_total{",
                                         "route=\"other\"", "code=\"404\""}),
                             " 1"))
      << text;
  EXPECT_TRUE(absl::EndsWith(
      line(text,
           {"svledger_http_request_duration_seconds_count{", "route=\"rpc\""}),
      " 3"))
      << text;
  EXPECT_FALSE(line(text, {"svledger_streams_open{", "kind=\"http\""}).empty())
      << text;
}

}  // namespace
}  // namespace svledger
