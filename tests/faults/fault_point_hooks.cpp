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
  // Still under mu_: the ledger learns operations in the order after() saw them.
  record(ev, result, length);
}

std::vector<OpPoint> FaultPointHooks::seen() const {
  std::lock_guard lock(mu_);
  return seen_;
}

std::optional<OpPoint> FaultPointHooks::fired() const {
  std::lock_guard lock(mu_);
  return fired_;
}

}  // namespace walkv::faults
