// libFuzzer: the snapshot loader on an arbitrary file. Either a clean error or a map whose
// keys are non-empty and strictly ordered; never a crash or an allocation driven by a
// length field.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "snapshot.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = [] {
    char tmpl[] = "/tmp/walkv-fuzz-snapshot-XXXXXX";
    int fd = mkstemp(tmpl);
    close(fd);
    return std::string(tmpl);
  }();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  walkv::FileSystem fs(nullptr);
  walkv::SnapshotMap out;
  std::uint64_t lsn = 0;
  walkv::Status s = walkv::load_snapshot(fs, path, &lsn, &out);
  if (s.ok()) {
    const std::string* prev = nullptr;
    for (const auto& [k, v] : out) {
      if (k.empty() || (prev && !(*prev < k))) std::abort();
      prev = &k;
    }
  }
  return 0;
}
