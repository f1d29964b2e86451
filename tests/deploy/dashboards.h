#ifndef SVLEDGER_TESTS_DEPLOY_DASHBOARDS_H_
#define SVLEDGER_TESTS_DEPLOY_DASHBOARDS_H_

// Reads the Grafana dashboards in deploy/grafana/dashboards, for the tests
// that check their queries.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace svledger::testing {

// One panel query: its PromQL and its legend ("legendFormat", e.g.
// "{{council}}: {{theme_name}}"; empty if none).
struct Target {
  std::string expr;
  std::string legend;
};

struct Dashboard {
  std::string file;  // e.g. "social-value.json"
  // Panel queries ("expr": PromQL, with Grafana's variables such as
  // $council in it).
  std::vector<std::string> exprs;
  // The same queries with their legends, in the same order.
  std::vector<Target> targets;
  // Variable queries ("query", e.g. label_values(metric, label)).
  std::vector<std::string> variables;
};

namespace internal {
inline void CollectQueries(const google::protobuf::Value& value,
                           Dashboard& out) {
  if (value.has_struct_value()) {
    for (const auto& [key, v] : value.struct_value().fields()) {
      if (key == "expr" && v.has_string_value()) {
        out.exprs.push_back(v.string_value());
        const auto& fields = value.struct_value().fields();
        auto legend = fields.find("legendFormat");
        out.targets.push_back(
            {v.string_value(), legend == fields.end()
                                   ? std::string()
                                   : legend->second.string_value()});
      } else if (key == "query" && v.has_string_value()) {
        out.variables.push_back(v.string_value());
      }
      CollectQueries(v, out);
    }
  } else if (value.has_list_value()) {
    for (const auto& v : value.list_value().values()) CollectQueries(v, out);
  }
}
}  // namespace internal

// Every dashboard in `dir`, or an error naming a file that is not JSON.
inline absl::StatusOr<std::vector<Dashboard>> ReadDashboards(
    const std::string& dir) {
  std::vector<Dashboard> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    std::stringstream json;
    json << std::ifstream(entry.path()).rdbuf();
    google::protobuf::Value dashboard;
    if (!google::protobuf::util::JsonStringToMessage(json.str(), &dashboard)
             .ok()) {
      return absl::InvalidArgumentError(entry.path().string() +
                                        ": not valid JSON");
    }
    Dashboard& d = out.emplace_back();
    d.file = entry.path().filename().string();
    internal::CollectQueries(dashboard, d);
  }
  return out;
}

}  // namespace svledger::testing

#endif  // SVLEDGER_TESTS_DEPLOY_DASHBOARDS_H_
