#include "fault_point_hooks.h"

#include <fmt/format.h>

#include <cerrno>
#include <string_view>

namespace walkv::faults {

const char* fault_name(Fault fault) {
  switch (fault) {
    case Fault::kEio: return "EIO";
    case Fault::kEnospc: return "ENOSPC";
    case Fault::kShortWrite: return "short write";
  }
  return "?";
}

int fault_errno(Fault fault) {
  switch (fault) {
    case Fault::kEio: return EIO;
    case Fault::kEnospc: return ENOSPC;
    case Fault::kShortWrite: return 0;
  }
  return 0;
}

std::string OpPoint::kind() const {
  std::string k = io_op_name(op);
  if (via_uring) k += " (io_uring)";
  return k;
}

std::string OpPoint::label() const { return fmt::format("{} {} #{}", kind(), file, ordinal); }

std::string FaultPointHooks::relative(const std::string& path) const {
  if (path == dir_) return ".";
  if (path.size() > dir_.size() && path.compare(0, dir_.size(), dir_) == 0 &&
      path[dir_.size()] == '/')
    return path.substr(dir_.size() + 1);
  return path;
}

void FaultPointHooks::arm(const OpPoint& target, Fault fault) {
  std::lock_guard lock(mu_);
  target_ = target;
  fault_ = fault;
  fired_.reset();
}

void FaultPointHooks::inject(Bug bug) {
  std::lock_guard lock(mu_);
  bug_ = bug;
}

bool FaultPointHooks::inject_bug(Bug bug) {
  std::lock_guard lock(mu_);
  return bug_ == bug;
}

int FaultPointHooks::before(const IoEvent& ev) {
  std::lock_guard lock(mu_);
  OpPoint p;
  p.op = ev.op;
  p.file = relative(ev.path);
  p.ordinal = ordinals_[{ev.op, p.file}]++;
  p.via_uring = ev.via_uring;
  p.length = ev.length;
  seen_.push_back(p);
  if (!target_ || fired_ || !target_->same_point(p)) return 0;
  if (fault_ == Fault::kShortWrite) {
    // Only writes of two bytes or more can be cut short (the counting pass knows).
    if (ev.op != IoOp::kWrite || ev.length < 2) return 0;
    fired_ = p;
    const std::uint64_t half = ev.length / 2;
    shortened_[{ev.path, ev.offset}] = half;
    return -static_cast<int>(half);
  }
  fired_ = p;
  return fault_errno(fault_);
}

void FaultPointHooks::after(const IoEvent& ev, int result) {
  std::lock_guard lock(mu_);
  std::uint64_t length = ev.length;
  if (ev.op == IoOp::kWrite) {
    auto it = shortened_.find({ev.path, ev.offset});
    if (it != shortened_.end()) {
      length = it->second;
      shortened_.erase(it);
    }
  }
  if (result != 0) return;  // failed or cancelled: nothing happened
  switch (ev.op) {
    case IoOp::kCreate: ledger_.created(ev.path); break;
    case IoOp::kOpen: ledger_.opened(ev.path); break;
    case IoOp::kWrite:
      if (ev.data != nullptr)
        ledger_.wrote(ev.path, ev.offset,
                      std::string_view(static_cast<const char*>(ev.data), length));
      break;
    case IoOp::kSync: ledger_.synced(ev.path); break;
    case IoOp::kRename:
      if (ev.path2 != nullptr) ledger_.renamed(ev.path, *ev.path2);
      break;
    case IoOp::kUnlink: ledger_.unlinked(ev.path); break;
    case IoOp::kTruncate: ledger_.truncated(ev.path, ev.offset); break;
    case IoOp::kDirSync: ledger_.dir_synced(ev.path); break;
    case IoOp::kFallocate:
    case IoOp::kRead:
    case IoOp::kWriteback: break;
  }
}

std::vector<OpPoint> FaultPointHooks::seen() const {
  std::lock_guard lock(mu_);
  return seen_;
}

std::optional<OpPoint> FaultPointHooks::fired() const {
  std::lock_guard lock(mu_);
  return fired_;
}

bool FaultPointHooks::covers(Lsn lsn) const {
  std::lock_guard lock(mu_);
  return ledger_.covers(lsn);
}

Lsn FaultPointHooks::covered_through(Lsn from) const {
  std::lock_guard lock(mu_);
  return ledger_.covered_through(from);
}

}  // namespace walkv::faults
