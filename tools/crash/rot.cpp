#include "rot.h"

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <set>
#include <sys/stat.h>
#include <tuple>
#include <unistd.h>

#include <fmt/format.h>

#include "rng.h"
#include "sys_error.h"

namespace walkv::crash {

namespace {

// <prefix><16 lowercase hex digits><suffix>, as the engine names its files.
bool hex_name(std::string_view name, std::string_view prefix, std::string_view suffix) {
  if (name.size() != prefix.size() + 16 + suffix.size()) return false;
  if (!name.starts_with(prefix) || !name.ends_with(suffix)) return false;
  return std::all_of(name.begin() + static_cast<std::ptrdiff_t>(prefix.size()),
                     name.end() - static_cast<std::ptrdiff_t>(suffix.size()),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// One past the last non-zero byte of an open file (0 if it is all zeros). Reads it whole:
// the simulator's files are a few MiB, and a hole-aware scan would buy nothing there.
std::string nonzero_end(int fd, std::uint64_t size, std::uint64_t* out) {
  std::vector<char> buf(std::size_t{1} << 20);
  std::uint64_t off = 0, end = 0;
  while (off < size) {
    const ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(off));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_text(errno);
    if (n == 0) break;  // shrank under us: what is gone holds nothing
    for (ssize_t i = n; i > 0; --i) {
      if (buf[static_cast<std::size_t>(i - 1)] != 0) {
        end = off + static_cast<std::uint64_t>(i);
        break;
      }
    }
    off += static_cast<std::uint64_t>(n);
  }
  *out = end;
  return {};
}

}  // namespace

bool is_rot_target(std::string_view name) {
  return name == "CONTROL" || hex_name(name, "wal-", ".log") ||
         hex_name(name, "snapshot-", ".snap");
}

std::string list_rot_targets(const std::string& dir, std::vector<RotTarget>* out) {
  out->clear();
  DIR* d = ::opendir(dir.c_str());
  if (!d) return fmt::format("open directory {}: {}", dir, errno_text(errno));
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    if (is_rot_target(e->d_name)) names.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    const std::string path = dir + "/" + n;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fmt::format("open {}: {}", path, errno_text(errno));
    struct stat st {};
    RotTarget t{n, 0, 0};
    std::string err;
    if (::fstat(fd, &st) != 0) err = errno_text(errno);
    if (err.empty() && !S_ISREG(st.st_mode)) err = "not a regular file";
    if (err.empty()) {
      t.size = static_cast<std::uint64_t>(st.st_size);
      err = nonzero_end(fd, t.size, &t.nonzero_end);
    }
    ::close(fd);
    if (!err.empty()) return fmt::format("{}: {}", path, err);
    out->push_back(std::move(t));
  }
  return {};
}

std::vector<BitFlip> choose_flips(const std::vector<RotTarget>& targets, std::uint64_t seed,
                                  int bits) {
  std::vector<const RotTarget*> files;
  std::uint64_t total_bits = 0;
  for (const auto& t : targets) {
    if (t.size == 0) continue;
    files.push_back(&t);
    total_bits += t.size * 8;
  }
  std::vector<BitFlip> out;
  if (files.empty() || bits <= 0) return out;
  const auto want = static_cast<std::uint64_t>(bits);
  // Two flips of the same bit would cancel: draw again. Bounded, since there may be fewer
  // bits than asked for (tiny files) or a small prefix may keep drawing the same ones.
  std::set<std::tuple<std::string, std::uint64_t, int>> taken;
  Rng rng(seed);
  for (std::uint64_t draws = 0; out.size() < std::min(want, total_bits) && draws < want * 64;
       ++draws) {
    const RotTarget& t = *files[rng.below(files.size())];
    BitFlip f;
    f.file = t.name;
    f.file_size = t.size;
    f.nonzero_end = t.nonzero_end;
    f.prefix_draw = rng.below(4) != 0 && t.nonzero_end > 0;
    f.offset = rng.below(f.prefix_draw ? t.nonzero_end : t.size);
    f.bit = static_cast<int>(rng.below(8));
    if (!taken.emplace(f.file, f.offset, f.bit).second) continue;
    out.push_back(std::move(f));
  }
  return out;
}

std::string apply_flips(const std::string& dir, std::vector<BitFlip>* flips) {
  for (auto& f : *flips) {
    const std::string path = dir + "/" + f.file;
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return fmt::format("open {}: {}", path, errno_text(errno));
    unsigned char b = 0;
    std::string err;
    if (::pread(fd, &b, 1, static_cast<off_t>(f.offset)) != 1) {
      err = fmt::format("read byte {} of {}: {}", f.offset, path, errno_text(errno));
    } else {
      f.before = b;
      f.after = static_cast<unsigned char>(b ^ (1u << f.bit));
      if (::pwrite(fd, &f.after, 1, static_cast<off_t>(f.offset)) != 1) {
        err = fmt::format("write byte {} of {}: {}", f.offset, path, errno_text(errno));
      }
    }
    ::close(fd);
    if (!err.empty()) return err;
  }
  return {};
}

std::string describe_flip(const BitFlip& f) {
  const std::string where =
      f.nonzero_end == 0
          ? std::string("all zeros")
          : fmt::format("non-zero through byte {}", f.nonzero_end - 1);
  return fmt::format("bit {} of byte {} (0x{:02x} -> 0x{:02x}) in {} ({} bytes, {}; drawn {})",
                     f.bit, f.offset, f.before, f.after, f.file, f.file_size, where,
                     f.prefix_draw ? "in that prefix" : "anywhere in the file");
}

}  // namespace walkv::crash
