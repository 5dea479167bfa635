// What each rung of the commit-mode ladder promises about acknowledged writes, per crash
// kind (docs/crash.md, "What is checked"):
//
//   sync  — durable before the ack: no crash loses anything acknowledged.
//   os    — in the kernel before the ack: a process crash loses nothing acknowledged (the
//           kernel keeps what it was handed, and the next recovery makes it durable); a
//           power cut may take what no completed fdatasync covered, within async's bound.
//   async — in walkv's memory before the ack: any crash may take the newest
//           acknowledgements, within the bound.
//
// The bound: the lost writes were all acknowledged within 2 x flush_interval of each other
// (plus a scheduling margin, docs/crash.md "The loss bound and its margin").
#pragma once

#include <optional>
#include <string>

#include "args.h"

namespace walkv::crash {

enum class LossPromise {
  kNothing,  // no acknowledged write may be lost
  kBounded,  // lost acknowledgements span < 2 x flush interval + margin
};

// Rot and double trials start with a process kill; a double trial's middle recovery makes
// what the killed process handed the kernel durable before the power cut, so for os both
// promise what a kill does.
LossPromise loss_promise(const ModeSpec& mode, CrashKind crash);

// "nothing" or "bounded" (JSON, CSV).
const char* promise_name(LossPromise p);

// The span bound in ms for a bounded promise: 2 x flush interval + margin. 0 for kNothing.
double loss_bound_ms(const ModeSpec& mode, CrashKind crash, double margin_ms);

// The complaint when `lost_acked` writes acknowledged over `span_ms` break the promise of
// `mode` under `crash`, else nullopt. (A broken kNothing promise is the checker's: it also
// knows which writes a reader saw.)
std::optional<std::string> bound_violation(const ModeSpec& mode, CrashKind crash,
                                           std::uint64_t lost_acked, double span_ms,
                                           double margin_ms);

}  // namespace walkv::crash
