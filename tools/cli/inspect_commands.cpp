// `walkv verify` and `walkv dump`: read-only inspection through walkv/inspect.h. They take
// no lock and change nothing, so they may run beside a process that has the DB open (its
// live tail may then look torn).
#include <fmt/core.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "commands.h"
#include "escape.h"
#include "exit_codes.h"
#include "units.h"
#include "walkv/inspect.h"
#include "walkv/write_batch.h"

namespace walkv::cli {
namespace {

// Where the log ends, as recovery would judge it (corruption is the result line's).
std::string tail_summary(const VerifyReport& r) {
  if (r.corrupt) return "not judged: the log is damaged (see result)";
  if (r.tail_bytes == 0) return "clean end";
  return fmt::format(
      "torn tail at segment {} offset {}: {} ({} bytes); opening drops it, keeping the bytes "
      "in a dropped-*.bin file",
      r.tail_segment, r.tail_offset, r.tail_reason, r.tail_bytes);
}

int report_corruption(const std::string& dir, const VerifyReport& r) {
  return report_error(kExitFailure, fmt::format("corruption in {}: {}", dir, r.corruption));
}

const char* op_name(WriteBatch::OpType type) {
  return type == WriteBatch::OpType::kPut ? "put" : "del";
}

}  // namespace

int cmd_verify(const GlobalOptions& global) {
  if (int code = check_existing_dir(global.dir); code != kExitOk) return code;
  VerifyReport r;
  Status s = verify_dir(global.dir, &r);
  if (!s.ok()) {
    return report_error(kExitFailure,
                        fmt::format("cannot verify {}: {}", global.dir, s.ToString()));
  }
  fmt::print("directory  {}\n", global.dir);
  if (r.snapshots == 0) {
    fmt::print("snapshots  0\n");
  } else {
    fmt::print("snapshots  {} (newest covers lsn {}, {} keys)\n", r.snapshots, r.snapshot_lsn,
               r.snapshot_keys);
  }
  fmt::print("segments   {}\n", r.segments);
  if (r.records == 0) {
    fmt::print("records    0\n");
  } else {
    fmt::print("records    {} (lsn {}..{}, {} operations, {})\n", r.records, r.first_lsn,
               r.last_lsn, r.operations, format_bytes(r.wal_bytes));
  }
  fmt::print("tail       {}\n", escape_bytes(tail_summary(r)));
  for (const auto& n : r.notes) fmt::print("note       {}\n", escape_bytes(n));
  if (r.preserved_files > 0) {
    fmt::print("preserved  {} dropped-*.bin files ({}) that earlier recoveries took out of the "
               "log\n",
               r.preserved_files, format_bytes(r.preserved_bytes));
  }
  fmt::print("result     {}\n", r.corrupt ? "CORRUPT: " + escape_bytes(r.corruption) : "OK");
  std::fflush(stdout);
  if (r.corrupt) return report_corruption(global.dir, r);
  return kExitOk;
}

int cmd_dump(const GlobalOptions& global) {
  if (int code = check_existing_dir(global.dir); code != kExitOk) return code;
  VerifyReport r;
  std::uint64_t records = 0;
  Status s = dump_dir(
      global.dir,
      [&](const RecordInfo& rec) {
        ++records;
        const std::string where = fmt::format("segment={} offset={} lsn={} synced_lsn={}",
                                              rec.segment, rec.offset, rec.lsn, rec.synced_lsn);
        std::size_t pos = 0;
        std::uint32_t index = 0;
        WriteBatch::OpType type;
        std::string_view key, value;
        while (pos < rec.payload.size() &&
               detail::decode_op(rec.payload, &pos, &type, &key, &value)) {
          ++index;
          std::string line = fmt::format("{} type={} key={} value_size={}", where, op_name(type),
                                         quote_word(key), value.size());
          if (rec.op_count > 1) line += fmt::format(" op={}/{}", index, rec.op_count);
          fmt::print("{}\n", line);
        }
        if (pos < rec.payload.size() || index == 0) {
          fmt::print("{} type=? payload undecodable after {} of {} bytes\n", where, pos,
                     rec.payload.size());
        }
        return true;
      },
      &r);
  if (!s.ok()) {
    return report_error(kExitFailure, fmt::format("cannot dump {}: {}", global.dir, s.ToString()));
  }
  std::string summary = fmt::format("# {} records", records);
  if (records > 0) summary += fmt::format(" (lsn {}..{})", r.first_lsn, r.last_lsn);
  if (r.snapshot_lsn > 0) {
    summary += fmt::format(", after a snapshot at lsn {} ({} keys, not listed)", r.snapshot_lsn,
                           r.snapshot_keys);
  }
  summary += "; " + tail_summary(r);
  fmt::print("{}\n", escape_bytes(summary));
  std::fflush(stdout);
  if (r.corrupt) return report_corruption(global.dir, r);
  return kExitOk;
}

}  // namespace walkv::cli
