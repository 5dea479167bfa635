// WriteModel: what a scenario asked the engine to write, what it was told, and the check of
// what a reopened database holds.
//
// The check is the crash guarantee (docs/design.md, "Crash guarantees"), for one writer: the database must hold
// exactly the state after some prefix of the writes the engine may have logged, and that
// prefix must include every write acknowledged as durable. That rules out a lost
// acknowledged write, a hole, a partial batch, a resurrected delete and any value that was
// never written (every write in a scenario stores a value no other write stores). A put
// and a later delete of the same key leave the state they found, so callers also compare
// the recovered LSN with the prefixes that match.
//
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "walkv/db.h"

namespace walkv::faults {

struct Mutation {
  bool put = true;
  std::string key;
  std::string value;  // empty for a delete
};

struct ModelWrite {
  std::vector<Mutation> ops;
  // The engine may have logged it: the call returned OK, or it failed after the record was
  // appended (an I/O error). A write refused with Status::Failed was never appended.
  bool maybe_logged = false;
  bool durable = false;  // acknowledged as durable (see the scenario runner)
  Lsn lsn = 0;           // 0: the call did not return an LSN
};

using KvState = std::map<std::string, std::string>;

class WriteModel {
 public:
  // `base`: what the directory held before the scenario; base_lsn: its last LSN.
  explicit WriteModel(KvState base = {}, Lsn base_lsn = 0)
      : base_(std::move(base)), base_lsn_(base_lsn) {}

  std::size_t add(ModelWrite w) {
    writes_.push_back(std::move(w));
    return writes_.size() - 1;
  }
  ModelWrite& at(std::size_t i) { return writes_[i]; }
  const std::vector<ModelWrite>& writes() const { return writes_; }
  Lsn base_lsn() const { return base_lsn_; }

  // Marks every write whose LSN is known and <= lsn as durable.
  void mark_durable_through(Lsn lsn);

  // A write that failed with an I/O error may or may not have taken an LSN (the engine
  // assigns one when it appends the record; a write that could not get a new segment fails
  // before that). Where later writes succeeded, their LSNs tell: failed writes between two
  // consecutive known LSNs were never logged. Call once the scenario has run.
  void settle_failed_writes();

  // Compares `db` with every allowed prefix. Returns "" if it matches one; otherwise what
  // differs from the shortest allowed prefix. On a match, *next_lsns holds the LSN the next
  // write must get for each matching prefix (base_lsn + prefix length + 1): a put and a
  // later delete of the same key can make two prefixes hold the same state.
  std::string check(DB& db, std::vector<Lsn>* next_lsns) const;

 private:
  KvState base_;
  Lsn base_lsn_ = 0;
  std::vector<ModelWrite> writes_;
};

// The whole content of db (a full scan), or an error note in *error.
KvState scan_all(DB& db, std::string* error);

}  // namespace walkv::faults
