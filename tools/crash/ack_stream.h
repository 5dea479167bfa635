// The child -> parent pipe protocol: fixed-size binary messages.
//
// Each message is written with one write(2) of sizeof(AckMsg) < PIPE_BUF bytes, so messages
// from concurrent writer threads never interleave, and a SIGKILL leaves only whole messages
// in the pipe. A writer sends kAck right after put()/del()/write() returns; an operation
// whose ack did not reach the parent is "pending": it may or may not have survived.
//
// Times are CLOCK_MONOTONIC nanoseconds, a clock the parent shares.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace walkv::crash {

enum class MsgType : std::uint8_t {
  kReady = 1,  // DB opened; writers start now. a = 1 if the async flusher uses io_uring
  kAck = 2,    // writer, seq, lsn, t_start (call), t_ack (return)
  kError = 3,  // a write failed: writer, seq, a = Status code
  kSeen = 4,   // sync mode: a reader saw writer's write seq (sent when seq grows), t_ack
};

struct AckMsg {
  MsgType type = MsgType::kAck;
  std::uint8_t pad[3] = {};
  std::uint32_t writer = 0;
  std::uint64_t seq = 0;
  std::uint64_t lsn = 0;
  std::uint64_t t_start_ns = 0;
  std::uint64_t t_ack_ns = 0;
  std::uint64_t a = 0;
};
static_assert(sizeof(AckMsg) == 48);

std::uint64_t monotonic_ns();

// Child side. Thread-safe (one write(2) per message). Errors other than EINTR end the
// process: a child that cannot report is useless to the parent.
class AckWriter {
 public:
  explicit AckWriter(int fd) : fd_(fd) {}
  void send(const AckMsg& msg);

 private:
  int fd_;
};

// Parent side: accumulates bytes read from the pipe and hands out whole messages.
// Not thread-safe.
class AckReader {
 public:
  // Reads what is available from fd (non-blocking use via poll). Returns bytes read, 0 at
  // EOF, -1 on error (errno set; EAGAIN/EINTR are not errors: they return -2).
  long read_some(int fd);
  // Moves whole messages into out.
  void drain(std::vector<AckMsg>* out);

 private:
  std::vector<char> buf_;
};

}  // namespace walkv::crash
