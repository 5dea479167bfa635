// `walkv-crash __open-only`: the middle process of a double trial. It recovers a crashed
// DB with the I/O ledger on, reports durable_lsn() and waits to be SIGKILLed, without
// writing: what it vouched for must survive the power cut that follows (docs/crash.md,
// "Double: a crash in recovery's wake").
#include <chrono>
#include <csignal>
#include <cerrno>
#include <memory>
#include <string>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "engine_options.h"
#include "ledger.h"
#include "subcommands.h"
#include "write_stdout.h"
#include "walkv/db.h"

namespace walkv::crash {


int open_only_main(int argc, char** argv) {
  CLI::App app{"walkv-crash recovery killed after open (internal)"};
  EngineArgs eng;
  eng.add_to(app);
  int ledger_fd = -1;
  std::string shadow;
  app.add_option("--ledger-fd", ledger_fd)->required();
  app.add_option("--shadow", shadow)->required();
  CLI11_PARSE(app, argc, argv);

  SharedRegion region;
  if (auto err = region.attach(ledger_fd); !err.empty()) {
    write_stdout(fmt::format("error ledger: {}\n", err));
    return 3;
  }
  Options options = eng.options();
  options.mode = CommitMode::kSync;
  options.checkpoint_wal_bytes = 0;  // nothing but recovery's own I/O before the kill
  // Pre-images always: the power cut after this process may revert its writes too.
  options.io_hooks = std::make_shared<TrialLedgerHooks>(region.data(), region.size(), shadow,
                                                   /*undo_data=*/true, eng.bug());

  const auto t0 = std::chrono::steady_clock::now();
  auto db = DB::open(eng.dir, options);
  const double open_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!db.ok()) {
    // One line: the parent reads up to the newline.
    std::string msg = db.status().ToString();
    for (char& c : msg) {
      if (c == '\n') c = ' ';
    }
    write_stdout("error " + msg + "\n");
    return 3;
  }
  const Stats st = (*db)->stats();
  if (!write_stdout(fmt::format("durable {} last {} open_ms {:.3f}\n", (*db)->durable_lsn(),
                              st.recovery.last_lsn, open_ms))) {
    return 3;
  }
  // The DB stays open (its background threads may still prepare a spare segment) until
  // the parent's SIGKILL: no close, no clean-close CONTROL update.
  for (;;) ::pause();
}

}  // namespace walkv::crash
