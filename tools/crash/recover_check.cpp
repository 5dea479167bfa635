// `walkv-crash __recover`: recovers a crashed DB in a fresh process and reports what it saw.
#include <algorithm>
#include <chrono>
#include <cerrno>
#include <memory>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "engine_options.h"
#include "ledger.h"
#include "recovery_dump.h"
#include "subcommands.h"
#include "write_stdout.h"
#include "walkv/db.h"

namespace walkv::crash {

namespace {

Status scan_all(DB* db, std::vector<std::pair<std::string, std::string>>* out) {
  return db->scan(ScanOptions{}, [&](std::string_view k, std::string_view v) {
    out->emplace_back(std::string(k), std::string(v));
    return true;
  });
}

// After recovery the DB must take a new write (the torn tail trimmed first) and reopen to
// exactly the recovered state plus that write. Empty string when it does.
std::string write_and_reopen(std::unique_ptr<DB> db, const EngineArgs& eng,
                             const Options& options, const RecoveredState& s) {
  WriteOptions wo;
  wo.mode = CommitMode::kSync;
  auto lsn = db->put(kMarkerKey, kMarkerValue, wo);
  if (!lsn.ok()) return "a write after recovery failed: " + lsn.status().ToString();
  if (*lsn != s.last_lsn + 1) {
    return fmt::format("the first write after recovering last LSN {} got LSN {}", s.last_lsn,
                       *lsn);
  }
  db.reset();
  auto again = DB::open(eng.dir, options);
  if (!again.ok()) return "reopen after a write failed: " + again.status().ToString();
  std::vector<std::pair<std::string, std::string>> kv;
  if (auto st = scan_all(again->get(), &kv); !st.ok()) return "scan on reopen: " + st.ToString();
  // The marker overwrites itself when this directory was recovered before (rot trials
  // recover the same directory several times).
  std::vector<std::pair<std::string, std::string>> want;
  for (const auto& kv_pair : s.kv) {
    if (kv_pair.first != kMarkerKey) want.push_back(kv_pair);
  }
  want.emplace_back(std::string(kMarkerKey), std::string(kMarkerValue));
  std::sort(want.begin(), want.end());
  if (kv != want) {
    return fmt::format("reopen after a write shows {} keys, expected {} (the recovered {} "
                       "and the marker)",
                       kv.size(), want.size(), s.kv.size());
  }
  const auto st = (*again)->stats();
  if (st.recovery.last_lsn != *lsn) {
    return fmt::format("reopen recovered last LSN {}, expected {}", st.recovery.last_lsn, *lsn);
  }
  return {};
}

}  // namespace

int recover_main(int argc, char** argv) {
  CLI::App app{"walkv-crash recovery check (internal)"};
  EngineArgs eng;
  eng.add_to(app);
  CLI11_PARSE(app, argc, argv);

  Options options = eng.options();
  options.mode = CommitMode::kSync;
  options.checkpoint_wal_bytes = 0;  // judge what recovery read, not a checkpoint's rewrite
  if (eng.bug()) {
    options.io_hooks = std::make_shared<TrialLedgerHooks>(nullptr, 0, std::string(), false, eng.bug());
  }

  RecoveredState s;
  const auto t0 = std::chrono::steady_clock::now();
  auto db = DB::open(eng.dir, options);
  const auto t1 = std::chrono::steady_clock::now();
  s.open_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  if (!db.ok()) {
    s.open_error = db.status().ToString();
  } else {
    s.opened = true;
    const Stats st = (*db)->stats();
    s.last_lsn = st.recovery.last_lsn;
    s.snapshot_lsn = st.recovery.snapshot_lsn;
    s.records_replayed = st.recovery.records_replayed;
    s.dropped_bytes = st.recovery.dropped_bytes;
    s.dropped_reason = st.recovery.dropped_reason;
    if (auto scan = scan_all(db->get(), &s.kv); !scan.ok()) {
      s.opened = false;
      s.open_error = "scan after recovery: " + scan.ToString();
    } else {
      s.reopen_error = write_and_reopen(std::move(*db), eng, options, s);
      s.reopen_ok = s.reopen_error.empty();
    }
  }
  return write_stdout(encode_recovered(s)) ? 0 : 3;
}

}  // namespace walkv::crash
