#include "sync_ledger.h"

#include <fstream>
#include <iterator>

#include "test_util.h"

namespace walkv::faults {

void SyncLedger::created(const std::string& path) { images_[path].clear(); }

void SyncLedger::opened(const std::string& path) {
  if (images_.count(path) != 0) return;
  std::ifstream in(path, std::ios::binary);
  images_[path] =
      std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void SyncLedger::wrote(const std::string& path, std::uint64_t offset, std::string_view data) {
  std::string& img = images_[path];
  if (img.size() < offset + data.size()) img.resize(offset + data.size(), '\0');
  img.replace(offset, data.size(), data);
}

void SyncLedger::synced(const std::string& path) {
  std::uint64_t segment = 0;
  if (!test::segment_number_of(path, &segment)) return;  // only WAL segments hold records
  auto it = images_.find(path);
  if (it == images_.end()) return;
  for (const auto& rec : test::records_in_segment(it->second, segment))
    durable_lsns_.insert(rec.lsn);
}

void SyncLedger::renamed(const std::string& from, const std::string& to) {
  auto it = images_.find(from);
  if (it == images_.end()) return;
  images_[to] = std::move(it->second);
  images_.erase(from);
}

void SyncLedger::unlinked(const std::string& path) { images_.erase(path); }

void SyncLedger::truncated(const std::string& path, std::uint64_t size) {
  images_[path].resize(size, '\0');
}

Lsn SyncLedger::covered_through(Lsn from) const {
  Lsn last = from - 1;
  while (durable_lsns_.count(last + 1) != 0) ++last;
  return last;
}

}  // namespace walkv::faults
