// BM_EncodeRecord/<value bytes> — building one WAL record: header, payload copy and the
// XXH3-64 checksum (format::append_record, the engine's internal encoder), for a put of a
// 16-byte key with a 100-byte and a 4 KiB value. Counter: bytes_per_second (record bytes).
#include <string>

#include <walkv/write_batch.h>

#include "record_format.h"
#include "registry.h"
#include "workload.h"

namespace walkv::bench {
namespace {

void bm_encode_record(benchmark::State& state, std::size_t value_bytes) {
  WriteBatch batch;
  batch.put(Key(1).view(), std::string(value_bytes, 'v'));
  const std::string& payload = batch.rep();
  std::string record;
  record.reserve(format::record_size(payload.size()));
  Lsn lsn = 1;
  for (auto _ : state) {
    record.clear();
    format::append_record(&record, /*salt=*/0x5a17, lsn, /*synced_lsn=*/lsn - 1, payload);
    benchmark::DoNotOptimize(record.data());
    benchmark::ClobberMemory();
    ++lsn;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(record.size()));
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

void register_encode_record(Registry& registry) {
  for (std::size_t value_bytes : {std::size_t{100}, std::size_t{4096}}) {
    registry.add("BM_EncodeRecord/" + std::to_string(value_bytes), 0,
                 [value_bytes](benchmark::State& s) { bm_encode_record(s, value_bytes); });
  }
}

}  // namespace walkv::bench
