#include "rot_verdict.h"

#include <cctype>
#include <map>

#include <fmt/format.h>

namespace walkv::crash {

namespace {

constexpr std::size_t kMaxDifferences = 8;

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) {
    out += (c >= 32 && c < 127) ? std::string(1, c) : fmt::format("\\x{:02x}", c & 0xff);
  }
  if (s.size() > 40) out += fmt::format("... ({} bytes)", s.size());
  return out;
}

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

}  // namespace

const char* rot_class_name(RotClass c) {
  switch (c) {
    case RotClass::kFull: return "full";
    case RotClass::kRefused: return "refused";
    case RotClass::kBroken: return "broken";
  }
  return "?";
}

bool names_file(const std::string& message, const std::string& file) {
  if (file.empty()) return false;
  for (std::size_t p = message.find(file); p != std::string::npos;
       p = message.find(file, p + 1)) {
    const std::size_t q = p + file.size();
    const bool starts = p == 0 || !name_char(message[p - 1]);
    // A '.' after the name ends it only as punctuation ("… wal-….log."), not as a
    // further suffix ("wal-….log.tmp").
    const bool ends = q == message.size() || !name_char(message[q]) ||
                      (message[q] == '.' && (q + 1 == message.size() ||
                                             !name_char(message[q + 1])));
    if (starts && ends) return true;
  }
  return false;
}

RotVerdict classify_rot(const RestState& expected, const std::vector<BitFlip>& flips,
                        const RecoveredState& rec) {
  RotVerdict v;
  if (!rec.opened) {
    const bool corruption = rec.open_error.starts_with("Corruption");
    bool named = false;
    for (const auto& f : flips) named = named || names_file(rec.open_error, f.file);
    if (corruption && named) {
      v.kind = RotClass::kRefused;
      return v;
    }
    std::string damaged;
    for (const auto& f : flips) {
      if (!names_file(damaged, f.file)) damaged += (damaged.empty() ? "" : ", ") + f.file;
    }
    v.problems.push_back(fmt::format(
        "rot: recovery did not open, and {}: {}",
        !corruption ? "its error is not a Corruption"
                    : fmt::format("its Corruption names no damaged file ({})", damaged),
        rec.open_error));
    return v;
  }

  std::map<std::string, const std::string*> want, got;
  for (const auto& [k, val] : expected.kv) want[k] = &val;
  for (const auto& [k, val] : rec.kv) got[k] = &val;
  std::size_t missing = 0, changed = 0, extra = 0;
  std::vector<std::string> diffs;
  auto note = [&](std::string s) {
    if (diffs.size() < kMaxDifferences) diffs.push_back(std::move(s));
  };
  for (const auto& [k, val] : want) {
    auto it = got.find(k);
    if (it == got.end()) {
      ++missing;
      note(fmt::format("key {}: missing (held '{}' at rest)", printable(k), printable(*val)));
    } else if (*it->second != *val) {
      ++changed;
      note(fmt::format("key {}: holds '{}', held '{}' at rest", printable(k),
                       printable(*it->second), printable(*val)));
    }
  }
  for (const auto& [k, val] : got) {
    if (want.count(k) == 0) {
      ++extra;
      note(fmt::format("key {}: present ('{}'), absent at rest", printable(k), printable(*val)));
    }
  }
  const bool same_kv = missing + changed + extra == 0;
  const bool same_lsn = rec.last_lsn == expected.last_lsn;
  if (same_kv && same_lsn && rec.reopen_ok) {
    v.kind = RotClass::kFull;
    return v;
  }
  if (!same_kv || !same_lsn) {
    v.wrong_state = true;
    v.problems.push_back(fmt::format(
        "rot: recovery opened with another state than the one at rest (silent loss or "
        "garbage): {} keys missing, {} values changed, {} keys added; recovered last LSN {}, "
        "{} at rest",
        missing, changed, extra, rec.last_lsn, expected.last_lsn));
    for (auto& d : diffs) v.problems.push_back("  " + std::move(d));
    const std::size_t shown = diffs.size();
    if (missing + changed + extra > shown) {
      v.problems.push_back(fmt::format("  ... and {} more", missing + changed + extra - shown));
    }
  }
  if (!rec.reopen_ok) v.problems.push_back("rot: after recovery: " + rec.reopen_error);
  return v;
}

}  // namespace walkv::crash
