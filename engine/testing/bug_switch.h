// Deliberately broken engine behaviours, for the self-checks of the crash checker and the
// fault suite: each must be caught. Only the `walkv_buggy` library (compiled with
// WALKV_INJECT_BUGS) asks for them; the product library `walkv` compiles the question out,
// so no object can switch a bug on there. Not installed: this is test code's header.
//
// An IoHooks object that also derives from BugSwitch switches bugs on for the database it
// is given to (Options::io_hooks); the buggy engine finds the switch with a dynamic_cast.
//
// Thread safety: injected() is called from any engine thread.
#pragma once

#include "walkv/io_hooks.h"

namespace walkv {

enum class Bug : unsigned char {
  kAckBeforeSync,  // sync writes are acknowledged before their fdatasync
  kSkipBadRecord,  // recovery skips a bad record and goes on instead of stopping
};

class BugSwitch {
 public:
  virtual ~BugSwitch() = default;
  virtual bool injected(Bug bug) const = 0;
};

// Whether the hooks given to a database switch `bug` on. Only the buggy library calls it.
inline bool bug_injected(IoHooks* hooks, Bug bug) {
  const auto* s = dynamic_cast<const BugSwitch*>(hooks);
  return s != nullptr && s->injected(bug);
}

}  // namespace walkv
