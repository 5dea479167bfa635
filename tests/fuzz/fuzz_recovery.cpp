// libFuzzer: recovery over an arbitrary directory. The input is split into files: a
// segment-sized WAL file built from a valid header plus fuzzed record bytes, an optional
// second segment and an optional snapshot. DB::open must end in a clean error or an open
// database whose contents can be read and written; verify_dir must agree it is readable.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

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

std::string segment_file(std::uint64_t number, std::string_view body) {
  std::string seg = walkv::format::encode_segment_header(number, kSegmentBytes);
  seg.append(body.substr(0, kSegmentBytes - seg.size()));
  seg.resize(kSegmentBytes, '\0');
  return seg;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string root = [] {
    char tmpl[] = "/tmp/walkv-fuzz-recovery-XXXXXX";
    if (!mkdtemp(tmpl)) std::abort();
    return std::string(tmpl);
  }();
  const std::string dir = root + "/db";
  std::filesystem::remove_all(dir);
  mkdir(dir.c_str(), 0755);

  std::string_view in(reinterpret_cast<const char*>(data), size);
  // Layout: [1 byte selector][rest split in up to three parts at 0xFF 0xFE markers].
  std::uint8_t sel = in.empty() ? 0 : static_cast<std::uint8_t>(in[0]);
  if (!in.empty()) in.remove_prefix(1);
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

  write_file(dir + "/" + walkv::format::segment_file_name(1), segment_file(1, parts[0]));
  if (sel & 1)
    write_file(dir + "/" + walkv::format::segment_file_name(2), segment_file(2, parts[1]));
  if (sel & 2)
    write_file(dir + "/" + walkv::format::snapshot_file_name(sel >> 2), parts[2]);

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
  }
  return 0;
}
