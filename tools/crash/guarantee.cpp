#include "guarantee.h"

#include <fmt/format.h>

namespace walkv::crash {

LossPromise loss_promise(const ModeSpec& mode, CrashKind crash) {
  if (mode.commit == CommitMode::kSync) return LossPromise::kNothing;
  if (mode.commit == CommitMode::kAsync) return LossPromise::kBounded;
  // os: only a power cut reaches below the kernel.
  return crash == CrashKind::kPower ? LossPromise::kBounded : LossPromise::kNothing;
}

const char* promise_name(LossPromise p) {
  return p == LossPromise::kNothing ? "nothing" : "bounded";
}

double loss_bound_ms(const ModeSpec& mode, CrashKind crash, double margin_ms) {
  if (loss_promise(mode, crash) == LossPromise::kNothing) return 0;
  return 2 * static_cast<double>(mode.flush_interval.count()) / 1000.0 + margin_ms;
}

std::optional<std::string> bound_violation(const ModeSpec& mode, CrashKind crash,
                                           std::uint64_t lost_acked, double span_ms,
                                           double margin_ms) {
  if (lost_acked == 0 || loss_promise(mode, crash) != LossPromise::kBounded) return std::nullopt;
  // The engine does not acknowledge a write while one acknowledged more than 2 flush
  // intervals earlier is not durable; so the lost writes were acknowledged within that
  // span, whatever the scheduler did. The margin covers the time between the engine's
  // check and the workload's clock read.
  const double bound = loss_bound_ms(mode, crash, margin_ms);
  if (span_ms < bound) return std::nullopt;
  return fmt::format("{} lost writes acknowledged over {:.2f} ms, not below 2 x flush interval "
                     "{:.2f} + margin {:.2f} = {:.2f} ms",
                     mode.name, span_ms,
                     static_cast<double>(mode.flush_interval.count()) / 1000.0, margin_ms, bound);
}

}  // namespace walkv::crash
