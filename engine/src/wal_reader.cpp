#include "wal_reader.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#ifdef WALKV_INJECT_BUGS
#include "bug_switch.h"
#endif
#include "coding.h"

namespace walkv {

namespace {

using format::kRecordAlign;
using format::kRecordHeaderSize;
using format::kSegmentHeaderSize;
using format::ParseResult;
using format::SegmentFormat;

std::uint64_t align_up(std::uint64_t o) { return (o + kRecordAlign - 1) & ~(kRecordAlign - 1); }

// Whether the payload checksum of the record at `off` (payload length `len`) matches, reading
// it a window at a time.
Status checksum_matches(SegmentWindow& w, const SegmentFormat& f, std::uint64_t off,
                        std::uint64_t len, std::uint64_t want, bool* matches) {
  format::RecordChecksum sum(f.version >= 2 ? f.salt : 0);
  const std::uint64_t end = off + kRecordHeaderSize + len;
  for (std::uint64_t pos = off + format::checksum_start(f); pos < end;) {
    std::string_view piece;
    const auto n =
        static_cast<std::size_t>(std::min<std::uint64_t>(SegmentWindow::kWindow, end - pos));
    if (Status s = w.view(pos, n, &piece); !s.ok()) return s;
    sum.update(piece);
    pos += piece.size();
  }
  *matches = sum.digest() == want;
  return Status::OK();
}

// Parses the record at `off` as parse_record would given the rest of the segment. Its header
// is checked first; a record longer than a window is read whole only once its checksum
// matches, so the window never holds more than one record.
Status parse_at(SegmentWindow& w, const SegmentFormat& f, std::uint64_t off, ParseResult* result,
                format::RecordView* rec) {
  std::string_view v;
  if (Status s = w.view(off, kRecordHeaderSize, &v); !s.ok()) return s;
  if (v.size() < kRecordHeaderSize) {
    *result = format::parse_record(v, f, rec);
    return Status::OK();
  }
  std::uint32_t len = 0;
  *result = format::check_header(v.data(), w.size() - off, f, &len);
  if (*result != ParseResult::kOk) return Status::OK();
  if (kRecordHeaderSize + len > SegmentWindow::kWindow) {
    bool matches = false;
    const std::uint64_t want = format::stored_checksum(v.data(), f);
    if (Status s = checksum_matches(w, f, off, len, want, &matches); !s.ok()) return s;
    if (!matches) {
      *result = ParseResult::kBadChecksum;
      return Status::OK();
    }
  }
  if (Status s = w.view(off, kRecordHeaderSize + len, &v); !s.ok()) return s;
  *result = format::parse_checked(v, f, len, rec);
  return Status::OK();
}

// Sets *at to the first 8-byte-aligned offset >= from, below `to`, where a genuine version-2
// record header starts (and *len to its payload length), or to 0. Version 1 has no
// unforgeable header: never found.
Status find_header(SegmentWindow& w, const SegmentFormat& f, std::uint64_t from,
                   std::uint64_t to, std::uint64_t* at, std::uint32_t* len) {
  *at = 0;
  if (f.version < 2) return Status::OK();
  std::uint64_t o = align_up(from);
  while (o < to && o + kRecordHeaderSize <= w.size()) {
    std::string_view v;
    if (Status s = w.view(o, SegmentWindow::kWindow, &v); !s.ok()) return s;
    if (v.size() < kRecordHeaderSize) return Status::OK();
    const std::uint64_t base = o;
    const std::uint64_t last = base + v.size() - kRecordHeaderSize;  // last header start in v
    for (; o <= last && o < to; o += kRecordAlign) {
      const char* h = v.data() + (o - base);
      if (h[12] != static_cast<char>(format::kRecordTypeBatch) || h[13] || h[14] || h[15])
        continue;
      if (format::check_header(h, w.size() - o, f, len) == ParseResult::kOk) {
        *at = o;
        return Status::OK();
      }
    }
  }
  return Status::OK();
}

std::string where(const SegmentScan& seg, std::uint64_t offset) {
  char b[32];
  std::snprintf(b, sizeof b, " offset %" PRIu64, offset);
  return seg.path + b;
}

class Scanner {
 public:
  Scanner(const FileSystem& fs, Lsn snapshot_lsn, const RecordFn& fn, LogScan* out)
      : fs_(fs), snapshot_lsn_(snapshot_lsn), fn_(fn), out_(out) {}

  // Reads segment i; false when fn asked to stop.
  Status segment(std::size_t i, bool* go_on);
  void finish();

 private:
  Lsn expected() const { return std::max(prev_, snapshot_lsn_) + 1; }
  // Below the snapshot, gaps do not matter (those records are covered and skipped; a
  // checkpoint may have failed to delete an old segment): any increasing LSN up to
  // snapshot_lsn + 1 continues the log. Above it, only exactly the next LSN does.
  bool in_sequence(Lsn lsn) const {
    if (prev_ >= snapshot_lsn_) return lsn == prev_ + 1;
    return lsn > prev_ && lsn <= snapshot_lsn_ + 1;
  }
  // Whether a well-formed record with this LSN is the log's next one.
  bool continues_log(Lsn lsn) const {
#ifdef WALKV_INJECT_BUGS
    // walkv_buggy only (Bug::kSkipBadRecord): any later LSN continues the log, so a
    // bad record is hopped over instead of ending it. The tests' checks must catch this.
    if (skip_bad_ && prev_ != 0 && lsn > prev_) return true;
#endif
    return in_sequence(lsn);
  }
  void stop(std::size_t i, std::uint64_t off, std::string reason);
  // A segment that cannot be read at all: fatal. Even one the snapshot covers: the file is
  // walkv's by its name, and a checkpoint would delete bytes nobody understood.
  void unreadable(SegmentScan& seg, std::string why);
  Status gather_evidence(std::size_t i, std::uint64_t from);

  const FileSystem& fs_;
  const Lsn snapshot_lsn_;
  const RecordFn& fn_;
  LogScan* out_;
#ifdef WALKV_INJECT_BUGS
  const bool skip_bad_ = bug_injected(fs_.hooks(), Bug::kSkipBadRecord);
#endif
  SegmentWindow window_;
  Lsn prev_ = 0;          // last in-sequence LSN read (including those <= snapshot_lsn)
  bool has_tail_ = false;
  // Unreadable bytes after the last in-sequence record, not yet explained.
  bool junk_ = false;
  std::size_t junk_index_ = 0;
  std::uint64_t junk_offset_ = 0;
  std::string junk_reason_;
};

void Scanner::unreadable(SegmentScan&, std::string why) { out_->corruption = std::move(why); }

void Scanner::stop(std::size_t i, std::uint64_t off, std::string reason) {
  if (junk_) {  // the log ends where the unexplained bytes begin
    i = junk_index_;
    off = junk_offset_;
    reason = junk_reason_;
    junk_ = false;
  }
  out_->stopped = true;
  out_->stop_index = i;
  out_->stop_offset = off;
  out_->stop_reason = std::move(reason);
}

Status Scanner::gather_evidence(std::size_t i, std::uint64_t from) {
  const SegmentScan& seg = out_->segments[i];
  for (std::uint64_t o = from;;) {
    std::uint64_t at;
    std::uint32_t len;
    if (Status s = find_header(window_, seg.format, o, seg.high_water, &at, &len); !s.ok())
      return s;
    if (at == 0) return Status::OK();
    out_->has_v2_records = true;
    std::string_view h;
    if (Status s = window_.view(at, kRecordHeaderSize, &h); !s.ok()) return s;
    const Lsn synced = get_u64(h.data() + 24);
    if (synced > out_->evidence_lsn) {
      out_->evidence_lsn = synced;
      out_->evidence_index = i;
      out_->evidence_offset = at;
    }
    o = at + format::record_size(len);  // a genuine header's length is genuine
  }
}

Status Scanner::segment(std::size_t i, bool* go_on) {
  *go_on = true;
  SegmentScan& seg = out_->segments[i];
  if (Status s = window_.open(fs_, seg.path); !s.ok()) {
    if (!s.IsCorruption()) return s;
    unreadable(seg, s.message());  // not a regular file, or too large to be a segment
    return Status::OK();
  }
  seg.file_size = window_.size();
  seg.end_offset = kSegmentHeaderSize;
  seg.high_water = std::max<std::uint64_t>(window_.nonzero_end(), kSegmentHeaderSize);
  std::string_view header;
  if (Status s = window_.view(0, kSegmentHeaderSize, &header); !s.ok()) return s;
  format::SegmentHeader hdr;
  std::string why;
  bool newer = false;
  // A segment's header is made durable before the file gets its name, and its size never
  // changes: a bad header or a short file is damage (or a foreign file under our name),
  // never a torn write.
  if (!format::decode_segment_header(header, &hdr, &why, &newer)) {
    if (newer) return Status::NotSupported(seg.path + ": " + why + "; upgrade walkv to read it");
    if (seg.file_size < kSegmentHeaderSize)
      why = "file is " + std::to_string(seg.file_size) + " bytes, shorter than a segment header";
    unreadable(seg, seg.path + ": " + why);
    return Status::OK();
  }
  if (hdr.segment != seg.number) {
    unreadable(seg, seg.path + ": header says segment " + std::to_string(hdr.segment) +
                        " (a file copied or renamed under this name)");
    return Status::OK();
  }
  if (hdr.segment_bytes != seg.file_size) {
    unreadable(seg, seg.path + ": file is " + std::to_string(seg.file_size) +
                        " bytes, its header says " + std::to_string(hdr.segment_bytes) +
                        (seg.file_size < hdr.segment_bytes ? " (truncated)" : " (extended)"));
    return Status::OK();
  }
  seg.format = hdr.format();

  if (out_->stopped) return gather_evidence(i, kSegmentHeaderSize);
  if (!has_tail_) {
    out_->tail_index = i;
    out_->tail_offset = kSegmentHeaderSize;
    has_tail_ = true;
  }
  std::uint64_t off = kSegmentHeaderSize;
  while (true) {
    format::RecordView rec;
    ParseResult r;
    if (Status s = parse_at(window_, seg.format, off, &r, &rec); !s.ok()) return s;
    if (r == ParseResult::kOk) {
      if (seg.format.version >= 2) out_->has_v2_records = true;
      if (continues_log(rec.lsn)) {
        if (junk_) {
          const SegmentScan& js = out_->segments[junk_index_];
          out_->notes.push_back(where(js, junk_offset_) + ": unreadable bytes (" +
                                junk_reason_ + ") hold no record the log needs");
          junk_ = false;
        }
        prev_ = rec.lsn;
        seg.last_lsn = rec.lsn;
        seg.end_offset = off + rec.size;
        out_->tail_index = i;
        out_->tail_offset = seg.end_offset;
        if (rec.lsn > snapshot_lsn_) {
          ++out_->records;
          if (fn_ && !fn_(rec, seg, off, window_)) {
            *go_on = false;
            return Status::OK();
          }
        }
        off += rec.size;
        continue;
      }
      const std::string reason = "LSN " + std::to_string(rec.lsn) + " where " +
                                 std::to_string(expected()) + " was expected";
      stop(i, off, reason);
      if (rec.synced_lsn > out_->evidence_lsn) {
        out_->evidence_lsn = rec.synced_lsn;
        out_->evidence_index = i;
        out_->evidence_offset = off;
      }
      return gather_evidence(i, off + rec.size);
    }
    if (r == ParseResult::kZero && seg.high_water <= off) return Status::OK();  // clean end
    if (!junk_) {
      junk_ = true;
      junk_index_ = i;
      junk_offset_ = off;
      junk_reason_ = format::parse_result_name(r);
      if (r == ParseResult::kZero) junk_reason_ += " followed by more data";
    }
    std::uint64_t at;
    std::uint32_t len;
    if (Status s = find_header(window_, seg.format, off + kRecordAlign, seg.high_water, &at, &len);
        !s.ok())
      return s;
    if (at == 0) return Status::OK();  // the next segment decides what these bytes were
    out_->has_v2_records = true;
    off = at;
  }
}

void Scanner::finish() {
  if (!out_->stopped && junk_) stop(0, 0, std::string());  // unexplained bytes end the log
  if (out_->stopped) {
    for (std::size_t j = out_->stop_index; j < out_->segments.size(); ++j) {
      const SegmentScan& s = out_->segments[j];
      const std::uint64_t from = j == out_->stop_index ? out_->stop_offset : kSegmentHeaderSize;
      if (s.high_water > from) out_->dropped_bytes += s.high_water - from;
    }
  }
  if (!has_tail_) out_->tail_index = out_->segments.size();
  out_->last_lsn = std::max(prev_, snapshot_lsn_);
}

}  // namespace

Status scan_log(const FileSystem& fs, const std::string& dir,
                const std::vector<std::string>& names, Lsn snapshot_lsn, const RecordFn& fn,
                LogScan* out) {
  *out = LogScan{};
  for (const auto& n : names) {
    std::uint64_t number;
    if (format::parse_segment_file_name(n, &number)) {
      SegmentScan seg;
      seg.number = number;
      seg.path = join_path(dir, n);
      out->segments.push_back(std::move(seg));
    }
  }
  std::sort(out->segments.begin(), out->segments.end(),
            [](const SegmentScan& a, const SegmentScan& b) { return a.number < b.number; });
  Scanner scanner(fs, snapshot_lsn, fn, out);
  for (std::size_t i = 0; i < out->segments.size(); ++i) {
    bool go_on = true;
    if (Status s = scanner.segment(i, &go_on); !s.ok()) return s;
    if (!go_on) return Status::OK();
    if (!out->corruption.empty()) return Status::OK();
  }
  scanner.finish();
  out->complete = true;
  return Status::OK();
}

}  // namespace walkv
