#include "db_impl.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <future>

#include "batch_codec.h"
#include "coding.h"
#include "file_retire.h"
#include "record_format.h"
#include "recovery.h"
#include "snapshot.h"

namespace walkv {

namespace {

Status validate(const Options& o) {
  if (o.flush_interval.count() <= 0)
    return Status::InvalidArgument("flush_interval must be > 0");
  if (o.flush_bytes == 0) return Status::InvalidArgument("flush_bytes must be > 0");
  // Before any sum below: no sum of two sizes up to 1 GiB overflows.
  if (o.log_buffer_bytes > format::kMaxSegmentBytes)
    return Status::InvalidArgument("log_buffer_bytes must be at most 1 GiB (segment_bytes' limit)");
  if (o.log_buffer_bytes < format::record_size(64))
    return Status::InvalidArgument("log_buffer_bytes is smaller than one small record");
  if (o.flush_bytes > o.log_buffer_bytes)
    return Status::InvalidArgument("flush_bytes must be <= log_buffer_bytes");
  if (o.segment_bytes < format::kMinSegmentBytes || o.segment_bytes > format::kMaxSegmentBytes)
    return Status::InvalidArgument("segment_bytes must be between 64 KiB and 1 GiB");
  if (o.segment_bytes <= o.log_buffer_bytes + 4096)
    return Status::InvalidArgument("segment_bytes must exceed log_buffer_bytes + 4 KiB");
  return Status::OK();
}

Status ensure_dir(const std::string& dir, bool create) {
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return Status::IOError("open database", dir, ENOTDIR);
    return Status::OK();
  }
  if (errno != ENOENT || !create) return Status::IOError("open database", dir, errno);
  if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST)
    return Status::IOError("create database directory", dir, errno);
  return Status::OK();
}

// The encoding of a single put or delete, built in a per-thread buffer (no allocation once
// warm). Same format as WriteBatch::rep().
std::string& single_op(WriteBatch::OpType type, std::string_view key, std::string_view value) {
  thread_local std::string rep;
  rep.clear();
  detail::encode_op(&rep, type, key, value);
  return rep;
}

Status check_key_value(std::string_view key, std::string_view value) {
  if (key.empty()) return Status::InvalidArgument("empty key");
  if (key.size() > kMaxKeySize)
    return Status::InvalidArgument("key of " + std::to_string(key.size()) +
                                   " bytes exceeds the limit of " + std::to_string(kMaxKeySize));
  if (value.size() > kMaxValueSize)
    return Status::InvalidArgument("value of " + std::to_string(value.size()) +
                                   " bytes exceeds the limit of " +
                                   std::to_string(kMaxValueSize));
  return Status::OK();
}

}  // namespace

// ---- open and close -----------------------------------------------------------------------

Result<std::unique_ptr<DB>> DBImpl::open(const std::string& dir, const Options& options) {
  if (Status s = validate(options); !s.ok()) return s;
  if (dir.empty()) return Status::InvalidArgument("empty database directory");
  if (Status s = ensure_dir(dir, options.create_if_missing); !s.ok()) return s;
  auto lock = DirLock::acquire(dir);
  if (!lock.ok()) return lock.status();
  std::unique_ptr<DBImpl> db(new DBImpl(dir, options, std::move(lock.value())));
  if (Status s = db->init(); !s.ok()) return s;
  return std::unique_ptr<DB>(std::move(db));
}

DBImpl::DBImpl(std::string dir, Options options, DirLock lock)
    : dir_(std::move(dir)),
      options_(std::move(options)),
      lock_(std::move(lock)),
      fs_(options_.io_hooks),
      control_(fs_, dir_, ControlState{}) {}

void DBImpl::log(LogLevel level, std::string_view msg) const {
  if (options_.logger) {
    options_.logger(level, msg);
  } else if (level == LogLevel::kWarning) {
    std::fprintf(stderr, "walkv: %.*s\n", static_cast<int>(msg.size()), msg.data());
  }
}

Status DBImpl::init() {
  Recovered rec;
  auto logfn = [this](LogLevel l, std::string_view m) { log(l, m); };
  if (Status s = recover(fs_, dir_, &index_, &control_, &rec, logfn); !s.ok()) return s;
  recovery_ = rec.report;
  snapshot_lsn_ = rec.snapshot_lsn;

  segments_ = std::make_unique<SegmentManager>(fs_, dir_, options_.segment_bytes,
                                               rec.next_segment_number, control_);
  // log_ is set before the segment thread starts, and only the segment thread or this one
  // (before log_ exists) prepares segments.
  segments_->set_durable_source([this] { return log_ ? log_->durable_lsn() : Lsn{0}; });
  if (rec.spare) segments_->adopt_spare(std::move(rec.spare));
  if (!rec.start.tail) {  // a new database: its first segment
    auto first = segments_->take_next();
    if (!first.ok()) return first.status();
    rec.start.tail = std::move(first.value());
    rec.start.tail_offset = format::kSegmentHeaderSize;
  }

  std::unique_ptr<FlushBackend> async_backend;
  if (options_.io_backend != IoBackend::kPosix) {
    auto uring = make_uring_backend(fs_);
    if (uring.ok()) {
      async_backend = std::move(uring.value());
    } else if (options_.io_backend == IoBackend::kUring) {
      return uring.status();
    } else {
      log(LogLevel::kWarning, "io_uring unavailable (" + uring.status().message() +
                                  "); the async flusher uses pwrite + fdatasync");
    }
  }
  if (!async_backend) async_backend = make_posix_backend(fs_);
  log(LogLevel::kInfo, std::string("async flusher backend: ") + async_backend->name());

  CommitLog::Config cfg{options_.flush_interval, options_.flush_bytes, options_.log_buffer_bytes,
                        options_.segment_bytes, options_.io_hooks.get()};
  log_ = std::make_unique<CommitLog>(cfg, *segments_, notifier_, std::move(async_backend),
                                     make_posix_backend(fs_), std::move(rec.start));
  log_->set_on_roll([this] {
    {
      std::lock_guard lk(maint_mu_);
      maint_kick_ = true;
    }
    maint_cv_.notify_one();
  });
  log_->start_flusher();
  segments_->start();
  maintenance_ = std::thread([this] { maintenance_main(); });
  return Status::OK();
}

DBImpl::~DBImpl() {
  {
    std::lock_guard lk(maint_mu_);
    maint_stop_ = true;
  }
  maint_cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  if (log_) {
    if (Status s = log_->stop(); !s.ok()) {
      log(LogLevel::kWarning, "closing with a latched error: " + s.ToString());
    } else {
      // A clean close vouches for the whole log: the next open refuses rather than drop
      // any of it as a torn tail.
      ControlState c;
      c.durable_lsn = log_->durable_lsn();
      if (Status cs = control_.advance(c); !cs.ok())
        log(LogLevel::kWarning, "closing: could not update CONTROL: " + cs.ToString());
    }
  }
  // The segment thread asks log_ for its durable LSN: it ends before log_ does.
  if (segments_) segments_->stop();
  log_.reset();
  segments_.reset();
  // Every handed-out LSN was made durable (or failed) above; nothing can be left waiting,
  // but a callback must never be dropped silently.
  notifier_.fail_all(Status::Failed("database closed"));
}

void DBImpl::maintenance_main() {
  std::unique_lock lk(maint_mu_);
  while (!maint_stop_) {
    maint_cv_.wait_for(lk, std::chrono::milliseconds(100), [&] { return maint_stop_ || maint_kick_; });
    if (maint_stop_) break;
    maint_kick_ = false;
    if (options_.checkpoint_wal_bytes == 0) continue;
    if (log_->stats().wal_bytes < options_.checkpoint_wal_bytes) continue;
    if (!log_->failure().ok()) continue;
    lk.unlock();
    auto r = checkpoint();
    if (!r.ok()) log(LogLevel::kWarning, "automatic checkpoint failed: " + r.status().ToString());
    lk.lock();
  }
}

// ---- writes -------------------------------------------------------------------------------

Status DBImpl::check_size(std::size_t rep_size) const {
  std::size_t rec = format::record_size(rep_size);
  if (rec > options_.log_buffer_bytes || rec > options_.segment_bytes - format::kSegmentHeaderSize)
    return Status::InvalidArgument("write of " + std::to_string(rec) +
                                   " encoded bytes exceeds log_buffer_bytes");
  return Status::OK();
}

Result<Lsn> DBImpl::commit_rep(std::string_view rep, const WriteOptions& wo) {
  const CommitMode mode = wo.mode.value_or(options_.mode);
  Lsn lsn = 0;
  {
    auto ticket = log_->append(rep, mode);
    if (!ticket.ok()) return ticket.status();
    lsn = ticket->lsn();
    // A sync write waits until durable, an os write until written to the file. An os or
    // async write also waits until durable when a write older than the loss bound is not
    // durable yet — the flusher is not getting the CPU, or its flush is slow: this writer
    // then joins or leads the flushes until its own record is durable.
    using Wait = CommitLog::Ticket::Wait;
    Status s;
    if (ticket->wait() == Wait::kDurable) s = log_->commit(lsn);
    if (ticket->wait() == Wait::kKernel) s = log_->hand_off(lsn);
    if (!s.ok()) return s;  // never applied: visible only once acknowledged
    index_.apply(lsn, rep);
  }  // the ticket ends: the write is applied (a checkpoint's cut may go on)
  if (wo.on_durable) when_durable(lsn, wo.on_durable);
  return lsn;
}

Result<Lsn> DBImpl::put(std::string_view key, std::string_view value, const WriteOptions& wo) {
  if (Status s = check_key_value(key, value); !s.ok()) return s;
  const std::string& rep = single_op(WriteBatch::OpType::kPut, key, value);
  if (Status s = check_size(rep.size()); !s.ok()) return s;
  return commit_rep(rep, wo);
}

Result<Lsn> DBImpl::del(std::string_view key, const WriteOptions& wo) {
  if (Status s = check_key_value(key, {}); !s.ok()) return s;
  return commit_rep(single_op(WriteBatch::OpType::kDelete, key, {}), wo);
}

Result<Lsn> DBImpl::write(const WriteBatch& batch, const WriteOptions& wo) {
  if (batch.empty()) return Status::InvalidArgument("empty write batch");
  Status bad;
  batch.for_each([&](WriteBatch::OpType, std::string_view k, std::string_view v) {
    if (bad.ok()) bad = check_key_value(k, v);
  });
  if (!bad.ok()) return bad;
  if (Status s = check_size(batch.byte_size()); !s.ok()) return s;
  return commit_rep(batch.rep(), wo);
}

// ---- reads --------------------------------------------------------------------------------

Result<std::string> DBImpl::get(std::string_view key) {
  auto v = index_.get(key);
  if (!v) return Status::NotFound(key);
  return std::move(*v);
}

Status DBImpl::scan(const ScanOptions& so,
                    const std::function<bool(std::string_view, std::string_view)>& fn) {
  constexpr std::size_t kBatch = 256;
  std::vector<std::pair<std::string, std::string>> batch;
  std::string last;
  std::size_t seen = 0;
  bool more = true;
  bool first = true;
  while (more) {
    batch.clear();
    std::size_t want = kBatch;
    if (so.limit) want = std::min(want, so.limit - seen);
    more = index_.scan_batch(so, first ? nullptr : &last, want, &batch);
    first = false;
    for (const auto& [k, v] : batch) {
      if (!fn(k, v)) return Status::OK();
      if (so.limit && ++seen == so.limit) return Status::OK();
    }
    if (batch.empty()) break;
    last = batch.back().first;
  }
  return Status::OK();
}

// ---- durability ---------------------------------------------------------------------------

Result<Lsn> DBImpl::sync() { return log_->sync(); }

Status DBImpl::wait_durable(Lsn lsn, std::chrono::microseconds timeout) {
  return log_->wait_durable(lsn, timeout);
}

Lsn DBImpl::durable_lsn() const { return log_->durable_lsn(); }

void DBImpl::when_durable(Lsn lsn, std::function<void(const Status&)> fn) {
  if (lsn > log_->last_lsn()) {  // it could never become durable: say so now
    fn(Status::InvalidArgument("when_durable: LSN " + std::to_string(lsn) +
                               " has not been handed out"));
    return;
  }
  notifier_.add(lsn, std::move(fn), log_->durable_lsn_ref(), [this] { return log_->failure(); });
}

// ---- checkpoint ---------------------------------------------------------------------------

Result<Lsn> DBImpl::checkpoint() {
  std::lock_guard ck(checkpoint_mu_);
  if (Status f = log_->failure(); !f.ok()) return Status::Failed("checkpoint refused: " + f.message());
  // A consistent cut: with no write between append and apply, the index holds exactly the
  // writes <= lsn. Writers wait only for the marking; the copy is taken shard by shard
  // (index_cut.h), a writer waiting at most for one shard's.
  auto cut = std::make_unique<IndexCut>();  // ~100 KB of per-part span lists: not on the stack
  // The copy's memory is faulted in here, before the cut, by this thread: not by the writers
  // who copy parts of it.
  if (log_->last_lsn() != snapshot_lsn_) index_.prepare_cut(cut.get());
  const Lsn lsn = log_->quiesce();
  if (lsn == snapshot_lsn_) {
    log_->resume();
    return lsn;
  }
  index_.begin_cut(cut.get());
  log_->resume();
  index_.finish_cut();
  if (!cut->complete()) return Status::IOError("checkpoint: out of memory copying the index");
  // The snapshot holds async writes that may not be durable in the WAL yet; make the WAL
  // durable first so the snapshot never gets ahead of a log that could still lose them.
  if (Status s = log_->commit(lsn); !s.ok()) return s;
  if (Status s = write_snapshot(fs_, dir_, lsn, *cut); !s.ok()) return s;
  snapshot_lsn_ = lsn;
  ++checkpoints_;
  std::vector<std::string> retire = log_->release_covered(lsn);
  // CONTROL first: it must never name a segment that is gone.
  ControlState c;
  c.first_segment = log_->first_live_segment();
  c.durable_lsn = lsn;
  c.snapshot_lsn = lsn;
  if (Status s = control_.advance(c); !s.ok()) return s;
  // Every older snapshot goes, including one an earlier checkpoint failed to delete.
  std::vector<std::string> names;
  if (Status s = list_dir(dir_, &names); !s.ok()) return s;
  for (const auto& n : names) {
    Lsn old;
    if (format::parse_snapshot_file_name(n, &old) && old < lsn)
      retire.push_back(join_path(dir_, n));
  }
  if (Status s = retire_files(fs_, dir_, retire); !s.ok()) return s;
  return lsn;
}

Stats DBImpl::stats() const {
  Stats st;
  CommitLogStats c = log_->stats();
  st.commits = c.commits;
  st.fsyncs = c.fsyncs;
  st.flushes = c.flushes;
  st.bytes_written = c.bytes_written;
  st.commits_per_flush = c.flushes ? static_cast<double>(c.commits) / c.flushes : 0.0;
  st.last_lsn = log_->last_lsn();
  st.durable_lsn = log_->durable_lsn();
  st.written_lsn = log_->written_lsn();
  st.hand_offs = c.hand_offs;
  st.io_backend = log_->async_backend_name();
  st.wal_bytes = c.wal_bytes;
  st.wal_segments = c.wal_segments;
  st.backpressure_waits = c.backpressure_waits;
  st.failed = !log_->failure().ok();
  {
    std::lock_guard ck(checkpoint_mu_);
    st.checkpoints = checkpoints_;
    st.snapshot_lsn = snapshot_lsn_;
  }
  st.keys = index_.live_keys();
  st.recovery = recovery_;
  return st;
}

}  // namespace walkv
