#include "trial.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <poll.h>
#include <sys/wait.h>
#include <unordered_map>
#include <unistd.h>

#include <fmt/format.h>

#include "ack_stream.h"
#include "guarantee.h"
#include "ledger.h"
#include "process.h"
#include "recovery_dump.h"
#include "rng.h"
#include "sys_error.h"

namespace walkv::crash {

namespace fs = std::filesystem;

namespace {

constexpr int kAckFd = 100;     // fd numbers in the workload child
constexpr int kLedgerFd = 101;
constexpr int kReadyTimeoutMs = 30000;
constexpr int kRecoverTimeoutMs = 120000;
constexpr int kMiddleLedgerFd = 100;  // fd number in the middle process of a double trial

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

// Kills and reaps a child on scope exit unless released.
class Reaper {
 public:
  explicit Reaper(pid_t pid) : pid_(pid) {}
  ~Reaper() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait_for(pid_);
    }
  }
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;
  int reap() {
    const int st = wait_for(pid_);
    pid_ = -1;
    return st;
  }

 private:
  pid_t pid_;
};

std::string bytes_arg(std::uint64_t v) { return std::to_string(v); }

SyncTimeline sync_timeline(const LedgerContents& ledger, std::uint64_t crash_ns) {
  SyncTimeline t;
  std::unordered_map<std::uint32_t, std::uint64_t> started;
  std::uint64_t last_done = 0;
  std::uint64_t round_start = 0;  // first write submitted since the last completed fdatasync
  for (const auto& e : ledger.entries) {
    if (e.op == IoOp::kWrite && e.phase == Phase::kBefore && round_start == 0) {
      round_start = e.t_enter_ns;  // the engine's flush began when it called the hook
    }
    if (e.op != IoOp::kSync) continue;
    if (e.phase == Phase::kBefore) {
      started[e.id] = e.t_ns;
      continue;
    }
    auto it = started.find(e.id);
    if (e.result != 0 || it == started.end()) continue;
    ++t.syncs;
    if (round_start != 0) {
      t.slowest_round_ms =
          std::max(t.slowest_round_ms, static_cast<double>(e.t_ns - round_start) / 1e6);
    }
    round_start = 0;
    t.slowest_ms = std::max(t.slowest_ms, static_cast<double>(e.t_ns - it->second) / 1e6);
    if (last_done != 0) {
      t.widest_gap_ms = std::max(t.widest_gap_ms, static_cast<double>(e.t_ns - last_done) / 1e6);
    }
    last_done = std::max(last_done, e.t_ns);
  }
  // A round still running at the crash took at least until the crash.
  if (round_start != 0 && crash_ns > round_start) {
    t.slowest_round_ms =
        std::max(t.slowest_round_ms, static_cast<double>(crash_ns - round_start) / 1e6);
  }
  if (last_done != 0 && crash_ns >= last_done) {
    t.last_done_before_crash_ms = static_cast<double>(crash_ns - last_done) / 1e6;
  }
  return t;
}

// Runs `walkv-crash __recover` on db_dir in a fresh process and returns what it found. A
// process that hangs, crashes or prints no whole dump yields a state that did not open,
// with the reason as its error. Sets *tool_error only when the process could not be started.
RecoveredState recover(const Config& config, const std::string& exe, const std::string& db_dir,
                       const std::string& log_path, std::string* tool_error) {
  RecoveredState rec;
  int rpipe[2];
  if (::pipe2(rpipe, O_CLOEXEC) != 0) {
    *tool_error = fmt::format("pipe: {}", errno_text(errno));
    return rec;
  }
  Fd rec_read(rpipe[0]), rec_write(rpipe[1]);
  Fd rec_log_fd(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  std::vector<std::string> rargs = {
      "__recover",
      "--dir", db_dir,
      "--backend", config.backend,
      "--segment-bytes", bytes_arg(config.segment_bytes),
      "--log-buffer-bytes", bytes_arg(config.log_buffer_bytes),
      "--checkpoint-bytes", bytes_arg(config.checkpoint_bytes),
  };
  if (!config.inject_bug.empty()) rargs.insert(rargs.end(), {"--inject-bug", config.inject_bug});
  const pid_t rpid = spawn(exe, rargs, {}, rec_write.get(), rec_log_fd.get());
  if (rpid < 0) {
    *tool_error = fmt::format("fork: {}", errno_text(errno));
    return rec;
  }
  Reaper rreaper(rpid);
  rec_write.reset();
  std::string dump;
  const bool finished = read_all(rec_read.get(), &dump, kRecoverTimeoutMs);
  if (!finished) {
    rec.open_error = fmt::format("the recovery process did not finish within {} s",
                                 kRecoverTimeoutMs / 1000);
  } else {
    const int rstatus = rreaper.reap();
    std::string err;
    if (!decode_recovered(dump, &rec, &err)) {
      rec = RecoveredState{};
      rec.open_error = fmt::format("the recovery process failed ({}): {}",
                                   describe_status(rstatus), tail_of_file(log_path, 400));
    }
  }
  return rec;
}

// The middle process of a double trial: `walkv-crash __open-only` recovers db_dir with the
// I/O ledger on (appending to the workload's), reports its durable LSN, and is SIGKILLed
// `kill_delay_ms` later — its spare segment may be half prepared then. Fills *out; returns
// a tool error (the process could not be started), or an empty string.
std::string middle_recovery(const Config& config, const std::string& exe,
                            const std::string& db_dir, const std::string& shadow_dir,
                            int ledger_fd, const std::string& log_path,
                            std::uint64_t kill_delay_ms, DoubleOutcome* out) {
  int opipe[2];
  if (::pipe2(opipe, O_CLOEXEC) != 0) return fmt::format("pipe: {}", errno_text(errno));
  Fd out_read(opipe[0]), out_write(opipe[1]);
  Fd log_fd(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  std::vector<std::string> args = {
      "__open-only",
      "--dir", db_dir,
      "--ledger-fd", std::to_string(kMiddleLedgerFd),
      "--shadow", shadow_dir,
      "--backend", config.backend,
      "--segment-bytes", bytes_arg(config.segment_bytes),
      "--log-buffer-bytes", bytes_arg(config.log_buffer_bytes),
      "--checkpoint-bytes", bytes_arg(config.checkpoint_bytes),
  };
  if (!config.inject_bug.empty()) args.insert(args.end(), {"--inject-bug", config.inject_bug});
  const pid_t pid = spawn(exe, args, {{kMiddleLedgerFd, ledger_fd}}, out_write.get(), log_fd.get());
  if (pid < 0) return fmt::format("fork: {}", errno_text(errno));
  Reaper reaper(pid);
  out_write.reset();
  out->kill_delay_ms = kill_delay_ms;

  // Its one line, "durable N last M open_ms X" or "error ...". EOF first: it died.
  std::string line;
  const std::uint64_t deadline = monotonic_ns() + kRecoverTimeoutMs * 1000000ULL;
  while (line.find('\n') == std::string::npos) {
    const std::uint64_t now = monotonic_ns();
    if (now >= deadline) {
      out->error = fmt::format("it did not report within {} s", kRecoverTimeoutMs / 1000);
      return {};  // the Reaper kills it
    }
    pollfd p{out_read.get(), POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>((deadline - now) / 1000000ULL) + 1);
    if (rc < 0 && errno != EINTR) return fmt::format("poll: {}", errno_text(errno));
    if (rc <= 0) continue;
    char buf[512];
    const ssize_t n = ::read(out_read.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fmt::format("read: {}", errno_text(errno));
    if (n == 0) break;
    line.append(buf, static_cast<std::size_t>(n));
  }
  if (line.find('\n') == std::string::npos) {
    const int status = reaper.reap();
    out->error = fmt::format("it ended without a report ({}): {}", describe_status(status),
                             tail_of_file(log_path, 400));
    return {};
  }
  line.resize(line.find('\n'));
  unsigned long long durable = 0, last = 0;
  double open_ms = 0;
  if (std::sscanf(line.c_str(), "durable %llu last %llu open_ms %lf", &durable, &last,
                  &open_ms) == 3) {
    out->reported = true;
    out->durable_lsn = durable;
    out->last_lsn = last;
    out->open_ms = open_ms;
    if (kill_delay_ms > 0) ::usleep(static_cast<useconds_t>(kill_delay_ms * 1000));
  } else {
    out->error = line.rfind("error ", 0) == 0 ? line.substr(6) : "unreadable report: " + line;
  }
  ::kill(pid, SIGKILL);
  reaper.reap();
  return {};
}

// The media-damage half of a rot trial, on a directory the first recovery (`first`) left
// at rest. Fills out->rot, and out->check when the guarantee broke. Returns why the phase
// could not be run (a tool error), or an empty string.
std::string rot_phase(const Config& config, const TrialSpec& spec, const std::string& exe,
                      const std::string& db_dir, const RecoveredState& first,
                      TrialOutcome* out) {
  // The state at rest. The first recovery made what it recovered durable, wrote its marker
  // and reopened. Rather than reason about what that left, a second clean recovery reads
  // exactly the directory the damage will hit; it must find what the first one left (its
  // keys plus the marker, one LSN on), and it rewrites the marker with the same value, so
  // the state at rest is its key/value set through one LSN beyond what it recovered.
  std::string err;
  const RecoveredState again = recover(config, exe, db_dir, out->dir + "/recover-rest.log", &err);
  if (!err.empty()) return err;
  std::vector<std::pair<std::string, std::string>> want;
  for (const auto& kv : first.kv) {
    if (kv.first != kMarkerKey) want.push_back(kv);
  }
  want.emplace_back(std::string(kMarkerKey), std::string(kMarkerValue));
  std::sort(want.begin(), want.end());
  std::string why;
  if (!again.opened) why = again.open_error;
  else if (!again.reopen_ok) why = again.reopen_error;
  else if (again.kv != want) why = fmt::format("it holds {} keys", again.kv.size());
  else if (again.last_lsn != first.last_lsn + 1) why = fmt::format("last LSN {}", again.last_lsn);
  if (!why.empty()) {
    out->check.recovery_failure = true;
    out->check.problems.push_back(fmt::format(
        "rot: a second recovery of the undamaged directory did not find what the first "
        "left ({} keys with the marker, through LSN {}): {}",
        want.size(), first.last_lsn + 1, why));
    return {};
  }
  RestState rest;
  rest.kv = again.kv;
  rest.last_lsn = again.last_lsn + 1;  // its marker write, which its reopen checked
  out->rot.rest_keys = rest.kv.size();
  out->rot.rest_last_lsn = rest.last_lsn;

  std::vector<RotTarget> targets;
  if (err = list_rot_targets(db_dir, &targets); !err.empty()) return "rot: " + err;
  out->rot.flips = choose_flips(targets, mix_seed(spec.seed, 0x2070), config.rot_bits);
  if (out->rot.flips.empty()) return "rot: no walkv file with a byte to damage in " + db_dir;
  if (err = apply_flips(db_dir, &out->rot.flips); !err.empty()) return "rot: " + err;

  const RecoveredState after = recover(config, exe, db_dir, out->dir + "/recover-rot.log", &err);
  if (!err.empty()) return err;
  RotVerdict verdict = classify_rot(rest, out->rot.flips, after);
  out->rot.classified = true;
  out->rot.kind = verdict.kind;
  if (verdict.kind == RotClass::kBroken) {
    (verdict.wrong_state ? out->check.prefix_violation : out->check.recovery_failure) = true;
    for (auto& p : verdict.problems) out->check.problems.push_back(std::move(p));
  }
  return {};
}

}  // namespace

std::uint64_t trial_seed(std::uint64_t run_seed, const ModeSpec& mode, CrashKind crash,
                         int index) {
  const std::uint64_t kind = crash == CrashKind::kKill    ? 1
                            : crash == CrashKind::kPower ? 2
                            : crash == CrashKind::kRot   ? 3
                                                         : 4;
  return mix_seed(mix_seed(mix_seed(run_seed, hash_name(mode.name)), kind),
                  static_cast<std::uint64_t>(index));
}

TrialOutcome run_trial(const Config& config, const TrialSpec& spec, const std::string& exe) {
  TrialOutcome out;
  out.index = spec.index;
  out.seed = spec.seed;
  const bool power = spec.crash == CrashKind::kPower;
  const bool dbl = spec.crash == CrashKind::kDouble;
  const bool cut = power || dbl;  // the trial ends in a power cut: the ledger keeps pre-images
  Rng rng(mix_seed(spec.seed, 0xC4A5));
  out.crash_delay_ms = rng.between(static_cast<std::uint64_t>(config.min_crash_ms),
                                   static_cast<std::uint64_t>(config.max_crash_ms));

  // Fresh directories: db/ for the engine, shadow/ for inodes the ledger preserves.
  std::string safe_mode = spec.mode.name;
  for (char& c : safe_mode) {
    if (c == ':') c = '-';
  }
  out.dir = fmt::format("{}/walkv-crash-{}/{}-{}-{}", config.work_dir, config.seed, safe_mode,
                        crash_name(spec.crash), spec.index);
  const std::string db_dir = out.dir + "/db";
  const std::string shadow_dir = out.dir + "/shadow";
  std::error_code ec;
  fs::remove_all(out.dir, ec);
  fs::create_directories(db_dir, ec);
  if (!ec) fs::create_directories(shadow_dir, ec);
  if (ec) {
    out.tool_error = fmt::format("create {}: {}", out.dir, ec.message());
    return out;
  }

  // Every trial keeps a ledger: power and double trials need it to undo, the others use it
  // only to time the engine's flushes.
  SharedRegion ledger;
  if (auto err = ledger.create((cut ? config.ledger_mb : 64) << 20); !err.empty()) {
    out.tool_error = err;
    return out;
  }

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    out.tool_error = fmt::format("pipe: {}", errno_text(errno));
    return out;
  }
  Fd ack_read(pipe_fds[0]), ack_write(pipe_fds[1]);
  ::fcntl(ack_read.get(), F_SETPIPE_SZ, 1 << 20);
  ::fcntl(ack_read.get(), F_SETFL, O_NONBLOCK);

  const std::string child_log = out.dir + "/workload.log";
  Fd log_fd(::open(child_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));

  std::vector<std::string> args = {
      "__workload",
      "--dir", db_dir,
      "--mode", to_string(spec.mode.commit),
      "--flush-us", std::to_string(spec.mode.flush_interval.count()),
      "--writers", std::to_string(config.writers),
      "--keys", std::to_string(config.keys_per_writer),
      "--seed", std::to_string(spec.seed),
      "--ack-fd", std::to_string(kAckFd),
      "--backend", config.backend,
      "--segment-bytes", bytes_arg(config.segment_bytes),
      "--log-buffer-bytes", bytes_arg(config.log_buffer_bytes),
      "--checkpoint-bytes", bytes_arg(config.checkpoint_bytes),
  };
  std::vector<std::pair<int, int>> fds = {{kAckFd, ack_write.get()}, {kLedgerFd, ledger.fd()}};
  args.insert(args.end(), {"--ledger-fd", std::to_string(kLedgerFd), "--shadow", shadow_dir});
  if (cut) args.push_back("--undo-data");
  if (!config.inject_bug.empty()) args.insert(args.end(), {"--inject-bug", config.inject_bug});

  const pid_t pid = spawn(exe, args, fds, -1, log_fd.get());
  if (pid < 0) {
    out.tool_error = fmt::format("fork: {}", errno_text(errno));
    return out;
  }
  Reaper reaper(pid);
  ack_write.reset();

  // Read acks until the crash moment, then kill, then drain what is left.
  std::vector<WriterLog> logs(static_cast<std::size_t>(config.writers));
  AckReader reader;
  std::vector<AckMsg> msgs;
  std::uint64_t ready_ns = 0, crash_at = 0, crash_ns = 0;
  const std::uint64_t started = monotonic_ns();
  bool eof = false;
  auto handle = [&](const AckMsg& m) {
    switch (m.type) {
      case MsgType::kReady:
        ready_ns = m.t_ack_ns;
        crash_at = monotonic_ns() + out.crash_delay_ms * 1000000ULL;
        out.io_backend = m.a == 1 ? "io_uring" : "posix";
        break;
      case MsgType::kAck:
        if (m.writer < logs.size()) {
          logs[m.writer].acks.push_back({m.seq, m.lsn, m.t_start_ns, m.t_ack_ns});
          out.latency.add(m.t_ack_ns - m.t_start_ns);
        }
        break;
      case MsgType::kSeen:
        if (m.writer < logs.size()) {
          auto& l = logs[m.writer];
          if (!l.seen_any || m.seq > l.max_seen_seq) l.max_seen_seq = m.seq;
          l.seen_any = true;
        }
        break;
      case MsgType::kError:
        if (m.writer < logs.size()) logs[m.writer].failed = true;
        if (out.engine_error.empty()) {
          out.engine_error = fmt::format("writer {} seq {}: write failed (status code {})",
                                         m.writer, m.seq, m.a);
        }
        break;
    }
  };
  while (!eof) {
    const std::uint64_t now = monotonic_ns();
    if (crash_ns == 0 && crash_at != 0 && now >= crash_at) {
      ::kill(pid, SIGKILL);
      crash_ns = monotonic_ns();
    }
    if (crash_ns == 0 && crash_at == 0 && now - started > kReadyTimeoutMs * 1000000ULL) {
      out.tool_error = "the workload process did not open the database within 30 s: " +
                       tail_of_file(child_log, 400);
      return out;
    }
    int timeout_ms = 100;
    if (crash_ns == 0 && crash_at != 0) {
      timeout_ms = static_cast<int>((crash_at - std::min(crash_at, now)) / 1000000ULL);
    }
    pollfd p{ack_read.get(), POLLIN, 0};
    const int rc = ::poll(&p, 1, timeout_ms);
    if (rc < 0 && errno != EINTR) {
      out.tool_error = fmt::format("poll: {}", errno_text(errno));
      return out;
    }
    if (rc > 0) {
      const long n = reader.read_some(ack_read.get());
      if (n == 0) eof = true;
      if (n == -1) {
        out.tool_error = fmt::format("read acks: {}", errno_text(errno));
        return out;
      }
      msgs.clear();
      reader.drain(&msgs);
      for (const auto& m : msgs) handle(m);
    }
  }
  const int status = reaper.reap();
  if (crash_ns == 0) {
    // Exit code 127: exec failed (the tool's problem). Anything else — a failed open, a
    // crash inside the engine — is the engine's.
    const std::string what = fmt::format("the workload process ended before the crash ({}): {}",
                                         describe_status(status), tail_of_file(child_log, 400));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) out.tool_error = what;
    else out.engine_error = what;
    return out;
  }
  out.write_seconds = static_cast<double>(crash_ns - ready_ns) / 1e9;
  for (const auto& l : logs) out.acked += l.acks.size();

  LedgerContents contents;
  if (auto err = read_ledger(ledger.data(), ledger.size(), &contents); !err.empty()) {
    out.tool_error = "ledger: " + err;
    return out;
  }
  out.syncs = sync_timeline(contents, crash_ns);
  auto overflow_error = [&] {
    return cut ? fmt::format("the I/O ledger overflowed its {} MiB; rerun with a larger "
                             "--ledger-mb or a shorter --max-crash-ms",
                             config.ledger_mb)
               : std::string("the I/O ledger (timing only) overflowed");
  };
  if (contents.overflow) {
    out.tool_error = overflow_error();
    return out;
  }
  // Operations of the io_uring chain in flight at the kill that the files prove completed
  // (power_cut.h), judged on the directory exactly as the kill left it.
  std::vector<LedgerEntry> proven;
  if (cut) {
    std::string err;
    proven = linked_completions(contents, db_dir, shadow_dir, &err);
    if (!err.empty()) {
      out.tool_error = "power cut: " + err;
      return out;
    }
    for (const auto& e : proven) out.power.linked_syncs_proven += e.op == IoOp::kSync ? 1 : 0;
    contents.entries.insert(contents.entries.end(), proven.begin(), proven.end());
  }

  // Double: a recovery that only opens, then a second SIGKILL. Its I/O joins the workload's
  // in the ledger, so that the power cut below takes what neither process made durable:
  // the workload's writes that only its recovery's fdatasync would cover, among them.
  if (dbl) {
    Rng drng(mix_seed(spec.seed, 0xD0B1));
    if (auto err = middle_recovery(config, exe, db_dir, shadow_dir, ledger.fd(),
                                   out.dir + "/recover-middle.log", drng.between(0, 20), &out.dbl);
        !err.empty()) {
      out.tool_error = err;
      return out;
    }
    contents = LedgerContents{};
    if (auto err = read_ledger(ledger.data(), ledger.size(), &contents); !err.empty()) {
      out.tool_error = "ledger: " + err;
      return out;
    }
    if (contents.overflow) {
      out.tool_error = overflow_error();
      return out;
    }
    contents.entries.insert(contents.entries.end(), proven.begin(), proven.end());
  }

  // Power cut: rewrite the files to what the disk could hold.
  if (cut) {
    if (auto err = apply_power_cut(contents, db_dir, shadow_dir, mix_seed(spec.seed, 0x9031),
                                   PowerCutOptions{}, &out.power);
        !err.empty()) {
      out.tool_error = "power cut: " + err;
      return out;
    }
  }

  // Recover in a fresh process.
  RecoveredState rec = recover(config, exe, db_dir, out.dir + "/recover.log", &out.tool_error);
  if (!out.tool_error.empty()) return out;
  out.recovery_ms = rec.open_ms;

  CheckInput in;
  in.trial_seed = spec.seed;
  in.keys_per_writer = config.keys_per_writer;
  in.writers = std::move(logs);
  in.crash_ns = crash_ns;
  in.lose_nothing = loss_promise(spec.mode, spec.crash) == LossPromise::kNothing;
  in.sync_mode = spec.mode.sync();
  in.mode_name = spec.mode.name;
  in.crash_name = crash_name(spec.crash);
  out.check = check_recovery(in, rec);
  if (dbl) {
    // What the middle recovery vouched for (durable_lsn() after open) must survive the power
    // cut: recovery makes what it recovered durable before it reports it (docs/design.md,
    // "Recovery", step 4). A final recovery that refused to open is already a failure.
    if (!out.dbl.reported) {
      out.check.recovery_failure = true;
      out.check.problems.push_back("double: the recovery before the second crash failed: " +
                                   out.dbl.error);
    } else if (rec.opened && rec.last_lsn < out.dbl.durable_lsn) {
      out.check.recovery_failure = true;
      out.check.problems.push_back(fmt::format(
          "double: the recovery before the second crash reported durable LSN {}, but after "
          "the power cut recovery ended at LSN {}: {} LSNs it vouched for were lost",
          out.dbl.durable_lsn, rec.last_lsn, out.dbl.durable_lsn - rec.last_lsn));
    }
  }
  if (auto why = bound_violation(spec.mode, spec.crash, out.check.lost_acked,
                                 out.check.loss_span_ms, config.window_margin_ms)) {
    out.window_exceeded = true;
    out.check.problems.push_back(*why);
  }
  // Rot: damage the database at rest, only once the crash recovery kept every guarantee
  // (damage to a state already wrong would judge nothing).
  if (spec.crash == CrashKind::kRot && !out.broken()) {
    if (auto err = rot_phase(config, spec, exe, db_dir, rec, &out); !err.empty()) {
      out.tool_error = err;
      return out;
    }
  }
  if (out.broken()) {
    // Keep the ledger beside the directory: `walkv-crash __ledger DIR/ledger.bin` prints it.
    const auto bytes = ledger_bytes(ledger.data(), ledger.size());
    // "e": close-on-exec, so a child another trial thread forks now does not inherit it.
    if (FILE* f = std::fopen((out.dir + "/ledger.bin").c_str(), "wbe")) {
      std::fwrite(bytes.data(), 1, bytes.size(), f);
      std::fclose(f);
    }
  }
  return out;
}

}  // namespace walkv::crash
