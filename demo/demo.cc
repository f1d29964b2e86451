#include "demo/demo.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "common/random.h"
#include "domain/decimal.h"
#include "domain/framework_catalog.h"

namespace svledger::demo {
namespace {

// How a supplier keeps its promises; see demo.h.
enum class Profile {
  kExemplary,
  kGood,
  kSteady,
  kSlipping,
  kRecovers,
  kFailing
};

// What a contract buys, and so which measures its commitments are on: the
// first of these the council's framework names, in this order (the first
// two are cumulative, so a story can fall short on them).
enum class Kind {
  kHighways,
  kConstruction,
  kFacilities,
  kCleaning,
  kCare,
  kIt,
  kGrounds,
  kCatering,
  kWaste,
  kTransport
};

std::vector<const char*> MeasuresFor(Kind kind) {
  switch (kind) {
    case Kind::kHighways:
      return {"jobs.new_local",      "apprenticeships.new",
              "spend.local_percent", "carbon.reduction_percent",
              "traineeships.new",    "work_experience.days",
              "carbon.saved_tonnes"};
    case Kind::kConstruction:
      return {"apprenticeships.new",     "jobs.new_local",
              "spend.local_percent",     "waste.landfill_reduction_percent",
              "waste.reduction_percent", "work_experience.days",
              "carbon.reduction_percent"};
    case Kind::kFacilities:
      return {"jobs.priority_groups",      "volunteering.hours",
              "staff.living_wage_percent", "spend.vcse_percent",
              "energy.reduction_percent",  "energy.saved_kwh"};
    case Kind::kCleaning:
      return {"jobs.priority_groups", "jobs.new_local",
              "staff.living_wage_percent", "waste.reduction_percent",
              "spend.local_percent"};
    case Kind::kCare:
      return {"volunteering.hours",           "service_users.befriended",
              "health.campaign_participants", "staff.living_wage_percent",
              "staff.trained_percent",        "staff.wellbeing_offered_percent",
              "service_users.codesign"};
    case Kind::kIt:
      return {"apprenticeships.new",        "schools.sessions",
              "employability.young_people", "business.startups_supported",
              "staff.living_wage_percent",  "spend.local_percent"};
    case Kind::kGrounds:
      return {"biodiversity.projects",
              "volunteering.hours",
              "biodiversity.pesticide_reduction_percent",
              "green_spaces.improvements",
              "jobs.new_local",
              "community.engaged_residents",
              "staff.living_wage_percent"};
    case Kind::kCatering:
      return {"jobs.priority_groups",         "food.initiatives",
              "health.campaign_participants", "spend.local_percent",
              "spend.fairtrade_food_percent", "waste.reduction_percent"};
    case Kind::kWaste:
      return {"jobs.new_local",
              "apprenticeships.new",
              "waste.reuse_recycling_percent",
              "waste.reduction_percent",
              "carbon.reduction_percent",
              "spend.local_percent"};
    case Kind::kTransport:
      return {"jobs.new_local", "traineeships.new", "carbon.reduction_percent",
              "staff.living_wage_percent", "spend.local_percent"};
  }
  return {};
}

constexpr size_t kCommitmentsPerContract = 4;

struct ContractSpec {
  const char* council;
  const char* title;
  const char* supplier_id;
  const char* supplier_name;
  Kind kind;
  Profile profile;
  int start_offset_months;  // after the first contract's start
  int term_years;
};

// The demo's contracts, five per council. NOR-<year>-101 and so on, in
// this order. The supplier ids of acme-facilities and
// greenway-construction are the demo's supplier personas.
constexpr ContractSpec kContracts[] = {
    {"norwich", "Highways maintenance and street lighting", "oakfield-highways",
     "Oakfield Highways Ltd", Kind::kHighways, Profile::kRecovers, 0, 5},
    {"norwich", "Council housing repairs and maintenance",
     "greenway-construction", "Greenway Construction plc", Kind::kConstruction,
     Profile::kFailing, 3, 4},
    {"norwich", "City Hall facilities management", "acme-facilities",
     "Acme Facilities Ltd", Kind::kFacilities, Profile::kExemplary, 3, 3},
    {"norwich", "Parks, open spaces and tree management", "wensum-grounds",
     "Wensum Grounds Care Ltd", Kind::kGrounds, Profile::kSlipping, 4, 3},
    {"norwich", "IT managed service and digital support", "brightpath-it",
     "BrightPath IT Services", Kind::kIt, Profile::kGood, 6, 3},

    {"derbyshire", "Highways term maintenance", "oakfield-highways",
     "Oakfield Highways Ltd", Kind::kHighways, Profile::kGood, 1, 5},
    {"derbyshire", "Home care and reablement", "northern-care",
     "Northern Care Partnership", Kind::kCare, Profile::kSlipping, 3, 4},
    {"derbyshire", "School and civic buildings cleaning", "unity-cleaning",
     "Unity Cleaning CIC", Kind::kCleaning, Profile::kExemplary, 5, 3},
    {"derbyshire", "Schools capital building programme",
     "greenway-construction", "Greenway Construction plc", Kind::kConstruction,
     Profile::kSteady, 6, 3},
    {"derbyshire", "County Hall catering", "civic-catering",
     "Civic Catering Co", Kind::kCatering, Profile::kFailing, 2, 3},

    {"lancashire", "Waste collection and recycling", "ribble-waste",
     "Ribble Waste Services Ltd", Kind::kWaste, Profile::kSteady, 0, 5},
    {"lancashire", "Adult residential care", "northern-care",
     "Northern Care Partnership", Kind::kCare, Profile::kRecovers, 1, 4},
    {"lancashire", "Corporate estate facilities management", "acme-facilities",
     "Acme Facilities Ltd", Kind::kFacilities, Profile::kGood, 3, 3},
    {"lancashire", "Highways and winter gritting", "oakfield-highways",
     "Oakfield Highways Ltd", Kind::kHighways, Profile::kSlipping, 4, 4},
    {"lancashire", "Home-to-school transport", "riverside-transport",
     "Riverside Transport Ltd", Kind::kTransport, Profile::kFailing, 7, 3},

    {"rutland", "Library and leisure buildings refurbishment",
     "greenway-construction", "Greenway Construction plc", Kind::kConstruction,
     Profile::kExemplary, 0, 3},
    {"rutland", "Street cleansing", "unity-cleaning", "Unity Cleaning CIC",
     Kind::kCleaning, Profile::kSteady, 2, 3},
    {"rutland", "Domiciliary care", "northern-care",
     "Northern Care Partnership", Kind::kCare, Profile::kGood, 3, 4},
    {"rutland", "School catering", "civic-catering", "Civic Catering Co",
     Kind::kCatering, Profile::kSlipping, 5, 3},
    {"rutland", "Highways maintenance", "oakfield-highways",
     "Oakfield Highways Ltd", Kind::kHighways, Profile::kRecovers, 6, 5},
};

v1::Date ToDate(absl::CivilDay day) {
  v1::Date d;
  d.set_year(static_cast<int>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

absl::Time At(absl::CivilDay day, int hour) {
  return absl::FromCivil(absl::CivilHour(day) + hour, absl::UTCTimeZone());
}

// A uniform double in [lo, hi).
double Uniform(RandomSource& random, double lo, double hi) {
  return lo + (hi - lo) * static_cast<double>(random.Next64() >> 11) /
                  static_cast<double>(uint64_t{1} << 53);
}

int Days(RandomSource& random, int lo, int hi) {
  return lo + static_cast<int>(random.Next64() % (hi - lo + 1));
}

// A plausible target for a measure over a contract.
double TargetFor(const v1::Measure& m, RandomSource& random) {
  if (m.aggregation() != v1::SUM) return std::round(Uniform(random, 40, 90));
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
    default:
      return std::round(Uniform(random, 8, 40));  // people, FTE, count
  }
}

// Why a manager would reject a return of this measure.
std::string RejectionReason(const v1::Measure& m, double quantity) {
  switch (m.unit()) {
    case v1::PEOPLE:
    case v1::FTE: {
      const int claimed = std::max(2, static_cast<int>(quantity));
      return absl::StrCat("evidence shows ", claimed * 2 / 3, " of the ",
                          claimed,
                          " people claimed; resubmit with contracts of "
                          "employment or start letters");
    }
    case v1::HOURS:
      return "volunteering log not signed by the host organisations; "
             "resubmit with their confirmations";
    case v1::GBP:
      return "invoices do not show the suppliers' addresses; resubmit "
             "with the spend ledger";
    case v1::PERCENT:
      return "payroll summary covers only two of the three depots; "
             "resubmit with the full extract";
    default:
      return "evidence is a summary only; resubmit with the records "
             "behind it";
  }
}

// A generated figure as the decimal a person would type: to the penny.
std::string DecimalText(double value) {
  return domain::Decimal::FromLegacyDouble(std::round(value * 100) / 100)
      .ToString();
}

// One step of the timeline, run with the clock at `at`.
struct Step {
  absl::Time at;
  std::string what;
  std::function<absl::Status()> run;
};

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

class Loader {
 public:
  Loader(app::Application& app, SettableClock& clock, absl::CivilDay today,
         const DemoOptions& options)
      : app_(app),
        clock_(clock),
        today_(today),
        options_(options),
        random_(options.seed) {}

  absl::Status Load();

 private:
  template <typename Request>
  void Command(absl::CivilDay day, int hour, const std::string& contract_id,
               Request request,
               void (app::Commands::*method)(const app::Caller&, const Request&,
                                             app::CommandDone),
               const char* actor = "demo") {
    if (day >= today_) return;  // not yet happened
    const std::string request_id =
        absl::StrCat("demo-", contract_id, "-", ++requests_);
    request.set_request_id(request_id);
    steps_.push_back({At(day, hour), request_id,
                      [this, request = std::move(request), method, actor] {
                        return Run(app_.commands(), method, actor, request);
                      }});
  }
  // A contract manager's action on the open case of `commitment_id`.
  void CaseStep(absl::CivilDay day, const std::string& contract_id,
                const std::string& commitment_id, const std::string& what,
                std::function<absl::Status(const v1::EnforcementCase&,
                                           const std::string& request_id)>
                    act);
  absl::Status Settle();
  void Plan(const ContractSpec& spec, int index, const v1::Framework& framework,
            const v1::MeasureLibrary& library);

  app::Application& app_;
  SettableClock& clock_;
  const absl::CivilDay today_;
  const DemoOptions& options_;
  SeededRandom random_;
  int requests_ = 0;
  std::vector<Step> steps_;
};

absl::Status Loader::Settle() {
  if (!app_.progress().applied().WaitFor(options_.head_position(),
                                         absl::Now() + absl::Seconds(30))) {
    return absl::DeadlineExceededError(
        "demo: the read model did not catch up with the log in 30 s");
  }
  return absl::OkStatus();
}

void Loader::CaseStep(absl::CivilDay day, const std::string& contract_id,
                      const std::string& commitment_id, const std::string& what,
                      std::function<absl::Status(const v1::EnforcementCase&,
                                                 const std::string& request_id)>
                          act) {
  if (day >= today_) return;
  if (app_.policy() == nullptr) return;  // no cases without the policy
  const std::string request_id =
      absl::StrCat("demo-enf-", contract_id, "-", ++requests_);
  steps_.push_back({At(day, 11), absl::StrCat(request_id, " (", what, ")"),
                    [this, contract_id, commitment_id, what, request_id,
                     act = std::move(act)]() -> absl::Status {
                      if (absl::Status s = Settle(); !s.ok()) return s;
                      v1::ListCasesRequest list;
                      list.set_contract_id(contract_id);
                      list.set_state(v1::CASE_OPEN);
                      list.set_page_size(500);
                      absl::StatusOr<v1::ListCasesResponse> cases =
                          app_.cases().ListCases(
                              app::Caller::System("demo.manager"), list);
                      if (!cases.ok()) return cases.status();
                      for (const v1::EnforcementCase& c : cases->cases()) {
                        if (c.commitment_id() == commitment_id)
                          return act(c, request_id);
                      }
                      return absl::FailedPreconditionError(absl::StrCat(
                          "demo story: no open case on ", contract_id, " ",
                          commitment_id, " to ", what));
                    }});
}

void Loader::Plan(const ContractSpec& spec, int index,
                  const v1::Framework& framework,
                  const v1::MeasureLibrary& library) {
  const absl::CivilMonth q0 = absl::CivilMonth(absl::ToCivilDay(
                                  DemoEpoch(today_), absl::UTCTimeZone())) +
                              1;
  const absl::CivilDay start(q0 + spec.start_offset_months);
  const absl::CivilDay end =
      absl::CivilDay(absl::CivilMonth(start) + 12 * spec.term_years) - 1;
  const std::string id =
      absl::StrCat(absl::AsciiStrToUpper(framework.id().substr(0, 3)), "-",
                   start.year(), "-", 101 + index);

  v1::RegisterContractRequest reg;
  v1::ContractRegistered& c = *reg.mutable_contract();
  c.set_contract_id(id);
  c.mutable_framework()->set_id(framework.id());
  c.mutable_framework()->set_version(framework.version());
  c.set_title(spec.title);
  c.set_supplier_id(spec.supplier_id);
  c.set_supplier_name(spec.supplier_name);
  c.mutable_value()->set_pence(
      static_cast<int64_t>(std::round(Uniform(random_, 5, 80))) * 10'000'000);
  *c.mutable_start() = ToDate(start);
  *c.mutable_end() = ToDate(end);
  c.set_social_value_weighting_percent(index % 2 == 0 ? 10 : 5);
  c.set_contract_manager(absl::StrCat(framework.id(), "-manager"));
  Command(start, 9, id, reg, &app::Commands::RegisterContract);

  // The contract kind's measures that the framework names.
  std::vector<const v1::Measure*> measures;
  for (const char* wanted : MeasuresFor(spec.kind)) {
    if (measures.size() == kCommitmentsPerContract) break;
    bool named = false;
    for (const v1::Theme& t : framework.themes()) {
      for (const v1::Outcome& o : t.outcomes()) {
        for (const v1::MeasureRef& r : o.measures()) {
          named = named || r.measure_id() == wanted;
        }
      }
    }
    const v1::Measure* m = domain::FindMeasure(library, wanted);
    if (named && m != nullptr) measures.push_back(m);
  }

  struct Planned {
    const v1::Measure* measure;
    std::string id;
    double target;
    absl::CivilDay due;
    int quarters;     // in the commitment
    bool story;       // the commitment the supplier's story is about
    double reported;  // cumulative, of the reports that count
  };
  std::vector<Planned> planned;
  v1::AddCommitmentsRequest add;
  add.set_contract_id(id);
  for (size_t i = 0; i < measures.size(); ++i) {
    const absl::CivilDay due =
        i % 2 == 0
            ? end
            : std::min(end, absl::CivilDay(absl::CivilMonth(start) + 24) - 1);
    Planned p{measures[i],
              absl::StrCat("c", i + 1),
              TargetFor(*measures[i], random_),
              due,
              static_cast<int>(
                  (absl::CivilMonth(due) - absl::CivilMonth(start) + 1) / 3),
              false,
              0};
    // The story is on the first cumulative commitment (the second for a
    // recovery, so that a newcomer sees a shortfall among good figures).
    p.story = measures[i]->aggregation() == v1::SUM &&
              (spec.profile == Profile::kRecovers ? i == 1 : i == 0);
    v1::Commitment& cm = *add.add_commitments();
    cm.set_commitment_id(p.id);
    cm.set_measure_id(p.measure->id());
    cm.set_target(DecimalText(p.target));
    *cm.mutable_due() = ToDate(p.due);
    cm.set_verification_method("quarterly return with evidence");
    if (i == 0) cm.set_locality(absl::StrCat("within ", framework.council()));
    planned.push_back(p);
  }
  Command(start + Days(random_, 3, 10), 10, id, add,
          &app::Commands::AddCommitments);

  // Quarterly returns.
  double base = 1.0;
  switch (spec.profile) {
    case Profile::kExemplary:
      base = 1.3;
      break;
    case Profile::kGood:
      base = 1.12;
      break;
    case Profile::kFailing:
      base = 0.9;
      break;
    default:
      base = 1.02;
  }
  // Late verifiers leave the latest returns pending.
  const bool lazy_manager = index % 2 == 1;
  int delivery = 0;
  std::string story_commitment;
  absl::CivilDay catch_up_verified;
  for (int k = 0;; ++k) {
    const absl::CivilDay period_start(absl::CivilMonth(start) + 3 * k);
    const absl::CivilDay period_end =
        absl::CivilDay(absl::CivilMonth(start) + 3 * (k + 1)) - 1;
    if (period_end >= today_) break;
    const absl::CivilDay reported = period_end + Days(random_, 5, 14);
    for (Planned& p : planned) {
      if (period_start > p.due) continue;
      if (p.story) story_commitment = p.id;
      double perf = base;
      bool catch_up = false;
      if (p.story) {
        switch (spec.profile) {
          case Profile::kRecovers:
            perf = k < 4 ? 0.3 : 1.05;
            catch_up = k == 4;
            break;
          case Profile::kFailing:
            perf = 0.3;
            break;
          case Profile::kSlipping:
            perf = period_end >= absl::CivilDay(absl::CivilMonth(today_) - 12)
                       ? 0.2
                       : 1.02;
            break;
          default:
            break;
        }
      }
      const double noise = Uniform(random_, 0.97, 1.06);
      v1::ReportDeliveryRequest report;
      report.set_contract_id(id);
      v1::DeliveryReported& d = *report.mutable_delivery();
      d.set_commitment_id(p.id);
      *d.mutable_period_start() = ToDate(period_start);
      *d.mutable_period_end() = ToDate(period_end);
      double quantity = 0;
      switch (p.measure->aggregation()) {
        case v1::RATIO: {
          const double total = std::round(Uniform(random_, 50, 500)) * 1000;
          d.set_denominator(DecimalText(total));
          quantity =
              std::round(total * std::min(1.0, p.target / 100 * perf * noise));
          break;
        }
        case v1::LATEST:
          quantity = std::min(100.0, std::round(p.target * perf * noise));
          break;
        default: {
          // Suppliers that keep their promises stay a quarter and a half
          // ahead of the plan, since returns trail the calendar.
          auto plan = [&](int quarter) {
            return p.target * std::min(1.0, (quarter + 1.5) / p.quarters);
          };
          if (catch_up) {
            quantity = std::max(0.0, plan(k) * 1.08 - p.reported);
          } else {
            quantity = (plan(k) - (k == 0 ? 0 : plan(k - 1))) * perf * noise;
          }
          if (p.measure->unit() != v1::GBP && p.measure->unit() != v1::KWH) {
            quantity = std::ceil(quantity - 0.3);
          }
          quantity = std::max(0.0, quantity);
        }
      }
      d.set_quantity(DecimalText(quantity));
      const std::string delivery_id = absl::StrCat("d", ++delivery);
      d.set_delivery_id(delivery_id);
      d.mutable_evidence()->set_uri(
          absl::StrCat("https://evidence.example/", id, "/", delivery_id));
      d.set_note(catch_up ? "catch-up return under the remediation plan"
                          : "quarterly return");
      Command(reported, 9, id, report, &app::Commands::ReportDelivery);

      absl::CivilDay verify_on = reported + Days(random_, 3, 8);
      if (lazy_manager && reported >= today_ - 40) continue;  // pending
      // Some returns are rejected with a reason, and resubmitted.
      const bool reject =
          (!p.story && random_.Next64() % 100 < 7) ||
          (p.story && spec.profile == Profile::kRecovers && k == 2);
      if (reject) {
        v1::RejectDeliveryRequest rejection;
        rejection.set_contract_id(id);
        rejection.mutable_rejection()->set_delivery_id(delivery_id);
        rejection.mutable_rejection()->set_reason(
            RejectionReason(*p.measure, quantity));
        Command(verify_on, 15, id, rejection, &app::Commands::RejectDelivery);
        v1::ReportDeliveryRequest again = report;
        const std::string again_id = absl::StrCat("d", ++delivery);
        v1::DeliveryReported& r = *again.mutable_delivery();
        r.set_delivery_id(again_id);
        r.mutable_evidence()->set_uri(
            absl::StrCat("https://evidence.example/", id, "/", again_id));
        r.set_note("resubmitted with the evidence asked for");
        if (p.measure->aggregation() == v1::SUM &&
            p.measure->unit() != v1::GBP && p.measure->unit() != v1::KWH &&
            (p.measure->unit() == v1::PEOPLE || p.measure->unit() == v1::FTE)) {
          r.set_quantity(DecimalText(std::floor(quantity * 2 / 3)));
          quantity = std::floor(quantity * 2 / 3);
        }
        const absl::CivilDay resubmitted = verify_on + Days(random_, 4, 9);
        Command(resubmitted, 9, id, again, &app::Commands::ReportDelivery);
        verify_on = resubmitted + Days(random_, 2, 5);
        if (lazy_manager && resubmitted >= today_ - 40) continue;
        v1::VerifyDeliveryRequest verify;
        verify.set_contract_id(id);
        verify.mutable_verification()->set_delivery_id(again_id);
        Command(verify_on, 14, id, verify, &app::Commands::VerifyDelivery);
      } else {
        v1::VerifyDeliveryRequest verify;
        verify.set_contract_id(id);
        verify.mutable_verification()->set_delivery_id(delivery_id);
        Command(verify_on, 14, id, verify, &app::Commands::VerifyDelivery);
      }
      p.reported += quantity;
      if (catch_up) catch_up_verified = verify_on;
    }
  }

  // The contract manager's side of the story.
  if (story_commitment.empty() && spec.profile != Profile::kExemplary) return;
  const absl::CivilMonth m0(start);
  auto action = [this, id](v1::EnforcementStage stage, std::string note,
                           std::optional<absl::CivilDay> agreed) {
    return [this, id, stage, note = std::move(note), agreed](
               const v1::EnforcementCase& c,
               const std::string& request_id) -> absl::Status {
      v1::RecordActionRequest r;
      r.set_request_id(request_id);
      r.set_contract_id(id);
      r.mutable_action()->set_case_id(c.case_id());
      r.mutable_action()->set_stage(stage);
      r.mutable_action()->set_note(note);
      if (agreed.has_value()) {
        *r.mutable_action()->mutable_agreed_date() = ToDate(*agreed);
      }
      return Run(app_.commands(), &app::Commands::RecordAction,
                 std::string("demo.manager"), r);
    };
  };
  const Planned* story = nullptr;
  for (const Planned& p : planned) {
    if (p.id == story_commitment) story = &p;
  }
  const std::string what =
      story == nullptr ? ""
                       : absl::StrCat("\"", story->measure->wording(), "\"");
  switch (spec.profile) {
    case Profile::kRecovers:
      CaseStep(absl::CivilDay(m0 + 5) + 9, id, story_commitment, "warn",
               action(v1::NOTICE,
                      absl::StrCat(
                          "warning letter: well behind the promise of ", what),
                      std::nullopt));
      CaseStep(absl::CivilDay(m0 + 6) + 13, id, story_commitment, "plan",
               action(v1::REMEDIATION_PLAN,
                      "recovery plan agreed at review meeting: recruit "
                      "through the local college and job centre",
                      absl::CivilDay(m0 + 17) - 1));
      if (catch_up_verified != absl::CivilDay()) {
        CaseStep(catch_up_verified + 1, id, story_commitment, "close",
                 [this, id](const v1::EnforcementCase& c,
                            const std::string& request_id) {
                   v1::CloseCaseRequest r;
                   r.set_request_id(request_id);
                   r.set_contract_id(id);
                   r.mutable_close()->set_case_id(c.case_id());
                   r.mutable_close()->set_reason(v1::REMEDIED);
                   r.mutable_close()->set_note(
                       "recovery plan delivered: the catch-up return is "
                       "verified and the commitment is back on track");
                   return Run(app_.commands(), &app::Commands::CloseCase,
                              std::string("demo.manager"), r);
                 });
      }
      break;
    case Profile::kFailing:
      CaseStep(absl::CivilDay(m0 + 5) + 9, id, story_commitment, "warn",
               action(v1::NOTICE,
                      absl::StrCat("warning letter: far behind the promise of ",
                                   what),
                      std::nullopt));
      CaseStep(absl::CivilDay(m0 + 6) + 13, id, story_commitment, "plan",
               action(v1::REMEDIATION_PLAN,
                      "remediation plan agreed: supplier to double its "
                      "recruitment through the council's employment hub",
                      absl::CivilDay(m0 + 9) - 1));
      // The policy escalates the plan past its date at the next sweep;
      // then the council issues a performance notice.
      CaseStep(absl::CivilDay(m0 + 10) + 9, id, story_commitment,
               "performance notice",
               action(v1::PERFORMANCE_NOTICE,
                      "Procurement Act 2023 s.71 performance notice issued: "
                      "the remediation plan's date passed with no recovery",
                      std::nullopt));
      break;
    case Profile::kSlipping:
      // Warned the month after the case opens.
      CaseStep(
          absl::CivilDay(absl::CivilMonth(today_)) - 2, id, story_commitment,
          "warn",
          action(v1::NOTICE,
                 absl::StrCat("warning letter: a year behind the promise of ",
                              what),
                 std::nullopt));
      break;
    case Profile::kExemplary: {
      const absl::CivilDay on = absl::CivilDay(m0 + 13) + 4;
      v1::RecordPerformanceAssessmentRequest r;
      r.set_contract_id(id);
      r.mutable_assessment()->set_rating(v1::GOOD);
      r.mutable_assessment()->set_evidence(
          "annual KPI report: every social value commitment ahead of plan, "
          "evidence complete and on time");
      *r.mutable_assessment()->mutable_assessed_on() = ToDate(on - 3);
      Command(on, 12, id, r, &app::Commands::RecordPerformanceAssessment,
              "demo.manager");
      break;
    }
    default:
      break;
  }
}

absl::Status Loader::Load() {
  const app::FrameworkStore& frameworks = app_.framework_store();
  std::shared_ptr<const v1::MeasureLibrary> library = frameworks.Library();
  if (library == nullptr) {
    return absl::FailedPreconditionError("demo: no measure library published");
  }
  const std::vector<std::shared_ptr<const v1::Framework>> published =
      frameworks.List();
  std::map<std::string, int> per_council;
  for (const ContractSpec& spec : kContracts) {
    const v1::Framework* framework = nullptr;
    for (const auto& f : published) {
      if (f->id() == spec.council) framework = &*f;
    }
    if (framework == nullptr) continue;  // a council this instance skips
    Plan(spec, per_council[spec.council]++, *framework, *library);
  }
  // The policy's monthly sweep, on the 25th.
  if (app_.policy() != nullptr) {
    const absl::CivilMonth q0 = absl::CivilMonth(
        absl::ToCivilDay(DemoEpoch(today_), absl::UTCTimeZone()));
    for (absl::CivilMonth m = q0 + 1;; ++m) {
      const absl::CivilDay day = absl::CivilDay(m) + 24;
      if (day >= today_) break;
      steps_.push_back({At(day, 2),
                        absl::StrCat("sweep of ", absl::FormatCivilTime(day)),
                        [this]() -> absl::Status {
                          if (absl::Status s = Settle(); !s.ok()) return s;
                          return app_.policy()->Sweep().status();
                        }});
    }
  }
  // One timeline, in date order; steps at the same hour a second apart.
  std::stable_sort(steps_.begin(), steps_.end(),
                   [](const Step& a, const Step& b) { return a.at < b.at; });
  absl::Time last = absl::InfinitePast();
  for (const Step& step : steps_) {
    last = std::max(step.at, last + absl::Seconds(1));
    clock_.Set(last);
    if (absl::Status s = step.run(); !s.ok()) {
      return absl::Status(
          s.code(), absl::StrCat("demo ", step.what, " at ",
                                 absl::FormatTime(last), ": ", s.message()));
    }
  }
  return Settle();
}

}  // namespace

absl::Time DemoEpoch(absl::CivilDay today) {
  const absl::CivilMonth back = absl::CivilMonth(today) - 24;
  const absl::CivilMonth quarter =
      absl::CivilMonth(back.year(), 1 + (back.month() - 1) / 3 * 3);
  return At(absl::CivilDay(quarter - 1), 8);
}

absl::Status LoadDemo(app::Application& app, SettableClock& clock,
                      absl::CivilDay today, const DemoOptions& options) {
  if (!options.head_position) {
    return absl::InvalidArgumentError("demo: head_position is required");
  }
  return Loader(app, clock, today, options).Load();
}

}  // namespace svledger::demo
