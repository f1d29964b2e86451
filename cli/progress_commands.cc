#include "cli/progress_commands.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "cli/cli_common.h"
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

// A figure (exact decimal text) for a table: at most `places` decimals,
// cut towards zero (the JSON output, --json, has every digit).
std::string Figure(const std::string& text, int places = 2) {
  using svledger::domain::Decimal;
  const int64_t micros = Decimal::ParseFigure(text).micros();
  int64_t unit = Decimal::kOne;
  for (int i = 0; i < places; ++i) unit /= 10;
  return Decimal::FromMicros(micros / unit * unit).ToString();
}

std::string StatusText(v1::CommitmentStatus status) {
  std::string name = status == v1::COMMITMENT_STATUS_UNSPECIFIED
                         ? "-"
                         : v1::CommitmentStatus_Name(status);
  std::string padded = absl::StrFormat("%-10s", name);
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

void PrintRollupLine(const std::string& label, const v1::Rollup& r) {
  const v1::StatusCounts& s = r.statuses();
  std::printf("%-44s %5u %4u %4u %4u %4u %4u %4u %6.0f%% %12s %12s\n",
              Short(label, 44).c_str(), r.commitments(), s.met(), s.on_track(),
              s.at_risk(), s.off_track(), s.missed(), s.withdrawn(),
              100 * r.delivery_score(), Gbp(r.gbp_promised()).c_str(),
              Gbp(r.gbp_delivered()).c_str());
}

void PrintRollupHeader(const char* first) {
  std::printf("%-44s %5s %4s %4s %4s %4s %4s %4s %7s %12s %12s\n", first,
              "COMM", "MET", "ON", "RISK", "OFF", "MISS", "WDRN", "SCORE",
              "£ PROMISED", "£ DELIVERED");
}

void PrintContractRows(
    const google::protobuf::RepeatedPtrField<v1::ContractSummary>& rows) {
  std::printf("%-16s %-34s %-12s %-24s %-10s %6s %5s\n", "CONTRACT", "TITLE",
              "COUNCIL", "SUPPLIER", "STATUS", "SCORE", "COMM");
  for (const v1::ContractSummary& c : rows) {
    std::printf("%-16s %-34s %-12s %-24s %s %5.0f%% %5u%s\n",
                Short(c.contract_id(), 16).c_str(),
                Short(c.title(), 34).c_str(),
                Short(c.framework().id(), 12).c_str(),
                Short(c.supplier_name(), 24).c_str(),
                StatusText(c.status()).c_str(), 100 * c.delivery_score(),
                c.commitments(), c.closed() ? "  (closed)" : "");
  }
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
  std::printf("%-6s %-30s %-12s %10s %10s %10s %10s %7s %-10s %-10s %s\n", "ID",
              "MEASURE", "UNIT", "TARGET", "DELIVERED", "EXPECTED", "PENDING",
              "%", "STATUS", "DUE", "CASE");
  for (const v1::CommitmentProgress& m : p.commitments()) {
    const std::string open_case =
        m.open_case_id().empty()
            ? ""
            : absl::StrCat(m.open_case_id(), " ",
                           v1::EnforcementStage_Name(m.case_stage()));
    std::printf(
        "%-6s %-30s %-12s %10s %10s %10s %10s %6s%% %s %s %s\n",
        Short(m.commitment_id(), 6).c_str(), Short(m.measure_id(), 30).c_str(),
        Short(v1::Unit_Name(m.unit()), 12).c_str(), Figure(m.target()).c_str(),
        Figure(m.delivered()).c_str(), Figure(m.expected()).c_str(),
        Figure(m.pending()).c_str(), Figure(m.percent_of_target(), 1).c_str(),
        StatusText(m.status()).c_str(), DateText(m.due()).c_str(),
        open_case.c_str());
  }
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
  if (in.has_as_of) *request.mutable_as_of() = in.as_of;
  return Unary<v1::ContractProgress>(
      [&](grpc::ClientContext* c, v1::ContractProgress* r) {
        return in.progress->GetContractProgress(c, request, r);
      },
      &PrintProgress);
}

int ListContracts(const Invocation& in) {
  v1::ListContractsRequest request;
  request.set_council(absl::GetFlag(FLAGS_council));
  request.set_supplier_id(absl::GetFlag(FLAGS_supplier));
  const std::string status = absl::GetFlag(FLAGS_status);
  v1::CommitmentStatus parsed = v1::COMMITMENT_STATUS_UNSPECIFIED;
  if (!status.empty() && !v1::CommitmentStatus_Parse(status, &parsed)) {
    return Usage("--status: unknown status '" + status + "'");
  }
  request.set_status(parsed);
  request.set_page_size(absl::GetFlag(FLAGS_page_size));
  request.set_page_token(absl::GetFlag(FLAGS_page_token));
  request.set_min_position(in.min_position);
  return Unary<v1::ListContractsResponse>(
      [&](grpc::ClientContext* c, v1::ListContractsResponse* r) {
        return in.progress->ListContracts(c, request, r);
      },
      +[](const v1::ListContractsResponse& r) {
        PrintContractRows(r.contracts());
        std::printf(
            "(%d contracts%s)\n", r.contracts_size(),
            r.next_page_token().empty()
                ? ""
                : absl::StrCat("; more with --page-token=", r.next_page_token())
                      .c_str());
      });
}

int ShowCouncil(const Invocation& in) {
  if (in.arg.empty()) return Usage("council needs a COUNCIL (framework id)");
  v1::GetCouncilSummaryRequest request;
  request.set_council(in.arg);
  request.set_min_position(in.min_position);
  if (in.has_as_of) *request.mutable_as_of() = in.as_of;
  return Unary<v1::CouncilSummary>(
      [&](grpc::ClientContext* c, v1::CouncilSummary* r) {
        return in.progress->GetCouncilSummary(c, request, r);
      },
      +[](const v1::CouncilSummary& s) {
        std::printf("%s (framework %s v%u) · %u contracts\n\n",
                    s.council_name().c_str(), s.council().c_str(),
                    s.framework_version(), s.total().contracts());
        PrintRollupHeader(s.theme_label().empty()
                              ? "THEME / OUTCOME"
                              : (s.theme_label() + " / outcome").c_str());
        for (const v1::ThemeRollup& t : s.themes()) {
          PrintRollupLine(t.name(), t.rollup());
          for (const v1::OutcomeRollup& o : t.outcomes()) {
            PrintRollupLine("  " + o.outcome_id() + " " + o.name(), o.rollup());
          }
        }
        PrintRollupLine("(measures no outcome names)", s.unmapped());
        PrintRollupLine("TOTAL", s.total());
      });
}

int ShowSupplier(const Invocation& in) {
  if (in.arg.empty()) return Usage("supplier needs a SUPPLIER id");
  v1::GetSupplierScorecardRequest request;
  request.set_supplier_id(in.arg);
  request.set_min_position(in.min_position);
  return Unary<v1::SupplierScorecard>(
      [&](grpc::ClientContext* c, v1::SupplierScorecard* r) {
        return in.progress->GetSupplierScorecard(c, request, r);
      },
      +[](const v1::SupplierScorecard& s) {
        std::printf("%s (%s)\n\n", s.supplier_name().c_str(),
                    s.supplier_id().c_str());
        PrintContractRows(s.contracts());
        std::printf("\n");
        PrintRollupHeader("MEASURE");
        for (const v1::MeasureRollup& m : s.measures()) {
          PrintRollupLine(
              absl::StrFormat("%s (%s of %s)", m.measure_id(),
                              Figure(m.delivered()), Figure(m.target())),
              m.rollup());
        }
        PrintRollupLine("TOTAL", s.total());
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
    if (in.has_as_of && !ParseDate(absl::GetFlag(FLAGS_as_of), &in.as_of)) {
      return Usage("--as-of: expected YYYY-MM-DD");
    }
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
