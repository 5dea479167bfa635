#include "test_util.h"

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
#include <stdexcept>
#include <thread>

#include <fmt/core.h>

#include "coding.h"
#include "record_format.h"

namespace walkv::test {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------
// Environment

TempDir::TempDir() {
  char tmpl[] = "/tmp/walkv-test-XXXXXX";
  char* made = ::mkdtemp(tmpl);
  if (made == nullptr) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string TempDir::file(std::string_view name) const {
  return path_ + "/" + std::string(name);
}

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

bool all_zero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
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

std::uint64_t xxh3(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

std::vector<RecordLoc> records_in_segment(std::string_view bytes, std::uint64_t segment) {
  std::vector<RecordLoc> out;
  std::uint64_t pos = format::kSegmentHeaderSize;
  while (pos + format::kRecordHeaderSize <= bytes.size()) {
    const char* h = bytes.data() + pos;
    if (all_zero(std::string_view(h, format::kRecordHeaderSize))) break;
    std::uint32_t len = get_u32(h + 8);
    if (len > bytes.size() - pos - format::kRecordHeaderSize) break;
    std::uint64_t sum = get_u64(h);
    if (sum != xxh3(std::string_view(h + 8, format::kRecordHeaderSize - 8 + len))) break;
    if (static_cast<std::uint8_t>(h[12]) != format::kRecordTypeBatch) break;
    if (get_u64(h + 24) != segment) break;
    RecordLoc r;
    r.segment = segment;
    r.offset = pos;
    r.size = static_cast<std::uint32_t>(format::kRecordHeaderSize + len);
    r.lsn = get_u64(h + 16);
    r.synced_lsn = get_u64(h + 32);
    r.payload.assign(h + format::kRecordHeaderSize, len);
    out.push_back(std::move(r));
    pos += format::kRecordHeaderSize + len;
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

std::string encode_record(Lsn lsn, std::uint64_t segment, Lsn synced_lsn,
                          std::string_view payload) {
  std::string rec(format::kRecordHeaderSize, '\0');
  put_u32(rec.data() + 8, static_cast<std::uint32_t>(payload.size()));
  rec[12] = static_cast<char>(format::kRecordTypeBatch);
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
  put_u64(sum, xxh3(std::string_view(header).substr(0, 56)));
  write_at(path, 56, std::string_view(sum, 8));
}

void set_header_version(const std::string& path, std::uint32_t version) {
  char v[4];
  put_u32(v, version);
  write_at(path, 8, std::string_view(v, 4));
  fix_header_checksum(path);
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

// ---------------------------------------------------------------------------------------
// Ledger

int LedgerHooks::before(const IoEvent& ev) {
  std::lock_guard<std::mutex> lock(mu_);
  if (ev.path.find("wal-") == std::string::npos) return 0;
  if (ev.op == IoOp::kWrite && ev.data != nullptr) {
    std::string& img = written_[ev.path];
    if (img.size() < ev.offset + ev.length) img.resize(ev.offset + ev.length, '\0');
    img.replace(ev.offset, ev.length, static_cast<const char*>(ev.data), ev.length);
  } else if (ev.op == IoOp::kSync) {
    in_flight_[ev.path].push_back(written_[ev.path]);
  }
  return 0;
}

void LedgerHooks::after(const IoEvent& ev, int result) {
  std::lock_guard<std::mutex> lock(mu_);
  if (ev.op == IoOp::kRename && ev.path2 != nullptr) {
    written_[*ev.path2] = std::move(written_[ev.path]);
    written_.erase(ev.path);
    durable_.erase(ev.path);
    durable_.erase(*ev.path2);
    return;
  }
  if (ev.op == IoOp::kUnlink) {
    written_.erase(ev.path);
    durable_.erase(ev.path);
    return;
  }
  if (ev.op != IoOp::kSync || ev.path.find("wal-") == std::string::npos) return;
  auto& q = in_flight_[ev.path];
  if (q.empty()) return;
  if (result == 0) durable_[ev.path] = std::move(q.front());
  q.pop_front();
}

bool LedgerHooks::inject_bug(Bug bug) {
  std::lock_guard<std::mutex> lock(mu_);
  return bug_set_ && bug_ == bug;
}

std::vector<Lsn> LedgerHooks::durable_lsns() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Lsn> out;
  for (const auto& [path, img] : durable_) {
    std::uint64_t seg;
    if (!segment_number_of(path, &seg) || img.size() < format::kSegmentHeaderSize) continue;
    for (const auto& r : records_in_segment(img, seg)) out.push_back(r.lsn);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool LedgerHooks::covers(Lsn first_lsn, Lsn lsn) const {
  auto lsns = durable_lsns();
  for (Lsn want = first_lsn; want <= lsn; ++want) {
    if (!std::binary_search(lsns.begin(), lsns.end(), want)) return false;
  }
  return true;
}

}  // namespace walkv::test
