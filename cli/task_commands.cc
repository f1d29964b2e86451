#include "cli/task_commands.h"

#include <cstdio>
#include <fstream>
#include <optional>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "cli/cli_common.h"
#include "cli/table.h"
#include "common/digest.h"
#include "common/flags.h"
#include "domain/contract.h"
#include "domain/decimal.h"
#include "domain/money_text.h"
#include "svledger/v1/contract_service.grpc.pb.h"
#include "svledger/v1/progress_service.grpc.pb.h"

ABSL_FLAG(std::string, framework_version, "",
          "register: the council framework's version (default: the latest)");
ABSL_FLAG(std::string, title, "", "register: the contract's title");
ABSL_FLAG(std::string, supplier_name, "",
          "register: the supplier's name as it appears on the contract");
ABSL_FLAG(std::string, value, "",
          "register: the contract's value, e.g. £2.5m, 250k or 1,200,000.00");
ABSL_FLAG(std::string, start, "",
          "register: the contract's start; commit: the commitment's "
          "(default: the contract's), YYYY-MM-DD");
ABSL_FLAG(std::string, end, "", "register: the contract's end, YYYY-MM-DD");
ABSL_FLAG(std::string, weighting, "",
          "register: the social value weighting of the award, in percent, "
          "e.g. 10%");
ABSL_FLAG(std::string, manager, "", "register: the council's contract manager");
ABSL_FLAG(std::string, onboarded, "",
          "register: for a contract part-way through its life, the day "
          "svledger starts judging it, YYYY-MM-DD");
ABSL_FLAG(std::string, measure, "",
          "commit: the measure promised (an id of the council's framework, "
          "see svctl framework COUNCIL)");
ABSL_FLAG(std::string, target, "",
          "commit, amend: the target in the measure's unit: people, hours, "
          "£ as written (£250k), shares in percent (30%)");
ABSL_FLAG(std::string, due, "", "commit, amend: the due date, YYYY-MM-DD");
ABSL_FLAG(std::string, locality, "",
          "commit: where it must be delivered, e.g. \"within Derbyshire\"");
ABSL_FLAG(std::string, verification, "",
          "commit: how delivery will be evidenced");
ABSL_FLAG(std::string, file, "",
          "commit: a file of commitments, one per line: ID --measure=M "
          "--target=T --due=D [--start=S] [--locality=\"L\"] "
          "[--verification=\"V\"]; # starts a comment");
ABSL_FLAG(std::string, quantity, "",
          "report: what was delivered in the period, in the measure's unit "
          "(for a share: the part, with --of the whole)");
ABSL_FLAG(std::string, of, "",
          "report: for a share (e.g. local spend), the whole the quantity is "
          "part of");
ABSL_FLAG(std::string, period, "",
          "report, review, deliveries: a quarter (2026-Q3), a month "
          "(2026-07) or FROM..TO (2026-07-01..2026-09-30)");
ABSL_FLAG(std::string, evidence_file, "",
          "report: the evidence file; its SHA-256 is recorded with the "
          "report, so the file can be checked later");
ABSL_FLAG(std::string, evidence_uri, "",
          "report: where the evidence is kept (default: file:NAME of "
          "--evidence-file)");
ABSL_FLAG(std::string, delivery_id, "",
          "report: the delivery's id (default: COMMITMENT-PERIOD, e.g. "
          "c1-2026-Q3, so a report made twice is recorded once)");
ABSL_FLAG(std::string, corrects, "",
          "report: the delivery this report corrects (it replaces it once "
          "verified)");

ABSL_DECLARE_FLAG(std::string, contract);
ABSL_DECLARE_FLAG(std::string, state);
ABSL_DECLARE_FLAG(std::string, note);
ABSL_DECLARE_FLAG(std::string, reason);

namespace svledger::cli {
namespace {

namespace v1 = svledger::v1;

// ---- what the commands look up first ----

// The contract as the server has it, or exit status in `failed`.
struct Looked {
  std::optional<v1::ContractProgress> progress;
  int failed = 0;
};

// The ids of the contracts the caller can see.
std::vector<std::string> VisibleContracts(v1::ProgressService::Stub& stub) {
  std::vector<std::string> ids;
  v1::ListContractsRequest request;
  request.set_page_size(500);
  request.set_latest(true);
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  v1::ListContractsResponse response;
  if (stub.ListContracts(&context, request, &response).ok()) {
    for (const auto& c : response.contracts()) ids.push_back(c.contract_id());
  }
  return ids;
}

}  // namespace

std::string ContractNotFoundMessage(v1::ProgressService::Stub& stub,
                                    const std::string& id) {
  std::vector<std::string> known = VisibleContracts(stub);
  const std::string nearest = Nearest(id, known);
  std::string hint;
  if (!nearest.empty()) {
    hint = absl::StrCat(" (did you mean ", nearest, "?)");
  } else if (!known.empty() && known.size() <= 12) {
    hint = absl::StrCat(" (yours: ", absl::StrJoin(known, ", "), ")");
  } else if (!known.empty()) {
    hint = " (svctl contracts lists yours)";
  }
  return absl::StrCat("CONTRACT: no contract '", id, "'", hint);
}

namespace {

// A NOT_FOUND for a contract, said with the contracts the caller can see.
int ContractNotFound(v1::ProgressService::Stub& stub, const std::string& id) {
  std::fprintf(stderr, "error: NOT_FOUND: %s\n",
               ContractNotFoundMessage(stub, id).c_str());
  return 1;
}

Looked LookUpContract(v1::ProgressService::Stub& stub, const std::string& id,
                      uint64_t min_position = 0) {
  v1::GetContractProgressRequest request;
  request.set_contract_id(id);
  request.set_min_position(min_position);
  request.set_latest(true);
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  v1::ContractProgress progress;
  grpc::Status status = stub.GetContractProgress(&context, request, &progress);
  Looked out;
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
    out.failed = ContractNotFound(stub, id);
  } else if (!status.ok()) {
    out.failed = Fail(status);
  } else {
    out.progress = std::move(progress);
  }
  return out;
}

const v1::CommitmentProgress* FindCommitment(const v1::ContractProgress& p,
                                             const std::string& id) {
  for (const auto& c : p.commitments()) {
    if (c.commitment_id() == id) return &c;
  }
  return nullptr;
}

int CommitmentNotFound(const v1::ContractProgress& p, const std::string& id) {
  std::vector<std::string> known;
  for (const auto& c : p.commitments()) known.push_back(c.commitment_id());
  return Usage(absl::StrCat(
      "COMMITMENT: contract ", p.contract().contract_id(),
      " has no commitment '", id,
      "' (it has: ", known.empty() ? "none" : absl::StrJoin(known, ", "), ")"));
}

// ---- periods ----

struct Period {
  v1::Date from, to;
  std::string words;  // "Q3 2026", "July 2026", "2026-07-01 to 2026-09-30"
  std::string slug;   // "2026-Q3", "2026-07", "2026-07-01-2026-09-30"
};

v1::Date ToDate(absl::CivilDay day) {
  return domain::MakeDate(static_cast<int>(day.year()), day.month(), day.day());
}

absl::StatusOr<Period> ParsePeriod(const std::string& text) {
  const std::string flag = "--period";
  Period p;
  int year = 0, quarter = 0;
  std::vector<std::string> range = absl::StrSplit(text, "..");
  if (range.size() == 2) {
    absl::StatusOr<v1::Date> from = ParseDateFlag(range[0], flag);
    absl::StatusOr<v1::Date> to = ParseDateFlag(range[1], flag);
    if (!from.ok()) return from.status();
    if (!to.ok()) return to.status();
    p.from = *from;
    p.to = *to;
    p.words = absl::StrCat(range[0], " to ", range[1]);
    p.slug = absl::StrCat(range[0], "-", range[1]);
    return p;
  }
  std::vector<std::string> parts = absl::StrSplit(text, '-');
  if (parts.size() == 2 && absl::SimpleAtoi(parts[0], &year) &&
      absl::StartsWithIgnoreCase(parts[1], "q") &&
      absl::SimpleAtoi(parts[1].substr(1), &quarter) && quarter >= 1 &&
      quarter <= 4 && year >= 1900 && year <= 9999) {
    const absl::CivilMonth first(year, 3 * (quarter - 1) + 1);
    p.from = ToDate(absl::CivilDay(first));
    p.to = ToDate(absl::CivilDay(first + 3) - 1);
    p.words = absl::StrCat("Q", quarter, " ", year);
    p.slug = absl::StrCat(year, "-Q", quarter);
    return p;
  }
  absl::CivilMonth month;
  if (parts.size() == 2 && absl::ParseCivilTime(text, &month)) {
    p.from = ToDate(absl::CivilDay(month));
    p.to = ToDate(absl::CivilDay(month + 1) - 1);
    p.words = absl::FormatCivilTime(month);
    static const char* const kMonths[] = {
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December"};
    p.words = absl::StrCat(kMonths[month.month() - 1], " ", month.year());
    p.slug = absl::FormatCivilTime(month);
    return p;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      flag, ": '", text,
      "' is not a period; write a quarter (2026-Q3), a month (2026-07) or "
      "FROM..TO (2026-07-01..2026-09-30)"));
}

std::string PeriodWords(const v1::Date& from, const v1::Date& to) {
  const absl::CivilDay a(from.year(), from.month(), from.day());
  const absl::CivilDay b(to.year(), to.month(), to.day());
  if (a.day() == 1 && absl::CivilDay(absl::CivilMonth(a) + 3) - 1 == b &&
      (a.month() - 1) % 3 == 0) {
    return absl::StrCat("Q", (a.month() - 1) / 3 + 1, " ", a.year());
  }
  if (a.day() == 1 && absl::CivilDay(absl::CivilMonth(a) + 1) - 1 == b) {
    return absl::FormatCivilTime(absl::CivilMonth(a));
  }
  return absl::StrCat(DateText(from), "..", DateText(to));
}

// ---- calls ----

template <typename Request, typename Call>
int Command(const std::string& name, Request& request, Call call,
            v1::CommandResponse* response) {
  if (request.request_id().empty()) {
    request.set_request_id(RequestIdFor(name, {request.SerializeAsString()}));
  }
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  grpc::Status status = call(&context, request, response);
  if (!status.ok()) return Fail(status);
  return 0;
}

// Prints the words, or the response as JSON; with the position.
void Recorded(const v1::CommandResponse& r, const std::string& words) {
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(r);
    return;
  }
  std::printf("%s; position %llu%s\n", words.c_str(),
              static_cast<unsigned long long>(r.position()),
              r.replayed() ? " (already recorded: nothing new written)" : "");
}

std::string Arg(const std::vector<char*>& args, size_t i) {
  return args.size() > i ? args[i] : "";
}

// ---- register ----

int Register(const std::shared_ptr<grpc::Channel>& channel,
             const std::vector<char*>& args) {
  SetFieldFlags({{"contract_id", "CONTRACT"},
                 {"framework", "--council"},
                 {"title", "--title"},
                 {"supplier_id", "--supplier"},
                 {"supplier_name", "--supplier-name"},
                 {"value", "--value"},
                 {"start", "--start"},
                 {"end", "--end"},
                 {"social_value_weighting_percent", "--weighting"},
                 {"contract_manager", "--manager"},
                 {"onboarded", "--onboarded"}});
  const std::string id = Arg(args, 2);
  if (id.empty()) return Usage("register needs CONTRACT (the council's id)");
  v1::RegisterContractRequest request;
  v1::ContractRegistered& c = *request.mutable_contract();
  c.set_contract_id(id);
  // The council's framework: its latest version unless told.
  const std::string council = absl::GetFlag(FLAGS_council);
  if (council.empty()) {
    return Usage("--council: which council's framework (e.g. derbyshire)");
  }
  auto progress = v1::ProgressService::NewStub(channel);
  {
    grpc::ClientContext context;
    AddCredentials(context);
    SetDeadline(context);
    v1::ListFrameworksResponse frameworks;
    grpc::Status status = progress->ListFrameworks(&context, {}, &frameworks);
    if (!status.ok()) return Fail(status);
    std::vector<std::string> known;
    for (const auto& f : frameworks.frameworks()) {
      known.push_back(f.id());
      if (f.id() == council) {
        c.mutable_framework()->set_id(f.id());
        c.mutable_framework()->set_version(f.version());
      }
    }
    if (!c.has_framework()) {
      return Usage(absl::StrCat("--council: no council '", council,
                                "' (known: ", absl::StrJoin(known, ", "), ")"));
    }
    if (const std::string v = absl::GetFlag(FLAGS_framework_version);
        !v.empty()) {
      uint32_t version = 0;
      if (!absl::SimpleAtoi(v, &version) || version == 0) {
        return Usage("--framework-version: a version number, e.g. 1");
      }
      c.mutable_framework()->set_version(version);
    }
  }
  c.set_title(absl::GetFlag(FLAGS_title));
  c.set_supplier_id(absl::GetFlag(FLAGS_supplier));
  c.set_supplier_name(absl::GetFlag(FLAGS_supplier_name));
  if (c.supplier_name().empty()) c.set_supplier_name(c.supplier_id());
  c.set_contract_manager(absl::GetFlag(FLAGS_manager));
  if (const std::string v = absl::GetFlag(FLAGS_value); !v.empty()) {
    absl::StatusOr<int64_t> pence = domain::ParsePounds(v, "--value");
    if (!pence.ok()) return Usage(std::string(pence.status().message()));
    c.mutable_value()->set_pence(*pence);
  }
  struct DateFlag {
    const char* flag;
    std::string text;
    v1::Date* out;
  };
  for (const DateFlag& d :
       {DateFlag{"--start", absl::GetFlag(FLAGS_start), c.mutable_start()},
        DateFlag{"--end", absl::GetFlag(FLAGS_end), c.mutable_end()},
        DateFlag{"--onboarded", absl::GetFlag(FLAGS_onboarded), nullptr}}) {
    if (d.text.empty()) {
      if (d.out != nullptr) {
        return Usage(absl::StrCat(d.flag, ": required, YYYY-MM-DD"));
      }
      continue;
    }
    absl::StatusOr<v1::Date> date = ParseDateFlag(d.text, d.flag);
    if (!date.ok()) return Usage(std::string(date.status().message()));
    *(d.out != nullptr ? d.out : c.mutable_onboarded()) = *date;
  }
  if (const std::string w = absl::GetFlag(FLAGS_weighting); !w.empty()) {
    absl::StatusOr<std::string> percent =
        ParseQuantity(w, v1::PERCENT, "--weighting");
    if (!percent.ok()) return Usage(std::string(percent.status().message()));
    c.set_social_value_weighting_percent(domain::DisplayDouble(*percent));
  }
  auto contracts = v1::ContractService::NewStub(channel);
  v1::CommandResponse response;
  if (int rc = Command(
          "register", request,
          [&](grpc::ClientContext* ctx, const auto& r, auto* out) {
            return contracts->RegisterContract(ctx, r, out);
          },
          &response);
      rc != 0) {
    return rc;
  }
  Recorded(response,
           absl::StrFormat(
               "registered: %s '%s' for %s (framework v%u), supplier %s "
               "(%s), %s from %s to %s, social value weighting %s%%",
               c.contract_id(), c.title(), c.framework().id(),
               c.framework().version(), c.supplier_name(), c.supplier_id(),
               Gbp(c.value()), DateText(c.start()), DateText(c.end()),
               absl::StrCat(c.social_value_weighting_percent())));
  return 0;
}

// ---- commit ----

// The library measures of the contract's framework version.
absl::StatusOr<v1::GetFrameworkResponse> FrameworkOf(
    v1::ProgressService::Stub& stub, const v1::FrameworkRef& ref) {
  v1::GetFrameworkRequest request;
  request.set_id(ref.id());
  request.set_version(ref.version());
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  v1::GetFrameworkResponse response;
  grpc::Status status = stub.GetFramework(&context, request, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  return response;
}

// One commitment from flag values (the command line's or a file line's).
struct CommitmentText {
  std::string id, measure, target, due, start, locality, verification;
};

absl::StatusOr<v1::Commitment> ToCommitment(
    const CommitmentText& t, const v1::GetFrameworkResponse& framework,
    const std::string& where) {
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(where, why));
  };
  if (t.id.empty()) return bad("COMMITMENT: the commitment's id, e.g. c1");
  if (t.measure.empty()) {
    return bad("--measure: required (svctl framework " +
               framework.framework().id() + " lists the measures)");
  }
  const v1::Measure* measure = nullptr;
  std::vector<std::string> ids;
  for (const v1::Measure& m : framework.measures()) {
    ids.push_back(m.id());
    if (m.id() == t.measure) measure = &m;
  }
  if (measure == nullptr) {
    const std::string nearest = Nearest(t.measure, ids);
    return bad(absl::StrCat(
        "--measure: framework ", framework.framework().id(), " v",
        framework.framework().version(), " has no measure '", t.measure, "'",
        nearest.empty() ? "" : absl::StrCat(" (did you mean ", nearest, "?)"),
        "; svctl framework ", framework.framework().id(), " lists them"));
  }
  v1::Commitment c;
  c.set_commitment_id(t.id);
  c.set_measure_id(t.measure);
  if (t.target.empty()) return bad("--target: required");
  absl::StatusOr<std::string> target =
      ParseQuantity(t.target, measure->unit(), where + "--target");
  if (!target.ok()) return target.status();
  c.set_target(*target);
  if (t.due.empty()) return bad("--due: required, YYYY-MM-DD");
  absl::StatusOr<v1::Date> due = ParseDateFlag(t.due, where + "--due");
  if (!due.ok()) return due.status();
  *c.mutable_due() = *due;
  if (!t.start.empty()) {
    absl::StatusOr<v1::Date> start = ParseDateFlag(t.start, where + "--start");
    if (!start.ok()) return start.status();
    *c.mutable_start() = *start;
  }
  c.set_locality(t.locality);
  c.set_verification_method(t.verification);
  return c;
}

// A line of a commitments file split into words; "..." groups words.
std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool quoted = false, any = false;
  for (char ch : line) {
    if (ch == '"') {
      quoted = !quoted;
      any = true;
    } else if (!quoted && absl::ascii_isspace(ch)) {
      if (any) words.push_back(word);
      word.clear();
      any = false;
    } else {
      word += ch;
      any = true;
    }
  }
  if (any) words.push_back(word);
  return words;
}

absl::StatusOr<std::vector<CommitmentText>> ReadCommitmentsFile(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--file: cannot read '", path, "'"));
  }
  std::vector<CommitmentText> out;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    const std::string where = absl::StrCat(path, ":", number, ": ");
    line = line.substr(0, line.find('#'));
    std::vector<std::string> words = Words(line);
    if (words.empty()) continue;
    if (out.size() >= 100) {
      return absl::InvalidArgumentError(where +
                                        "at most 100 commitments a file");
    }
    CommitmentText t;
    t.id = words[0];
    for (size_t i = 1; i < words.size(); ++i) {
      absl::string_view w = words[i];
      const size_t eq = w.find('=');
      if (!absl::ConsumePrefix(&w, "--") || eq == absl::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "'", words[i], "': write --flag=value"));
      }
      const std::string name(w.substr(0, w.find('=')));
      const std::string value(w.substr(w.find('=') + 1));
      std::string* field = name == "measure"        ? &t.measure
                           : name == "target"       ? &t.target
                           : name == "due"          ? &t.due
                           : name == "start"        ? &t.start
                           : name == "locality"     ? &t.locality
                           : name == "verification" ? &t.verification
                                                    : nullptr;
      if (field == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, "--", name,
            ": not a commitment flag (measure, target, due, start, "
            "locality, verification)"));
      }
      *field = value;
    }
    out.push_back(std::move(t));
  }
  if (out.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--file: '", path, "' holds no commitment"));
  }
  return out;
}

int Commit(const std::shared_ptr<grpc::Channel>& channel,
           const std::vector<char*>& args) {
  SetFieldFlags({{"measure_id", "--measure"},
                 {"target", "--target"},
                 {"due", "--due"},
                 {"start", "--start"},
                 {"locality", "--locality"},
                 {"verification_method", "--verification"},
                 {"commitment_id", "COMMITMENT"},
                 {"plan", "--due"}});
  const std::string contract_id = Arg(args, 2);
  if (contract_id.empty()) return Usage("commit needs CONTRACT");
  const std::string file = absl::GetFlag(FLAGS_file);
  std::vector<CommitmentText> texts;
  if (!file.empty()) {
    if (args.size() > 3) {
      return Usage("commit: COMMITMENT or --file, not both");
    }
    absl::StatusOr<std::vector<CommitmentText>> read =
        ReadCommitmentsFile(file);
    if (!read.ok()) return Usage(std::string(read.status().message()));
    texts = *std::move(read);
  } else {
    texts.push_back({Arg(args, 3), absl::GetFlag(FLAGS_measure),
                     absl::GetFlag(FLAGS_target), absl::GetFlag(FLAGS_due),
                     absl::GetFlag(FLAGS_start), absl::GetFlag(FLAGS_locality),
                     absl::GetFlag(FLAGS_verification)});
  }
  auto progress = v1::ProgressService::NewStub(channel);
  Looked looked = LookUpContract(*progress, contract_id);
  if (!looked.progress) return looked.failed;
  absl::StatusOr<v1::GetFrameworkResponse> framework =
      FrameworkOf(*progress, looked.progress->contract().framework());
  if (!framework.ok()) {
    return Fail(
        grpc::Status(static_cast<grpc::StatusCode>(framework.status().code()),
                     std::string(framework.status().message())));
  }
  v1::AddCommitmentsRequest request;
  request.set_contract_id(contract_id);
  for (const CommitmentText& t : texts) {
    absl::StatusOr<v1::Commitment> c = ToCommitment(t, *framework, "");
    if (!c.ok()) return Usage(std::string(c.status().message()));
    *request.add_commitments() = *std::move(c);
  }
  auto contracts = v1::ContractService::NewStub(channel);
  v1::CommandResponse response;
  if (int rc = Command(
          "commit", request,
          [&](grpc::ClientContext* ctx, const auto& r, auto* out) {
            return contracts->AddCommitments(ctx, r, out);
          },
          &response);
      rc != 0) {
    return rc;
  }
  std::vector<std::string> lines;
  for (const v1::Commitment& c : request.commitments()) {
    const v1::Measure* m = nullptr;
    for (const auto& candidate : framework->measures()) {
      if (candidate.id() == c.measure_id()) m = &candidate;
    }
    lines.push_back(absl::StrCat(
        c.commitment_id(), ": ", Quantity(c.target(), m->unit()), " of '",
        m->wording(), "' by ", DateText(c.due()),
        c.locality().empty() ? "" : absl::StrCat(", ", c.locality())));
  }
  Recorded(response, absl::StrCat("added to ", contract_id, ": ",
                                  absl::StrJoin(lines, "; ")));
  return 0;
}

// ---- report ----

int Report(const std::shared_ptr<grpc::Channel>& channel,
           const std::vector<char*>& args) {
  SetFieldFlags({{"quantity", "--quantity"},
                 {"denominator", "--of"},
                 {"period_start", "--period"},
                 {"period_end", "--period"},
                 {"uri", "--evidence-uri"},
                 {"sha256", "--evidence-file"},
                 {"evidence", "--evidence-file"},
                 {"note", "--note"},
                 {"delivery_id", "--delivery-id"},
                 {"corrects", "--corrects"},
                 {"commitment_id", "COMMITMENT"}});
  const std::string contract_id = Arg(args, 2);
  const std::string commitment_id = Arg(args, 3);
  if (commitment_id.empty()) {
    return Usage("report needs CONTRACT and COMMITMENT");
  }
  const std::string period_text = absl::GetFlag(FLAGS_period);
  if (period_text.empty()) {
    return Usage(
        "--period: required: a quarter (2026-Q3), a month (2026-07) "
        "or FROM..TO");
  }
  absl::StatusOr<Period> period = ParsePeriod(period_text);
  if (!period.ok()) return Usage(std::string(period.status().message()));
  auto progress = v1::ProgressService::NewStub(channel);
  Looked looked = LookUpContract(*progress, contract_id);
  if (!looked.progress) return looked.failed;
  const v1::CommitmentProgress* commitment =
      FindCommitment(*looked.progress, commitment_id);
  if (commitment == nullptr) {
    return CommitmentNotFound(*looked.progress, commitment_id);
  }
  v1::ReportDeliveryRequest request;
  request.set_contract_id(contract_id);
  v1::DeliveryReported& d = *request.mutable_delivery();
  d.set_commitment_id(commitment_id);
  *d.mutable_period_start() = period->from;
  *d.mutable_period_end() = period->to;
  const bool share = commitment->aggregation() == v1::RATIO;
  const std::string quantity = absl::GetFlag(FLAGS_quantity);
  if (quantity.empty()) {
    return Usage(absl::StrCat("--quantity: required: what was delivered, in ",
                              UnitText(commitment->unit()).empty()
                                  ? "a number"
                                  : UnitText(commitment->unit())));
  }
  // A share's parts are counted in the unit of what is shared (£ for a
  // share of spend); its unit is PERCENT only as a result.
  const v1::Unit part_unit = share ? v1::UNIT_UNSPECIFIED : commitment->unit();
  absl::StatusOr<std::string> q =
      share ? ParseQuantity(quantity, v1::GBP, "--quantity")
            : ParseQuantity(quantity, part_unit, "--quantity");
  if (share && !q.ok()) q = ParseQuantity(quantity, part_unit, "--quantity");
  if (!q.ok()) return Usage(std::string(q.status().message()));
  d.set_quantity(*q);
  const std::string of = absl::GetFlag(FLAGS_of);
  if (share) {
    if (of.empty()) {
      return Usage(absl::StrCat("--of: required for '",
                                commitment->measure_wording(),
                                "', a share: the whole that --quantity is part "
                                "of (e.g. --quantity=£120k --of=£400k)"));
    }
    absl::StatusOr<std::string> whole = ParseQuantity(of, v1::GBP, "--of");
    if (!whole.ok()) whole = ParseQuantity(of, part_unit, "--of");
    if (!whole.ok()) return Usage(std::string(whole.status().message()));
    d.set_denominator(*whole);
  } else if (!of.empty()) {
    return Usage(absl::StrCat("--of: only for a share; '",
                              commitment->measure_wording(), "' counts ",
                              UnitText(commitment->unit())));
  }
  if (const std::string path = absl::GetFlag(FLAGS_evidence_file);
      !path.empty()) {
    absl::StatusOr<std::string> sha = Sha256HexOfFile(path);
    if (!sha.ok()) {
      return Usage(absl::StrCat("--evidence-file: ", sha.status().message()));
    }
    d.mutable_evidence()->set_sha256(*sha);
    const size_t slash = path.rfind('/');
    d.mutable_evidence()->set_uri(absl::StrCat(
        "file:", slash == std::string::npos ? path : path.substr(slash + 1)));
  }
  if (const std::string uri = absl::GetFlag(FLAGS_evidence_uri); !uri.empty()) {
    d.mutable_evidence()->set_uri(uri);
  }
  if (d.evidence().uri().empty()) {
    return Usage(
        "--evidence-file or --evidence-uri: required: the evidence behind "
        "the figure (a file svctl fingerprints, or where it is kept)");
  }
  d.set_note(absl::GetFlag(FLAGS_note));
  d.set_corrects(absl::GetFlag(FLAGS_corrects));
  std::string id = absl::GetFlag(FLAGS_delivery_id);
  if (id.empty()) {
    id = absl::StrCat(commitment_id, "-", period->slug,
                      d.corrects().empty() ? "" : "-corrected");
  }
  d.set_delivery_id(id);
  auto contracts = v1::ContractService::NewStub(channel);
  v1::CommandResponse response;
  if (int rc = Command(
          "report", request,
          [&](grpc::ClientContext* ctx, const auto& r, auto* out) {
            return contracts->ReportDelivery(ctx, r, out);
          },
          &response);
      rc != 0) {
    return rc;
  }
  const std::string amount = share ? absl::StrCat(Figure(d.quantity()), " of ",
                                                  Figure(d.denominator()))
                                   : Quantity(d.quantity(), commitment->unit());
  Recorded(response,
           absl::StrFormat(
               "recorded: %s delivered against '%s' (%s) on %s for %s, "
               "delivery %s%s, pending verification",
               amount, commitment->measure_wording(), commitment_id,
               contract_id, period->words, id,
               d.evidence().sha256().empty()
                   ? ""
                   : absl::StrCat(", evidence SHA-256 ",
                                  d.evidence().sha256().substr(0, 12), "…")));
  return 0;
}

// ---- deliveries ----

absl::StatusOr<v1::ListDeliveriesResponse> ListDeliveries(
    v1::ProgressService::Stub& stub, const v1::ListDeliveriesRequest& request) {
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  v1::ListDeliveriesResponse response;
  grpc::Status status = stub.ListDeliveries(&context, request, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  return response;
}

int FailStatus(const absl::Status& s) {
  return Fail(grpc::Status(static_cast<grpc::StatusCode>(s.code()),
                           std::string(s.message())));
}

// The delivery as the server now has it (after `min_position`), or null.
std::optional<v1::DeliveryView> FindDelivery(v1::ProgressService::Stub& stub,
                                             const std::string& contract_id,
                                             const std::string& delivery_id,
                                             uint64_t min_position) {
  v1::ListDeliveriesRequest request;
  request.set_contract_id(contract_id);
  request.set_min_position(min_position);
  request.set_latest(true);
  request.set_page_size(500);
  for (;;) {
    absl::StatusOr<v1::ListDeliveriesResponse> page =
        ListDeliveries(stub, request);
    if (!page.ok()) return std::nullopt;
    for (const v1::DeliveryView& v : page->deliveries()) {
      if (v.report().delivery_id() == delivery_id) return v;
    }
    if (page->next_page_token().empty()) return std::nullopt;
    request.set_page_token(page->next_page_token());
  }
}

std::string StateText(v1::DeliveryState s) {
  switch (s) {
    case v1::DELIVERY_PENDING:
      return Coloured("pending", "33");
    case v1::DELIVERY_VERIFIED:
      return Coloured("verified", "32");
    case v1::DELIVERY_REJECTED:
      return Coloured("rejected", "31");
    case v1::DELIVERY_SUPERSEDED:
      return Coloured("superseded", "90");
    default:
      return "-";
  }
}

std::string AmountOf(const v1::DeliveryView& v) {
  if (!v.report().denominator().empty()) {
    return absl::StrCat(Figure(v.report().quantity()), " of ",
                        Figure(v.report().denominator()));
  }
  return Quantity(v.report().quantity(), v.unit());
}

std::string Who(const v1::DeliveryView& v) {
  return v.on_behalf_of().empty()
             ? v.reported_by()
             : absl::StrCat(v.reported_by(), " for ", v.on_behalf_of());
}

int ShowDeliveries(const std::shared_ptr<grpc::Channel>& channel, bool review) {
  v1::ListDeliveriesRequest request;
  request.set_council(absl::GetFlag(FLAGS_council));
  request.set_contract_id(absl::GetFlag(FLAGS_contract));
  request.set_supplier_id(absl::GetFlag(FLAGS_supplier));
  request.set_page_size(absl::GetFlag(FLAGS_page_size));
  request.set_page_token(absl::GetFlag(FLAGS_page_token));
  request.set_min_position(absl::GetFlag(FLAGS_min_position));
  request.set_latest(true);
  if (review) {
    request.set_state(v1::DELIVERY_PENDING);
  } else if (const std::string s = absl::GetFlag(FLAGS_state); !s.empty()) {
    absl::StatusOr<v1::DeliveryState> state =
        ParseEnum<v1::DeliveryState>(s, "--state");
    if (!state.ok()) return Usage(std::string(state.status().message()));
    request.set_state(*state);
  }
  if (const std::string p = absl::GetFlag(FLAGS_period); !p.empty()) {
    absl::StatusOr<Period> period = ParsePeriod(p);
    if (!period.ok()) return Usage(std::string(period.status().message()));
    *request.mutable_period_from() = period->from;
    *request.mutable_period_to() = period->to;
  }
  SetFieldFlags({{"council", "--council"},
                 {"contract_id", "--contract"},
                 {"supplier_id", "--supplier"},
                 {"page_size", "--page-size"},
                 {"page_token", "--page-token"},
                 {"period_to", "--period"}});
  auto progress = v1::ProgressService::NewStub(channel);
  absl::StatusOr<v1::ListDeliveriesResponse> page =
      ListDeliveries(*progress, request);
  if (!page.ok()) {
    if (absl::IsNotFound(page.status()) && !request.contract_id().empty() &&
        absl::StartsWith(page.status().message(), "contract_id")) {
      return ContractNotFound(*progress, request.contract_id());
    }
    return FailStatus(page.status());
  }
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(*page);
    return 0;
  }
  const absl::Time now = absl::Now();
  if (review) {
    // The measure's wording is the longest cell: last, so a narrow
    // terminal cuts it before the figures.
    Table table({{"WAITING", false, true},
                 {"CONTRACT", true},
                 {"DELIVERY", true},
                 {"QUANTITY", false, true},
                 {"PERIOD"},
                 {"SUPPLIER"},
                 {"EVIDENCE"},
                 {"REPORTED BY"},
                 {"MEASURE"}});
    for (const v1::DeliveryView& v : page->deliveries()) {
      const int64_t days =
          absl::ToInt64Hours(now -
                             absl::FromUnixMicros(v.reported().unix_micros())) /
          24;
      std::string evidence = v.report().evidence().uri();
      if (!v.report().evidence().sha256().empty()) {
        absl::StrAppend(&evidence, evidence.empty() ? "" : " ", "sha256:",
                        v.report().evidence().sha256().substr(0, 12));
      }
      table.AddRow(
          {days > 30 ? Coloured(absl::StrCat(days, "d"), "31")
                     : absl::StrCat(days, "d"),
           v.contract_id(), v.report().delivery_id(), AmountOf(v),
           PeriodWords(v.report().period_start(), v.report().period_end()),
           v.supplier_name(), evidence.empty() ? "-" : evidence, Who(v),
           absl::StrCat(v.commitment_id(), " ", v.measure_wording())});
    }
    table.Print();
    std::printf(
        "(%u awaiting verification%s; oldest first. svctl verify CONTRACT "
        "DELIVERY, or reject CONTRACT DELIVERY --reason=WHY)\n",
        page->total(),
        page->deliveries_size() < static_cast<int>(page->total())
            ? absl::StrCat(", ", page->deliveries_size(), " shown").c_str()
            : "");
  } else {
    Table table({{"REPORTED"},
                 {"CONTRACT", true},
                 {"DELIVERY", true},
                 {"STATE"},
                 {"QUANTITY", false, true},
                 {"PERIOD"},
                 {"REASON"},
                 {"DECIDED"},
                 {"REPORTED BY"},
                 {"MEASURE"}});
    for (const v1::DeliveryView& v : page->deliveries()) {
      table.AddRow(
          {InstantText(v.reported()).substr(0, 10), v.contract_id(),
           v.report().delivery_id(), StateText(v.state()), AmountOf(v),
           PeriodWords(v.report().period_start(), v.report().period_end()),
           v.reason().empty() ? (v.superseded_by().empty()
                                     ? "-"
                                     : "replaced by " + v.superseded_by())
                              : v.reason(),
           v.has_decided()
               ? absl::StrCat(InstantText(v.decided()).substr(0, 10), " ",
                              v.decided_by())
               : "-",
           Who(v), absl::StrCat(v.commitment_id(), " ", v.measure_wording())});
    }
    table.Print();
    std::printf("(%d of %u deliveries)\n", page->deliveries_size(),
                page->total());
  }
  if (!page->next_page_token().empty()) {
    std::printf("more: --page-token='%s'\n", page->next_page_token().c_str());
  }
  return 0;
}

// ---- verify, reject ----

int Decide(const std::shared_ptr<grpc::Channel>& channel,
           const std::vector<char*>& args, bool verify) {
  const std::string contract_id = Arg(args, 2);
  const std::string delivery_id = Arg(args, 3);
  const char* name = verify ? "verify" : "reject";
  if (delivery_id.empty()) {
    return Usage(absl::StrCat(name,
                              " needs CONTRACT and DELIVERY (svctl review "
                              "lists them)"));
  }
  SetFieldFlags({{"delivery_id", "DELIVERY"},
                 {"note", "--note"},
                 {"reason", "--reason"}});
  auto contracts = v1::ContractService::NewStub(channel);
  auto progress = v1::ProgressService::NewStub(channel);
  v1::CommandResponse response;
  int rc;
  if (verify) {
    v1::VerifyDeliveryRequest request;
    request.set_contract_id(contract_id);
    request.mutable_verification()->set_delivery_id(delivery_id);
    request.mutable_verification()->set_note(absl::GetFlag(FLAGS_note));
    rc = Command(
        name, request,
        [&](grpc::ClientContext* ctx, const auto& r, auto* out) {
          return contracts->VerifyDelivery(ctx, r, out);
        },
        &response);
  } else {
    if (absl::GetFlag(FLAGS_reason).empty()) {
      return Usage(
          "--reason: required: why the report is refused (the "
          "supplier sees it)");
    }
    v1::RejectDeliveryRequest request;
    request.set_contract_id(contract_id);
    request.mutable_rejection()->set_delivery_id(delivery_id);
    request.mutable_rejection()->set_reason(absl::GetFlag(FLAGS_reason));
    rc = Command(
        name, request,
        [&](grpc::ClientContext* ctx, const auto& r, auto* out) {
          return contracts->RejectDelivery(ctx, r, out);
        },
        &response);
  }
  if (rc != 0) return rc;
  std::optional<v1::DeliveryView> v =
      FindDelivery(*progress, contract_id, delivery_id, response.position());
  std::string words =
      absl::StrCat(verify ? "verified" : "rejected", ": delivery ", delivery_id,
                   " on ", contract_id);
  if (v) {
    words = absl::StrFormat(
        "%s: %s against '%s' (%s) on %s for %s, reported by %s on %s%s",
        verify ? "verified" : "rejected", AmountOf(*v), v->measure_wording(),
        v->commitment_id(), contract_id,
        PeriodWords(v->report().period_start(), v->report().period_end()),
        Who(*v), InstantText(v->reported()).substr(0, 10),
        verify ? "; it counts from now on"
               : absl::StrCat("; reason: ", v->reason()));
  }
  Recorded(response, words);
  return 0;
}

// ---- amend, withdraw, close ----

int Amend(const std::shared_ptr<grpc::Channel>& channel,
          const std::vector<char*>& args) {
  const std::string contract_id = Arg(args, 2);
  const std::string commitment_id = Arg(args, 3);
  if (commitment_id.empty())
    return Usage("amend needs CONTRACT and COMMITMENT");
  SetFieldFlags({{"commitment_id", "COMMITMENT"},
                 {"target", "--target"},
                 {"due", "--due"},
                 {"reason", "--reason"}});
  auto progress = v1::ProgressService::NewStub(channel);
  Looked looked = LookUpContract(*progress, contract_id);
  if (!looked.progress) return looked.failed;
  const v1::CommitmentProgress* c =
      FindCommitment(*looked.progress, commitment_id);
  if (c == nullptr) return CommitmentNotFound(*looked.progress, commitment_id);
  v1::AmendCommitmentRequest request;
  request.set_contract_id(contract_id);
  v1::CommitmentAmended& a = *request.mutable_amendment();
  a.set_commitment_id(commitment_id);
  a.set_reason(absl::GetFlag(FLAGS_reason));
  std::vector<std::string> changes;
  if (const std::string t = absl::GetFlag(FLAGS_target); !t.empty()) {
    absl::StatusOr<std::string> target =
        ParseQuantity(t, c->unit(), "--target");
    if (!target.ok()) return Usage(std::string(target.status().message()));
    a.set_target(*target);
    changes.push_back(absl::StrCat("target ", Quantity(c->target(), c->unit()),
                                   " -> ", Quantity(*target, c->unit())));
  }
  if (const std::string d = absl::GetFlag(FLAGS_due); !d.empty()) {
    absl::StatusOr<v1::Date> due = ParseDateFlag(d, "--due");
    if (!due.ok()) return Usage(std::string(due.status().message()));
    *a.mutable_due() = *due;
    changes.push_back(
        absl::StrCat("due ", DateText(c->due()), " -> ", DateText(*due)));
  }
  if (changes.empty()) return Usage("amend: give --target, --due or both");
  auto contracts = v1::ContractService::NewStub(channel);
  v1::CommandResponse response;
  if (int rc = Command(
          "amend", request,
          [&](grpc::ClientContext* ctx, const auto& r, auto* out) {
            return contracts->AmendCommitment(ctx, r, out);
          },
          &response);
      rc != 0) {
    return rc;
  }
  Recorded(response, absl::StrCat("amended: ", commitment_id, " '",
                                  c->measure_wording(), "' on ", contract_id,
                                  ": ", absl::StrJoin(changes, ", ")));
  return 0;
}

int Withdraw(const std::shared_ptr<grpc::Channel>& channel,
             const std::vector<char*>& args) {
  const std::string contract_id = Arg(args, 2);
  const std::string commitment_id = Arg(args, 3);
  if (commitment_id.empty()) {
    return Usage("withdraw needs CONTRACT and COMMITMENT");
  }
  SetFieldFlags({{"commitment_id", "COMMITMENT"}, {"reason", "--reason"}});
  v1::WithdrawCommitmentRequest request;
  request.set_contract_id(contract_id);
  request.mutable_withdrawal()->set_commitment_id(commitment_id);
  request.mutable_withdrawal()->set_reason(absl::GetFlag(FLAGS_reason));
  auto contracts = v1::ContractService::NewStub(channel);
  v1::CommandResponse response;
  if (int rc = Command(
          "withdraw", request,
          [&](grpc::ClientContext* ctx, const auto& r, auto* out) {
            return contracts->WithdrawCommitment(ctx, r, out);
          },
          &response);
      rc != 0) {
    return rc;
  }
  Recorded(response,
           absl::StrCat("withdrawn: ", commitment_id, " on ", contract_id,
                        " (it no longer counts for or against the supplier)"));
  return 0;
}

int CloseContract(const std::shared_ptr<grpc::Channel>& channel,
                  const std::vector<char*>& args) {
  const std::string contract_id = Arg(args, 2);
  if (contract_id.empty()) return Usage("close-contract needs CONTRACT");
  SetFieldFlags({{"reason", "--reason"}});
  v1::CloseContractRequest request;
  request.set_contract_id(contract_id);
  request.mutable_closure()->set_reason(absl::GetFlag(FLAGS_reason));
  auto contracts = v1::ContractService::NewStub(channel);
  v1::CommandResponse response;
  if (int rc = Command(
          "close-contract", request,
          [&](grpc::ClientContext* ctx, const auto& r, auto* out) {
            return contracts->CloseContract(ctx, r, out);
          },
          &response);
      rc != 0) {
    return rc;
  }
  Recorded(response, absl::StrCat("closed: ", contract_id,
                                  " is judged as of now, for ever"));
  return 0;
}

}  // namespace

int RunTaskCommand(const std::string& command,
                   const std::shared_ptr<grpc::Channel>& channel,
                   const std::vector<char*>& args) {
  if (command == "register") return Register(channel, args);
  if (command == "commit") return Commit(channel, args);
  if (command == "report") return Report(channel, args);
  if (command == "review") return ShowDeliveries(channel, /*review=*/true);
  if (command == "deliveries") return ShowDeliveries(channel, false);
  if (command == "verify") return Decide(channel, args, /*verify=*/true);
  if (command == "reject") return Decide(channel, args, /*verify=*/false);
  if (command == "amend") return Amend(channel, args);
  if (command == "withdraw") return Withdraw(channel, args);
  if (command == "close-contract") return CloseContract(channel, args);
  return -1;
}

}  // namespace svledger::cli
