#include "write_model.h"

#include <fmt/format.h>

namespace walkv::faults {

namespace {

void apply(const ModelWrite& w, KvState* state) {
  for (const auto& m : w.ops) {
    if (m.put) {
      (*state)[m.key] = m.value;
    } else {
      state->erase(m.key);
    }
  }
}

std::string shorten(const std::string& v) {
  return v.size() <= 24 ? v : v.substr(0, 24) + fmt::format("...({} bytes)", v.size());
}

// The first difference between what the database holds and what it should hold.
std::string first_difference(const KvState& got, const KvState& want) {
  for (const auto& [k, v] : want) {
    auto it = got.find(k);
    if (it == got.end()) return fmt::format("key {} is missing (want {})", k, shorten(v));
    if (it->second != v)
      return fmt::format("key {} holds {} (want {})", k, shorten(it->second), shorten(v));
  }
  for (const auto& [k, v] : got) {
    if (want.count(k) == 0) return fmt::format("key {} holds {} (want absent)", k, shorten(v));
  }
  return "no difference";
}

}  // namespace

void WriteModel::mark_durable_through(Lsn lsn) {
  for (auto& w : writes_) {
    if (w.lsn != 0 && w.lsn <= lsn) w.durable = true;
  }
}

void WriteModel::settle_failed_writes() {
  Lsn prev = base_lsn_;
  std::vector<std::size_t> failed;  // maybe-logged writes without an LSN since prev
  for (std::size_t i = 0; i < writes_.size(); ++i) {
    ModelWrite& w = writes_[i];
    if (w.lsn == 0) {
      if (w.maybe_logged) failed.push_back(i);
      continue;
    }
    if (w.lsn == prev + 1) {
      for (std::size_t f : failed) writes_[f].maybe_logged = false;
    }
    failed.clear();
    prev = w.lsn;
  }
}

KvState scan_all(DB& db, std::string* error) {
  KvState out;
  Status s = db.scan(ScanOptions{}, [&](std::string_view k, std::string_view v) {
    out.emplace(std::string(k), std::string(v));
    return true;
  });
  if (!s.ok()) *error = "scan failed: " + s.ToString();
  return out;
}

std::string WriteModel::check(DB& db, std::vector<Lsn>* next_lsns) const {
  std::string error;
  const KvState got = scan_all(db, &error);
  if (!error.empty()) return error;

  // Candidates are the writes that may be in the log, in order; the prefix must reach the
  // last durable one.
  std::vector<const ModelWrite*> candidates;
  std::size_t min_len = 0;
  for (const auto& w : writes_) {
    if (!w.maybe_logged) continue;
    candidates.push_back(&w);
    if (w.durable) min_len = candidates.size();
  }
  for (const auto& w : writes_) {
    if (w.durable && !w.maybe_logged) return "a write is durable but was never logged (test bug)";
  }
  next_lsns->clear();
  KvState state = base_;
  KvState at_min;
  for (std::size_t len = 0; len <= candidates.size(); ++len) {
    if (len > 0) apply(*candidates[len - 1], &state);
    if (len < min_len) continue;
    if (len == min_len) at_min = state;
    if (state == got) next_lsns->push_back(base_lsn_ + len + 1);
  }
  if (!next_lsns->empty()) return "";
  return fmt::format(
      "recovered state is no allowed prefix ({} writes may be logged, the first {} are "
      "durable); against the shortest allowed prefix: {}",
      candidates.size(), min_len, first_difference(got, at_min));
}

}  // namespace walkv::faults
