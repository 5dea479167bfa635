// `walkv-crash __workload`: the process that gets crashed.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>
#include <unistd.h>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "ack_stream.h"
#include "engine_options.h"
#include "ledger.h"
#include "subcommands.h"
#include "walkv/db.h"
#include "walkv/write_batch.h"
#include "rng.h"
#include "workload.h"

namespace walkv::crash {

namespace {

void writer_loop(DB* db, AckWriter* acks, std::uint64_t seed, std::uint32_t writer,
                 std::uint32_t keys) {
  OpGenerator gen(seed, writer, keys);
  for (;;) {
    const Op op = gen.next();
    // Build keys and values before the clock starts: latency is the engine's alone.
    WriteBatch batch;
    std::string key, value;
    for (std::uint32_t i = 0; i < op.items.size(); ++i) {
      const auto& it = op.items[i];
      key = key_name(writer, it.key);
      if (it.del) {
        batch.del(key);
      } else {
        value = value_for(writer, op.seq, i, it.value_len);
        batch.put(key, value);
      }
    }
    const std::uint64_t t0 = monotonic_ns();
    Result<Lsn> r = op.batch           ? db->write(batch)
                    : op.items[0].del ? db->del(key)
                                      : db->put(key, value);
    const std::uint64_t t1 = monotonic_ns();
    AckMsg m;
    m.writer = writer;
    m.seq = op.seq;
    m.t_start_ns = t0;
    m.t_ack_ns = t1;
    if (!r.ok()) {
      fmt::print(stderr, "writer {} seq {}: {}\n", writer, op.seq, r.status().ToString());
      m.type = MsgType::kError;
      m.a = static_cast<std::uint64_t>(r.status().code());
      acks->send(m);
      return;
    }
    m.type = MsgType::kAck;
    m.lsn = *r;
    acks->send(m);
  }
}

// Sync mode: reads random keys and reports, per writer, the newest write it saw. A sync
// write must be visible only once durable, so whatever this thread saw must survive.
void reader_loop(DB* db, AckWriter* acks, std::uint64_t seed, std::uint32_t writers,
                 std::uint32_t keys) {
  Rng rng(mix_seed(seed, 0x5EE4));
  std::vector<std::int64_t> newest(writers, -1);
  for (;;) {
    const auto w = static_cast<std::uint32_t>(rng.below(writers));
    auto v = db->get(key_name(w, static_cast<std::uint32_t>(rng.below(keys))));
    if (v.ok()) {
      auto id = parse_value(*v);
      if (id && id->writer == w && static_cast<std::int64_t>(id->seq) > newest[w]) {
        newest[w] = static_cast<std::int64_t>(id->seq);
        AckMsg m;
        m.type = MsgType::kSeen;
        m.writer = w;
        m.seq = id->seq;
        m.t_ack_ns = monotonic_ns();
        acks->send(m);
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
}

}  // namespace

int workload_main(int argc, char** argv) {
  CLI::App app{"walkv-crash workload (internal)"};
  EngineArgs eng;
  eng.add_to(app);
  std::string mode = "sync";
  std::uint64_t flush_us = 0, seed = 0;
  std::uint32_t writers = 1, keys = 1;
  int ack_fd = -1, ledger_fd = -1;
  std::string shadow;
  bool undo_data = false;
  app.add_option("--mode", mode)->required();
  app.add_option("--flush-us", flush_us);
  app.add_option("--writers", writers)->required();
  app.add_option("--keys", keys)->required();
  app.add_option("--seed", seed)->required();
  app.add_option("--ack-fd", ack_fd)->required();
  app.add_option("--ledger-fd", ledger_fd);
  app.add_option("--shadow", shadow);
  app.add_flag("--undo-data", undo_data);
  CLI11_PARSE(app, argc, argv);

  Options options = eng.options();
  if (!parse_commit_mode(mode, &options.mode)) {
    fmt::print(stderr, "error: unknown commit mode '{}'\n", mode);
    return 3;
  }
  if (flush_us > 0) options.flush_interval = std::chrono::microseconds(flush_us);
  options.logger = [](LogLevel level, std::string_view msg) {
    fmt::print(stderr, "walkv {}: {}\n", level == LogLevel::kInfo ? "info" : "warning", msg);
  };

  // The ledger (power trials) and/or the injected bug (buggy build) ride on the hooks.
  SharedRegion region;
  if (ledger_fd >= 0) {
    if (auto err = region.attach(ledger_fd); !err.empty()) {
      fmt::print(stderr, "error: {}\n", err);
      return 3;
    }
  }
  if (ledger_fd >= 0 || eng.bug()) {
    options.io_hooks = std::make_shared<TrialLedgerHooks>(region.data(), region.size(), shadow,
                                                     undo_data, eng.bug());
  }

  auto db = DB::open(eng.dir, options);
  if (!db.ok()) {
    fmt::print(stderr, "error: open {}: {}\n", eng.dir, db.status().ToString());
    return 3;
  }
  AckWriter acks(ack_fd);
  AckMsg ready;
  ready.type = MsgType::kReady;
  ready.t_ack_ns = monotonic_ns();
  ready.a = (*db)->stats().io_backend == "io_uring" ? 1 : 0;
  acks.send(ready);

  std::vector<std::thread> threads;
  for (std::uint32_t w = 0; w < writers; ++w) {
    threads.emplace_back(writer_loop, db->get(), &acks, seed, w, keys);
  }
  // Only sync promises that what a reader saw is durable; os and async show a write before
  // it is (the checker's reader rule, checker.h).
  if (options.mode == CommitMode::kSync) {
    threads.emplace_back(reader_loop, db->get(), &acks, seed, writers, keys);
  }
  for (auto& t : threads) t.join();
  // Every writer failed: wait for the parent's SIGKILL like a healthy process would.
  for (;;) ::pause();
}

}  // namespace walkv::crash
