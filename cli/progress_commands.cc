#include "cli/progress_commands.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/cli_common.h"
#include "cli/table.h"
#include "cli/task_commands.h"
#include "common/flags.h"
#include "domain/decimal.h"
#include "svledger/v1/admin_service.grpc.pb.h"
#include "svledger/v1/framework_service.grpc.pb.h"
#include "svledger/v1/progress_service.grpc.pb.h"

ABSL_FLAG(std::string, as_of, "",
          "progress, council: the date (YYYY-MM-DD) to judge as of");
ABSL_FLAG(std::string, status, "",
          "contracts: MET, ON_TRACK, AT_RISK, OFF_TRACK, MISSED or WITHDRAWN");
ABSL_FLAG(uint32_t, version, 0, "framework: version (0: latest)");
ABSL_FLAG(std::string, impact, "", "weighting: none, some or significant");
ABSL_FLAG(std::vector<std::string>, objectives, {},
          "weighting: Lancashire objective ids");
ABSL_FLAG(uint32_t, quintile, 0, "weighting: needs quintile, 1 (worst) - 5");
ABSL_FLAG(bool, county_wide, false, "weighting: delivered county-wide");

namespace svledger::cli {
namespace {

namespace v1 = svledger::v1;

std::string StatusText(v1::CommitmentStatus status) {
  std::string name = status == v1::COMMITMENT_STATUS_UNSPECIFIED
                         ? "-"
                         : v1::CommitmentStatus_Name(status);
  std::string padded = name;
  if (!Colour()) return padded;
  const char* colour = "";
  switch (status) {
    case v1::MET:
      colour = "\033[1;32m";
      break;
    case v1::ON_TRACK:
      colour = "\033[32m";
      break;
    case v1::AT_RISK:
      colour = "\033[33m";
      break;
    case v1::OFF_TRACK:
      colour = "\033[31m";
      break;
    case v1::MISSED:
      colour = "\033[1;31m";
      break;
    case v1::WITHDRAWN:
      colour = "\033[90m";
      break;
    default:
      return padded;
  }
  return absl::StrCat(colour, padded, "\033[0m");
}

Table RollupTable(const std::string& first) {
  return Table({{first, true},
                {"COMM", false, true},
                {"MET", false, true},
                {"ON", false, true},
                {"RISK", false, true},
                {"OFF", false, true},
                {"MISS", false, true},
                {"WDRN", false, true},
                {"SCORE", false, true},
                {"£ PROMISED", false, true},
                {"£ DELIVERED", false, true}});
}

void AddRollup(Table& table, const std::string& label, const v1::Rollup& r) {
  const v1::StatusCounts& s = r.statuses();
  table.AddRow({label, absl::StrCat(r.commitments()), absl::StrCat(s.met()),
                absl::StrCat(s.on_track()), absl::StrCat(s.at_risk()),
                absl::StrCat(s.off_track()), absl::StrCat(s.missed()),
                absl::StrCat(s.withdrawn()),
                r.commitments() == 0
                    ? "-"
                    : absl::StrFormat("%.0f%%", 100 * r.delivery_score()),
                Gbp(r.gbp_promised()), Gbp(r.gbp_delivered())});
}

void PrintContractRows(
    const google::protobuf::RepeatedPtrField<v1::ContractSummary>& rows) {
  Table table({{"CONTRACT", true},
               {"STATUS"},
               {"SCORE", false, true},
               {"COMM", false, true},
               {"COUNCIL"},
               {"SUPPLIER"},
               {"TITLE"}});
  for (const v1::ContractSummary& c : rows) {
    table.AddRow({c.contract_id(),
                  StatusText(c.status()) + (c.closed() ? " (closed)" : ""),
                  absl::StrFormat("%.0f%%", 100 * c.delivery_score()),
                  absl::StrCat(c.commitments()), c.framework().id(),
                  c.supplier_name(), c.title()});
  }
  table.Print();
}

std::string RatingText(v1::KpiRating rating) {
  return rating == v1::KPI_RATING_UNSPECIFIED ? "-"
                                              : v1::KpiRating_Name(rating);
}

std::string CasesText(const v1::CaseCounts& c) {
  return absl::StrFormat(
      "enforcement cases: %u open, %u opened (%u recovered, %u remedied, %u "
      "waived, %u terminated, %u withdrawn)",
      c.open(), c.opened(), c.recovered(), c.remedied(), c.waived(),
      c.terminated(), c.withdrawn());
}

void PrintDecision(const std::string& what, const v1::StandingDecision& d) {
  std::printf("%s: %s\n", what.c_str(),
              d.qualifies() ? "QUALIFIES" : "does not qualify");
  for (const std::string& reason : d.reasons()) {
    std::printf("  - %s\n", reason.c_str());
  }
}

void PrintProgress(const v1::ContractProgress& p) {
  const v1::ContractRegistered& c = p.contract();
  std::printf("%s  %s\n", c.contract_id().c_str(), c.title().c_str());
  std::printf("council %s v%u · supplier %s (%s) · %s to %s%s\n",
              c.framework().id().c_str(), c.framework().version(),
              c.supplier_name().c_str(), c.supplier_id().c_str(),
              DateText(c.start()).c_str(), DateText(c.end()).c_str(),
              p.closed() ? " · closed" : "");
  std::printf(
      "status %s · delivery score %.0f%% · %s promised, %s delivered"
      " · as of %s · position %llu\n\n",
      StatusText(p.status()).c_str(), 100 * p.delivery_score(),
      Gbp(p.gbp_promised()).c_str(), Gbp(p.gbp_delivered()).c_str(),
      absl::FormatTime("%Y-%m-%d %H:%M",
                       absl::FromUnixMicros(p.as_of().unix_micros()),
                       absl::UTCTimeZone())
          .c_str(),
      static_cast<unsigned long long>(p.position()));
  std::printf("KPI rating %s · next performance assessment due %s",
              RatingText(p.rating()).c_str(),
              DateText(p.next_assessment_due()).c_str());
  if (p.last_assessed_rating() != v1::KPI_RATING_UNSPECIFIED) {
    std::printf(" (last: %s on %s)",
                v1::KpiRating_Name(p.last_assessed_rating()).c_str(),
                DateText(p.last_assessed_on()).c_str());
  }
  std::printf("\n%s\n\n", CasesText(p.cases()).c_str());
  Table table({{"ID", true},
               {"STATUS"},
               {"TARGET", false, true},
               {"DELIVERED", false, true},
               {"EXPECTED", false, true},
               {"PENDING", false, true},
               {"%", false, true},
               {"DUE"},
               {"CASE"},
               {"MEASURE"}});
  for (const v1::CommitmentProgress& m : p.commitments()) {
    const std::string open_case =
        m.open_case_id().empty()
            ? "-"
            : absl::StrCat(m.open_case_id(), " ",
                           v1::EnforcementStage_Name(m.case_stage()));
    table.AddRow(
        {m.commitment_id(), StatusText(m.status()),
         Quantity(m.target(), m.unit()), Quantity(m.delivered(), m.unit()),
         Quantity(m.expected(), m.unit()), Quantity(m.pending(), m.unit()),
         Figure(m.percent_of_target(), 0) + "%", DateText(m.due()), open_case,
         m.measure_wording().empty() ? m.measure_id() : m.measure_wording()});
  }
  table.Print();
}

template <typename Response, typename Rpc>
int Unary(Rpc rpc, void (*print)(const Response&)) {
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  Response response;
  grpc::Status status = rpc(&context, &response);
  if (!status.ok()) return Fail(status);
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(response);
  } else {
    print(response);
  }
  return 0;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream text;
  text << in.rdbuf();
  *out = text.str();
  return true;
}

void PrintPublished(const v1::PublishResponse& r) {
  std::printf("version %u %s at position %llu\n", r.version(),
              r.already() ? "was already published" : "published",
              static_cast<unsigned long long>(r.position()));
}

// What every command of this file gets: the stubs, the positional
// argument after the command, and the flags they share.
struct Invocation {
  std::string command;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::ProgressService::Stub> progress;
  std::unique_ptr<v1::FrameworkService::Stub> frameworks;
  std::string arg;  // empty if none
  bool has_as_of = false;
  v1::Date as_of;
  uint64_t min_position = 0;
};

int ShowProgress(const Invocation& in) {
  if (in.arg.empty()) return Usage("progress needs a CONTRACT");
  v1::GetContractProgressRequest request;
  request.set_contract_id(in.arg);
  request.set_min_position(in.min_position);
  request.set_latest(true);
  if (in.has_as_of) *request.mutable_as_of() = in.as_of;
  return Unary<v1::ContractProgress>(
      [&](grpc::ClientContext* c, v1::ContractProgress* r) {
        grpc::Status status = in.progress->GetContractProgress(c, request, r);
        if (status.error_code() == grpc::StatusCode::NOT_FOUND &&
            absl::StartsWith(status.error_message(), "contract_id:")) {
          return grpc::Status(grpc::StatusCode::NOT_FOUND,
                              ContractNotFoundMessage(*in.progress, in.arg));
        }
        return status;
      },
      &PrintProgress);
}

int ListContracts(const Invocation& in) {
  SetFieldFlags({{"council", "--council"},
                 {"supplier_id", "--supplier"},
                 {"page_size", "--page-size"},
                 {"page_token", "--page-token"}});
  v1::ListContractsRequest request;
  request.set_council(absl::GetFlag(FLAGS_council));
  request.set_supplier_id(absl::GetFlag(FLAGS_supplier));
  if (const std::string s = absl::GetFlag(FLAGS_status); !s.empty()) {
    absl::StatusOr<v1::CommitmentStatus> status =
        ParseEnum<v1::CommitmentStatus>(s, "--status");
    if (!status.ok()) return Usage(std::string(status.status().message()));
    request.set_status(*status);
  }
  request.set_page_size(absl::GetFlag(FLAGS_page_size));
  request.set_page_token(absl::GetFlag(FLAGS_page_token));
  request.set_min_position(in.min_position);
  request.set_latest(true);
  auto call = [&](const v1::ListContractsRequest& r,
                  v1::ListContractsResponse* out) {
    grpc::ClientContext context;
    AddCredentials(context);
    SetDeadline(context);
    return in.progress->ListContracts(&context, r, out);
  };
  v1::ListContractsResponse response;
  if (grpc::Status status = call(request, &response); !status.ok()) {
    return Fail(status);
  }
  if (response.contracts().empty() && !request.supplier_id().empty() &&
      request.page_token().empty()) {
    // No contract of that supplier: an unknown supplier is an error.
    v1::ListContractsRequest all;
    all.set_council(request.council());
    all.set_page_size(500);
    v1::ListContractsResponse every;
    std::set<std::string> suppliers;
    if (call(all, &every).ok()) {
      for (const auto& c : every.contracts()) suppliers.insert(c.supplier_id());
    }
    if (!suppliers.contains(request.supplier_id())) {
      const std::vector<std::string> known(suppliers.begin(), suppliers.end());
      const std::string nearest = Nearest(request.supplier_id(), known);
      std::fprintf(
          stderr,
          "error: NOT_FOUND: --supplier: no supplier '%s' among the "
          "contracts you can see (%s)\n",
          request.supplier_id().c_str(),
          nearest.empty()
              ? absl::StrCat("known: ", absl::StrJoin(known, ", ")).c_str()
              : absl::StrCat("did you mean ", nearest, "?").c_str());
      return 1;
    }
  }
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(response);
    return 0;
  }
  PrintContractRows(response.contracts());
  std::printf("(%d contracts%s)\n", response.contracts_size(),
              response.next_page_token().empty()
                  ? ""
                  : absl::StrCat("; more with --page-token=",
                                 response.next_page_token())
                        .c_str());
  return 0;
}

int ShowCouncil(const Invocation& in) {
  if (in.arg.empty()) return Usage("council needs a COUNCIL (framework id)");
  v1::GetCouncilSummaryRequest request;
  request.set_council(in.arg);
  request.set_min_position(in.min_position);
  request.set_latest(true);
  if (in.has_as_of) *request.mutable_as_of() = in.as_of;
  return Unary<v1::CouncilSummary>(
      [&](grpc::ClientContext* c, v1::CouncilSummary* r) {
        return in.progress->GetCouncilSummary(c, request, r);
      },
      +[](const v1::CouncilSummary& s) {
        std::printf("%s (framework %s v%u) · %u contracts\n\n",
                    s.council_name().c_str(), s.council().c_str(),
                    s.framework_version(), s.total().contracts());
        Table table = RollupTable(s.theme_label().empty()
                                      ? "THEME / OUTCOME"
                                      : s.theme_label() + " / outcome");
        for (const v1::ThemeRollup& t : s.themes()) {
          AddRollup(table, t.name(), t.rollup());
          for (const v1::OutcomeRollup& o : t.outcomes()) {
            AddRollup(table, "  " + o.outcome_id() + " " + o.name(),
                      o.rollup());
          }
        }
        if (s.unmapped().commitments() > 0) {
          AddRollup(table, "(measures no outcome names)", s.unmapped());
        }
        AddRollup(table, "TOTAL", s.total());
        table.Print();
      });
}

int ShowSupplier(const Invocation& in) {
  if (in.arg.empty()) return Usage("supplier needs a SUPPLIER id");
  v1::GetSupplierScorecardRequest request;
  request.set_supplier_id(in.arg);
  request.set_min_position(in.min_position);
  request.set_latest(true);
  return Unary<v1::SupplierScorecard>(
      [&](grpc::ClientContext* c, v1::SupplierScorecard* r) {
        return in.progress->GetSupplierScorecard(c, request, r);
      },
      +[](const v1::SupplierScorecard& s) {
        std::printf("%s (%s)\n\n", s.supplier_name().c_str(),
                    s.supplier_id().c_str());
        PrintContractRows(s.contracts());
        std::printf("\n");
        Table table = RollupTable("MEASURE");
        for (const v1::MeasureRollup& m : s.measures()) {
          AddRollup(table,
                    absl::StrFormat("%s (%s of %s)", m.measure_id(),
                                    Figure(m.delivered()), Figure(m.target())),
                    m.rollup());
        }
        AddRollup(table, "TOTAL", s.total());
        table.Print();
        const v1::SupplierStanding& st = s.standing();
        std::printf("\n%.0f%% of live commitments on track or met · %s\n",
                    100 * st.on_track_share(), CasesText(st.cases()).c_str());
        PrintDecision("endorsement", st.endorsement());
        for (const v1::ContractExtension& e : st.extensions()) {
          PrintDecision("extension of " + e.contract_id(), e.decision());
        }
      });
}

int WatchContract(const Invocation& in) {
  if (in.arg.empty()) return Usage("watch needs a CONTRACT");
  v1::WatchContractRequest request;
  request.set_contract_id(in.arg);
  request.set_min_position(in.min_position);
  grpc::ClientContext context;
  AddCredentials(context);
  auto reader = in.progress->WatchContract(&context, request);
  v1::ContractProgress view;
  while (reader->Read(&view)) {
    if (absl::GetFlag(FLAGS_json)) {
      PrintJson(view);
    } else {
      PrintProgress(view);
      std::printf("\n");
    }
    std::fflush(stdout);
  }
  grpc::Status status = reader->Finish();
  return status.ok() ? 0 : Fail(status);
}

int ListFrameworks(const Invocation& in) {
  return Unary<v1::ListFrameworksResponse>(
      [&](grpc::ClientContext* c, v1::ListFrameworksResponse* r) {
        return in.progress->ListFrameworks(c, v1::ListFrameworksRequest(), r);
      },
      +[](const v1::ListFrameworksResponse& r) {
        std::printf("%-12s %3s %-32s %6s %8s %8s\n", "ID", "V", "COUNCIL",
                    "THEMES", "OUTCOMES", "MEASURES");
        for (const v1::FrameworkSummary& f : r.frameworks()) {
          std::printf("%-12s %3u %-32s %6u %8u %8u\n", f.id().c_str(),
                      f.version(), Short(f.council(), 32).c_str(), f.themes(),
                      f.outcomes(), f.measures());
        }
        std::printf("(measure library version %u)\n",
                    r.measure_library_version());
      });
}

int ShowFramework(const Invocation& in) {
  if (in.arg.empty()) return Usage("framework needs an ID");
  v1::GetFrameworkRequest request;
  request.set_id(in.arg);
  request.set_version(absl::GetFlag(FLAGS_version));
  return Unary<v1::GetFrameworkResponse>(
      [&](grpc::ClientContext* c, v1::GetFrameworkResponse* r) {
        return in.progress->GetFramework(c, request, r);
      },
      +[](const v1::GetFrameworkResponse& r) {
        const v1::Framework& f = r.framework();
        std::printf("%s v%u: %s\n", f.council().c_str(), f.version(),
                    f.title().c_str());
        for (const v1::Theme& t : f.themes()) {
          std::printf("\n%s %s: %s\n", f.theme_label().c_str(), t.id().c_str(),
                      t.name().c_str());
          for (const v1::Outcome& o : t.outcomes()) {
            std::printf("  %s %s\n", o.id().c_str(), o.name().c_str());
            for (const v1::MeasureRef& m : o.measures()) {
              std::printf("      %-34s %s\n", m.measure_id().c_str(),
                          m.wording().c_str());
            }
          }
        }
      });
}

int RecommendWeighting(const Invocation& in) {
  v1::RecommendWeightingRequest request;
  const std::string impact = absl::GetFlag(FLAGS_impact);
  request.set_additional_impact(impact == "none"   ? v1::NO_ADDITIONAL_IMPACT
                                : impact == "some" ? v1::SOME
                                : impact == "significant"
                                    ? v1::SIGNIFICANT
                                    : v1::ADDITIONAL_IMPACT_UNSPECIFIED);
  for (const std::string& o : absl::GetFlag(FLAGS_objectives)) {
    request.add_objectives(o);
  }
  request.set_needs_quintile(absl::GetFlag(FLAGS_quintile));
  request.set_county_wide(absl::GetFlag(FLAGS_county_wide));
  return Unary<v1::RecommendWeightingResponse>(
      [&](grpc::ClientContext* c, v1::RecommendWeightingResponse* r) {
        return in.frameworks->RecommendWeighting(c, request, r);
      },
      +[](const v1::RecommendWeightingResponse& r) {
        std::printf("%u%% of the award criteria on social value%s\n",
                    r.weighting_percent(),
                    r.criteria_met() ? "" : " (criteria not met)");
        for (const std::string& reason : r.reasons()) {
          std::printf("  - %s\n", reason.c_str());
        }
      });
}

// The text of the FILE argument, or why not.
bool ReadArgFile(const Invocation& in, std::string* text) {
  return !in.arg.empty() && ReadFile(in.arg, text);
}

int PublishLibrary(const Invocation& in) {
  v1::PublishMeasureLibraryRequest request;
  if (!ReadArgFile(in, request.mutable_textproto())) {
    return Usage(in.command + " needs a readable FILE");
  }
  return Unary<v1::PublishResponse>(
      [&](grpc::ClientContext* c, v1::PublishResponse* r) {
        return in.frameworks->PublishMeasureLibrary(c, request, r);
      },
      &PrintPublished);
}

int PublishFramework(const Invocation& in) {
  v1::PublishFrameworkRequest request;
  if (!ReadArgFile(in, request.mutable_textproto())) {
    return Usage(in.command + " needs a readable FILE");
  }
  return Unary<v1::PublishResponse>(
      [&](grpc::ClientContext* c, v1::PublishResponse* r) {
        return in.frameworks->PublishFramework(c, request, r);
      },
      &PrintPublished);
}

// The projection the argument names; "contracts" by default.
std::string ProjectionName(const Invocation& in) {
  return in.arg.empty() ? "contracts" : in.arg;
}

int RebuildProjection(const Invocation& in) {
  auto admin = v1::AdminService::NewStub(in.channel);
  v1::RebuildProjectionRequest request;
  request.set_name(ProjectionName(in));
  return Unary<v1::RebuildProjectionResponse>(
      [&](grpc::ClientContext* c, v1::RebuildProjectionResponse* r) {
        return admin->RebuildProjection(c, request, r);
      },
      +[](const v1::RebuildProjectionResponse&) {
        std::printf(
            "rebuild started; follow it with svctl projection-status\n");
      });
}

int ProjectionStatus(const Invocation& in) {
  auto admin = v1::AdminService::NewStub(in.channel);
  v1::GetProjectionStatusRequest request;
  request.set_name(ProjectionName(in));
  return Unary<v1::ProjectionStatus>(
      [&](grpc::ClientContext* c, v1::ProjectionStatus* r) {
        return admin->GetProjectionStatus(c, request, r);
      },
      +[](const v1::ProjectionStatus& p) {
        std::printf("%s: generation %u, applied %llu of %llu, %llu skipped%s\n",
                    p.name().c_str(), p.generation(),
                    static_cast<unsigned long long>(p.applied_position()),
                    static_cast<unsigned long long>(p.head_position()),
                    static_cast<unsigned long long>(p.skipped_events()),
                    p.rebuilding() ? absl::StrCat("; rebuilding, at ",
                                                  p.rebuild_position())
                                         .c_str()
                                   : "");
        if (!p.last_rebuild_error().empty()) {
          std::printf("last rebuild failed: %s\n",
                      p.last_rebuild_error().c_str());
        }
      });
}

}  // namespace

int RunProgressCommand(const std::string& command,
                       const std::shared_ptr<grpc::Channel>& channel,
                       const std::vector<char*>& args) {
  static constexpr std::pair<const char*, int (*)(const Invocation&)>
      kCommands[] = {
          {"progress", &ShowProgress},
          {"contracts", &ListContracts},
          {"council", &ShowCouncil},
          {"supplier", &ShowSupplier},
          {"watch", &WatchContract},
          {"frameworks", &ListFrameworks},
          {"framework", &ShowFramework},
          {"weighting", &RecommendWeighting},
          {"publish-library", &PublishLibrary},
          {"publish-framework", &PublishFramework},
          {"projection-status", &ProjectionStatus},
          {"rebuild-projection", &RebuildProjection},
      };
  for (const auto& [name, run] : kCommands) {
    if (command != name) continue;
    Invocation in;
    in.command = command;
    in.channel = channel;
    in.progress = v1::ProgressService::NewStub(channel);
    in.frameworks = v1::FrameworkService::NewStub(channel);
    in.arg = args.size() > 2 ? args[2] : "";
    in.has_as_of = !absl::GetFlag(FLAGS_as_of).empty();
    if (in.has_as_of) {
      absl::StatusOr<v1::Date> as_of =
          ParseDateFlag(absl::GetFlag(FLAGS_as_of), "--as-of");
      if (!as_of.ok()) return Usage(std::string(as_of.status().message()));
      in.as_of = *as_of;
    }
    SetFieldFlags({{"as_of", "--as-of"},
                   {"council", "COUNCIL"},
                   {"supplier_id", "SUPPLIER"},
                   {"contract_id", "CONTRACT"}});
    in.min_position = absl::GetFlag(FLAGS_min_position);
    return run(in);
  }
  return -1;
}

int CallProgressJson(const std::shared_ptr<grpc::Channel>& channel,
                     const std::string& method, const std::string& json) {
  auto progress = v1::ProgressService::NewStub(channel);
  auto frameworks = v1::FrameworkService::NewStub(channel);
#define SVCTL_CALL(Service, stub, Name, Request, Response)               \
  if (method == #Service "." #Name) {                                    \
    return CallJson<v1::Request, v1::Response>(                          \
        json, [&](grpc::ClientContext* c, const v1::Request& r,          \
                  v1::Response* out) { return stub->Name(c, r, out); }); \
  }
  SVCTL_CALL(ProgressService, progress, GetContractProgress,
             GetContractProgressRequest, ContractProgress)
  SVCTL_CALL(ProgressService, progress, ListContracts, ListContractsRequest,
             ListContractsResponse)
  SVCTL_CALL(ProgressService, progress, GetCouncilSummary,
             GetCouncilSummaryRequest, CouncilSummary)
  SVCTL_CALL(ProgressService, progress, GetSupplierScorecard,
             GetSupplierScorecardRequest, SupplierScorecard)
  SVCTL_CALL(ProgressService, progress, ListFrameworks, ListFrameworksRequest,
             ListFrameworksResponse)
  SVCTL_CALL(ProgressService, progress, GetFramework, GetFrameworkRequest,
             GetFrameworkResponse)
  SVCTL_CALL(ProgressService, progress, ListDeliveries, ListDeliveriesRequest,
             ListDeliveriesResponse)
  SVCTL_CALL(FrameworkService, frameworks, PublishMeasureLibrary,
             PublishMeasureLibraryRequest, PublishResponse)
  SVCTL_CALL(FrameworkService, frameworks, PublishFramework,
             PublishFrameworkRequest, PublishResponse)
  SVCTL_CALL(FrameworkService, frameworks, RecommendWeighting,
             RecommendWeightingRequest, RecommendWeightingResponse)
#undef SVCTL_CALL
  return -1;
}

}  // namespace svledger::cli
