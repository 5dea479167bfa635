#include "recovery_dump.h"

#include <cstring>

namespace walkv::crash {

namespace {

constexpr char kMagic[4] = {'W', 'K', 'R', 'D'};

void put64(std::string* out, std::uint64_t v) { out->append(reinterpret_cast<char*>(&v), 8); }
void put_str(std::string* out, std::string_view s) {
  put64(out, s.size());
  out->append(s);
}

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool u64(std::uint64_t* v) {
    if (in_.size() < 8) return false;
    std::memcpy(v, in_.data(), 8);
    in_.remove_prefix(8);
    return true;
  }
  bool str(std::string* s) {
    std::uint64_t n = 0;
    if (!u64(&n) || n > in_.size()) return false;
    s->assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  bool magic() {
    if (in_.size() < 4 || std::memcmp(in_.data(), kMagic, 4) != 0) return false;
    in_.remove_prefix(4);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace

std::string encode_recovered(const RecoveredState& s) {
  std::string out(kMagic, 4);
  put64(&out, s.opened ? 1 : 0);
  put_str(&out, s.open_error);
  put64(&out, s.last_lsn);
  put64(&out, s.snapshot_lsn);
  put64(&out, s.records_replayed);
  put64(&out, s.dropped_bytes);
  put_str(&out, s.dropped_reason);
  std::uint64_t ms_bits;
  std::memcpy(&ms_bits, &s.open_ms, 8);
  put64(&out, ms_bits);
  put64(&out, s.kv.size());
  for (const auto& [k, v] : s.kv) {
    put_str(&out, k);
    put_str(&out, v);
  }
  put64(&out, s.reopen_ok ? 1 : 0);
  put_str(&out, s.reopen_error);
  out.append(kMagic, 4);
  return out;
}

bool decode_recovered(std::string_view in, RecoveredState* out, std::string* error) {
  Decoder d(in);
  std::uint64_t opened = 0, ms_bits = 0, count = 0, reopen = 0;
  bool ok = d.magic() && d.u64(&opened) && d.str(&out->open_error) && d.u64(&out->last_lsn) &&
            d.u64(&out->snapshot_lsn) && d.u64(&out->records_replayed) &&
            d.u64(&out->dropped_bytes) && d.str(&out->dropped_reason) && d.u64(&ms_bits) &&
            d.u64(&count);
  for (std::uint64_t i = 0; ok && i < count; ++i) {
    std::string k, v;
    ok = d.str(&k) && d.str(&v);
    if (ok) out->kv.emplace_back(std::move(k), std::move(v));
  }
  ok = ok && d.u64(&reopen) && d.str(&out->reopen_error) && d.magic() && d.done();
  if (!ok) {
    *error = "recovery process output is truncated or malformed";
    return false;
  }
  out->opened = opened != 0;
  out->reopen_ok = reopen != 0;
  std::memcpy(&out->open_ms, &ms_bits, 8);
  return true;
}

}  // namespace walkv::crash
