#include "runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_util.h"
#include "walkv/db.h"
#include "walkv/write_batch.h"

namespace walkv::faults {

namespace {

struct CallerError {
  std::string where;  // the API call that returned it: "open", "put", "sync", ...
  Status status;
};

// on_durable results, delivered on engine threads.
struct DurableCallbacks {
  struct Entry {
    std::size_t write;     // index in the WriteModel
    Status status;
    Lsn covered_through;   // the ledger's durable prefix when the callback ran
  };
  std::mutex mu;
  std::vector<Entry> entries;
};

// The words an engine error uses for each kind of operation (Status::IOError messages):
// walkv::io_op_name's, except that errors spell a directory fsync out.
const char* op_word(IoOp op) {
  return op == IoOp::kDirSync ? "fsync directory" : io_op_name(op);
}

// Copies the files of `from` into the empty directory `to` while engine threads may still
// rename or delete files there (the segment preparer): a file that vanishes between the
// listing and its copy restarts the copy, so the image never misses a renamed file. The
// copy also restarts when the names or CONTROL changed while it ran: a crash leaves CONTROL
// naming a segment only once that segment is in place (and deletes a segment only after
// CONTROL stops naming it), and a copy taken across such a change could show CONTROL
// without the segment it names, an image no crash leaves.
void copy_live_dir(const std::string& from, const std::string& to) {
  namespace fs = std::filesystem;
  auto names = [&] {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(from, ec)) out.push_back(e.path().filename());
    std::sort(out.begin(), out.end());
    return out;
  };
  auto control = [&] {
    std::ifstream in(fs::path(from) / test::kControlFileName, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  for (int attempt = 0;; ++attempt) {
    for (const auto& e : fs::directory_iterator(to)) fs::remove(e.path());
    const auto names_before = names();
    const std::string control_before = control();
    bool vanished = false;
    for (const auto& e : fs::directory_iterator(from)) {
      std::error_code ec;
      if (!e.is_regular_file(ec)) continue;
      fs::copy_file(e.path(), fs::path(to) / e.path().filename(), ec);
      if (ec) {
        if (ec != std::errc::no_such_file_or_directory || attempt == 100)
          throw fs::filesystem_error("copy " + e.path().string(), ec);
        vanished = true;
        break;
      }
    }
    if (vanished) continue;
    if (names() == names_before && control() == control_before) return;
    if (attempt == 100) throw std::runtime_error("copy of " + from + ": it keeps changing");
  }
}

Options quiet(Options o) {
  o.logger = test::LogSink().logger();
  return o;
}

class Run {
 public:
  Run(const Scenario& sc, const std::optional<FaultTarget>& target)
      : sc_(sc),
        target_(target),
        hooks_(std::make_shared<FaultPointHooks>(dir_.path())),
        model_(sc.base_state, sc.base_lsn),
        callbacks_(std::make_shared<DurableCallbacks>()) {}

  RunReport go();

 private:
  void execute(DB& db);
  void write_step(DB& db, const Step& step);
  // Everything up to `lsn` was reported durable by `what`: the ledger must agree.
  void reported_durable(Lsn lsn, const char* what);
  void merge_callbacks(WriteModel* model, bool final_pass);
  void verify_image(const std::string& dir, const WriteModel& model, const char* label,
                    bool write_after);
  void check_errors();
  std::string classify() const;
  void violation(std::string v) { report_.violations.push_back(std::move(v)); }

  const Scenario& sc_;
  const std::optional<FaultTarget> target_;
  test::TempDir dir_{scratch_parent(), "faults"};
  test::TempDir kill_dir_{scratch_parent(), "faults"};
  std::shared_ptr<FaultPointHooks> hooks_;
  WriteModel model_;
  std::shared_ptr<DurableCallbacks> callbacks_;
  std::vector<CallerError> errors_;
  Lsn reported_ = 0;  // highest LSN the engine reported durable so far
  bool latched_ = false;  // the DB reported a latched failure (stats().failed)
  // By model index: an async write that returned OK, whose on_durable must run once.
  std::vector<bool> wants_callback_;
  RunReport report_;
};

RunReport Run::go() {
  if (!sc_.base_dir.empty()) test::copy_dir_files(sc_.base_dir, dir_.path());
  if (target_) hooks_->arm(target_->point, target_->fault);
  if (sc_.bug) hooks_->inject(*sc_.bug);
  Options opts = quiet(sc_.options);
  opts.io_hooks = hooks_;
  std::optional<WriteModel> at_kill;
  {
    auto opened = DB::open(dir_.path(), opts);
    if (!opened.ok()) {
      errors_.push_back({"open", opened.status()});
    } else {
      std::unique_ptr<DB> db = std::move(opened).value();
      execute(*db);
      latched_ = db->stats().failed;
      // What a SIGKILL now would leave: every byte handed to the kernel. The durable marks
      // are taken first, so all of them were earned before the copy started.
      at_kill = model_;
      at_kill->settle_failed_writes();
      merge_callbacks(&*at_kill, false);
      copy_live_dir(dir_.path(), kill_dir_.path());
      db.reset();
    }
  }
  model_.settle_failed_writes();
  merge_callbacks(&model_, true);
  report_.fired = hooks_->fired();
  report_.seen = hooks_->seen();
  if (at_kill) verify_image(kill_dir_.path(), *at_kill, "image at kill", false);
  verify_image(dir_.path(), model_, "after close", true);
  check_errors();
  report_.outcome = classify();
  return report_;
}

void Run::execute(DB& db) {
  for (const Step& step : sc_.steps) {
    switch (step.kind) {
      case Step::Kind::kWrite: write_step(db, step); break;
      case Step::Kind::kWaitDurable: {
        Lsn last = 0;
        for (const auto& w : model_.writes()) last = std::max(last, w.lsn);
        if (last == 0) break;
        Status s = db.wait_durable(last, std::chrono::seconds(5));
        if (s.ok()) {
          reported_durable(last, "wait_durable()");
        } else {
          if (s.IsTimedOut()) violation("wait_durable timed out: " + s.ToString());
          errors_.push_back({"wait_durable", s});
          latched_ = db.stats().failed;
        }
        break;
      }
      case Step::Kind::kSync: {
        auto r = db.sync();
        if (r.ok()) {
          reported_durable(r.value(), "sync()");
        } else {
          errors_.push_back({"sync", r.status()});
          latched_ = db.stats().failed;
        }
        break;
      }
      case Step::Kind::kCheckpoint: {
        auto r = db.checkpoint();
        if (r.ok()) {
          reported_durable(r.value(), "checkpoint()");
        } else {
          errors_.push_back({"checkpoint", r.status()});
          latched_ = db.stats().failed;
        }
        break;
      }
    }
  }
}

void Run::write_step(DB& db, const Step& step) {
  const CommitMode mode = step.mode.value_or(sc_.options.mode);
  ModelWrite mw;
  mw.ops = step.ops;
  const std::size_t index = model_.add(std::move(mw));
  WriteOptions wo;
  wo.mode = step.mode;
  if (mode == CommitMode::kAsync) {
    auto cbs = callbacks_;
    auto hooks = hooks_;
    const Lsn first = sc_.base_lsn + 1;
    wo.on_durable = [cbs, hooks, index, first](const Status& s) {
      const Lsn through = hooks->covered_through(first);
      std::lock_guard lock(cbs->mu);
      cbs->entries.push_back({index, s, through});
    };
  }
  Result<Lsn> r = Status::OK();
  const char* where = "write";
  if (step.as_batch || step.ops.size() != 1) {
    WriteBatch b;
    for (const auto& m : step.ops) {
      if (m.put) {
        b.put(m.key, m.value);
      } else {
        b.del(m.key);
      }
    }
    r = db.write(b, wo);
  } else if (step.ops[0].put) {
    where = "put";
    r = db.put(step.ops[0].key, step.ops[0].value, wo);
  } else {
    where = "del";
    r = db.del(step.ops[0].key, wo);
  }
  ModelWrite& w = model_.at(index);
  if (latched_ && !r.status().IsFailed())
    violation(fmt::format("a write after the DB latched its failure returned {}",
                          r.ok() ? "OK" : r.status().ToString()));
  if (!r.ok()) {
    if (r.status().IsInvalidArgument()) violation("scenario bug: " + r.status().ToString());
    // Failed: refused before it was appended. Any other error came after the append.
    w.maybe_logged = !r.status().IsFailed();
    errors_.push_back({where, r.status()});
    latched_ = db.stats().failed;
    return;
  }
  w.maybe_logged = true;
  w.lsn = r.value();
  if (mode == CommitMode::kAsync) {
    wants_callback_.resize(index + 1, false);
    wants_callback_[index] = true;
  }
  if (mode == CommitMode::kSync) {
    reported_durable(w.lsn, "a sync write's OK");
  } else {
    reported_durable(db.durable_lsn(), "durable_lsn()");
  }
}

void Run::reported_durable(Lsn lsn, const char* what) {
  if (lsn <= reported_) return;
  const Lsn through = hooks_->covered_through(sc_.base_lsn + 1);
  if (through < lsn)
    violation(fmt::format("{} reported LSN {} durable, but completed fdatasyncs cover only "
                          "through LSN {}",
                          what, lsn, through));
  reported_ = lsn;
  model_.mark_durable_through(lsn);
}

void Run::merge_callbacks(WriteModel* model, bool final_pass) {
  std::vector<DurableCallbacks::Entry> entries;
  {
    std::lock_guard lock(callbacks_->mu);
    entries = callbacks_->entries;
  }
  std::vector<int> calls(model->writes().size(), 0);
  for (const auto& e : entries) {
    ++calls[e.write];
    ModelWrite& w = model->at(e.write);
    if (!e.status.ok()) {
      if (final_pass) errors_.push_back({"on_durable", e.status});
      continue;
    }
    w.durable = true;
    if (final_pass && e.covered_through < w.lsn)
      violation(fmt::format("on_durable said OK for LSN {}, but completed fdatasyncs covered "
                            "only through LSN {}",
                            w.lsn, e.covered_through));
  }
  if (!final_pass) return;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const int want = i < wants_callback_.size() && wants_callback_[i] ? 1 : 0;
    if (calls[i] != want)
      violation(fmt::format("on_durable of write {} (LSN {}) ran {} times, want {}", i,
                            model->writes()[i].lsn, calls[i], want));
  }
}

void Run::verify_image(const std::string& dir, const WriteModel& model, const char* label,
                       bool write_after) {
  Options opts = quiet(sc_.options);
  opts.mode = CommitMode::kSync;
  auto opened = DB::open(dir, opts);
  if (!opened.ok()) {
    violation(fmt::format("{}: reopen without faults failed: {}", label,
                          opened.status().ToString()));
    return;
  }
  auto db = std::move(opened).value();
  std::vector<Lsn> next;
  if (std::string diff = model.check(*db, &next); !diff.empty()) {
    violation(fmt::format("{}: {}", label, diff));
    return;
  }
  // The state alone cannot tell a put followed by a delete of the same key from neither:
  // the recovered LSN must fit a matching prefix too.
  const Lsn last = db->stats().recovery.last_lsn;
  if (std::find(next.begin(), next.end(), last + 1) == next.end()) {
    violation(fmt::format("{}: recovery reports last LSN {}, want {}", label, last,
                          next.front() - 1));
    return;
  }
  if (!write_after) return;
  auto r = db->put("after-reopen", "ok");
  if (!r.ok()) {
    violation(fmt::format("{}: a write after reopen failed: {}", label, r.status().ToString()));
  } else if (std::find(next.begin(), next.end(), r.value()) == next.end()) {
    violation(fmt::format("{}: the write after reopen got LSN {}, want {}", label, r.value(),
                          next.front()));
  }
}

void Run::check_errors() {
  for (const auto& e : errors_) {
    const Status& s = e.status;
    if (!s.IsIOError() && !s.IsFailed())
      violation(fmt::format("{}() returned {} for an injected I/O fault", e.where, s.ToString()));
  }
  if (!target_ || !report_.fired) {
    if (!errors_.empty())
      violation(fmt::format("{}() failed with no fault injected: {}", errors_[0].where,
                            errors_[0].status.ToString()));
    return;
  }
  const OpPoint& p = *report_.fired;
  const int err = fault_errno(target_->fault);
  if (err == 0 || errors_.empty()) return;
  const std::string file = p.file == "." ? dir_.path() : p.file;
  const std::string text = std::strerror(err);
  for (const auto& e : errors_) {
    const std::string& m = e.status.message();
    if (m.find(file) != std::string::npos && m.find(text) != std::string::npos &&
        m.find(op_word(p.op)) != std::string::npos)
      return;
  }
  violation(fmt::format("no error names the failed operation ({} {}: {}); first error, from "
                        "{}(): {}",
                        op_word(p.op), file, text, errors_[0].where,
                        errors_[0].status.ToString()));
}

std::string Run::classify() const {
  if (!report_.violations.empty()) return "VIOLATION";
  if (!report_.fired) return "not reached";
  if (!errors_.empty()) {
    const std::string& where = errors_[0].where;
    if (where == "open") return "open() fails; reopens OK";
    const bool write = where == "put" || where == "del" || where == "write";
    return fmt::format("{}() fails{}; reopens OK", write ? "write" : where,
                       latched_ ? ", DB latched" : ", DB stays writable");
  }
  if (target_->fault == Fault::kShortWrite) return "absorbed: short write completed";
  return "absorbed: no error, all acknowledged";
}

}  // namespace

std::string scratch_parent() {
  if (const char* env = std::getenv("WALKV_FAULTS_TMPDIR"); env != nullptr && *env != '\0')
    return env;
  return test::TempDir::tmpfs_parent();
}

RunReport run_scenario(const Scenario& scenario, const std::optional<FaultTarget>& target) {
  Run run(scenario, target);
  return run.go();
}

}  // namespace walkv::faults
