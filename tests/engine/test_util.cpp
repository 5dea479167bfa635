#include "test_util.h"

#include "index.h"

#include <fcntl.h>
#include <liburing.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <stdexcept>
#include <thread>

#include <fmt/core.h>

#include "coding.h"

namespace walkv::test {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------
// Environment

std::uint64_t test_seed() {
  static const std::uint64_t seed = [] {
    const char* env = std::getenv("WALKV_TEST_SEED");
    if (env != nullptr && *env != '\0') return static_cast<std::uint64_t>(std::strtoull(env, nullptr, 10));
    return std::uint64_t{20240611};
  }();
  return seed;
}

bool uring_available() {
  static const bool available = [] {
    io_uring ring;
    if (io_uring_queue_init(4, &ring, 0) != 0) return false;
    io_uring_queue_exit(&ring);
    return true;
  }();
  return available;
}

std::function<void(LogLevel, std::string_view)> LogSink::logger() {
  auto state = state_;
  return [state](LogLevel level, std::string_view msg) {
    std::lock_guard<std::mutex> lock(state->mu);
    (level == LogLevel::kWarning ? state->warnings : state->infos).emplace_back(msg);
  };
}

std::vector<std::string> LogSink::warnings() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->warnings;
}

std::vector<std::string> LogSink::infos() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->infos;
}

Options small_options(CommitMode mode) {
  Options o;
  o.mode = mode;
  o.segment_bytes = 128 * 1024;
  o.log_buffer_bytes = 32 * 1024;
  o.flush_bytes = 8 * 1024;
  o.flush_interval = std::chrono::microseconds(2000);
  o.checkpoint_wal_bytes = 0;
  o.logger = LogSink().logger();  // quiet; tests that read the log install their own sink
  return o;
}

Options idle_flusher_options(CommitMode mode) {
  Options o = small_options(mode);
  o.flush_interval = std::chrono::seconds(10);
  o.flush_bytes = o.log_buffer_bytes;
  return o;
}

std::unique_ptr<DB> open_ok(const std::string& dir, const Options& options) {
  auto db = DB::open(dir, options);
  INFO("DB::open(" << dir << "): " << db.status().ToString());
  REQUIRE(db.ok());
  return std::move(db).value();
}

std::string make_key(std::uint64_t index) { return fmt::format("key-{:08}", index); }

std::string make_value(std::uint64_t index, std::uint64_t version, std::size_t size) {
  std::string v = fmt::format("v{}.{}:", index, version);
  while (v.size() < size) v.push_back(static_cast<char>('a' + (index + version + v.size()) % 26));
  return v;
}

std::string get_or_marker(DB& db, std::string_view key) {
  auto r = db.get(key);
  if (r.ok()) return r.value();
  if (r.status().IsNotFound()) return "<absent>";
  return "<error: " + r.status().ToString() + ">";
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// Files

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

void write_at(const std::string& path, std::uint64_t offset, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY);
  if (fd < 0) throw std::runtime_error("open " + path + ": " + std::strerror(errno));
  ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
  ::close(fd);
  if (n != static_cast<ssize_t>(data.size())) throw std::runtime_error("pwrite " + path);
}

void flip_bit(const std::string& path, std::uint64_t offset, int bit) {
  std::string all = read_file(path);
  if (offset >= all.size()) throw std::runtime_error("flip_bit beyond end of " + path);
  char c = static_cast<char>(all[offset] ^ (1 << bit));
  write_at(path, offset, std::string_view(&c, 1));
}

void zero_range(const std::string& path, std::uint64_t offset, std::uint64_t length) {
  write_at(path, offset, std::string(length, '\0'));
}

void truncate_file(const std::string& path, std::uint64_t size) {
  if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
    throw std::runtime_error("truncate " + path + ": " + std::strerror(errno));
  }
}

std::uint64_t file_size(const std::string& path) { return fs::file_size(path); }

bool file_exists(const std::string& path) { return fs::exists(path); }

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

void copy_dir_files(const std::string& from, const std::string& to) {
  for (const auto& name : list_dir(from)) {
    fs::copy_file(from + "/" + name, to + "/" + name, fs::copy_options::overwrite_existing);
  }
}

// ---------------------------------------------------------------------------------------
// Format

namespace {

bool parse_hex_name(std::string_view name, std::string_view prefix, std::string_view suffix,
                    std::uint64_t* out) {
  if (name.size() != prefix.size() + 16 + suffix.size()) return false;
  if (name.substr(0, prefix.size()) != prefix) return false;
  if (name.substr(prefix.size() + 16) != suffix) return false;
  std::uint64_t v = 0;
  for (char c : name.substr(prefix.size(), 16)) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return false;
    }
    v = v * 16 + static_cast<std::uint64_t>(d);
  }
  *out = v;
  return true;
}

}  // namespace

std::vector<SegmentFile> wal_segments(const std::string& dir) {
  std::vector<SegmentFile> out;
  for (const auto& name : list_dir(dir)) {
    std::uint64_t n;
    if (parse_hex_name(name, "wal-", ".log", &n)) out.push_back({n, dir + "/" + name});
  }
  std::sort(out.begin(), out.end(),
            [](const SegmentFile& a, const SegmentFile& b) { return a.number < b.number; });
  return out;
}

bool segment_number_of(const std::string& path, std::uint64_t* number) {
  std::size_t slash = path.rfind('/');
  std::string_view name = slash == std::string::npos ? std::string_view(path)
                                                     : std::string_view(path).substr(slash + 1);
  return parse_hex_name(name, "wal-", ".log", number);
}

std::vector<std::string> snapshot_files(const std::string& dir) {
  std::vector<std::pair<std::uint64_t, std::string>> found;
  for (const auto& name : list_dir(dir)) {
    std::uint64_t lsn;
    if (parse_hex_name(name, "snapshot-", ".snap", &lsn)) found.emplace_back(lsn, dir + "/" + name);
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

std::string segment_file_name(std::uint64_t number) {
  return fmt::format("wal-{:016x}.log", number);
}

std::uint64_t xxh3(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

std::uint64_t xxh3_seeded(std::string_view bytes, std::uint64_t seed) {
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
}

std::size_t record_size(std::size_t payload_len) {
  return (kRecordHeaderSize + payload_len + kRecordAlign - 1) / kRecordAlign * kRecordAlign;
}

namespace {

constexpr char kSegmentMagic[] = "WALKVLOG";
constexpr char kControlMagic[] = "WALKVCTL";
constexpr std::size_t kChecksumAt = 56;  // of every 64-byte header: XXH3 of [0,56)

std::string encode_header64(const char* magic, std::uint32_t version,
                            std::initializer_list<std::uint64_t> fields) {
  std::string h(64, '\0');
  std::memcpy(h.data(), magic, 8);
  put_u32(h.data() + 8, version);
  put_u32(h.data() + 12, 64);
  std::size_t at = 16;
  for (std::uint64_t f : fields) {
    put_u64(h.data() + at, f);
    at += 8;
  }
  put_u64(h.data() + kChecksumAt, xxh3(std::string_view(h).substr(0, kChecksumAt)));
  return h;
}

bool header64_ok(std::string_view b, const char* magic) {
  return b.size() >= 64 && std::memcmp(b.data(), magic, 8) == 0 &&
         get_u32(b.data() + 12) == 64 &&
         get_u64(b.data() + kChecksumAt) == xxh3(b.substr(0, kChecksumAt));
}

// One record of either layout at pos, or false where the segment's records end.
bool parse_record_at(std::string_view bytes, std::uint64_t pos, const SegmentHeaderInfo& h,
                     std::uint64_t segment, RecordLoc* r) {
  if (pos + kRecordHeaderSize > bytes.size()) return false;
  const char* p = bytes.data() + pos;
  const std::uint64_t room = bytes.size() - pos - kRecordHeaderSize;
  const std::uint32_t len = get_u32(p + 8);
  if (len == 0 || len > room) return false;
  if (static_cast<std::uint8_t>(p[12]) != kRecordTypeBatch || p[13] || p[14] || p[15])
    return false;
  if (h.version == 1) {
    if (get_u64(p) != xxh3(std::string_view(p + 8, kRecordHeaderSize - 8 + len))) return false;
    if (get_u64(p + 24) != segment) return false;
    r->synced_lsn = get_u64(p + 32);
    r->size = static_cast<std::uint32_t>(kRecordHeaderSize + len);
  } else {
    if (get_u64(p) != xxh3_seeded(std::string_view(p + 8, kRecordHeaderSize - 8), h.salt))
      return false;
    if (get_u64(p + 32) != xxh3_seeded(std::string_view(p + kRecordHeaderSize, len), h.salt))
      return false;
    r->synced_lsn = get_u64(p + 24);
    r->size = static_cast<std::uint32_t>(record_size(len));
    if (r->size > bytes.size() - pos) return false;  // the padding too must be in the file
  }
  r->segment = segment;
  r->offset = pos;
  r->payload_size = len;
  r->lsn = get_u64(p + 16);
  r->payload.assign(p + kRecordHeaderSize, len);
  return true;
}

}  // namespace

bool decode_segment_header(std::string_view bytes, SegmentHeaderInfo* out) {
  if (!header64_ok(bytes, kSegmentMagic)) return false;
  out->version = get_u32(bytes.data() + 8);
  out->number = get_u64(bytes.data() + 16);
  out->size = get_u64(bytes.data() + 24);
  out->salt = out->version >= 2 ? get_u64(bytes.data() + 32) : 0;
  return true;
}

std::uint64_t segment_salt(const std::string& path) {
  SegmentHeaderInfo h;
  std::string bytes = read_file(path);
  INFO("segment header of " << path);
  REQUIRE(decode_segment_header(bytes, &h));
  REQUIRE(h.version == 2);
  return h.salt;
}

std::string encode_segment_header(std::uint64_t number, std::uint64_t size, std::uint64_t salt) {
  return encode_header64(kSegmentMagic, 2, {number, size, salt});
}

std::string encode_segment_header_v1(std::uint64_t number, std::uint64_t size) {
  return encode_header64(kSegmentMagic, 1, {number, size});
}

std::vector<RecordLoc> records_in_segment(std::string_view bytes, std::uint64_t segment) {
  std::vector<RecordLoc> out;
  SegmentHeaderInfo h;
  if (!decode_segment_header(bytes, &h) || h.number != segment) return out;
  std::uint64_t pos = kSegmentHeaderSize;
  RecordLoc r;
  while (parse_record_at(bytes, pos, h, segment, &r)) {
    pos += r.size;
    out.push_back(std::move(r));
    r = RecordLoc{};
  }
  return out;
}

std::vector<RecordLoc> read_records(const std::string& dir) {
  std::vector<RecordLoc> out;
  for (const auto& seg : wal_segments(dir)) {
    for (auto& r : records_in_segment(read_file(seg.path), seg.number)) {
      r.path = seg.path;
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::vector<RecordLoc> log_records(const std::string& dir) {
  auto all = read_records(dir);
  std::vector<RecordLoc> out;
  for (auto& r : all) {
    if (!out.empty() && r.lsn != out.back().lsn + 1) break;
    out.push_back(std::move(r));
  }
  return out;
}

std::string encode_record(Lsn lsn, Lsn synced_lsn, std::string_view payload,
                          std::uint64_t salt) {
  std::string rec(kRecordHeaderSize, '\0');
  put_u32(rec.data() + 8, static_cast<std::uint32_t>(payload.size()));
  rec[12] = static_cast<char>(kRecordTypeBatch);
  put_u64(rec.data() + 16, lsn);
  put_u64(rec.data() + 24, synced_lsn);
  put_u64(rec.data() + 32, xxh3_seeded(payload, salt));
  put_u64(rec.data(), xxh3_seeded(std::string_view(rec).substr(8, kRecordHeaderSize - 8), salt));
  rec.append(payload);
  rec.resize(record_size(payload.size()), '\0');
  return rec;
}

std::string encode_record_v1(Lsn lsn, std::uint64_t segment, Lsn synced_lsn,
                             std::string_view payload) {
  std::string rec(kRecordHeaderSize, '\0');
  put_u32(rec.data() + 8, static_cast<std::uint32_t>(payload.size()));
  rec[12] = static_cast<char>(kRecordTypeBatch);
  put_u64(rec.data() + 16, lsn);
  put_u64(rec.data() + 24, segment);
  put_u64(rec.data() + 32, synced_lsn);
  rec.append(payload);
  put_u64(rec.data(), xxh3(std::string_view(rec).substr(8)));
  return rec;
}

std::string put_payload(std::string_view key, std::string_view value) {
  std::string p;
  p.push_back(static_cast<char>(1));
  append_varint32(&p, static_cast<std::uint32_t>(key.size()));
  p.append(key);
  append_varint32(&p, static_cast<std::uint32_t>(value.size()));
  p.append(value);
  return p;
}

void fix_header_checksum(const std::string& path) {
  std::string header = read_file(path).substr(0, 64);
  char sum[8];
  put_u64(sum, xxh3(std::string_view(header).substr(0, kChecksumAt)));
  write_at(path, kChecksumAt, std::string_view(sum, 8));
}

void set_header_version(const std::string& path, std::uint32_t version) {
  char v[4];
  put_u32(v, version);
  write_at(path, 8, std::string_view(v, 4));
  fix_header_checksum(path);
}

bool read_control(const std::string& dir, ControlInfo* out) {
  const std::string path = dir + "/" + kControlFileName;
  if (!fs::exists(path)) return false;
  const std::string b = read_file(path);
  if (b.size() != 64 || !header64_ok(b, kControlMagic)) return false;
  out->version = get_u32(b.data() + 8);
  out->first_segment = get_u64(b.data() + 16);
  out->last_segment = get_u64(b.data() + 24);
  out->durable_lsn = get_u64(b.data() + 32);
  out->snapshot_lsn = get_u64(b.data() + 40);
  return true;
}

void write_control(const std::string& dir, const ControlInfo& c) {
  write_file(dir + "/" + kControlFileName,
             encode_header64(kControlMagic, c.version,
                             {c.first_segment, c.last_segment, c.durable_lsn, c.snapshot_lsn}));
}

void lower_control_durable_lsn(const std::string& dir, Lsn lsn) {
  ControlInfo c;
  INFO("CONTROL of " << dir);
  REQUIRE(read_control(dir, &c));
  REQUIRE(c.durable_lsn >= lsn);
  c.durable_lsn = lsn;
  write_control(dir, c);
}

bool parse_dropped_file_name(std::string_view name, DroppedFile* out) {
  // dropped-<16 hex>-<16 hex>-<n>.bin
  constexpr std::string_view kPrefix = "dropped-", kSuffix = ".bin";
  if (name.size() < kPrefix.size() + 16 + 1 + 16 + 1 + 1 + kSuffix.size()) return false;
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return false;
  std::string_view rest = name.substr(kPrefix.size());
  std::uint64_t seg = 0, off = 0;
  if (!parse_hex_name(rest.substr(0, 16 + 1), "", "-", &seg)) return false;
  rest.remove_prefix(17);
  if (!parse_hex_name(rest.substr(0, 16 + 1), "", "-", &off)) return false;
  rest.remove_prefix(17);
  rest.remove_suffix(kSuffix.size());
  if (rest.empty() || rest.size() > 9 || rest[0] == '0') return false;
  unsigned n = 0;
  for (char c : rest) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<unsigned>(c - '0');
  }
  out->name = std::string(name);
  out->segment = seg;
  out->offset = off;
  out->n = n;
  return true;
}

std::vector<DroppedFile> dropped_files(const std::string& dir) {
  std::vector<DroppedFile> out;
  for (const auto& name : list_dir(dir)) {
    DroppedFile d;
    if (!parse_dropped_file_name(name, &d)) continue;
    d.path = dir + "/" + name;
    out.push_back(std::move(d));
  }
  return out;
}

std::map<std::string, std::string> dir_bytes(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& name : list_dir(dir)) {
    if (name != "LOCK") out[name] = read_file(dir + "/" + name);
  }
  return out;
}

std::vector<std::string> unpreserved_changes(const std::string& dir,
                                             const std::map<std::string, std::string>& before) {
  std::vector<std::string> problems;
  const auto now = dir_bytes(dir);
  // The preserved copies this open made, checked against the bytes they claim to hold.
  struct Copy {
    std::uint64_t offset;
    const std::string* bytes;
  };
  std::map<std::uint64_t, std::vector<Copy>> copies;  // by segment number
  for (const auto& [name, bytes] : now) {
    DroppedFile d;
    if (before.count(name) != 0 || !parse_dropped_file_name(name, &d)) continue;
    const auto orig = before.find(segment_file_name(d.segment));
    if (orig == before.end()) {
      problems.push_back(name + ": no such segment was in the directory");
      continue;
    }
    if (d.offset + bytes.size() > orig->second.size() ||
        orig->second.compare(d.offset, bytes.size(), bytes) != 0) {
      problems.push_back(name + ": does not hold the bytes that were at that offset");
      continue;
    }
    copies[d.segment].push_back({d.offset, &bytes});
  }
  auto preserved = [&](std::uint64_t segment, std::uint64_t at) {
    for (const Copy& c : copies[segment])
      if (at >= c.offset && at < c.offset + c.bytes->size()) return true;
    return false;
  };
  for (const auto& [name, old] : before) {
    std::uint64_t seg;
    if (!parse_hex_name(name, "wal-", ".log", &seg)) {
      const auto it = now.find(name);
      if (name != kControlFileName && name.find(".tmp") == std::string::npos &&
          (it == now.end() || it->second != old))
        problems.push_back(name + ": changed or removed by the open");
      continue;
    }
    const auto it = now.find(name);
    if (it == now.end()) {
      // Gone: allowed for a segment with nothing past its header, or one preserved whole.
      const bool empty = old.size() <= kSegmentHeaderSize ||
                         old.find_first_not_of('\0', kSegmentHeaderSize) == std::string::npos;
      bool whole = false;
      for (const Copy& c : copies[seg]) whole |= c.offset == 0 && *c.bytes == old;
      if (!empty && !whole) problems.push_back(name + ": removed without a preserved copy");
      continue;
    }
    const std::string& cur = it->second;
    if (cur.size() != old.size()) {
      problems.push_back(fmt::format("{}: size changed from {} to {}", name, old.size(),
                                     cur.size()));
      continue;
    }
    for (std::size_t i = 0; i < old.size(); ++i) {
      if (old[i] == cur[i]) continue;
      if (cur[i] != 0) {
        problems.push_back(fmt::format("{}: byte {} rewritten, not zeroed", name, i));
        break;
      }
      if (!preserved(seg, i)) {
        problems.push_back(fmt::format("{}: byte {} zeroed without a preserved copy", name, i));
        break;
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------
// Processes

pid_t fork_child(const std::function<int()>& fn) {
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    int code = 99;
    try {
      code = fn();
    } catch (...) {
      code = 98;
    }
    ::_exit(code);
  }
  return pid;
}

int wait_child(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

bool run_and_crash(const std::string& dir, const Options& options,
                   const std::function<bool(DB&)>& fn) {
  pid_t pid = fork_child([&] {
    auto db = DB::open(dir, options);
    if (!db.ok()) return 2;
    // Leaked on purpose: the child exits (fork_child's _exit) with the DB still open, so no
    // destructor flushes, syncs or updates CONTROL.
    DB* leaked = std::move(db).value().release();
    return fn(*leaked) ? 0 : 3;
  });
  return wait_child(pid) == 0;
}

std::vector<RecordLoc> write_unsynced_tail(const std::string& dir) {
  REQUIRE(run_and_crash(dir, idle_flusher_options(CommitMode::kAsync), [](DB& db) {
    for (std::uint64_t i = 0; i < 5; ++i)
      if (!db.put(make_key(i), make_value(i, 0)).ok()) return false;
    if (!db.sync().ok()) return false;
    for (std::uint64_t i = 5; i < 20; ++i)
      if (!db.put(make_key(i), make_value(i, 0)).ok()) return false;
    return db.sync().ok();
  }));
  auto recs = log_records(dir);
  REQUIRE(recs.size() == 20);
  for (std::size_t i = 5; i < 20; ++i) REQUIRE(recs[i].synced_lsn < 10);
  return recs;
}

Pipe::Pipe() {
  if (::pipe(fds_) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
}

Pipe::~Pipe() {
  close_read();
  close_write();
}

void Pipe::close_read() {
  if (fds_[0] >= 0) ::close(fds_[0]);
  fds_[0] = -1;
}

void Pipe::close_write() {
  if (fds_[1] >= 0) ::close(fds_[1]);
  fds_[1] = -1;
}

bool Pipe::write_all(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fds_[1], data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string Pipe::read_to_eof() {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fds_[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::string Pipe::read_n(std::size_t n) {
  std::string out;
  char buf[256];
  while (out.size() < n) {
    ssize_t got = ::read(fds_[0], buf, std::min(sizeof buf, n - out.size()));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    out.append(buf, static_cast<std::size_t>(got));
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Fault injection

bool FaultHooks::matches(const IoEvent& ev, IoOp op, const std::string& part) {
  return ev.op == op && (part.empty() || ev.path.find(part) != std::string::npos);
}

void FaultHooks::fail(IoOp op, int err, std::string path_part, int skip, int times) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_armed_ = true;
  fail_op_ = op;
  fail_err_ = err;
  fail_part_ = std::move(path_part);
  fail_skip_ = skip;
  fail_times_ = times;
}

void FaultHooks::short_write_once(std::string path_part) {
  std::lock_guard<std::mutex> lock(mu_);
  short_armed_ = true;
  short_part_ = std::move(path_part);
}

void FaultHooks::delay(IoOp op, std::chrono::microseconds d, std::string path_part) {
  std::lock_guard<std::mutex> lock(mu_);
  delay_armed_ = true;
  delay_op_ = op;
  delay_ = d;
  delay_part_ = std::move(path_part);
}

void FaultHooks::disarm() {
  std::lock_guard<std::mutex> lock(mu_);
  fail_armed_ = false;
  short_armed_ = false;
  delay_armed_ = false;
}

int FaultHooks::before(const IoEvent& ev) {
  std::chrono::microseconds sleep{0};
  int result = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (delay_armed_ && matches(ev, delay_op_, delay_part_)) sleep = delay_;
    if (fail_armed_ && matches(ev, fail_op_, fail_part_)) {
      if (fail_skip_ > 0) {
        --fail_skip_;
      } else if (fail_times_ != 0) {
        if (fail_times_ > 0) --fail_times_;
        ++failures_;
        result = fail_err_;
      }
    }
    if (result == 0 && short_armed_ && matches(ev, IoOp::kWrite, short_part_) && ev.length >= 2) {
      short_armed_ = false;
      ++shorts_;
      result = -static_cast<int>(ev.length / 2);
    }
  }
  if (sleep.count() > 0) std::this_thread::sleep_for(sleep);
  return result;
}

void FaultHooks::after(const IoEvent& ev, int /*result*/) {
  auto i = static_cast<std::size_t>(ev.op);
  std::lock_guard<std::mutex> lock(mu_);
  if (i < kOps) {
    ++counts_[i];
    if (ev.via_uring) ++uring_counts_[i];
  }
}

std::uint64_t FaultHooks::count(IoOp op) const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_[static_cast<std::size_t>(op)];
}

std::uint64_t FaultHooks::uring_count(IoOp op) const {
  std::lock_guard<std::mutex> lock(mu_);
  return uring_counts_[static_cast<std::size_t>(op)];
}

std::uint64_t FaultHooks::failures_injected() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failures_;
}

std::uint64_t FaultHooks::short_writes_injected() const {
  std::lock_guard<std::mutex> lock(mu_);
  return shorts_;
}

SnapshotMap live_pairs(const Index& index) {
  SnapshotMap out;
  std::vector<std::pair<std::string, std::string>> batch;
  std::string after;
  bool first = true;
  while (true) {
    batch.clear();
    const bool more = index.scan_batch(ScanOptions{}, first ? nullptr : &after, 1024, &batch);
    for (auto& [k, v] : batch) out.emplace_hint(out.end(), k, std::move(v));
    if (!batch.empty()) after = batch.back().first;
    first = false;
    if (!more || batch.empty()) return out;
  }
}

}  // namespace walkv::test
