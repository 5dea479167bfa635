// Progress people can plan by: how far the run is, how long it has taken and how long it
// will still take, on stderr — redrawn in place on a terminal, a line every few seconds
// otherwise (a log file, CI), so that a long campaign is never silent.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace walkv::crash {

// "0:07", "12:34", "1:02:03".
std::string format_clock(double seconds);

// "[37/120, 31%] elapsed 0:41, ETA 1:32" (+ ", 2 running" with several at a time). The ETA
// assumes the remaining trials take as long as the finished ones did on average: unknown
// ("ETA ?") before the first is done.
std::string progress_text(int done, int total, int running, double elapsed_seconds);

// Calls `tick` every `period` on its own thread until destroyed (which waits for a tick in
// progress to return).
class Ticker {
 public:
  Ticker(std::chrono::milliseconds period, std::function<void()> tick);
  ~Ticker();
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::jthread thread_;
};

}  // namespace walkv::crash
