#include "progress.h"

#include <cmath>

#include <fmt/format.h>

namespace walkv::crash {

std::string format_clock(double seconds) {
  const auto s = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string progress_text(int done, int total, int running, double elapsed_seconds) {
  const int pct = total > 0 ? done * 100 / total : 100;
  std::string eta = "?";
  if (done > 0) {
    eta = format_clock(elapsed_seconds / done * (total - done));
  }
  std::string out = fmt::format("[{}/{}, {}%] elapsed {}, ETA {}", done, total, pct,
                                format_clock(elapsed_seconds), eta);
  if (running > 1) out += fmt::format(", {} running", running);
  return out;
}

Ticker::Ticker(std::chrono::milliseconds period, std::function<void()> tick)
    : thread_([this, period, tick = std::move(tick)](std::stop_token stop) {
        std::unique_lock lock(mu_);
        while (!cv_.wait_for(lock, stop, period, [] { return false; })) {
          if (stop.stop_requested()) return;
          lock.unlock();
          tick();
          lock.lock();
        }
      }) {}

Ticker::~Ticker() {
  thread_.request_stop();  // wakes the wait (condition_variable_any honours the token)
  thread_.join();
}

}  // namespace walkv::crash
