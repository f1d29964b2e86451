#include "cli/cli_common.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "domain/money_text.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

ABSL_FLAG(bool, json, false, "print responses as JSON");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10),
          "deadline of each unary call");
ABSL_FLAG(std::string, actor, "svctl",
          "the caller's name while the server runs without authentication "
          "(ignored once it is on: the token names the caller)");

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "svledger address");
ABSL_FLAG(std::string, as, "",
          "call as this demo persona: its token from --tokens-dir (admin, "
          "auditor, manager-<council>, supplier-<supplier id>)");
ABSL_FLAG(std::string, token_file, "",
          "a file holding the bearer token (JWT) to call with");
ABSL_FLAG(std::string, tokens_dir, "./var/data/dev-auth/tokens",
          "where --as finds PERSONA.jwt (./scripts/run's demo tokens)");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA to verify the server's TLS certificate (turns TLS on)");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM client certificate for mTLS (with --tls-key; turns TLS on)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls-cert");
ABSL_FLAG(uint64_t, from, 0,
          "read: first version (with --backwards, 0 means from the end); "
          "read-all, subscribe, alerts: first position (alerts: 0 means "
          "from now)");
ABSL_FLAG(uint64_t, count, 0,
          "subscribe, alerts: stop after this many events or alerts "
          "(0: never)");

ABSL_FLAG(uint64_t, min_position, 0,
          "queries: wait until the projection has applied this position");
ABSL_FLAG(std::string, council, "",
          "contracts, cases, alerts: council (framework id)");
ABSL_FLAG(std::string, supplier, "", "contracts, cases: supplier id");
ABSL_FLAG(uint32_t, page_size, 0, "contracts, cases: page size (0: 50)");
ABSL_FLAG(std::string, page_token, "",
          "contracts, cases: the previous page's next_page_token");

namespace svledger::cli {

bool Colour() { return isatty(STDOUT_FILENO) && !absl::GetFlag(FLAGS_json); }

std::string DateText(const v1::Date& d) {
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

std::string InstantText(const v1::Instant& t) {
  return absl::FormatTime("%Y-%m-%d %H:%M",
                          absl::FromUnixMicros(t.unix_micros()),
                          absl::UTCTimeZone());
}

std::string Gbp(const v1::Money& m) {
  return domain::FormatPounds(m.pence(), /*whole_pounds=*/true);
}

std::string Short(const std::string& s, size_t max) {
  return s.size() <= max ? s : s.substr(0, max - 1) + "~";
}

bool ParseDate(const std::string& text, v1::Date* out) {
  std::vector<std::string> parts = absl::StrSplit(text, '-');
  int y, m, d;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &y) ||
      !absl::SimpleAtoi(parts[1], &m) || !absl::SimpleAtoi(parts[2], &d)) {
    return false;
  }
  out->set_year(y);
  out->set_month(m);
  out->set_day(d);
  return true;
}

std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

int Fail(const grpc::Status& status) {
  std::fprintf(stderr, "error: %s: %s\n", CodeName(status.error_code()).c_str(),
               status.error_message().c_str());
  return 1;
}

int Usage(const std::string& why) {
  std::fprintf(stderr, "svctl: %s (see svctl --help)\n", why.c_str());
  return 2;
}

void PrintJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (google::protobuf::util::MessageToJsonString(message, &out, options)
          .ok()) {
    std::cout << out << "\n";
  }
}

namespace {

// The file's text without surrounding whitespace; exits 2 naming `flag`.
std::string ReadOrExit(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "svctl: %s: cannot read '%s'\n", flag, path.c_str());
    std::exit(2);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(text.str()));
}

}  // namespace

void AddCredentials(grpc::ClientContext& context) {
  context.AddMetadata("svledger-actor", absl::GetFlag(FLAGS_actor));
  static const std::string* const token = [] {
    std::string text;
    if (const std::string file = absl::GetFlag(FLAGS_token_file);
        !file.empty()) {
      text = ReadOrExit(file, "--token-file");
    } else if (const std::string as = absl::GetFlag(FLAGS_as); !as.empty()) {
      if (as.find('/') != std::string::npos) {
        std::fprintf(stderr, "svctl: --as: a persona name, not a path\n");
        std::exit(2);
      }
      text = ReadOrExit(absl::GetFlag(FLAGS_tokens_dir) + "/" + as + ".jwt",
                        "--as");
    }
    return new std::string(text);
  }();
  if (!token->empty()) context.AddMetadata("authorization", "Bearer " + *token);
}

std::shared_ptr<grpc::Channel> OpenChannel() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  const std::string ca = absl::GetFlag(FLAGS_tls_ca);
  const std::string cert = absl::GetFlag(FLAGS_tls_cert);
  const std::string key = absl::GetFlag(FLAGS_tls_key);
  if (ca.empty() && cert.empty()) {
    return grpc::CreateCustomChannel(absl::GetFlag(FLAGS_server),
                                     grpc::InsecureChannelCredentials(), args);
  }
  grpc::SslCredentialsOptions ssl;
  if (!ca.empty()) ssl.pem_root_certs = ReadOrExit(ca, "--tls-ca");
  if (!cert.empty()) {
    ssl.pem_cert_chain = ReadOrExit(cert, "--tls-cert");
    ssl.pem_private_key = ReadOrExit(key, "--tls-key");
  }
  return grpc::CreateCustomChannel(absl::GetFlag(FLAGS_server),
                                   grpc::SslCredentials(ssl), args);
}

void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_timeout)));
}

}  // namespace svledger::cli
