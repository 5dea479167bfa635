#include "run_meta.h"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <linux/magic.h>
#include <sstream>
#include <sys/vfs.h>

#include <fmt/format.h>

#include "build_info.h"

namespace walkv::crash {

namespace {

// statfs cannot tell ext2, ext3 and ext4 apart (one magic number); the mount table can.
std::string ext_flavour(const std::string& path) {
  std::error_code ec;
  const std::string p = std::filesystem::weakly_canonical(path, ec).string();
  std::ifstream mounts("/proc/self/mounts");
  std::string line, best_type;
  std::size_t best_len = 0;
  while (std::getline(mounts, line)) {
    std::istringstream in(line);
    std::string dev, dir, type;
    if (!(in >> dev >> dir >> type)) continue;
    const bool under = p == dir || dir == "/" ||
                       (p.rfind(dir, 0) == 0 && p.size() > dir.size() && p[dir.size()] == '/');
    if (under && dir.size() >= best_len && type.rfind("ext", 0) == 0) {
      best_len = dir.size();
      best_type = type;
    }
  }
  return best_type.empty() ? "ext2/3/4" : best_type;
}

}  // namespace

std::string file_system_name(const std::string& path) {
  struct statfs s {};
  if (::statfs(path.c_str(), &s) != 0) return "unknown";
  switch (static_cast<unsigned long>(s.f_type)) {
    case EXT4_SUPER_MAGIC: return ext_flavour(path);
    case TMPFS_MAGIC: return "tmpfs";
    case RAMFS_MAGIC: return "ramfs";
    case XFS_SUPER_MAGIC: return "xfs";
    case BTRFS_SUPER_MAGIC: return "btrfs";
    case F2FS_SUPER_MAGIC: return "f2fs";
    case OVERLAYFS_SUPER_MAGIC: return "overlayfs";
    case FUSE_SUPER_MAGIC: return "fuse";
    case NFS_SUPER_MAGIC: return "nfs";
    case 0x2fc12fc1: return "zfs";  // not in linux/magic.h
    default: return fmt::format("unknown (0x{:x})", static_cast<unsigned long>(s.f_type));
  }
}

std::string iso8601_utc(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::ordered_json options_json(const Config& c) {
  std::string modes, crashes;
  for (const auto& m : c.modes) modes += (modes.empty() ? "" : ",") + m.name;
  nlohmann::ordered_json o = {
      {"modes", modes},
      {"crash", crash_list_name(c.crashes)},
      {"trials", c.trials},
      {"writers", c.writers},
      {"keys", c.keys_per_writer},
      {"min_crash_ms", c.min_crash_ms},
      {"max_crash_ms", c.max_crash_ms},
      {"backend", c.backend},
      {"segment_bytes", c.segment_bytes},
      {"log_buffer_bytes", c.log_buffer_bytes},
      {"checkpoint_bytes", c.checkpoint_bytes},
      {"ledger_mb", c.ledger_mb},
      {"window_margin_ms", c.window_margin_ms},
      {"rot_bits", c.rot_bits},
      {"jobs", c.jobs},
      {"work_dir", c.work_dir},
      {"keep", c.keep},
  };
  // Present only when given: a replay of one trial, an injected bug.
  if (c.trial) o["trial"] = *c.trial;
  if (!c.inject_bug.empty()) o["inject_bug"] = c.inject_bug;
  return o;
}

RunMeta make_meta(const Config& c, std::int64_t start_unix_seconds) {
  RunMeta m;
  m.version = build_version();
  m.commit = build_commit();
  m.seed = c.seed;
  m.options = options_json(c);
  m.date = iso8601_utc(start_unix_seconds);
  m.file_system = file_system_name(c.work_dir);
  m.backend = "unknown";
  return m;
}

nlohmann::ordered_json meta_json(const RunMeta& m) {
  return {
      {"tool", "walkv-crash"},
      {"version", m.version},
      {"commit", m.commit},
      {"seed", m.seed},
      {"options", m.options},
      {"date", m.date},
      {"file_system", m.file_system},
      {"backend", m.backend},
      {"schema", kResultsSchema},
      {"trials_planned", m.trials_planned},
      {"trials_done", m.trials_done},
      {"interrupted", m.interrupted},
  };
}

std::string meta_csv_comments(const RunMeta& m) {
  const nlohmann::ordered_json meta = meta_json(m);
  std::string out;
  for (auto it = meta.begin(); it != meta.end(); ++it) {
    out += fmt::format("# {}: {}\n", it.key(),
                       it->is_string() ? it->get<std::string>() : it->dump());
  }
  return out;
}

}  // namespace walkv::crash
