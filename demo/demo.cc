#include "demo/demo.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "common/random.h"
#include "domain/decimal.h"
#include "domain/framework_catalog.h"

namespace svledger::demo {
namespace {

constexpr int kContractsPerCouncil = 6;
constexpr int kCommitmentsPerContract = 5;
constexpr int kThreads = 8;

struct Supplier {
  const char* id;
  const char* name;
};
constexpr std::array<Supplier, 8> kSuppliers = {{
    {"acme-facilities", "Acme Facilities Ltd"},
    {"greenway-construction", "Greenway Construction plc"},
    {"northern-care", "Northern Care Partnership"},
    {"brightpath-it", "BrightPath IT Services"},
    {"civic-catering", "Civic Catering Co"},
    {"riverside-transport", "Riverside Transport Ltd"},
    {"oakfield-highways", "Oakfield Highways Ltd"},
    {"unity-cleaning", "Unity Cleaning CIC"},
}};

constexpr std::array<const char*, 6> kTitles = {
    "Highways maintenance", "Adult social care home support",
    "School catering",      "Waste collection and recycling",
    "IT managed service",   "Building repairs and maintenance"};

// How suppliers keep their promises: delivered / promised, per commitment.
constexpr std::array<double, 6> kPerformance = {1.35, 1.2, 1.1, 1.0, 0.85, 0.5};

v1::Date ToDate(absl::CivilDay day) {
  v1::Date d;
  d.set_year(static_cast<int>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

// A uniform double in [lo, hi).
double Uniform(RandomSource& random, double lo, double hi) {
  return lo + (hi - lo) * static_cast<double>(random.Next64() >> 11) /
                  static_cast<double>(uint64_t{1} << 53);
}

// A plausible target for a measure of `unit` over a contract.
double TargetFor(const v1::Measure& m, RandomSource& random) {
  if (m.aggregation() != v1::SUM) return std::round(Uniform(random, 20, 80));
  switch (m.unit()) {
    case v1::GBP:
      return std::round(Uniform(random, 20, 500)) * 1000;
    case v1::HOURS:
      return std::round(Uniform(random, 20, 300)) * 10;
    case v1::DAYS:
      return std::round(Uniform(random, 50, 400));
    case v1::WEEKS:
      return std::round(Uniform(random, 20, 200));
    case v1::KWH:
      return std::round(Uniform(random, 10, 200)) * 1000;
    case v1::TONNES_CO2E:
      return std::round(Uniform(random, 10, 200));
    case v1::CUBIC_METRES:
      return std::round(Uniform(random, 100, 2000));
    case v1::MILES:
      return std::round(Uniform(random, 1, 20)) * 1000;
    default:
      return std::round(Uniform(random, 5, 40));  // people, count
  }
}

// Runs one command of app::Commands as `actor` and waits for its outcome.
template <typename Request>
absl::Status Run(app::Commands& commands,
                 void (app::Commands::*method)(const app::Caller&,
                                               const Request&,
                                               app::CommandDone),
                 const std::string& actor, const Request& request) {
  return app::AwaitCommand([&](app::CommandDone done) {
           (commands.*method)(app::Caller::System(actor), request,
                              std::move(done));
         })
      .status();
}

// One contract's commands, in order.
struct Script {
  std::string contract_id;
  std::vector<std::function<absl::Status(app::Commands&,
                                         const std::string& request_id)>>
      steps;
};

template <typename Request>
auto Step(Request request,
          void (app::Commands::*method)(const app::Caller&, const Request&,
                                        app::CommandDone)) {
  return [request = std::move(request), method](
             app::Commands& commands, const std::string& request_id) mutable {
    request.set_request_id(request_id);
    return Run(commands, method, "demo", request);
  };
}

// A generated figure as the decimal a person would type: to the penny
// (two decimal places).
std::string DecimalText(double value) {
  return domain::Decimal::FromLegacyDouble(std::round(value * 100) / 100)
      .ToString();
}

Script MakeScript(const v1::Framework& framework,
                  const v1::MeasureLibrary& library, int index,
                  absl::CivilDay today, RandomSource& random) {
  Script script;
  std::string prefix = absl::AsciiStrToUpper(framework.id().substr(0, 3));
  const absl::CivilDay start =
      absl::CivilDay(absl::CivilMonth(today) - (24 - index * 3));
  const absl::CivilDay end =
      absl::CivilDay(absl::CivilMonth(start) + 12 * (3 + index % 3)) - 1;
  script.contract_id =
      absl::StrCat(prefix, "-", start.year(), "-", 101 + index);
  const Supplier& supplier =
      kSuppliers[(index * 3 + framework.id().size()) % kSuppliers.size()];

  v1::RegisterContractRequest reg;
  v1::ContractRegistered& c = *reg.mutable_contract();
  c.set_contract_id(script.contract_id);
  c.mutable_framework()->set_id(framework.id());
  c.mutable_framework()->set_version(framework.version());
  c.set_title(kTitles[index % kTitles.size()]);
  c.set_supplier_id(supplier.id);
  c.set_supplier_name(supplier.name);
  c.mutable_value()->set_pence(
      static_cast<int64_t>(std::round(Uniform(random, 5, 80))) * 10'000'000);
  *c.mutable_start() = ToDate(start);
  *c.mutable_end() = ToDate(end);
  c.set_social_value_weighting_percent(index % 2 == 0 ? 10 : 5);
  c.set_contract_manager(absl::StrCat(framework.id(), "-manager"));
  script.steps.push_back(Step(reg, &app::Commands::RegisterContract));

  // Measures the framework names, in a seeded order.
  std::vector<const v1::Measure*> measures;
  for (const v1::Theme& t : framework.themes()) {
    for (const v1::Outcome& o : t.outcomes()) {
      for (const v1::MeasureRef& r : o.measures()) {
        const v1::Measure* m = domain::FindMeasure(library, r.measure_id());
        if (m != nullptr &&
            std::find(measures.begin(), measures.end(), m) == measures.end()) {
          measures.push_back(m);
        }
      }
    }
  }
  for (size_t i = measures.size(); i > 1; --i) {
    std::swap(measures[i - 1], measures[random.Next64() % i]);
  }
  measures.resize(std::min<size_t>(measures.size(), kCommitmentsPerContract));

  v1::AddCommitmentsRequest add;
  add.set_contract_id(script.contract_id);
  struct Planned {
    const v1::Measure* measure;
    std::string id;
    double target;
    absl::CivilDay due;
    double performance;
  };
  std::vector<Planned> planned;
  for (size_t i = 0; i < measures.size(); ++i) {
    Planned p{
        measures[i], absl::StrCat("c", i + 1), TargetFor(*measures[i], random),
        i % 2 == 0
            ? end
            : std::min(end, absl::CivilDay(absl::CivilMonth(start) + 24) - 1),
        // Each supplier performs at its own level, give or take.
        kPerformance[(index + framework.id().size()) % kPerformance.size()] *
            Uniform(random, 0.95, 1.1)};
    v1::Commitment& cm = *add.add_commitments();
    cm.set_commitment_id(p.id);
    cm.set_measure_id(p.measure->id());
    cm.set_target(DecimalText(p.target));
    *cm.mutable_due() = ToDate(p.due);
    cm.set_verification_method("quarterly return with evidence");
    if (i == 0) cm.set_locality(absl::StrCat("within ", framework.council()));
    planned.push_back(p);
  }
  script.steps.push_back(Step(add, &app::Commands::AddCommitments));

  // Quarterly deliveries up to the last whole quarter before today.
  int delivery = 0;
  for (absl::CivilMonth q = absl::CivilMonth(start);; q += 3) {
    const absl::CivilDay period_start(q);
    const absl::CivilDay period_end = absl::CivilDay(q + 3) - 1;
    if (period_end >= today) break;
    // Some managers are behind with verifying the latest quarter.
    const bool latest = index % 3 == 0 && absl::CivilDay(q + 6) - 1 >= today;
    for (const Planned& p : planned) {
      if (period_start > p.due) continue;
      const double span = std::max<double>(1, p.due - start + 1);
      // Reports trail the calendar by a quarter; suppliers that keep
      // their promises front-load delivery to stay ahead of it.
      const double share = 1.25 * (period_end - period_start + 1) / span;
      const double noise = Uniform(random, 0.8, 1.2);
      v1::ReportDeliveryRequest report;
      report.set_contract_id(script.contract_id);
      v1::DeliveryReported& d = *report.mutable_delivery();
      d.set_delivery_id(absl::StrCat("d", ++delivery));
      d.set_commitment_id(p.id);
      *d.mutable_period_start() = ToDate(period_start);
      *d.mutable_period_end() = ToDate(period_end);
      switch (p.measure->aggregation()) {
        case v1::RATIO: {
          const double total = std::round(Uniform(random, 50, 500)) * 1000;
          d.set_denominator(DecimalText(total));
          d.set_quantity(DecimalText(std::round(
              total * std::min(1.0, p.target / 100 * p.performance * noise))));
          break;
        }
        case v1::LATEST:
          d.set_quantity(DecimalText(
              std::min(100.0, std::round(p.target * p.performance * noise))));
          break;
        default: {
          double q_value = p.target * share * p.performance * noise;
          if (p.measure->unit() != v1::GBP && p.measure->unit() != v1::KWH) {
            q_value = std::round(q_value);
          }
          d.set_quantity(DecimalText(std::max(0.0, q_value)));
        }
      }
      d.mutable_evidence()->set_uri(absl::StrCat("https://evidence.example/",
                                                 script.contract_id, "/",
                                                 d.delivery_id()));
      d.set_note("quarterly return");
      script.steps.push_back(Step(report, &app::Commands::ReportDelivery));
      if (latest) continue;  // awaiting verification
      if (random.Next64() % 100 < 8) {
        v1::RejectDeliveryRequest reject;
        reject.set_contract_id(script.contract_id);
        reject.mutable_rejection()->set_delivery_id(d.delivery_id());
        reject.mutable_rejection()->set_reason("evidence does not show it");
        script.steps.push_back(Step(reject, &app::Commands::RejectDelivery));
      } else {
        v1::VerifyDeliveryRequest verify;
        verify.set_contract_id(script.contract_id);
        verify.mutable_verification()->set_delivery_id(d.delivery_id());
        script.steps.push_back(Step(verify, &app::Commands::VerifyDelivery));
      }
    }
  }
  if (index == 4 && planned.size() > 1) {
    v1::WithdrawCommitmentRequest withdraw;
    withdraw.set_contract_id(script.contract_id);
    withdraw.mutable_withdrawal()->set_commitment_id(planned.back().id);
    withdraw.mutable_withdrawal()->set_reason("service scope reduced");
    script.steps.push_back(Step(withdraw, &app::Commands::WithdrawCommitment));
  }
  if (index == 5 && !planned.empty()) {
    v1::AmendCommitmentRequest amend;
    amend.set_contract_id(script.contract_id);
    amend.mutable_amendment()->set_commitment_id(planned.front().id);
    amend.mutable_amendment()->set_target(
        DecimalText(planned.front().target * 0.8));
    amend.mutable_amendment()->set_reason("agreed at annual review");
    script.steps.push_back(Step(amend, &app::Commands::AmendCommitment));
  }
  return script;
}

}  // namespace

absl::Status LoadDemo(app::Application& app, absl::CivilDay today,
                      uint64_t seed) {
  const app::FrameworkStore& frameworks = app.framework_store();
  std::shared_ptr<const v1::MeasureLibrary> library = frameworks.Library();
  if (library == nullptr) {
    return absl::FailedPreconditionError("demo: no measure library published");
  }
  SeededRandom random(seed);
  std::vector<Script> scripts;
  for (const auto& framework : frameworks.List()) {
    for (int i = 0; i < kContractsPerCouncil; ++i) {
      scripts.push_back(MakeScript(*framework, *library, i, today, random));
    }
  }
  absl::Mutex mu;
  absl::Status first_error;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; i < scripts.size(); i += kThreads) {
        for (size_t s = 0; s < scripts[i].steps.size(); ++s) {
          absl::Status status = scripts[i].steps[s](
              app.commands(),
              absl::StrCat("demo-", scripts[i].contract_id, "-", s));
          if (!status.ok()) {
            absl::MutexLock lock(&mu);
            if (first_error.ok()) {
              first_error = absl::Status(
                  status.code(),
                  absl::StrCat("demo ", scripts[i].contract_id, " step ", s,
                               ": ", status.message()));
            }
            return;
          }
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return first_error;
}

namespace {

// Runs one enforcement command as the demo's contract manager.
template <typename Request>
absl::Status Manage(app::Application& app,
                    void (app::Commands::*method)(const app::Caller&,
                                                  const Request&,
                                                  app::CommandDone),
                    const Request& request) {
  return Run(app.commands(), method, "demo.manager", request);
}

absl::Status DemoError(const std::string& what, const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat("demo ", what, ": ", status.message()));
}

}  // namespace

absl::Status LoadDemoEnforcement(app::Application& app, absl::CivilDay today,
                                 uint64_t min_position) {
  if (!app.progress().applied().WaitFor(min_position,
                                        absl::Now() + absl::Seconds(30))) {
    return absl::DeadlineExceededError(
        absl::StrCat("demo: the projection did not apply position ",
                     min_position, " in 30 s"));
  }
  v1::ListCasesRequest list;
  list.set_state(v1::CASE_OPEN);
  list.set_page_size(500);
  absl::StatusOr<v1::ListCasesResponse> cases =
      app.cases().ListCases(app::Caller::System("svledger-demo"), list);
  if (!cases.ok()) return DemoError("cases", cases.status());
  // The first three open cases of each council, oldest first.
  std::map<std::string, int> per_council;
  for (const v1::EnforcementCase& c : cases->cases()) {
    const int n = per_council[c.council()]++;
    const std::string id =
        absl::StrCat("demo-enf-", c.contract_id(), "-",
                     absl::StrReplaceAll(c.case_id(), {{"#", "."}}), "-");
    absl::Status status;
    if (n == 0) {
      // Warned, then a plan whose date has passed: the policy escalates it.
      v1::RecordActionRequest warn;
      warn.set_request_id(id + "warn");
      warn.set_contract_id(c.contract_id());
      warn.mutable_action()->set_case_id(c.case_id());
      warn.mutable_action()->set_stage(v1::NOTICE);
      warn.mutable_action()->set_note("warning letter sent to the supplier");
      status = Manage(app, &app::Commands::RecordAction, warn);
      v1::RecordActionRequest plan = warn;
      plan.set_request_id(id + "plan");
      plan.mutable_action()->set_stage(v1::REMEDIATION_PLAN);
      plan.mutable_action()->set_note("recovery plan agreed at review meeting");
      *plan.mutable_action()->mutable_agreed_date() = ToDate(today - 14);
      if (status.ok()) {
        status = Manage(app, &app::Commands::RecordAction, plan);
      }
    } else if (n == 1) {
      // A plan still running.
      v1::RecordActionRequest plan;
      plan.set_request_id(id + "plan");
      plan.set_contract_id(c.contract_id());
      plan.mutable_action()->set_case_id(c.case_id());
      plan.mutable_action()->set_stage(v1::REMEDIATION_PLAN);
      plan.mutable_action()->set_note("supplier to recruit through job centre");
      *plan.mutable_action()->mutable_agreed_date() = ToDate(today + 45);
      status = Manage(app, &app::Commands::RecordAction, plan);
    } else if (n == 2) {
      // Waived by the council.
      v1::CloseCaseRequest waive;
      waive.set_request_id(id + "waive");
      waive.set_contract_id(c.contract_id());
      waive.mutable_close()->set_case_id(c.case_id());
      waive.mutable_close()->set_reason(v1::WAIVED);
      waive.mutable_close()->set_note(
          "delivery moved into next year by agreed variation");
      status = Manage(app, &app::Commands::CloseCase, waive);
    }
    if (!status.ok())
      return DemoError(c.contract_id() + " " + c.case_id(), status);
  }
  return absl::OkStatus();
}

}  // namespace svledger::demo
