// Signals in `walkv shell`, turned into flags that the read loop and long commands poll.
//
// The shell holds a database with acknowledged async writes in memory, so a signal must
// never end the process before the database is closed (closing makes them durable):
//   SIGINT           cancels the line being typed (at a terminal) or the running scan; the
//                    shell goes on.
//   SIGTERM, SIGHUP  end the session: the loop stops, the database is closed, and only then
//                    does the process die by that signal (die_by()).
//   SIGPIPE          ignored: a closed stdout is an output error like any other.
// While a line is edited at a terminal, SIGTSTP, SIGCONT and SIGWINCH are caught too, so the
// line reader can restore the terminal before stopping and redraw after (TerminalSignals).
// A signal that was ignored when walkv started (SIGHUP under nohup) stays ignored.
//
// The handlers only set lock-free atomics and write one byte to a non-blocking self-pipe
// (both async-signal-safe); wait_for_input() polls that pipe beside the input, so a signal
// that lands on any thread still wakes the reader. Not thread-safe beyond that: one shell
// per process, driven from the main thread.
#pragma once

#include <signal.h>

#include <string>

namespace walkv::cli::signals {

// Blocks the shell's signals in the calling thread for its lifetime, so that threads started
// meanwhile (the engine's, in DB::open) inherit the block: the handlers then run only on
// the main thread and the engine's system calls never see EINTR. Restores the mask.
class BlockInNewThreads {
 public:
  BlockInNewThreads();
  ~BlockInNewThreads();
  BlockInNewThreads(const BlockInNewThreads&) = delete;
  BlockInNewThreads& operator=(const BlockInNewThreads&) = delete;

 private:
  sigset_t old_mask_;
};

// Installs the handlers for SIGINT, SIGTERM and SIGHUP and ignores SIGPIPE. Returns false
// with *error set if the self-pipe or a handler cannot be set up.
bool install_shell_handlers(std::string* error);

// While alive (a line being edited at a terminal): SIGTSTP, SIGCONT and SIGWINCH are caught
// as flags too. The destructor restores their default actions.
class TerminalSignals {
 public:
  TerminalSignals();
  ~TerminalSignals();
  TerminalSignals(const TerminalSignals&) = delete;
  TerminalSignals& operator=(const TerminalSignals&) = delete;
};

// SIGINT arrived since the last clear_interrupt().
bool interrupted();
void clear_interrupt();

// SIGTERM or SIGHUP (the first one received), or 0.
int terminating_signal();

// One-shot flags of the terminal signals: true once per arrival.
bool take_suspend();   // SIGTSTP
bool take_continue();  // SIGCONT
bool take_resize();    // SIGWINCH

enum class Wake { kInput, kSignal };

// Waits until `fd` is readable (or at its end, or in error: read() tells which) or a handled
// signal arrives; then the caller checks the flags above.
Wake wait_for_input(int fd);

// Stops the process the way SIGTSTP's default action does; returns once it is continued.
void stop_process();

// Ends the process by `signo`'s default action, so that its parent sees the signal. Call
// only after the database is closed. Returns 128 + signo if the process somehow survives.
int die_by(int signo);

}  // namespace walkv::cli::signals
