#ifndef SVLEDGER_CLI_TABLE_H_
#define SVLEDGER_CLI_TABLE_H_

// svctl's tables: columns as wide as their widest cell, cut to fit the
// terminal. When the row is wider than the terminal, the rightmost columns
// that may be cut are narrowed first (a cut cell ends in "…"), then left
// out; a column marked `keep` (ids) is never cut.

#include <cstdio>
#include <string>
#include <vector>

namespace svledger::cli {

// The width to fit: $COLUMNS if set, else the terminal's (stdout), else 0
// (not a terminal: no limit, nothing is cut).
int TerminalWidth();

// The width of `text` on a terminal: UTF-8 code points, ANSI colour
// sequences not counted.
size_t DisplayWidth(const std::string& text);

struct Column {
  std::string header;
  bool keep = false;   // never cut or left out (ids)
  bool right = false;  // right-aligned (figures)
};

// Not thread-safe; one table per output.
class Table {
 public:
  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

  // A row of cells, one per column (missing cells are empty). A cell may
  // hold colour sequences; a cell that must be cut loses its colour.
  void AddRow(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }

  // Prints the header (unless not `header`) and rows fitted to `width`
  // (0: no limit).
  void Print(int width = TerminalWidth(), std::FILE* out = stdout,
             bool header = true) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace svledger::cli

#endif  // SVLEDGER_CLI_TABLE_H_
