// libFuzzer: recovery over an arbitrary directory. The input is split into files: a
// segment-sized WAL file built from a valid header plus fuzzed record bytes, an optional
// second segment, an optional snapshot and an optional CONTROL. DB::open must end in a clean
// error or an open database whose contents can be read and written; verify_dir must reach
// the same verdict (corrupt exactly when open fails, with open's message).
//
// Input: [0] selector (bit 0: a second segment, bit 1: a snapshot, bit 2: CONTROL),
// [1] CONTROL's durable LSN, [2] the snapshot file's LSN, [3,11) segment 1's salt (segment
// 2's is the next number), then up to three parts split at 0xFF 0xFE: segment 1's records,
// segment 2's records, the snapshot file.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/temp_dir.h"
#include "control_file.h"
#include "record_format.h"
#include "walkv/db.h"
#include "walkv/inspect.h"

namespace {

constexpr std::uint64_t kSegmentBytes = 64 * 1024;

void write_file(const std::string& path, std::string_view bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

std::string segment_file(std::uint64_t number, std::uint64_t salt, std::string_view body) {
  std::string seg = walkv::format::encode_segment_header(number, kSegmentBytes, salt);
  seg.append(body.substr(0, kSegmentBytes - seg.size()));
  seg.resize(kSegmentBytes, '\0');
  return seg;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const walkv::test::TempDir root(walkv::test::TempDir::default_parent(), "fuzz-recovery");
  const std::string dir = root.sub("db");
  std::filesystem::remove_all(dir);
  mkdir(dir.c_str(), 0755);

  if (size < 11) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::uint8_t sel = data[0];
  const walkv::Lsn control_durable = data[1];
  const walkv::Lsn snapshot_lsn = data[2];
  std::uint64_t salt;  // zero too: a header walkv never writes, which must still be safe
  std::memcpy(&salt, data + 3, 8);
  in.remove_prefix(11);
  std::string_view parts[3];
  for (int i = 0; i < 2; ++i) {
    std::size_t cut = in.find("\xFF\xFE");
    parts[i] = in.substr(0, cut);
    if (cut == std::string_view::npos) {
      in = {};
      break;
    }
    in.remove_prefix(cut + 2);
  }
  if (!in.empty()) parts[2] = in;

  write_file(dir + "/" + walkv::format::segment_file_name(1), segment_file(1, salt, parts[0]));
  if (sel & 1)
    write_file(dir + "/" + walkv::format::segment_file_name(2),
               segment_file(2, salt + 1, parts[1]));
  if (sel & 2)
    write_file(dir + "/" + walkv::format::snapshot_file_name(snapshot_lsn), parts[2]);
  if (sel & 4) {
    walkv::ControlState c;
    c.first_segment = 1;
    c.last_segment = (sel & 1) ? 2 : 1;
    c.durable_lsn = control_durable;
    c.snapshot_lsn = (sel & 2) ? snapshot_lsn : 0;
    write_file(dir + "/" + std::string(walkv::format::kControlFileName),
               walkv::format::encode_control(c));
  }

  walkv::VerifyReport report;
  if (!walkv::verify_dir(dir, &report).ok()) std::abort();  // readable files: never IOError

  walkv::Options o;
  o.segment_bytes = kSegmentBytes;
  o.log_buffer_bytes = 16 * 1024;
  o.flush_bytes = 4 * 1024;
  o.io_backend = walkv::IoBackend::kPosix;
  o.checkpoint_wal_bytes = 0;
  o.logger = [](walkv::LogLevel, std::string_view) {};
  auto db = walkv::DB::open(dir, o);
  if (db.ok()) {
    // Recovery claimed success: the database must be usable and consistent with verify.
    if (report.corrupt || (*db)->stats().recovery.last_lsn != report.last_lsn) std::abort();
    auto lsn = (*db)->put("fuzz-key", "fuzz-value");
    if (!lsn.ok() || *lsn != report.last_lsn + 1) std::abort();
    auto got = (*db)->get("fuzz-key");
    if (!got.ok() || *got != "fuzz-value") std::abort();
  } else if (!db.status().IsCorruption() && !db.status().IsNotSupported()) {
    std::fprintf(stderr, "unexpected open error: %s\n", db.status().ToString().c_str());
    std::abort();
  } else if (!report.corrupt || report.corruption != db.status().message()) {
    std::fprintf(stderr, "open: %s\nverify: %s\n", db.status().ToString().c_str(),
                 report.corrupt ? report.corruption.c_str() : "not corrupt");
    std::abort();
  }
  return 0;
}
