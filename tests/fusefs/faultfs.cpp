// walkv-faultfs: a FUSE passthrough file system with switchable fsync faults, so that tests
// can check walkv's durability error handling against a real file system layer *below* the
// engine — the kernel's VFS, page cache and FUSE request path — rather than only through the
// engine's own I/O seam (Options::io_hooks), which sits above all of that.
//
// Usage (libfuse3 high-level API; run by tests/fusefs/fusefs_test.cpp as a child process):
//
//   walkv-faultfs BACKING MOUNTPOINT CONTROL STATS [libfuse options...]
//
// mirrors the directory BACKING at MOUNTPOINT. It always runs in the foreground (-f) and
// single-threaded (-s): one request at a time keeps the counters exact and the fault switch
// ordered with respect to every request. It mounts with -o default_permissions (the kernel
// checks permissions, as on a local file system) and fsname/subtype "faultfs", so the mount
// shows up as type fuse.faultfs in /proc/self/mountinfo. Unmount with `fusermount3 -u
// MOUNTPOINT` (or umount as root); the daemon then writes STATS one last time and exits 0.
// SIGTERM/SIGINT also unmount and exit (libfuse's handlers), and the daemon asks for SIGTERM
// when its parent dies (PR_SET_PDEATHSIG): a test killed mid-run leaves no mount behind.
//
// Operations: getattr, readdir (opendir/releasedir), mkdir, rmdir, create (with the caller's
// flags, O_EXCL included), open, read, write, truncate/ftruncate, rename (with renameat2
// flags), unlink, fsync/fdatasync, fsyncdir, flush, release, statfs, utimens — everything
// walkv does to its directory. Open files are served through the backing file descriptor,
// so an unlinked file that is still open keeps working (hard_remove, nullpath_ok: no
// .fuse_hidden files appear). flock is not implemented, so the kernel keeps flock locks
// locally, which is all walkv's LOCK file needs. Entry, attribute and negative caches are
// off (timeouts 0): the mount reflects the backing directory at every lookup.
//
// fallocate is deliberately NOT implemented: it is counted and answered EOPNOTSUPP, as many
// FUSE and network file systems answer it. (Leaving the operation out would not do: the
// kernel would then remember "no fallocate" after the first ENOSYS and stop asking, and the
// attempts could no longer be counted.)
//
// Fault switch: CONTROL is a small file outside the mount holding one word. The daemon reads
// it at every file fsync/fdatasync request (a missing or empty file means "ok"):
//   ok          fsync/fdatasync are passed to the backing file
//   fail-fsync  every fsync/fdatasync of a file answers EIO, from the next request on
//   drop-fsync  every fsync/fdatasync of a file answers 0 without syncing the backing file
//               (what a lying disk cache does; no engine can detect it)
// An unknown word is reported on stderr and leaves the mode unchanged. Directory fsyncs
// (fsyncdir) are counted but never faulted: the switches are about file data. Write the
// word to a temporary name and rename it over CONTROL so that the daemon never reads half.
//
// Counters: every request kind the tests care about is counted, in total and per file (keyed
// by the path a handle was opened or created under, e.g. "/db/wal-0000000000000002.log.tmp";
// all handles of one path add up). STATS is a text file of "key value" lines, plus one line
// per file:
//   file <path> writes <n> bytes <n> writes_before_fsync <n> fsyncs <n> fallocates <n>
// where writes_before_fsync counts the writes to that path before its first fsync request —
// for a WAL segment's .tmp name, exactly the writes that prepared it. STATS is rewritten
// (temporary name, then rename) on request — a lookup of the name "/.faultfs-stats" in the
// mount, e.g. stat(2) on it, which writes STATS before it answers ENOENT, so the file is
// complete when stat returns — and once more after unmount.
//
// The kernel splits one write(2) into FUSE write requests of at most max_write bytes (128 KiB
// on older kernels, 1 MiB where kernel and libfuse negotiate larger requests), so "writes"
// counts requests as this file system receives them, not the caller's system calls.
#define FUSE_USE_VERSION 31

#include <dirent.h>
#include <fcntl.h>
#include <fuse.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace {

enum class Mode { kOk, kFailFsync, kDropFsync };

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::kOk: return "ok";
    case Mode::kFailFsync: return "fail-fsync";
    case Mode::kDropFsync: return "drop-fsync";
  }
  return "?";
}

struct FileCounts {
  std::uint64_t writes = 0;
  std::uint64_t bytes = 0;
  std::uint64_t writes_before_fsync = 0;
  std::uint64_t fsyncs = 0;
  std::uint64_t fallocates = 0;
};

struct Counts {
  std::uint64_t writes = 0;
  std::uint64_t write_bytes = 0;
  std::uint64_t reads = 0;
  std::uint64_t fsyncs = 0;          // file fsync/fdatasync requests received
  std::uint64_t fsyncs_synced = 0;   // passed to the backing file, which succeeded
  std::uint64_t fsyncs_failed = 0;   // answered EIO by fail-fsync
  std::uint64_t fsyncs_dropped = 0;  // answered 0 by drop-fsync, backing file not synced
  std::uint64_t dir_fsyncs = 0;
  std::uint64_t fallocates = 0;
  std::uint64_t creates = 0;
  std::uint64_t opens = 0;
  std::uint64_t renames = 0;
  std::uint64_t unlinks = 0;
  std::uint64_t truncates = 0;
  std::uint64_t stats_requests = 0;
};

// The whole daemon's state. Single-threaded (-s): no locks needed.
struct State {
  std::string backing;
  std::string control;
  std::string stats;
  Mode mode = Mode::kOk;
  Counts counts;
  std::map<std::string, FileCounts> files;  // node addresses are stable: handles point in
};

State* g_state = nullptr;

constexpr std::string_view kStatsName = "/.faultfs-stats";

// An open file: the backing descriptor and the counters of the path it was opened under.
struct Handle {
  int fd;
  FileCounts* counts;
};

Handle* handle(const fuse_file_info* fi) { return reinterpret_cast<Handle*>(fi->fh); }

// A request without a file handle always comes with a path (nullpath_ok only drops the path
// of requests that carry a handle); "/" stands in should that ever change.
std::string backing_path(const char* path) {
  return g_state->backing + (path != nullptr ? path : "/");
}

int neg_errno() { return -errno; }

void refresh_mode() {
  char buf[64] = {};
  int fd = ::open(g_state->control.c_str(), O_RDONLY | O_CLOEXEC);
  ssize_t n = 0;
  if (fd >= 0) {
    n = ::pread(fd, buf, sizeof(buf) - 1, 0);
    ::close(fd);
  }
  std::string_view word(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!word.empty() && (word.back() == '\n' || word.back() == ' ' || word.back() == '\r'))
    word.remove_suffix(1);
  Mode next = g_state->mode;
  if (word.empty() || word == "ok") {
    next = Mode::kOk;
  } else if (word == "fail-fsync") {
    next = Mode::kFailFsync;
  } else if (word == "drop-fsync") {
    next = Mode::kDropFsync;
  } else {
    std::fprintf(stderr, "faultfs: unknown control word '%.*s' ignored\n",
                 static_cast<int>(word.size()), word.data());
  }
  if (next != g_state->mode) {
    std::fprintf(stderr, "faultfs: mode %s -> %s\n", mode_name(g_state->mode), mode_name(next));
    g_state->mode = next;
  }
}

void write_stats() {
  const Counts& c = g_state->counts;
  std::string out;
  auto line = [&](const char* key, std::uint64_t v) {
    out += key;
    out += ' ';
    out += std::to_string(v);
    out += '\n';
  };
  out += "mode ";
  out += mode_name(g_state->mode);
  out += '\n';
  line("writes", c.writes);
  line("write_bytes", c.write_bytes);
  line("reads", c.reads);
  line("fsyncs", c.fsyncs);
  line("fsyncs_synced", c.fsyncs_synced);
  line("fsyncs_failed", c.fsyncs_failed);
  line("fsyncs_dropped", c.fsyncs_dropped);
  line("dir_fsyncs", c.dir_fsyncs);
  line("fallocates", c.fallocates);
  line("creates", c.creates);
  line("opens", c.opens);
  line("renames", c.renames);
  line("unlinks", c.unlinks);
  line("truncates", c.truncates);
  line("stats_requests", c.stats_requests);
  for (const auto& [path, f] : g_state->files) {
    out += "file " + path + " writes " + std::to_string(f.writes) + " bytes " +
           std::to_string(f.bytes) + " writes_before_fsync " +
           std::to_string(f.writes_before_fsync) + " fsyncs " + std::to_string(f.fsyncs) +
           " fallocates " + std::to_string(f.fallocates) + "\n";
  }
  // Readers must never see half a file: write a temporary one and rename it over STATS.
  const std::string tmp = g_state->stats + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::fprintf(stderr, "faultfs: cannot write %s: %s\n", tmp.c_str(), std::strerror(errno));
    return;
  }
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::write(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (done != out.size() || ::rename(tmp.c_str(), g_state->stats.c_str()) != 0)
    std::fprintf(stderr, "faultfs: cannot write %s: %s\n", g_state->stats.c_str(),
                 std::strerror(errno));
}

// ---- operations ---------------------------------------------------------------------------

void* op_init(fuse_conn_info* /*conn*/, fuse_config* cfg) {
  // No caching of names or attributes: the mount mirrors BACKING at every lookup, and the
  // stats name is looked up anew each time it is asked for.
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  // Open files are served by their backing descriptor, so unlink removes the name at once
  // (no .fuse_hidden renames) and requests on an unlinked open file come without a path.
  cfg->hard_remove = 1;
  cfg->nullpath_ok = 1;
  cfg->kernel_cache = 0;
  return g_state;
}

int op_getattr(const char* path, struct stat* st, fuse_file_info* fi) {
  if (fi != nullptr) return ::fstat(handle(fi)->fd, st) < 0 ? neg_errno() : 0;
  if (path != nullptr && path == kStatsName) {
    ++g_state->counts.stats_requests;
    write_stats();
    return -ENOENT;
  }
  return ::lstat(backing_path(path).c_str(), st) < 0 ? neg_errno() : 0;
}

int op_mkdir(const char* path, mode_t mode) {
  return ::mkdir(backing_path(path).c_str(), mode) < 0 ? neg_errno() : 0;
}

int op_rmdir(const char* path) {
  return ::rmdir(backing_path(path).c_str()) < 0 ? neg_errno() : 0;
}

int op_unlink(const char* path) {
  ++g_state->counts.unlinks;
  return ::unlink(backing_path(path).c_str()) < 0 ? neg_errno() : 0;
}

int op_rename(const char* from, const char* to, unsigned int flags) {
  ++g_state->counts.renames;
  return ::renameat2(AT_FDCWD, backing_path(from).c_str(), AT_FDCWD, backing_path(to).c_str(),
                     flags) < 0
             ? neg_errno()
             : 0;
}

int op_truncate(const char* path, off_t size, fuse_file_info* fi) {
  ++g_state->counts.truncates;
  int r = fi != nullptr ? ::ftruncate(handle(fi)->fd, size)
                        : ::truncate(backing_path(path).c_str(), size);
  return r < 0 ? neg_errno() : 0;
}

int op_utimens(const char* path, const struct timespec tv[2], fuse_file_info* fi) {
  int r = fi != nullptr ? ::futimens(handle(fi)->fd, tv)
                        : ::utimensat(AT_FDCWD, backing_path(path).c_str(), tv,
                                      AT_SYMLINK_NOFOLLOW);
  return r < 0 ? neg_errno() : 0;
}

int open_handle(const char* path, int fd, fuse_file_info* fi) {
  // Counters by the name the file was opened under: a segment's preparation is counted
  // under its .tmp name even after the rename.
  auto* h = new Handle{fd, &g_state->files[path]};
  fi->fh = reinterpret_cast<std::uint64_t>(h);
  return 0;
}

int op_create(const char* path, mode_t mode, fuse_file_info* fi) {
  ++g_state->counts.creates;
  // The caller's flags as they are (O_EXCL included): the backing file system decides.
  int fd = ::open(backing_path(path).c_str(), fi->flags | O_CREAT | O_CLOEXEC, mode);
  if (fd < 0) return neg_errno();
  return open_handle(path, fd, fi);
}

int op_open(const char* path, fuse_file_info* fi) {
  ++g_state->counts.opens;
  int fd = ::open(backing_path(path).c_str(), fi->flags | O_CLOEXEC);
  if (fd < 0) return neg_errno();
  return open_handle(path, fd, fi);
}

int op_read(const char* /*path*/, char* buf, size_t size, off_t off, fuse_file_info* fi) {
  ++g_state->counts.reads;
  ssize_t n = ::pread(handle(fi)->fd, buf, size, off);
  return n < 0 ? neg_errno() : static_cast<int>(n);
}

int op_write(const char* /*path*/, const char* buf, size_t size, off_t off,
             fuse_file_info* fi) {
  Handle* h = handle(fi);
  ++g_state->counts.writes;
  ++h->counts->writes;
  if (h->counts->fsyncs == 0) ++h->counts->writes_before_fsync;
  ssize_t n = ::pwrite(h->fd, buf, size, off);
  if (n < 0) return neg_errno();
  g_state->counts.write_bytes += static_cast<std::uint64_t>(n);
  h->counts->bytes += static_cast<std::uint64_t>(n);
  return static_cast<int>(n);
}

int op_statfs(const char* /*path*/, struct statvfs* st) {
  return ::statvfs(g_state->backing.c_str(), st) < 0 ? neg_errno() : 0;
}

int op_flush(const char* /*path*/, fuse_file_info* /*fi*/) {
  // Nothing is buffered here (every write went to the backing file), and close(2) of the
  // caller must not be made to fail or sync.
  return 0;
}

int op_release(const char* /*path*/, fuse_file_info* fi) {
  Handle* h = handle(fi);
  ::close(h->fd);
  delete h;
  return 0;
}

int op_fsync(const char* /*path*/, int datasync, fuse_file_info* fi) {
  Handle* h = handle(fi);
  ++g_state->counts.fsyncs;
  ++h->counts->fsyncs;
  refresh_mode();
  switch (g_state->mode) {
    case Mode::kFailFsync:
      ++g_state->counts.fsyncs_failed;
      return -EIO;
    case Mode::kDropFsync:
      ++g_state->counts.fsyncs_dropped;
      return 0;
    case Mode::kOk:
      break;
  }
  int r = datasync != 0 ? ::fdatasync(h->fd) : ::fsync(h->fd);
  if (r < 0) return neg_errno();
  ++g_state->counts.fsyncs_synced;
  return 0;
}

int op_fallocate(const char* /*path*/, int /*mode*/, off_t /*off*/, off_t /*len*/,
                 fuse_file_info* fi) {
  ++g_state->counts.fallocates;
  if (fi != nullptr) ++handle(fi)->counts->fallocates;
  return -EOPNOTSUPP;
}

int op_opendir(const char* path, fuse_file_info* fi) {
  DIR* d = ::opendir(backing_path(path).c_str());
  if (d == nullptr) return neg_errno();
  fi->fh = reinterpret_cast<std::uint64_t>(d);
  return 0;
}

int op_readdir(const char* /*path*/, void* buf, fuse_fill_dir_t filler, off_t /*off*/,
               fuse_file_info* fi, fuse_readdir_flags /*flags*/) {
  DIR* d = reinterpret_cast<DIR*>(fi->fh);
  ::rewinddir(d);
  // The whole directory in one go (offset 0 to the filler): walkv's directories are small.
  while (dirent* e = ::readdir(d)) {
    struct stat st = {};
    st.st_ino = e->d_ino;
    st.st_mode = static_cast<mode_t>(DTTOIF(e->d_type));
    if (filler(buf, e->d_name, &st, 0, static_cast<fuse_fill_dir_flags>(0)) != 0) break;
  }
  return 0;
}

int op_releasedir(const char* /*path*/, fuse_file_info* fi) {
  ::closedir(reinterpret_cast<DIR*>(fi->fh));
  return 0;
}

int op_fsyncdir(const char* /*path*/, int datasync, fuse_file_info* fi) {
  ++g_state->counts.dir_fsyncs;
  int fd = ::dirfd(reinterpret_cast<DIR*>(fi->fh));
  int r = datasync != 0 ? ::fdatasync(fd) : ::fsync(fd);
  return r < 0 ? neg_errno() : 0;
}

fuse_operations make_operations() {
  fuse_operations ops = {};
  ops.init = op_init;
  ops.getattr = op_getattr;
  ops.mkdir = op_mkdir;
  ops.rmdir = op_rmdir;
  ops.unlink = op_unlink;
  ops.rename = op_rename;
  ops.truncate = op_truncate;
  ops.utimens = op_utimens;
  ops.create = op_create;
  ops.open = op_open;
  ops.read = op_read;
  ops.write = op_write;
  ops.statfs = op_statfs;
  ops.flush = op_flush;
  ops.release = op_release;
  ops.fsync = op_fsync;
  ops.fallocate = op_fallocate;
  ops.opendir = op_opendir;
  ops.readdir = op_readdir;
  ops.releasedir = op_releasedir;
  ops.fsyncdir = op_fsyncdir;
  return ops;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr,
                 "usage: %s BACKING MOUNTPOINT CONTROL STATS [libfuse options...]\n"
                 "CONTROL holds one word: ok | fail-fsync | drop-fsync\n",
                 argv[0]);
    return 2;
  }
  State state;
  char* real = ::realpath(argv[1], nullptr);
  if (real == nullptr) {
    std::fprintf(stderr, "faultfs: backing directory %s: %s\n", argv[1], std::strerror(errno));
    return 2;
  }
  state.backing = real;
  std::free(real);
  state.control = argv[3];
  state.stats = argv[4];
  g_state = &state;
  refresh_mode();
  // Unmount (through libfuse's SIGTERM handler) rather than outlive a killed test.
  const pid_t parent = ::getppid();
  if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || ::getppid() != parent) return 1;

  std::string opts = "-odefault_permissions,fsname=faultfs,subtype=faultfs";
  std::vector<char*> args = {argv[0], argv[2], const_cast<char*>("-f"), const_cast<char*>("-s"),
                             opts.data()};
  for (int i = 5; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);

  const fuse_operations ops = make_operations();
  int rc = fuse_main(static_cast<int>(args.size()) - 1, args.data(), &ops, &state);
  write_stats();
  g_state = nullptr;
  return rc;
}
