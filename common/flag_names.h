#ifndef SVLEDGER_COMMON_FLAG_NAMES_H_
#define SVLEDGER_COMMON_FLAG_NAMES_H_

#include <string>
#include <vector>

namespace svledger {

// Command-line arguments with hyphens in flag names (not values) turned into
// underscores, so that --data-dir works as well as Abseil's --data_dir, and
// a boolean's "--no-x" becomes Abseil's "--nox".
// Arguments after "--" are left alone.
std::vector<std::string> NormalizeFlagNames(int argc, char** argv);

// argv-style pointers into `args`, valid while `args` is unchanged.
std::vector<char*> ArgvPointers(std::vector<std::string>& args);

}  // namespace svledger

#endif  // SVLEDGER_COMMON_FLAG_NAMES_H_
