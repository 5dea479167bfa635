// `walkv-crash __ledger FILE`: prints the I/O ledger kept beside a failing trial.
#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "ledger.h"
#include "subcommands.h"

namespace walkv::crash {

int ledger_main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: walkv-crash __ledger DIR/ledger.bin\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    fmt::print(stderr, "error: cannot read {}\n", argv[1]);
    return 3;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  LedgerContents contents;
  if (auto err = read_ledger(bytes.data(), bytes.size(), &contents); !err.empty()) {
    fmt::print(stderr, "error: {}: {}\n", argv[1], err);
    return 3;
  }
  std::fputs(format_ledger(contents).c_str(), stdout);
  return 0;
}

}  // namespace walkv::crash
