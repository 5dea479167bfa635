#include "wal_reader.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "coding.h"
#include "segment_window.h"

namespace walkv {

namespace {

using format::kRecordHeaderSize;
using format::kSegmentHeaderSize;
using format::ParseResult;

// Whether the record at `off` with payload length `len` has the checksum `want`, reading it
// a window at a time.
Status checksum_matches(SegmentWindow& w, std::uint64_t off, std::uint64_t len,
                        std::uint64_t want, bool* matches) {
  format::RecordChecksum sum;
  const std::uint64_t end = off + kRecordHeaderSize + len;
  for (std::uint64_t pos = off + 8; pos < end;) {
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

// Parses the record at `off` of the segment in `w` as parse_record would given the whole
// rest of the segment: it never reads past a record's end, so the window needs only the
// header and, if its length fits in the file, the record. A record longer than a window is
// read whole only once its checksum matches: a damaged length field must not make the
// reader hold most of a segment (up to 1 GiB) in memory to find that out.
Status parse_at(SegmentWindow& w, std::uint64_t off, std::uint64_t number, ParseResult* result,
                format::RecordView* rec) {
  std::string_view v;
  if (Status s = w.view(off, kRecordHeaderSize, &v); !s.ok()) return s;
  if (v.size() == kRecordHeaderSize) {
    const std::uint64_t len = get_u32(v.data() + 8);
    if (len <= w.size() - off - kRecordHeaderSize) {
      if (kRecordHeaderSize + len > SegmentWindow::kWindow) {
        // Not all zeros (len > 0), and its length fits: parse_record's next check is this.
        bool matches = false;
        if (Status s = checksum_matches(w, off, len, get_u64(v.data()), &matches); !s.ok())
          return s;
        if (!matches) {
          *result = ParseResult::kBadChecksum;
          return Status::OK();
        }
      }
      if (Status s = w.view(off, kRecordHeaderSize + len, &v); !s.ok()) return s;
    }
  }
  *result = format::parse_record(v, number, rec);
  return Status::OK();
}

// Sets *at to the offset of the first valid record in [from, to) of segment `number` whose
// LSN is > min_lsn and whose synced_lsn >= min_synced, or to 0 if none. Byte-wise: the
// cheap field checks run first, so a megabyte of zeros costs microseconds.
Status find_record(SegmentWindow& w, std::uint64_t number, std::uint64_t from,
                   std::uint64_t to, Lsn min_lsn, Lsn min_synced, std::uint64_t* at) {
  *at = 0;
  to = std::min<std::uint64_t>(to, w.size());
  std::uint64_t o = from;
  while (o + kRecordHeaderSize <= to) {
    std::string_view v;
    if (Status s = w.view(o, SegmentWindow::kWindow, &v); !s.ok()) return s;
    // Headers that lie wholly in this window and start before `to`.
    const std::uint64_t end = std::min<std::uint64_t>(to, o + v.size()) - kRecordHeaderSize;
    const std::uint64_t v_off = o;
    bool refetch = false;
    for (; o <= end && !refetch; ++o) {
      const char* h = v.data() + (o - v_off);
      if (get_u64(h + 24) != number) continue;
      if (get_u64(h + 16) <= min_lsn || get_u64(h + 32) < min_synced) continue;
      ParseResult r;
      format::RecordView rec;
      if (Status s = parse_at(w, o, number, &r, &rec); !s.ok()) return s;
      if (r == ParseResult::kOk) {
        *at = o;
        return Status::OK();
      }
      refetch = true;  // parse_at may have moved the window
    }
  }
  return Status::OK();
}

std::string where(std::uint64_t segment, std::uint64_t offset) {
  char b[64];
  std::snprintf(b, sizeof b, "segment %" PRIu64 " offset %" PRIu64, segment, offset);
  return b;
}

}  // namespace

Status scan_log(const FileSystem& fs, const std::string& dir, Lsn snapshot_lsn,
                const RecordFn& fn, LogScan* out, bool skip_bad) {
  *out = LogScan{};
  std::vector<std::string> names;
  if (Status s = list_dir(dir, &names); !s.ok()) return s;
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

  Lsn prev = 0;           // last in-sequence LSN read (including those <= snapshot_lsn)
  bool stopped = false;   // reading has stopped; later bytes are the dropped tail
  bool has_tail = false;  // tail_index/tail_offset were set by a valid record
  // The segment being read and the one after it; swapped, so both buffers are reused.
  SegmentWindow window, next_window;
  bool have_next = false;
  auto expected_next = [&] { return std::max(prev, snapshot_lsn) + 1; };
  // Below the snapshot, gaps do not matter (those records are covered and skipped; a
  // checkpoint may have failed to delete an old segment): any increasing LSN up to
  // snapshot_lsn + 1 continues the log. Above it, only exactly the next LSN does.
  auto in_sequence = [&](Lsn lsn) {
    if (prev >= snapshot_lsn) return lsn == prev + 1;
    return lsn > prev && lsn <= snapshot_lsn + 1;
  };
  auto stop = [&](std::size_t i, std::uint64_t off, std::string reason) {
    stopped = true;
    out->stop_segment = out->segments[i].number;
    out->stop_offset = off;
    out->stop_reason = std::move(reason);
  };

  for (std::size_t i = 0; i < out->segments.size(); ++i) {
    SegmentScan& seg = out->segments[i];
    if (have_next) {  // read already, to see whether the log continues into it
      window.swap(next_window);
      have_next = false;
    } else if (Status s = window.open(fs, seg.path); !s.ok() && !s.IsCorruption()) {
      return s;
    }
    seg.file_size = window.size();
    seg.end_offset = kSegmentHeaderSize;
    seg.high_water = std::max<std::uint64_t>(window.nonzero_end(), kSegmentHeaderSize);
    std::string_view header;
    if (Status s = window.view(0, kSegmentHeaderSize, &header); !s.ok()) return s;
    format::SegmentHeader hdr;
    std::string why;
    bool newer = false;
    seg.header_ok = format::decode_segment_header(header, &hdr, &why, &newer) &&
                    hdr.segment == seg.number;
    if (newer) return Status::NotSupported(seg.path + ": " + why + "; upgrade walkv to read it");
    if (!seg.header_ok) {
      // A segment's header is made durable before the file gets its name, so a bad one is
      // damage (or a foreign file under our name), never a torn write: refuse, whatever
      // its place in the log.
      if (why.empty()) why = "segment number differs from file name";
      out->corruption = "segment " + std::to_string(seg.number) + " (" + seg.path + "): " + why;
      if (!stopped) stop(i, 0, why);
      out->dropped_bytes += window.size();
      continue;
    }

    if (stopped) {
      // Past the end of the valid log: only look for proof that it was durable.
      if (out->corruption.empty()) {
        const Lsn missing = expected_next();
        std::uint64_t o;
        if (Status s = find_record(window, seg.number, kSegmentHeaderSize, seg.high_water,
                                   missing, missing, &o);
            !s.ok())
          return s;
        if (o != 0) {
          out->corruption = "log damaged at " + where(out->stop_segment, out->stop_offset) +
                            " (" + out->stop_reason + "), but the record at " +
                            where(seg.number, o) + " says LSN " + std::to_string(missing) +
                            " was already durable";
        }
      }
      out->dropped_bytes += seg.high_water - kSegmentHeaderSize;
      continue;
    }
    if (!has_tail) {
      out->tail_index = i;
      out->tail_offset = kSegmentHeaderSize;
      has_tail = true;
    }

    std::uint64_t off = kSegmentHeaderSize;
    while (true) {
      format::RecordView rec;
      ParseResult r;
      if (Status s = parse_at(window, off, seg.number, &r, &rec); !s.ok()) return s;
      std::string reason;
      if (r == ParseResult::kOk) {
        const Lsn want = expected_next();
        if (in_sequence(rec.lsn) || (skip_bad && prev && rec.lsn > prev)) {
          prev = rec.lsn;
          off += rec.size;
          seg.last_lsn = rec.lsn;
          seg.end_offset = off;
          out->tail_index = i;
          out->tail_offset = off;
          if (rec.lsn > snapshot_lsn) {
            ++out->records;
            if (fn && !fn(rec, seg, off - rec.size, window)) return Status::OK();
          }
          continue;
        }
        reason = rec.lsn < want ? "stale record: LSN " + std::to_string(rec.lsn) +
                                      " where " + std::to_string(want) + " was expected"
                                : "LSN gap: LSN " + std::to_string(rec.lsn) + " where " +
                                      std::to_string(want) + " was expected";
      } else if (r == ParseResult::kZero) {
        // This segment's records end here. The log goes on in the next segment only if
        // that segment starts with the next LSN (the writer rolled over).
        bool all_zero = seg.high_water <= off;
        if (all_zero) break;  // next segment decides; nothing is dropped here
        reason = "zeroed record followed by more data";
      } else {
        reason = format::parse_result_name(r);
      }
      if (skip_bad) {  // deliberately broken: hop over the bad bytes to the next record
        std::uint64_t o;
        if (Status s = find_record(window, seg.number, off + 1, seg.high_water, prev, 0, &o);
            !s.ok())
          return s;
        if (o != 0) {
          off = o;
          continue;
        }
        break;
      }
      stop(i, off, reason);
      break;
    }
    if (stopped) {
      // The bytes of this segment past the tail are dropped; check them for durable proof.
      out->dropped_bytes += seg.high_water > off ? seg.high_water - off : 0;
      const Lsn missing = expected_next();
      std::uint64_t o;
      if (Status s = find_record(window, seg.number, off + 1, seg.high_water, missing, missing,
                                 &o);
          !s.ok())
        return s;
      if (o != 0) {
        out->corruption = "log damaged at " + where(seg.number, off) + " (" +
                          out->stop_reason + "), but the record at " + where(seg.number, o) +
                          " says LSN " + std::to_string(missing) + " was already durable";
      }
      continue;
    }
    // Clean end of this segment: does the next one continue the sequence?
    if (i + 1 < out->segments.size()) {
      // Peeked on the next iteration: its first record must be the expected LSN, else the
      // log ended here. We model that by reading it and checking below.
      SegmentScan& nxt = out->segments[i + 1];
      if (Status s = next_window.open(fs, nxt.path); !s.ok() && !s.IsCorruption()) return s;
      have_next = true;
      std::string_view next_header;
      if (Status s = next_window.view(0, kSegmentHeaderSize, &next_header); !s.ok()) return s;
      format::SegmentHeader nh;
      std::string nwhy;
      bool nnewer = false;
      bool continues = format::decode_segment_header(next_header, &nh, &nwhy, &nnewer) &&
                       nh.segment == nxt.number;
      if (continues) {
        format::RecordView rec;
        ParseResult r;
        if (Status s = parse_at(next_window, kSegmentHeaderSize, nxt.number, &r, &rec); !s.ok())
          return s;
        continues = r == ParseResult::kOk && in_sequence(rec.lsn);
      }
      if (!continues) stop(i + 1, kSegmentHeaderSize, "");  // clean end unless bytes follow
    }
  }
  // A stop with nothing non-zero behind it is simply the end of the log.
  if (stopped && out->dropped_bytes == 0) out->stop_reason.clear();
  if (stopped && out->dropped_bytes > 0 && out->stop_reason.empty())
    out->stop_reason = "data after the end of the log sequence";
  if (!has_tail) out->tail_index = out->segments.size();
  out->last_lsn = std::max(prev, snapshot_lsn);
  return Status::OK();
}

}  // namespace walkv
