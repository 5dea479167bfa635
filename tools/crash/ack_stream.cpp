#include "ack_stream.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <unistd.h>

namespace walkv::crash {

std::uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

void AckWriter::send(const AckMsg& msg) {
  for (;;) {
    const ssize_t n = ::write(fd_, &msg, sizeof msg);
    if (n == static_cast<ssize_t>(sizeof msg)) return;
    if (n < 0 && errno == EINTR) continue;
    // The parent is gone or the pipe is broken: nothing left to report to.
    std::_Exit(4);
  }
}

long AckReader::read_some(int fd) {
  char tmp[64 * 1024];
  const ssize_t n = ::read(fd, tmp, sizeof tmp);
  if (n < 0) return (errno == EAGAIN || errno == EINTR) ? -2 : -1;
  buf_.insert(buf_.end(), tmp, tmp + n);
  return n;
}

void AckReader::drain(std::vector<AckMsg>* out) {
  const std::size_t whole = buf_.size() / sizeof(AckMsg);
  const std::size_t old = out->size();
  out->resize(old + whole);
  if (whole > 0) std::memcpy(&(*out)[old], buf_.data(), whole * sizeof(AckMsg));
  buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(whole * sizeof(AckMsg)));
}

}  // namespace walkv::crash
