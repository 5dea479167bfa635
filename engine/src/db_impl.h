// DBImpl wires the parts together: directory lock, recovery, index, commit log, segment
// manager, notifier, and the maintenance thread that runs automatic checkpoints.
// A write's way: validate → CommitLog::append (LSN, log buffer) → [sync: CommitLog::commit,
// group fdatasync] → Index::apply (visible) → CommitLog::write_done.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "commit_log.h"
#include "control_file.h"
#include "dir_lock.h"
#include "file_io.h"
#include "index.h"
#include "notifier.h"
#include "segment.h"
#include "walkv/db.h"

namespace walkv {

class DBImpl final : public DB {
 public:
  static Result<std::unique_ptr<DB>> open(const std::string& dir, const Options& options);
  ~DBImpl() override;

  Result<Lsn> put(std::string_view key, std::string_view value, const WriteOptions& wo) override;
  Result<Lsn> del(std::string_view key, const WriteOptions& wo) override;
  Result<Lsn> write(const WriteBatch& batch, const WriteOptions& wo) override;
  Result<std::string> get(std::string_view key) override;
  Status scan(const ScanOptions& so,
              const std::function<bool(std::string_view, std::string_view)>& fn) override;
  Result<Lsn> sync() override;
  Status wait_durable(Lsn lsn, std::chrono::microseconds timeout) override;
  Lsn durable_lsn() const override;
  void when_durable(Lsn lsn, std::function<void(const Status&)> fn) override;
  Result<Lsn> checkpoint() override;
  Stats stats() const override;

 private:
  DBImpl(std::string dir, Options options, DirLock lock);
  Status init();
  Result<Lsn> commit_rep(std::string_view rep, const WriteOptions& wo);
  Status check_size(std::size_t rep_size) const;
  void maintenance_main();
  void log(LogLevel level, std::string_view msg) const;

  const std::string dir_;
  const Options options_;
  DirLock lock_;
  FileSystem fs_;
  Index index_;
  ControlFile control_;
  Notifier notifier_;
  std::unique_ptr<SegmentManager> segments_;
  std::unique_ptr<CommitLog> log_;
  RecoveryReport recovery_;

  mutable std::mutex checkpoint_mu_;  // one checkpoint at a time
  Lsn snapshot_lsn_ = 0;              // GUARDED_BY(checkpoint_mu_)
  std::uint64_t checkpoints_ = 0;     // GUARDED_BY(checkpoint_mu_)

  std::mutex maint_mu_;
  std::condition_variable maint_cv_;
  bool maint_stop_ = false;   // GUARDED_BY(maint_mu_)
  bool maint_kick_ = false;   // GUARDED_BY(maint_mu_)
  std::thread maintenance_;
};

}  // namespace walkv
