// walkv-crash: the crash simulator. See docs/crash.md.
//
// Built twice from the same sources: walkv-crash (the product engine) and, with tests on,
// walkv-crash-buggy (linked against walkv_buggy, WALKV_CRASH_BUGGY=1), whose --inject-bug
// switches on a deliberately broken engine behaviour to prove the checker can fail.
#include <cstring>

#include "args.h"
#include "simulation.h"
#include "subcommands.h"

#ifndef WALKV_CRASH_BUGGY
#define WALKV_CRASH_BUGGY 0
#endif

int main(int argc, char** argv) {
  using namespace walkv::crash;
  if (argc > 1 && std::strcmp(argv[1], "__workload") == 0) return workload_main(argc - 1, argv + 1);
  if (argc > 1 && std::strcmp(argv[1], "__recover") == 0) return recover_main(argc - 1, argv + 1);
  if (argc > 1 && std::strcmp(argv[1], "__open-only") == 0) {
    return open_only_main(argc - 1, argv + 1);
  }
  if (argc > 1 && std::strcmp(argv[1], "__ledger") == 0) return ledger_main(argc - 1, argv + 1);
  int exit_code = 0;
  auto config = parse_args(argc, argv, WALKV_CRASH_BUGGY != 0, &exit_code);
  if (!config) return exit_code;
  return run_simulation(*config);
}
