#include "cli/enforcement_commands.h"

#include <cmath>
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "cli/cli_common.h"
#include "cli/table.h"
#include "domain/decimal.h"
#include "domain/money_text.h"
#include "svledger/v1/alert_service.grpc.pb.h"
#include "svledger/v1/enforcement_service.grpc.pb.h"

ABSL_FLAG(std::string, contract, "", "cases, alerts: contract id");
ABSL_FLAG(std::string, state, "",
          "cases: open or closed (empty: both); deliveries: pending, "
          "verified, rejected or superseded (empty: all)");
ABSL_FLAG(std::string, stage, "",
          "cases: only this stage; action: the stage (NOTICE, "
          "REMEDIATION_PLAN, FINANCIAL_REMEDY, PERFORMANCE_NOTICE, "
          "TERMINATION_RECOMMENDED; empty: the case's own)");
ABSL_FLAG(bool, overdue, false, "cases: only overdue ones");
ABSL_FLAG(std::string, note, "",
          "action, close-case, verify, report: the note");
ABSL_FLAG(std::string, amount, "",
          "action: financial-remedy credits, e.g. £1,250.50 or 12k");
ABSL_FLAG(std::string, skip_reason, "",
          "action: why the stage skips stages of the ladder (required then)");
ABSL_FLAG(std::string, agreed_date, "",
          "action: REMEDIATION_PLAN's agreed date, YYYY-MM-DD");
ABSL_FLAG(std::string, reason, "",
          "close-case: remedied, waived or terminated; reject, amend, "
          "withdraw, close-contract: why");
ABSL_FLAG(std::string, rating, "",
          "assess: GOOD, APPROACHING_TARGET, REQUIRES_IMPROVEMENT or "
          "INADEQUATE");
ABSL_FLAG(std::string, evidence, "", "assess: the evidence for the rating");
ABSL_FLAG(std::string, assessed_on, "", "assess: the date, YYYY-MM-DD");
ABSL_FLAG(std::string, request_id, "",
          "action, close-case, assess: the request id (default: derived from "
          "the request, so running the same command again is replayed)");

namespace svledger::cli {
namespace {

// --request-id, or one derived from the request (a retry is replayed).
std::string RequestId(const std::string& command,
                      const google::protobuf::Message& request) {
  std::string id = absl::GetFlag(FLAGS_request_id);
  if (!id.empty()) return id;
  return RequestIdFor(command, {request.SerializeAsString()});
}

std::string StageText(v1::EnforcementStage stage) {
  return stage == v1::ENFORCEMENT_STAGE_UNSPECIFIED
             ? "-"
             : v1::EnforcementStage_Name(stage);
}

// Prints a command's answer (position to read your own write).
int Answered(const grpc::Status& status, const v1::CommandResponse& r) {
  if (!status.ok()) return Fail(status);
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(r);
  } else {
    std::printf("recorded at position %llu%s\n",
                static_cast<unsigned long long>(r.position()),
                r.replayed() ? " (replayed: already recorded)" : "");
  }
  return 0;
}

int ListCases(v1::EnforcementService::Stub& stub) {
  v1::ListCasesRequest request;
  request.set_council(absl::GetFlag(FLAGS_council));
  request.set_contract_id(absl::GetFlag(FLAGS_contract));
  request.set_supplier_id(absl::GetFlag(FLAGS_supplier));
  if (const std::string s = absl::GetFlag(FLAGS_state); !s.empty()) {
    absl::StatusOr<v1::CaseState> state =
        ParseEnum<v1::CaseState>(s, "--state");
    if (!state.ok()) return Usage(std::string(state.status().message()));
    request.set_state(*state);
  }
  if (const std::string s = absl::GetFlag(FLAGS_stage); !s.empty()) {
    absl::StatusOr<v1::EnforcementStage> stage =
        ParseEnum<v1::EnforcementStage>(s, "--stage");
    if (!stage.ok()) return Usage(std::string(stage.status().message()));
    request.set_stage(*stage);
  }
  SetFieldFlags({{"council", "--council"},
                 {"contract_id", "--contract"},
                 {"supplier_id", "--supplier"},
                 {"page_size", "--page-size"},
                 {"page_token", "--page-token"}});
  request.set_overdue_only(absl::GetFlag(FLAGS_overdue));
  request.set_page_size(absl::GetFlag(FLAGS_page_size));
  request.set_page_token(absl::GetFlag(FLAGS_page_token));
  request.set_min_position(absl::GetFlag(FLAGS_min_position));
  request.set_latest(true);
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  v1::ListCasesResponse response;
  grpc::Status status = stub.ListCases(&context, request, &response);
  if (!status.ok()) return Fail(status);
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(response);
    return 0;
  }
  Table table({{"CONTRACT", true},
               {"CASE", true},
               {"STAGE"},
               {"STATE"},
               {"OPENED"},
               {"DUE"},
               {"COUNCIL"},
               {"SUPPLIER"}});
  for (const v1::EnforcementCase& c : response.cases()) {
    std::string state_text;
    if (c.state() == v1::CASE_CLOSED) {
      state_text = "closed " + v1::CaseCloseReason_Name(c.close_reason());
    } else if (c.overdue()) {
      state_text = Coloured("OVERDUE", "1;31");
    } else {
      state_text = "open";
    }
    table.AddRow({c.contract_id(), c.case_id(), StageText(c.stage()),
                  state_text, InstantText(c.opened()).substr(0, 10),
                  c.has_due() ? InstantText(c.due()).substr(0, 10) : "-",
                  c.council(), c.supplier_name()});
  }
  table.Print();
  if (!response.next_page_token().empty()) {
    std::printf("more: --page-token='%s'\n",
                response.next_page_token().c_str());
  }
  return 0;
}

void PrintCaseEvent(const v1::CaseEvent& e) {
  std::string what;
  switch (e.change_case()) {
    case v1::CaseEvent::kOpened:
      what = absl::StrFormat(
          "opened at %s: %s, %s delivered of %s expected (short %s)",
          StageText(e.opened().stage()),
          v1::CommitmentStatus_Name(e.opened().trigger().status()),
          e.opened().trigger().delivered(), e.opened().trigger().expected(),
          e.opened().trigger().shortfall());
      break;
    case v1::CaseEvent::kAction:
      what = absl::StrCat("action at ", StageText(e.action().stage()), ": ",
                          e.action().note());
      if (e.action().has_agreed_date()) {
        absl::StrAppend(&what, " (agreed ", DateText(e.action().agreed_date()),
                        ")");
      }
      if (e.action().amount().pence() > 0) {
        absl::StrAppend(&what, " (", Gbp(e.action().amount()), ")");
      }
      break;
    case v1::CaseEvent::kEscalated:
      what = absl::StrCat("escalated to ", StageText(e.escalated().to()), ": ",
                          e.escalated().reason());
      break;
    case v1::CaseEvent::kClosed:
      what =
          absl::StrCat("closed ", v1::CaseCloseReason_Name(e.closed().reason()),
                       ": ", e.closed().note());
      break;
    default:
      what = "?";
  }
  std::printf("  %8llu  %s  %-16s %s\n",
              static_cast<unsigned long long>(e.position()),
              InstantText(e.recorded()).c_str(), Short(e.actor(), 16).c_str(),
              what.c_str());
}

int GetCase(v1::EnforcementService::Stub& stub,
            const std::vector<char*>& args) {
  if (args.size() < 4) return Usage("case needs CONTRACT and CASE");
  v1::GetCaseRequest request;
  request.set_contract_id(args[2]);
  request.set_case_id(args[3]);
  request.set_min_position(absl::GetFlag(FLAGS_min_position));
  request.set_latest(true);
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  v1::EnforcementCase c;
  grpc::Status status = stub.GetCase(&context, request, &c);
  if (!status.ok()) return Fail(status);
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(c);
    return 0;
  }
  std::printf("case %s on %s (%s) · council %s · supplier %s\n",
              c.case_id().c_str(), c.contract_id().c_str(),
              c.contract_title().c_str(), c.council().c_str(),
              c.supplier_name().c_str());
  std::printf("commitment %s (%s) · stage %s since %s",
              c.commitment_id().c_str(), c.measure_id().c_str(),
              StageText(c.stage()).c_str(),
              InstantText(c.stage_since()).c_str());
  if (c.state() == v1::CASE_CLOSED) {
    std::printf(" · closed %s %s\n",
                v1::CaseCloseReason_Name(c.close_reason()).c_str(),
                InstantText(c.closed()).c_str());
  } else {
    std::printf(" · due %s%s\n", InstantText(c.due()).c_str(),
                c.overdue() ? " · OVERDUE" : "");
  }
  if (c.remedies().pence() > 0) {
    std::printf("financial remedies %s\n", Gbp(c.remedies()).c_str());
  }
  std::printf("\nhistory (position, recorded, actor):\n");
  for (const v1::CaseEvent& e : c.history()) PrintCaseEvent(e);
  return 0;
}

int RecordAction(v1::EnforcementService::Stub& stub,
                 const std::vector<char*>& args) {
  if (args.size() < 4) return Usage("action needs CONTRACT and CASE");
  SetFieldFlags({{"case_id", "CASE"},
                 {"stage", "--stage"},
                 {"note", "--note"},
                 {"skip_reason", "--skip-reason"},
                 {"amount", "--amount"},
                 {"agreed_date", "--agreed-date"}});
  v1::RecordActionRequest request;
  request.set_contract_id(args[2]);
  v1::EnforcementActionRecorded& a = *request.mutable_action();
  a.set_case_id(args[3]);
  if (const std::string s = absl::GetFlag(FLAGS_stage); !s.empty()) {
    absl::StatusOr<v1::EnforcementStage> stage =
        ParseEnum<v1::EnforcementStage>(s, "--stage");
    if (!stage.ok()) return Usage(std::string(stage.status().message()));
    a.set_stage(*stage);
  }
  a.set_note(absl::GetFlag(FLAGS_note));
  a.set_skip_reason(absl::GetFlag(FLAGS_skip_reason));
  if (const std::string gbp = absl::GetFlag(FLAGS_amount); !gbp.empty()) {
    absl::StatusOr<int64_t> pence = domain::ParsePounds(gbp, "--amount");
    if (!pence.ok()) return Usage(std::string(pence.status().message()));
    a.mutable_amount()->set_pence(*pence);
  }
  if (const std::string d = absl::GetFlag(FLAGS_agreed_date); !d.empty()) {
    absl::StatusOr<v1::Date> date = ParseDateFlag(d, "--agreed-date");
    if (!date.ok()) return Usage(std::string(date.status().message()));
    *a.mutable_agreed_date() = *date;
  }
  request.set_request_id(RequestId("action", request));
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  v1::CommandResponse response;
  return Answered(stub.RecordAction(&context, request, &response), response);
}

int CloseCase(v1::EnforcementService::Stub& stub,
              const std::vector<char*>& args) {
  if (args.size() < 4) return Usage("close-case needs CONTRACT and CASE");
  SetFieldFlags(
      {{"case_id", "CASE"}, {"reason", "--reason"}, {"note", "--note"}});
  v1::CloseCaseRequest request;
  request.set_contract_id(args[2]);
  request.mutable_close()->set_case_id(args[3]);
  if (const std::string r = absl::GetFlag(FLAGS_reason); !r.empty()) {
    absl::StatusOr<v1::CaseCloseReason> reason =
        ParseEnum<v1::CaseCloseReason>(r, "--reason");
    if (!reason.ok()) return Usage(std::string(reason.status().message()));
    request.mutable_close()->set_reason(*reason);
  }
  request.mutable_close()->set_note(absl::GetFlag(FLAGS_note));
  request.set_request_id(RequestId("close-case", request));
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  v1::CommandResponse response;
  return Answered(stub.CloseCase(&context, request, &response), response);
}

int Assess(v1::EnforcementService::Stub& stub, const std::vector<char*>& args) {
  if (args.size() < 3) return Usage("assess needs CONTRACT");
  SetFieldFlags({{"rating", "--rating"},
                 {"evidence", "--evidence"},
                 {"assessed_on", "--assessed-on"}});
  v1::RecordPerformanceAssessmentRequest request;
  request.set_contract_id(args[2]);
  v1::PerformanceAssessmentRecorded& a = *request.mutable_assessment();
  if (const std::string r = absl::GetFlag(FLAGS_rating); !r.empty()) {
    absl::StatusOr<v1::KpiRating> rating =
        ParseEnum<v1::KpiRating>(r, "--rating");
    if (!rating.ok()) return Usage(std::string(rating.status().message()));
    a.set_rating(*rating);
  }
  a.set_evidence(absl::GetFlag(FLAGS_evidence));
  if (const std::string d = absl::GetFlag(FLAGS_assessed_on); !d.empty()) {
    absl::StatusOr<v1::Date> date = ParseDateFlag(d, "--assessed-on");
    if (!date.ok()) return Usage(std::string(date.status().message()));
    *a.mutable_assessed_on() = *date;
  }
  request.set_request_id(RequestId("assess", request));
  grpc::ClientContext context;
  AddCredentials(context);
  SetDeadline(context);
  v1::CommandResponse response;
  return Answered(
      stub.RecordPerformanceAssessment(&context, request, &response), response);
}

std::string AlertText(const v1::Alert& a) {
  switch (a.change_case()) {
    case v1::Alert::kStatusChanged:
      return absl::StrCat(a.commitment_id(), " ",
                          v1::CommitmentStatus_Name(a.status_changed().from()),
                          " -> ",
                          v1::CommitmentStatus_Name(a.status_changed().to()));
    case v1::Alert::kCaseOpened:
      return absl::StrCat("case ", a.case_id(), " opened at ",
                          StageText(a.case_opened().stage()));
    case v1::Alert::kCaseAction:
      return absl::StrCat("case ", a.case_id(), " action at ",
                          StageText(a.case_action().stage()), ": ",
                          a.case_action().note());
    case v1::Alert::kCaseEscalated:
      return absl::StrCat("case ", a.case_id(), " escalated to ",
                          StageText(a.case_escalated().to()), ": ",
                          a.case_escalated().reason());
    case v1::Alert::kCaseClosed:
      return absl::StrCat("case ", a.case_id(), " closed ",
                          v1::CaseCloseReason_Name(a.case_closed().reason()));
    case v1::Alert::kDeliveryReported: {
      const v1::DeliveryReported& d = a.delivery_reported();
      return absl::StrCat(
          "delivery ", a.delivery_id(), " reported against ", a.commitment_id(),
          ": ", Figure(d.quantity()),
          d.denominator().empty() ? "" : " of " + Figure(d.denominator()),
          " for ", DateText(d.period_start()), "..", DateText(d.period_end()),
          a.on_behalf_of().empty() ? "" : " (for " + a.on_behalf_of() + ")",
          ", pending verification");
    }
    case v1::Alert::kDeliveryVerified:
      return absl::StrCat("delivery ", a.delivery_id(), " verified");
    case v1::Alert::kDeliveryRejected:
      return absl::StrCat("delivery ", a.delivery_id(),
                          " rejected: ", a.delivery_rejected().reason());
    case v1::Alert::kAssessmentRecorded:
      return absl::StrCat("performance assessed ",
                          v1::KpiRating_Name(a.assessment_recorded().rating()),
                          " on ",
                          DateText(a.assessment_recorded().assessed_on()), ": ",
                          a.assessment_recorded().evidence());
    default:
      return "?";
  }
}

int WatchAlerts(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = v1::AlertService::NewStub(channel);
  v1::WatchAlertsRequest request;
  request.set_from_position(absl::GetFlag(FLAGS_from));
  request.set_council(absl::GetFlag(FLAGS_council));
  request.set_contract_id(absl::GetFlag(FLAGS_contract));
  grpc::ClientContext context;  // no deadline: a watch runs until stopped
  AddCredentials(context);
  auto reader = stub->WatchAlerts(&context, request);
  const bool json = absl::GetFlag(FLAGS_json);
  const uint64_t count = absl::GetFlag(FLAGS_count);
  uint64_t seen = 0;
  v1::WatchAlertsResponse response;
  while (reader->Read(&response)) {
    for (const v1::Alert& a : response.alerts()) {
      if (json) {
        PrintJson(a);
      } else {
        std::printf("%8llu  %s  %-11s %-14s %-16s %s\n",
                    static_cast<unsigned long long>(a.position()),
                    InstantText(a.recorded()).c_str(),
                    Short(a.council(), 11).c_str(),
                    Short(a.contract_id(), 14).c_str(),
                    Short(a.actor(), 16).c_str(), AlertText(a).c_str());
      }
      if (count > 0 && ++seen >= count) {
        context.TryCancel();
        reader->Finish().IgnoreError();  // cancelled by us
        return 0;
      }
    }
    if (response.caught_up() && !json) {
      std::printf("-- caught up at %llu; live --\n",
                  static_cast<unsigned long long>(response.next_position()));
    }
    std::fflush(stdout);
  }
  grpc::Status status = reader->Finish();
  return status.ok() ? 0 : Fail(status);
}

}  // namespace

int RunEnforcementCommand(const std::string& command,
                          const std::shared_ptr<grpc::Channel>& channel,
                          const std::vector<char*>& args) {
  auto stub = v1::EnforcementService::NewStub(channel);
  if (command == "cases") return ListCases(*stub);
  if (command == "case") return GetCase(*stub, args);
  if (command == "action") return RecordAction(*stub, args);
  if (command == "close-case") return CloseCase(*stub, args);
  if (command == "assess") return Assess(*stub, args);
  if (command == "alerts") return WatchAlerts(channel);
  return -1;
}

int CallEnforcementJson(const std::shared_ptr<grpc::Channel>& channel,
                        const std::string& method, const std::string& json) {
  auto stub = v1::EnforcementService::NewStub(channel);
#define SVCTL_METHOD(Name, Request, Response)                            \
  if (method == "EnforcementService." #Name) {                           \
    return CallJson<v1::Request, v1::Response>(                          \
        json, [&](grpc::ClientContext* c, const v1::Request& r,          \
                  v1::Response* out) { return stub->Name(c, r, out); }); \
  }
  SVCTL_METHOD(RecordAction, RecordActionRequest, CommandResponse)
  SVCTL_METHOD(CloseCase, CloseCaseRequest, CommandResponse)
  SVCTL_METHOD(RecordPerformanceAssessment, RecordPerformanceAssessmentRequest,
               CommandResponse)
  SVCTL_METHOD(ListCases, ListCasesRequest, ListCasesResponse)
  SVCTL_METHOD(GetCase, GetCaseRequest, EnforcementCase)
#undef SVCTL_METHOD
  return -1;
}

}  // namespace svledger::cli
