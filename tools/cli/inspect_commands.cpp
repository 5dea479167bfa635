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
#include "json_bytes.h"
#include "output.h"
#include "units.h"
#include "walkv/inspect.h"
#include "walkv/write_batch.h"

namespace walkv::cli {
namespace {

// Where the log ends, as recovery would judge it (corruption is the verdict's: verify's
// result line, dump's error line).
std::string tail_summary(const VerifyReport& r, const char* verdict) {
  if (r.corrupt) return fmt::format("not judged: the log is damaged (see {})", verdict);
  if (r.tail_bytes == 0) return "clean end";
  return fmt::format(
      "torn tail at segment {} offset {}: {} ({} bytes); opening drops it, keeping the bytes "
      "in a dropped-*.bin file",
      r.tail_segment, r.tail_offset, r.tail_reason, r.tail_bytes);
}

// The last valid record's LSN. A report on a damaged log leaves last_lsn unset, but the
// valid records are consecutive LSNs from first_lsn.
Lsn last_valid_lsn(const VerifyReport& r) {
  if (r.last_lsn != 0 || r.records == 0) return r.last_lsn;
  return r.first_lsn + r.records - 1;
}

int report_corruption(const std::string& dir, const VerifyReport& r) {
  return report_error(kExitFailure, fmt::format("corruption in {}: {}", dir, r.corruption));
}

const char* op_name(WriteBatch::OpType type) {
  return type == WriteBatch::OpType::kPut ? "put" : "del";
}

nlohmann::json verify_json(const std::string& dir, const VerifyReport& r) {
  nlohmann::json obj = {{"directory", dir},
                        {"snapshots", r.snapshots},
                        {"snapshot_lsn", r.snapshot_lsn},
                        {"snapshot_keys", r.snapshot_keys},
                        {"segments", r.segments},
                        {"records", r.records},
                        {"first_lsn", r.records > 0 ? r.first_lsn : 0},
                        {"last_lsn", last_valid_lsn(r)},
                        {"operations", r.operations},
                        {"wal_bytes", r.wal_bytes},
                        {"tail", tail_summary(r, "corruption")},
                        {"notes", r.notes},
                        {"preserved_files", r.preserved_files},
                        {"preserved_bytes", r.preserved_bytes},
                        {"ok", !r.corrupt}};
  if (r.corrupt) obj["corruption"] = r.corruption;
  return obj;
}

}  // namespace

int cmd_verify(const GlobalOptions& global) {
  if (int code = check_database_dir(global.dir); code != kExitOk) return code;
  VerifyReport r;
  Status s = verify_dir(global.dir, &r);
  if (!s.ok()) {
    return report_error(kExitFailure,
                        fmt::format("cannot verify {}: {}", global.dir, s.ToString()));
  }
  if (global.json) {
    outf("{}\n", json_line(verify_json(global.dir, r)));
    flush_output();  // the report before the verdict on stderr
    if (r.corrupt) return report_corruption(global.dir, r);
    return kExitOk;
  }
  outf("directory  {}\n", global.dir);
  if (r.snapshots == 0) {
    outf("snapshots  0\n");
  } else {
    outf("snapshots  {} (newest covers lsn {}, {} keys)\n", r.snapshots, r.snapshot_lsn,
         r.snapshot_keys);
  }
  outf("segments   {}\n", r.segments);
  if (r.records == 0) {
    outf("records    0\n");
  } else {
    outf("records    {} (lsn {}..{}, {} operations, {})\n", r.records, r.first_lsn,
         last_valid_lsn(r), r.operations, tool::format_bytes(r.wal_bytes));
  }
  outf("tail       {}\n", escape_bytes(tail_summary(r, "result")));
  for (const auto& n : r.notes) outf("note       {}\n", escape_bytes(n));
  if (r.preserved_files > 0) {
    outf("preserved  {} dropped-*.bin files ({}) that earlier recoveries took out of the log\n",
         r.preserved_files, tool::format_bytes(r.preserved_bytes));
  }
  outf("result     {}\n", r.corrupt ? "CORRUPT: " + escape_bytes(r.corruption) : "OK");
  flush_output();  // the report before the verdict on stderr
  if (r.corrupt) return report_corruption(global.dir, r);
  return kExitOk;
}

int cmd_dump(const GlobalOptions& global) {
  if (int code = check_database_dir(global.dir); code != kExitOk) return code;
  VerifyReport r;
  std::uint64_t records = 0;
  Lsn last_lsn = 0;
  Status s = dump_dir(
      global.dir,
      [&](const RecordInfo& rec) {
        ++records;
        last_lsn = rec.lsn;
        const std::string where = fmt::format("segment={} offset={} lsn={} synced_lsn={}",
                                              rec.segment, rec.offset, rec.lsn, rec.synced_lsn);
        std::uint32_t index = 0;
        const std::size_t pos = WriteBatch::decode(
            rec.payload, [&](WriteBatch::OpType type, std::string_view key, std::string_view value) {
          ++index;
          if (global.json) {
            nlohmann::json op = {{"segment", rec.segment}, {"offset", rec.offset},
                                 {"lsn", rec.lsn},         {"synced_lsn", rec.synced_lsn},
                                 {"type", op_name(type)},  {"value_size", value.size()}};
            set_bytes(op, "key", key);
            if (rec.op_count > 1) {
              op["op"] = index;
              op["ops"] = rec.op_count;
            }
            outf("{}\n", json_line(op));
            return;
          }
          std::string line = fmt::format("{} type={} key={} value_size={}", where, op_name(type),
                                         quote_word(key), value.size());
          if (rec.op_count > 1) line += fmt::format(" op={}/{}", index, rec.op_count);
          outf("{}\n", line);
        });
        if ((pos < rec.payload.size() || index == 0) && global.json) {
          outf("{}\n", json_line({{"segment", rec.segment}, {"offset", rec.offset},
                                  {"lsn", rec.lsn}, {"synced_lsn", rec.synced_lsn},
                                  {"type", "?"}, {"undecodable_after", pos},
                                  {"payload_bytes", rec.payload.size()}}));
        } else if (pos < rec.payload.size() || index == 0) {
          outf("{} type=? payload undecodable after {} of {} bytes\n", where, pos,
               rec.payload.size());
        }
        return !output_failed();  // no use reading on into a full disk or a closed pipe
      },
      &r);
  if (!s.ok()) {
    return report_error(kExitFailure, fmt::format("cannot dump {}: {}", global.dir, s.ToString()));
  }
  if (global.json) {
    // The last line: the only one without a "type".
    outf("{}\n", json_line({{"records", records},
                            {"first_lsn", records > 0 ? r.first_lsn : 0},
                            {"last_lsn", last_lsn},
                            {"snapshot_lsn", r.snapshot_lsn},
                            {"snapshot_keys", r.snapshot_keys},
                            {"tail", tail_summary(r, "the error line")}}));
    flush_output();
    if (r.corrupt) return report_corruption(global.dir, r);
    return kExitOk;
  }
  std::string summary = fmt::format("# {} records", records);
  if (records > 0) summary += fmt::format(" (lsn {}..{})", r.first_lsn, last_lsn);
  if (r.snapshot_lsn > 0) {
    summary += fmt::format(", after a snapshot at lsn {} ({} keys, not listed)", r.snapshot_lsn,
                           r.snapshot_keys);
  }
  summary += "; " + tail_summary(r, "the error line");
  outf("{}\n", escape_bytes(summary));
  flush_output();  // the report before the verdict on stderr
  if (r.corrupt) return report_corruption(global.dir, r);
  return kExitOk;
}

}  // namespace walkv::cli
