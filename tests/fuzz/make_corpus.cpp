// Writes seed corpora for the fuzz targets from a database the engine itself produced:
// real records (with their segment's salt), a real segment body and a real snapshot.
// Usage: make_corpus OUTDIR  (creates OUTDIR/{record,snapshot,recovery}/)
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "file_io.h"
#include "record_format.h"
#include "walkv/db.h"

namespace fs = std::filesystem;

static void put_file(const fs::path& p, const std::string& bytes) {
  FILE* f = std::fopen(p.c_str(), "wb");
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  fs::path out = argv[1];
  for (const char* d : {"record", "snapshot", "recovery"}) fs::create_directories(out / d);
  fs::path dir = out / "db";
  fs::remove_all(dir);
  walkv::Options o;
  o.segment_bytes = 64 * 1024;
  o.log_buffer_bytes = 16 * 1024;
  o.flush_bytes = 4 * 1024;
  o.checkpoint_wal_bytes = 0;
  std::string snapshot_bytes;
  {
    auto db = walkv::DB::open(dir, o);
    if (!db.ok()) return 1;
    for (int i = 0; i < 40; ++i) {
      if (!(*db)->put("key" + std::to_string(i), std::string(i % 7 * 5, 'v')).ok()) return 1;
      if (i % 9 == 0 && !(*db)->del("key" + std::to_string(i / 2)).ok()) return 1;
    }
    walkv::WriteBatch b;
    b.put("batch-a", "1");
    b.del("key3");
    if (!(*db)->write(b).ok() || !(*db)->checkpoint().ok()) return 1;
    for (int i = 0; i < 10; ++i)
      if (!(*db)->put("after" + std::to_string(i), "x").ok()) return 1;
  }
  walkv::FileSystem files(nullptr);
  std::string seg, snap;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename();
    std::string bytes;
    if (!files.read_file(e.path(), &bytes).ok()) return 1;
    if (name == walkv::format::segment_file_name(1)) seg = bytes;
    if (name.starts_with("snapshot-")) snap = bytes;
  }
  walkv::format::SegmentHeader header;
  std::string why;
  bool newer = false;
  if (!walkv::format::decode_segment_header(seg, &header, &why, &newer)) return 1;
  const walkv::format::SegmentFormat f = header.format();
  char salt[8];
  std::memcpy(salt, &f.salt, 8);
  std::string body = seg.substr(walkv::format::kSegmentHeaderSize);
  body.resize(body.find_last_not_of('\0') + 1);
  // Single records, for the record parser: [layout][salt][record] (fuzz_record.cpp).
  std::size_t off = 0;
  walkv::Lsn last_lsn = 0;
  for (int i = 0; off < body.size(); ++i) {
    walkv::format::RecordView rec;
    std::string_view rest(body.data() + off, body.size() - off);
    if (walkv::format::parse_record(rest, f, &rec) != walkv::format::ParseResult::kOk) break;
    put_file(out / "record" / ("rec" + std::to_string(i)),
             std::string(1, '\0') + std::string(salt, 8) + std::string(rest.substr(0, rec.size)));
    off += rec.size;
    last_lsn = rec.lsn;
  }
  // And a version-1 record, which names its segment instead of carrying a salt.
  std::string v1;
  walkv::format::append_record_v1(&v1, 7, 1, 6, std::string_view("\x01\x03key\x05value", 11));
  put_file(out / "record" / "rec-v1", std::string(1, '\1') + std::string(8, '\0') + v1);
  walkv::Lsn snapshot_lsn = 0;
  if (snap.size() >= 24) std::memcpy(&snapshot_lsn, snap.data() + 16, 8);
  if (last_lsn > 255 || snapshot_lsn > 255) return 1;  // each is one byte of the input
  put_file(out / "snapshot" / "snap0", snap);
  // For recovery: [selector][CONTROL's durable LSN][snapshot LSN][salt][parts]
  // (fuzz_recovery.cpp).
  const std::string head = std::string(1, static_cast<char>(last_lsn)) +
                           std::string(1, static_cast<char>(snapshot_lsn)) +
                           std::string(salt, 8);
  put_file(out / "recovery" / "seg-only", std::string(1, '\x04') + head + body);
  put_file(out / "recovery" / "seg-no-control", std::string(1, '\0') + head + body);
  put_file(out / "recovery" / "seg-and-snapshot",
           std::string(1, '\x06') + head + body + "\xFF\xFE\xFF\xFE" + snap);
  fs::remove_all(dir);
  return 0;
}
