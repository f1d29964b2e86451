#include "cli/help.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/flags.h"

namespace svledger::cli {
namespace {

const std::vector<std::string>& GlobalFlags() {
  static const auto* const flags = new std::vector<std::string>{
      "server",   "as",      "token_file", "tokens_dir", "tls_ca",
      "tls_cert", "tls_key", "json",       "timeout",    "min_position"};
  return *flags;
}

constexpr char kWork[] = "Daily work (contract managers and suppliers)";
constexpr char kRead[] = "Reading progress";
constexpr char kCases[] = "Enforcement";
constexpr char kAdmin[] = "Frameworks, access and operations";
constexpr char kLog[] = "The raw log and any RPC";

}  // namespace

const std::vector<CommandHelp>& Commands() {
  static const auto* const commands = new std::vector<CommandHelp>{
      {"register",
       "CONTRACT --council=ID --title=T --supplier=ID ...",
       "register a contract won with social value promises",
       {"council", "framework_version", "title", "supplier", "supplier_name",
        "value", "start", "end", "weighting", "manager", "onboarded"},
       "svctl --as=manager-derbyshire register DER-2026-301 "
       "--council=derbyshire --title=\"Highways maintenance\" "
       "--supplier=oakfield-highways --supplier-name=\"Oakfield Highways "
       "Ltd\" --value=£2.5m --start=2026-04-01 --end=2029-03-31 "
       "--weighting=10% --manager=j.smith",
       kWork},
      {"commit",
       "CONTRACT COMMITMENT --measure=ID --target=N --due=DATE",
       "add a promise (commitment) to a contract; --file=F adds several",
       {"measure", "target", "due", "start", "locality", "verification",
        "file"},
       "svctl --as=manager-derbyshire commit DER-2026-301 c1 "
       "--measure=jobs.new_local --target=12 --due=2029-03-31 "
       "--locality=\"within Derbyshire\"",
       kWork},
      {"report",
       "CONTRACT COMMITMENT --quantity=N --period=P",
       "report what was delivered in a period, with its evidence",
       {"quantity", "of", "period", "evidence_file", "evidence_uri", "note",
        "delivery_id", "corrects"},
       "svctl --as=supplier-acme-facilities report DER-2026-301 c1 "
       "--quantity=12 --period=2026-Q3 --evidence-file=payroll-q3.pdf "
       "--note=\"new starters from Chesterfield\"",
       kWork},
      {"review",
       "[--council=ID] [--contract=ID] [--supplier=ID]",
       "the returns awaiting verification, oldest first",
       {"council", "contract", "supplier", "period", "page_size", "page_token"},
       "svctl --as=manager-norwich review --council=norwich",
       kWork},
      {"deliveries",
       "[--state=S] [--contract=ID] [--period=P] ...",
       "reported deliveries with who reported and who decided, and why",
       {"state", "council", "contract", "supplier", "period", "page_size",
        "page_token"},
       "svctl --as=supplier-acme-facilities deliveries --state=rejected",
       kWork},
      {"verify",
       "CONTRACT DELIVERY [--note=T]",
       "accept a reported delivery: it counts from now on",
       {"note"},
       "svctl --as=manager-derbyshire verify DER-2026-301 c1-2026-Q3 "
       "--note=\"payroll checked\"",
       kWork},
      {"reject",
       "CONTRACT DELIVERY --reason=T",
       "refuse a reported delivery, saying why (the supplier sees it)",
       {"reason"},
       "svctl --as=manager-derbyshire reject DER-2026-301 c1-2026-Q3 "
       "--reason=\"payroll shows 8 new starters, not 12\"",
       kWork},
      {"amend",
       "CONTRACT COMMITMENT [--target=N] [--due=DATE] --reason=T",
       "change a promise's target or due date by agreement",
       {"target", "due", "reason"},
       "svctl --as=manager-derbyshire amend DER-2026-301 c1 --target=10 "
       "--reason=\"agreed variation, scope reduced\"",
       kWork},
      {"withdraw",
       "CONTRACT COMMITMENT --reason=T",
       "withdraw a promise that no longer applies",
       {"reason"},
       "svctl --as=manager-derbyshire withdraw DER-2026-301 c3 "
       "--reason=\"depot closed\"",
       kWork},
      {"close-contract",
       "CONTRACT --reason=T",
       "close a contract: it is judged as of now, for ever",
       {"reason"},
       "svctl --as=manager-derbyshire close-contract DER-2026-301 "
       "--reason=\"contract ended\"",
       kWork},
      {"contracts",
       "[--council=ID] [--supplier=ID] [--status=S]",
       "contracts with their worst status and delivery score",
       {"council", "supplier", "status", "page_size", "page_token"},
       "svctl --as=manager-norwich contracts --council=norwich "
       "--status=off-track",
       kRead},
      {"progress",
       "CONTRACT [--as-of=DATE]",
       "each promise of a contract: target, delivered, expected, status",
       {"as_of"},
       "svctl --as=manager-norwich progress NOR-2025-101 --as-of=2025-12-31",
       kRead},
      {"council",
       "COUNCIL [--as-of=DATE]",
       "a council's social value rolled up by theme and outcome",
       {"as_of"},
       "svctl --as=manager-derbyshire council derbyshire",
       kRead},
      {"supplier",
       "SUPPLIER",
       "a supplier's promises across councils",
       {},
       "svctl --as=supplier-acme-facilities supplier acme-facilities",
       kRead},
      {"watch",
       "CONTRACT",
       "a contract's progress, again at every change",
       {},
       "svctl --as=manager-norwich watch NOR-2025-101",
       kRead},
      {"frameworks",
       "",
       "the councils' published frameworks",
       {},
       "svctl --as=auditor frameworks",
       kRead},
      {"framework",
       "ID [--version=N]",
       "one framework: themes, outcomes, measures",
       {"version"},
       "svctl --as=auditor framework rutland",
       kRead},
      {"weighting",
       "--impact=I --objectives=A,B --quintile=Q",
       "the social value weighting a framework recommends",
       {"impact", "objectives", "quintile", "county_wide"},
       "svctl --as=auditor weighting --impact=significant "
       "--objectives=training_employment,vcs --quintile=2",
       kRead},
      {"cases",
       "[--council=ID] [--state=open|closed] [--overdue] ...",
       "the enforcement queue, most severe first",
       {"council", "contract", "supplier", "state", "stage", "overdue",
        "page_size", "page_token"},
       "svctl --as=manager-rutland cases --council=rutland --overdue",
       kCases},
      {"case",
       "CONTRACT CASE",
       "one enforcement case with its history",
       {},
       "svctl --as=manager-norwich case NOR-2025-101 'c2#1'",
       kCases},
      {"action",
       "CONTRACT CASE --stage=S --note=T",
       "record a step of the escalation ladder on a case",
       {"stage", "note", "amount", "agreed_date", "skip_reason", "request_id"},
       "svctl --as=manager-norwich action NOR-2025-101 'c2#1' "
       "--stage=remediation-plan --agreed-date=2027-01-31 "
       "--note=\"plan agreed\"",
       kCases},
      {"close-case",
       "CONTRACT CASE --reason=R --note=T",
       "close a case: remedied, waived or terminated",
       {"reason", "note", "request_id"},
       "svctl --as=manager-norwich close-case NOR-2025-101 'c2#1' "
       "--reason=waived --note=\"agreed variation\"",
       kCases},
      {"assess",
       "CONTRACT --rating=R --evidence=T --assessed-on=DATE",
       "record a Procurement Act KPI performance assessment",
       {"rating", "evidence", "assessed_on", "request_id"},
       "svctl --as=manager-norwich assess NOR-2025-101 --rating=good "
       "--evidence=\"annual KPI report\" --assessed-on=2026-11-01",
       kCases},
      {"alerts",
       "[--council=ID] [--contract=ID] [--from=N] [--count=N]",
       "status, case and delivery changes as they happen",
       {"council", "contract", "from", "count"},
       "svctl --as=manager-norwich alerts --council=norwich --from=1",
       kCases},
      {"whoami",
       "",
       "the principal the server sees, and its roles",
       {},
       "svctl --as=auditor whoami",
       kAdmin},
      {"roles",
       "",
       "every role binding (admins)",
       {},
       "svctl --as=admin roles",
       kAdmin},
      {"grant",
       "--principal=P --role=R [--scope=S]",
       "grant a role",
       {"principal", "role", "scope", "reason"},
       "svctl --as=admin grant --principal=j.smith@norwich.gov.uk "
       "--role=manager --scope=norwich",
       kAdmin},
      {"revoke",
       "--principal=P --role=R [--scope=S]",
       "revoke a role",
       {"principal", "role", "scope", "reason"},
       "svctl --as=admin revoke --principal=j.smith@norwich.gov.uk "
       "--role=manager --scope=norwich",
       kAdmin},
      {"publish-library",
       "FILE",
       "publish a measure library (.textproto)",
       {},
       "svctl --as=admin publish-library frameworks/measures.textproto",
       kAdmin},
      {"publish-framework",
       "FILE",
       "publish a council framework version (.textproto)",
       {},
       "svctl --as=admin publish-framework frameworks/rutland.textproto",
       kAdmin},
      {"projection-status",
       "[NAME]",
       "where a projection stands",
       {},
       "svctl --as=admin projection-status",
       kAdmin},
      {"rebuild-projection",
       "[NAME]",
       "rebuild a projection from the log while serving",
       {},
       "svctl --as=admin rebuild-projection",
       kAdmin},
      {"log-head",
       "",
       "the log's chain head, to keep outside svledger",
       {},
       "svctl --as=auditor log-head",
       kAdmin},
      {"verify-log",
       "[--anchor=POSITION:SHA256] [--indexes]",
       "recompute the log's hash chain",
       {"anchor", "indexes"},
       "svctl --as=auditor verify-log",
       kAdmin},
      {"backup",
       "create|list|verify|prune",
       "online backups",
       {"backup_id", "keep"},
       "svctl --as=admin backup create",
       kAdmin},
      {"health",
       "[SERVICE]",
       "the gRPC health check",
       {},
       "svctl health",
       kLog},
      {"list", "", "the server's services", {}, "svctl --as=admin list", kLog},
      {"describe",
       "SERVICE|MESSAGE",
       "a service's methods or a message's fields, through reflection",
       {},
       "svctl --as=admin describe svledger.v1.ReportDeliveryRequest",
       kLog},
      {"append",
       "STREAM TYPE [PAYLOAD]",
       "append an event (admins)",
       {"expect", "id"},
       "svctl --as=admin append notes-DCC-1 NoteAdded '{\"text\":\"hi\"}' "
       "--expect=no-stream",
       kLog},
      {"read",
       "STREAM",
       "a stream's events, payloads decoded",
       {"from", "backwards", "limit"},
       "svctl --as=auditor read frameworks",
       kLog},
      {"read-all",
       "[--prefix=P] [--type=T]",
       "the whole log, in order",
       {"from", "limit", "prefix", "type"},
       "svctl --as=auditor read-all --prefix=contract- --limit=20",
       kLog},
      {"subscribe",
       "[--from=N]",
       "follow the log live",
       {"from", "prefix", "type", "count"},
       "svctl --as=auditor subscribe --from=1",
       kLog},
      {"call",
       "SERVICE.METHOD JSON",
       "any unary RPC, request as JSON",
       {},
       "svctl --as=auditor call ProgressService.ListDeliveries "
       "'{\"council\": \"norwich\", \"state\": \"DELIVERY_PENDING\"}'",
       kLog},
  };
  return *commands;
}

const CommandHelp* FindCommand(const std::string& name) {
  for (const CommandHelp& c : Commands()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

void PrintOverview() {
  std::printf(
      "svctl: the command-line client of svledger.\n\n"
      "usage: svctl [--as=PERSONA | --token-file=F] [--server=HOST:PORT] "
      "COMMAND [ARGS] [FLAGS]\n"
      "       svctl COMMAND --help    the command's flags and an example\n");
  const char* group = "";
  for (const CommandHelp& c : Commands()) {
    if (std::string(group) != c.group) {
      group = c.group;
      std::printf("\n%s:\n", group);
    }
    std::printf("  %-20s %s\n", c.name, c.summary);
  }
  std::printf("\nGlobal flags:\n%s", FlagHelp(GlobalFlags()).c_str());
  std::printf(
      "\nDates are YYYY-MM-DD; money as you write it (£1.2m, 250k, "
      "1,200,000.00); shares in percent (30%%). Tables fit the terminal "
      "(--json for everything); NO_COLOR=1 turns colour off.\n"
      "Exit status: 0 done, 1 the server refused (the error names the "
      "flag), 2 bad usage, 3 a check failed.\n");
}

void PrintCommandHelp(const CommandHelp& c) {
  std::printf("svctl %s %s\n  %s\n", c.name, c.usage, c.summary);
  if (!c.flags.empty()) {
    std::printf("\nFlags:\n%s", FlagHelp(c.flags).c_str());
  }
  std::printf("\nExample:\n  %s\n", c.example);
  std::printf("\nGlobal flags (svctl --help): --as, --server, --json, ...\n");
}

std::string UnknownCommand(const std::string& name) {
  std::vector<std::string> names;
  for (const CommandHelp& c : Commands()) names.push_back(c.name);
  const std::string nearest = Nearest(name, names);
  return absl::StrCat(
      "unknown command '", name, "'",
      nearest.empty() ? "" : absl::StrCat(" (did you mean '", nearest, "'?)"));
}

}  // namespace svledger::cli
