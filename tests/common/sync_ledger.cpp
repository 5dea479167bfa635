#include "sync_ledger.h"

#include <fstream>
#include <iterator>

#include "test_util.h"

namespace walkv::test {

namespace {

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

}  // namespace

void SyncLedger::record(const IoEvent& ev, int result, std::uint64_t length) {
  if (result != 0) return;
  switch (ev.op) {
    case IoOp::kCreate: created(ev.path); break;
    case IoOp::kOpen: opened(ev.path); break;
    case IoOp::kWrite:
      if (ev.data != nullptr)
        wrote(ev.path, ev.offset, std::string_view(static_cast<const char*>(ev.data), length));
      break;
    case IoOp::kSync: synced(ev.path); break;
    case IoOp::kRename:
      if (ev.path2 != nullptr) renamed(ev.path, *ev.path2);
      break;
    case IoOp::kUnlink: unlinked(ev.path); break;
    case IoOp::kTruncate: truncated(ev.path, ev.offset); break;
    case IoOp::kDirSync: dir_synced(ev.path); break;
    case IoOp::kFallocate:
    case IoOp::kRead:
    case IoOp::kWriteback: break;
  }
}

void SyncLedger::created(const std::string& path) {
  File& f = files_[path];
  f.image.clear();
  f.synced_lsns.clear();
  f.name_durable = false;
}

void SyncLedger::opened(const std::string& path) {
  if (files_.count(path) != 0) return;
  File& f = files_[path];
  std::ifstream in(path, std::ios::binary);
  f.image = std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  f.name_durable = true;
}

void SyncLedger::wrote(const std::string& path, std::uint64_t offset, std::string_view data) {
  std::string& img = files_[path].image;
  if (img.size() < offset + data.size()) img.resize(offset + data.size(), '\0');
  img.replace(offset, data.size(), data);
}

void SyncLedger::truncated(const std::string& path, std::uint64_t size) {
  files_[path].image.resize(size, '\0');
}

void SyncLedger::synced(const std::string& path) {
  std::uint64_t segment = 0;
  if (!segment_number_of(path, &segment)) return;  // only WAL segments hold records
  auto it = files_.find(path);
  if (it == files_.end()) return;
  for (const auto& rec : records_in_segment(it->second.image, segment))
    it->second.synced_lsns.insert(rec.lsn);
}

void SyncLedger::dir_synced(const std::string& dir) {
  for (auto& [path, f] : files_) {
    if (parent_of(path) == dir) f.name_durable = true;
  }
}

void SyncLedger::renamed(const std::string& from, const std::string& to) {
  auto it = files_.find(from);
  if (it == files_.end()) return;
  File f = std::move(it->second);
  files_.erase(it);
  // Renaming a file away from a durable name is how a checkpoint starts deleting it
  // (file_retire.h): like an unlink, its durable LSNs stay durable (the snapshot holds them).
  if (f.name_durable) retired_.insert(f.synced_lsns.begin(), f.synced_lsns.end());
  f.name_durable = false;
  files_[to] = std::move(f);
}

void SyncLedger::unlinked(const std::string& path) {
  auto it = files_.find(path);
  if (it == files_.end()) return;
  if (it->second.name_durable)
    retired_.insert(it->second.synced_lsns.begin(), it->second.synced_lsns.end());
  files_.erase(it);
}

bool SyncLedger::covers(Lsn lsn) const {
  if (retired_.count(lsn) != 0) return true;
  for (const auto& [path, f] : files_) {
    if (f.name_durable && f.synced_lsns.count(lsn) != 0) return true;
  }
  return false;
}

Lsn SyncLedger::covered_through(Lsn from) const {
  Lsn last = from - 1;
  while (covers(last + 1)) ++last;
  return last;
}

void LedgerHooks::record(const IoEvent& ev, int result, std::uint64_t length) {
  std::lock_guard lock(mu_);
  ledger_.record(ev, result, length);
}

Lsn LedgerHooks::covered_through(Lsn from) const {
  std::lock_guard lock(mu_);
  return ledger_.covered_through(from);
}

void LedgerHooks::inject(Bug bug) {
  std::lock_guard lock(mu_);
  bug_ = bug;
}

bool LedgerHooks::injected(Bug bug) const {
  std::lock_guard lock(mu_);
  return bug_ == bug;
}

}  // namespace walkv::test
