#include "common/flags.h"

#include <algorithm>
#include <cstdint>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"

namespace svledger {
namespace {

std::string Underscored(absl::string_view name) {
  return absl::StrReplaceAll(name, {{"-", "_"}});
}

// What a flag of this type takes, for errors and help.
std::string Expects(const absl::CommandLineFlag& flag) {
  if (flag.IsOfType<bool>()) return "true or false";
  if (flag.IsOfType<uint32_t>() || flag.IsOfType<uint64_t>()) {
    return "a whole number, 0 or more";
  }
  if (flag.IsOfType<int32_t>() || flag.IsOfType<int64_t>()) {
    return "a whole number";
  }
  if (flag.IsOfType<double>()) return "a number";
  if (flag.IsOfType<absl::Duration>()) return "a duration such as 30s or 5m";
  return "text";
}

std::vector<std::string> AllFlagNames() {
  std::vector<std::string> names;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    names.push_back(DashedName(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string DashedName(absl::string_view name) {
  return absl::StrReplaceAll(name, {{"_", "-"}});
}

std::string Nearest(absl::string_view word,
                    const std::vector<std::string>& candidates) {
  const std::string lower = absl::AsciiStrToLower(word);
  std::string best;
  size_t best_distance = SIZE_MAX;
  for (const std::string& c : candidates) {
    const std::string candidate = absl::AsciiStrToLower(c);
    size_t d = EditDistance(lower, candidate);
    if (!lower.empty() && (absl::StartsWith(candidate, lower) ||
                           absl::StartsWith(lower, candidate))) {
      d = std::min<size_t>(d, 1);
    }
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  const size_t allowed = std::max<size_t>(1, word.size() / 3);
  return best_distance <= allowed ? best : "";
}

absl::StatusOr<ParsedCommandLine> ParseFlags(int argc, char** argv) {
  ParsedCommandLine out;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") {
      for (++i; i < argc; ++i) out.positional.emplace_back(argv[i]);
      break;
    }
    if (arg == "-h" || arg == "--help" || arg == "-help") {
      out.help = true;
      continue;
    }
    if (arg == "--helpfull") {
      out.help = out.help_full = true;
      continue;
    }
    if (!absl::StartsWith(arg, "--") || arg.size() == 2) {
      out.positional.emplace_back(arg);
      continue;
    }
    absl::string_view body = arg.substr(2);
    const size_t eq = body.find('=');
    const bool has_value = eq != absl::string_view::npos;
    const std::string typed = std::string(body.substr(0, eq));
    std::string name = Underscored(typed);
    std::string value = has_value ? std::string(body.substr(eq + 1)) : "";
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    // A boolean's negation: --no-x or --nox.
    if (flag == nullptr && !has_value && absl::StartsWith(name, "no")) {
      std::string positive = name.substr(absl::StartsWith(name, "no_") ? 3 : 2);
      absl::CommandLineFlag* negated = absl::FindCommandLineFlag(positive);
      if (negated != nullptr && negated->IsOfType<bool>()) {
        flag = negated;
        name = positive;
        value = "false";
        std::string error;
        if (!flag->ParseFrom(value, &error)) {
          return absl::InvalidArgumentError(
              absl::StrCat("--", DashedName(name), ": ", error));
        }
        continue;
      }
    }
    const std::string shown = "--" + DashedName(name);
    if (flag == nullptr) {
      const std::string nearest = Nearest(DashedName(name), AllFlagNames());
      return absl::InvalidArgumentError(absl::StrCat(
          shown, ": no such flag",
          nearest.empty() ? ""
                          : absl::StrCat(" (did you mean --", nearest, "?)")));
    }
    if (!has_value) {
      if (flag->IsOfType<bool>()) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat(shown, ": needs a value (", Expects(*flag), "), e.g. ",
                         shown, "=..."));
      }
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat(shown, ": '", value, "' is not ", Expects(*flag)));
    }
  }
  return out;
}

std::string FlagHelp(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) continue;
    std::string left = "--" + DashedName(name);
    if (!flag->IsOfType<bool>()) absl::StrAppend(&left, "=VALUE");
    const std::string def = flag->DefaultValue();
    std::string help = flag->Help();
    if (!def.empty() && def != "false" && def != "0" && def != "\"\"") {
      absl::StrAppend(&help, " (default: ", def, ")");
    }
    absl::StrAppend(&out, absl::StrFormat("  %-26s %s\n", left, help));
  }
  return out;
}

std::vector<std::string> FlagsDefinedIn(absl::string_view path_part) {
  std::vector<std::string> names;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (absl::StrContains(flag->Filename(), path_part)) {
      names.emplace_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace svledger
