#ifndef SVLEDGER_COMMON_FLAGS_H_
#define SVLEDGER_COMMON_FLAGS_H_

// Command lines for svledger's programs, with flags spelled one way: with
// dashes (--as-of, --backup-id), in what the user types, in help and in
// every error. The flags themselves are Abseil flags (ABSL_FLAG, whose C++
// names have underscores); this parses argv against them instead of
// absl::ParseCommandLine, so that no message ever shows an underscored name.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace svledger {

struct ParsedCommandLine {
  // The arguments that are not flags, in order, without argv[0].
  std::vector<std::string> positional;
  // Whether --help (or -h) was given; --helpfull: help with every flag.
  bool help = false;
  bool help_full = false;
};

// Parses argv[1..] and sets each flag it names. Accepted: --name=value,
// --name value (not for booleans), --name and --no-name (booleans), and
// "--" (everything after it is positional). A name may use dashes or
// underscores. Errors: INVALID_ARGUMENT starting with the flag as the user
// should have typed it, e.g. "--backup-id: 'abc' is not a whole number",
// "--fro: no such flag (did you mean --from?)", "--as-of: needs a value".
absl::StatusOr<ParsedCommandLine> ParseFlags(int argc, char** argv);

// "as_of" -> "as-of".
std::string DashedName(absl::string_view name);

// Help for the named flags (C++ names), one per line, in the given order:
//   --as-of=VALUE         the help text (default: ...)
// A name that is not a flag is left out.
std::string FlagHelp(const std::vector<std::string>& names);

// The names of the flags defined in source files whose path contains
// `path_part` (e.g. "server/main.cc", "/cli/"), sorted.
std::vector<std::string> FlagsDefinedIn(absl::string_view path_part);

// The candidate nearest to `word` by edit distance, if it is close enough
// to be a likely typo (at most a third of its length, at least 1, or a
// prefix); otherwise empty.
std::string Nearest(absl::string_view word,
                    const std::vector<std::string>& candidates);

}  // namespace svledger

#endif  // SVLEDGER_COMMON_FLAGS_H_
