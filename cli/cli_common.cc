#include "cli/cli_common.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/digest.h"
#include "domain/decimal.h"
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

bool Colour() {
  const char* no_colour = std::getenv("NO_COLOR");
  return isatty(STDOUT_FILENO) && !absl::GetFlag(FLAGS_json) &&
         (no_colour == nullptr || no_colour[0] == '\0');
}

std::string Coloured(const std::string& text, const char* code) {
  return Colour() ? absl::StrCat("\033[", code, "m", text, "\033[0m") : text;
}

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

namespace {

// "1234567" -> "1,234,567" (the integer part of a decimal's text).
std::string Grouped(absl::string_view text) {
  absl::string_view sign, digits = text, fraction;
  if (absl::ConsumePrefix(&digits, "-")) sign = "-";
  if (size_t dot = digits.find('.'); dot != absl::string_view::npos) {
    fraction = digits.substr(dot);
    digits = digits.substr(0, dot);
  }
  std::string out(sign);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return absl::StrCat(out, fraction);
}

}  // namespace

std::string Figure(const std::string& text, int places) {
  using svledger::domain::Decimal;
  const int64_t micros = Decimal::ParseFigure(text).micros();
  int64_t unit = Decimal::kOne;
  for (int i = 0; i < places; ++i) unit /= 10;
  return Grouped(Decimal::FromMicros(micros / unit * unit).ToString());
}

std::string UnitText(v1::Unit unit) {
  switch (unit) {
    case v1::PEOPLE:
      return "people";
    case v1::FTE:
      return "FTE";
    case v1::WEEKS:
      return "weeks";
    case v1::DAYS:
      return "days";
    case v1::HOURS:
      return "hours";
    case v1::GBP:
      return "£";
    case v1::PERCENT:
      return "%";
    case v1::TONNES_CO2E:
      return "tCO2e";
    case v1::KWH:
      return "kWh";
    case v1::CUBIC_METRES:
      return "m³";
    case v1::MILES:
      return "miles";
    case v1::HECTARES:
      return "ha";
    default:
      return "";  // a count
  }
}

std::string Quantity(const std::string& text, v1::Unit unit) {
  if (unit == v1::GBP) {
    const int64_t pence = domain::Decimal::ParseFigure(text).micros() / 10'000;
    return domain::FormatPounds(pence, /*whole_pounds=*/pence % 100 == 0);
  }
  const std::string figure = Figure(text);
  if (unit == v1::PERCENT) return figure + "%";
  const std::string words = UnitText(unit);
  return words.empty() ? figure : absl::StrCat(figure, " ", words);
}

absl::StatusOr<std::string> ParseQuantity(const std::string& text,
                                          v1::Unit unit,
                                          const std::string& flag) {
  if (unit == v1::GBP) {
    absl::StatusOr<int64_t> pence = domain::ParsePounds(text, flag);
    if (!pence.ok()) return pence.status();
    return domain::Decimal::FromMicros(*pence * 10'000).ToString();
  }
  absl::string_view number = absl::StripAsciiWhitespace(text);
  const bool percent_sign = absl::ConsumeSuffix(&number, "%");
  if (percent_sign && unit != v1::PERCENT) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": '", text, "' is a percentage, but this measure counts ",
        UnitText(unit).empty() ? "a number" : UnitText(unit)));
  }
  const std::string plain = absl::StrReplaceAll(number, {{",", ""}});
  absl::StatusOr<domain::Decimal> value = domain::Decimal::Parse(plain, flag);
  if (!value.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": '", text, "' is not a number (e.g. 12, 1,250 or 7.5",
        unit == v1::PERCENT ? ", or 30% for a share" : "", ")"));
  }
  if (unit == v1::PERCENT && !percent_sign && *value > domain::Decimal() &&
      *value < domain::Decimal::FromInt(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": shares are percent: write ",
        domain::MulDiv(*value, 100, 1).ToString(), "% for that share, or ",
        plain, "% if you mean less than one per cent"));
  }
  return value->ToString();
}

absl::StatusOr<int> ParseEnumText(const google::protobuf::EnumDescriptor& e,
                                  const std::string& text,
                                  const std::string& flag) {
  // The values' common prefix, e.g. "DELIVERY_" of DELIVERY_PENDING.
  std::string prefix;
  if (e.value_count() > 1) {
    prefix = e.value(1)->name();
    for (int i = 2; i < e.value_count(); ++i) {
      const std::string& name = e.value(i)->name();
      size_t n = 0;
      while (n < prefix.size() && n < name.size() && prefix[n] == name[n]) ++n;
      prefix.resize(n);
    }
    prefix.resize(
        prefix.rfind('_') == std::string::npos ? 0 : prefix.rfind('_') + 1);
  }
  const std::string wanted = absl::AsciiStrToUpper(
      absl::StrReplaceAll(absl::StripAsciiWhitespace(text), {{"-", "_"}}));
  std::vector<std::string> shown;
  for (int i = 0; i < e.value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor& v = *e.value(i);
    if (v.number() == 0) continue;  // UNSPECIFIED
    std::string name = v.name();
    std::string bare =
        name.substr(absl::StartsWith(name, prefix) ? prefix.size() : 0);
    if (wanted == name || wanted == bare) return v.number();
    shown.push_back(absl::AsciiStrToLower(bare));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(flag, ": unknown value '", text, "' (one of ",
                   absl::StrJoin(shown, ", "), ")"));
}

absl::StatusOr<v1::Date> ParseDateFlag(const std::string& text,
                                       const std::string& flag) {
  absl::CivilDay day;
  v1::Date out;
  if (!ParseDate(text, &out) || !absl::ParseCivilTime(text, &day) ||
      day.year() != out.year() || day.month() != out.month() ||
      day.day() != out.day()) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": '", text, "' is not a date; write YYYY-MM-DD, e.g. ", flag,
        "=2026-03-31"));
  }
  return out;
}

namespace {

std::vector<std::pair<std::string, std::string>>& FieldFlags() {
  static auto* const fields =
      new std::vector<std::pair<std::string, std::string>>();
  return *fields;
}

}  // namespace

void SetFieldFlags(std::vector<std::pair<std::string, std::string>> fields) {
  FieldFlags() = std::move(fields);
}

std::string TranslateFieldError(const std::string& message) {
  const size_t colon = message.find(": ");
  if (colon == std::string::npos) return message;
  const std::string path = message.substr(0, colon);
  for (char c : path) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_' &&
        c != '.' && c != '[' && c != ']') {
      return message;
    }
  }
  // The last component, without an index: "commitments[0].target" ->
  // "target".
  std::string last = path.substr(
      path.rfind('.') == std::string::npos ? 0 : path.rfind('.') + 1);
  last = last.substr(0, last.find('['));
  for (const auto& [field, flag] : FieldFlags()) {
    if (field == last || field == path) {
      return flag + message.substr(colon);
    }
  }
  return message;
}

std::string RequestIdFor(const std::string& command,
                         const std::vector<std::string>& parts) {
  std::string content = command;
  for (const std::string& p : parts) absl::StrAppend(&content, "\n", p);
  return absl::StrCat("svctl-", command, "-", Sha256Hex(content).substr(0, 16));
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
               TranslateFieldError(status.error_message()).c_str());
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
