#include "cli/table.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/numbers.h"

namespace svledger::cli {
namespace {

constexpr size_t kGap = 2;       // spaces between columns
constexpr size_t kMinWidth = 6;  // a cut column keeps at least this

std::string StripColour(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\033') {
      while (i < text.size() && text[i] != 'm') ++i;
      continue;
    }
    out += text[i];
  }
  return out;
}

// `text` cut to `width` code points, the last being "…".
std::string Cut(const std::string& text, size_t width) {
  const std::string plain = StripColour(text);
  if (DisplayWidth(plain) <= width) return text;
  std::string out;
  size_t seen = 0;
  for (size_t i = 0; i < plain.size(); ++i) {
    const bool starts = (static_cast<unsigned char>(plain[i]) & 0xC0) != 0x80;
    if (starts && ++seen == width) break;
    out += plain[i];
  }
  return out + "…";
}

}  // namespace

int TerminalWidth() {
  if (const char* columns = std::getenv("COLUMNS"); columns != nullptr) {
    int n = 0;
    if (absl::SimpleAtoi(columns, &n) && n > 0) return n;
  }
  winsize size{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 &&
      size.ws_col > 0) {
    return size.ws_col;
  }
  return 0;
}

size_t DisplayWidth(const std::string& text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\033') {
      while (i < text.size() && text[i] != 'm') ++i;
      continue;
    }
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++width;
  }
  return width;
}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

void Table::Print(int width, std::FILE* out, bool header) const {
  const size_t n = columns_.size();
  std::vector<size_t> widths(n);
  for (size_t c = 0; c < n; ++c) {
    widths[c] = DisplayWidth(columns_[c].header);
    for (const auto& row : rows_) {
      widths[c] = std::max(widths[c], DisplayWidth(row[c]));
    }
  }
  std::vector<bool> shown(n, true);
  auto total = [&] {
    size_t sum = 0, count = 0;
    for (size_t c = 0; c < n; ++c) {
      if (!shown[c]) continue;
      sum += widths[c];
      ++count;
    }
    return sum + (count > 0 ? (count - 1) * kGap : 0);
  };
  if (width > 0) {
    const size_t limit = static_cast<size_t>(width);
    // Narrow the cuttable columns, rightmost first, then leave them out.
    for (size_t c = n; c-- > 0 && total() > limit;) {
      if (columns_[c].keep || widths[c] <= kMinWidth) continue;
      widths[c] -= std::min(widths[c] - kMinWidth, total() - limit);
    }
    for (size_t c = n; c-- > 0 && total() > limit;) {
      if (!columns_[c].keep) shown[c] = false;
    }
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    bool first = true;
    for (size_t c = 0; c < n; ++c) {
      if (!shown[c]) continue;
      if (!first) line.append(kGap, ' ');
      first = false;
      const std::string cell = Cut(cells[c], widths[c]);
      const std::string pad(widths[c] - std::min(widths[c], DisplayWidth(cell)),
                            ' ');
      line += columns_[c].right ? pad + cell : cell + pad;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::fprintf(out, "%s\n", line.c_str());
  };
  if (header) {
    std::vector<std::string> headers;
    for (const Column& c : columns_) headers.push_back(c.header);
    print_row(headers);
  }
  for (const auto& row : rows_) print_row(row);
}

}  // namespace svledger::cli
