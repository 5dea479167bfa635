#include "line_reader.h"

#include <histedit.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstdio>
#include <cwchar>
#include <string_view>
#include <utility>

#include "signals.h"

namespace walkv::cli {
namespace {

class PipeLineReader final : public LineReader {
 public:
  explicit PipeLineReader(int fd) : fd_(fd) {}

  ReadStatus read_line(std::string* line) override {
    while (true) {
      if (signals::terminating_signal() != 0) return ReadStatus::kInterrupted;
      if (const std::size_t nl = buffer_.find('\n', start_); nl != std::string::npos) {
        take(nl - start_, nl + 1, line);
        return ReadStatus::kLine;
      }
      if (at_end_) {
        if (start_ == buffer_.size()) return ReadStatus::kEnd;
        take(buffer_.size() - start_, buffer_.size(), line);  // a last line without '\n'
        return ReadStatus::kLine;
      }
      // SIGINT is not for a script's input: keep waiting (a running command sees it).
      if (signals::wait_for_input(fd_) == signals::Wake::kSignal) continue;
      fill();
    }
  }
  void set_prompt(std::string) override {}
  void remember(const std::string&) override {}

 private:
  // The `length` bytes at start_ become *line; the next line starts at `next`.
  void take(std::size_t length, std::size_t next, std::string* line) {
    line->assign(buffer_, start_, length);
    if (!line->empty() && line->back() == '\r') line->pop_back();  // CRLF scripts
    start_ = next;
  }

  void fill() {
    // Drop consumed lines before appending, so that a long script costs linear time.
    buffer_.erase(0, start_);
    start_ = 0;
    char chunk[64 * 1024];
    const ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
      at_end_ = true;  // a read error ends the input as end of file does
    }
  }

  int fd_;
  std::string buffer_;
  std::size_t start_ = 0;
  bool at_end_ = false;
};

class EditLineReader final : public LineReader {
 public:
  // Null if libedit cannot set up the terminal.
  static std::unique_ptr<EditLineReader> create(const char* program, Completer completer) {
    EditLine* edit = el_init(program, stdin, stdout, stderr);
    if (edit == nullptr) return nullptr;
    History* hist = history_init();
    if (hist == nullptr) {
      el_end(edit);
      return nullptr;
    }
    return std::unique_ptr<EditLineReader>(new EditLineReader(edit, hist, completer));
  }

  ~EditLineReader() override {
    save_history();
    el_end(editline_);
    history_end(history_);
  }

  ReadStatus read_line(std::string* line) override {
    if (signals::terminating_signal() != 0) return ReadStatus::kInterrupted;
    // Between lines the terminal is in its normal mode: what to restore before stopping.
    have_normal_mode_ = ::tcgetattr(STDIN_FILENO, &normal_mode_) == 0;
    have_editing_mode_ = false;
    interrupted_ = false;
    signals::TerminalSignals terminal_signals;
    int count = 0;
    const char* text = el_gets(editline_, &count);
    if (text == nullptr || count <= 0) {
      return interrupted_ ? ReadStatus::kInterrupted : ReadStatus::kEnd;
    }
    line->assign(text, static_cast<std::size_t>(count));
    while (!line->empty() && (line->back() == '\n' || line->back() == '\r')) line->pop_back();
    return ReadStatus::kLine;
  }

  void set_prompt(std::string prompt) override { prompt_ = std::move(prompt); }

  void remember(const std::string& line) override {
    HistEvent event;
    ::history(history_, &event, H_ENTER, line.c_str());
    save_history();
  }

 private:
  EditLineReader(EditLine* editline, History* history, Completer completer)
      : editline_(editline), history_(history), completer_(completer) {
    if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
      history_file_ = std::string(home) + "/.walkv_history";
    }
    HistEvent event;
    ::history(history_, &event, H_SETSIZE, 1000);
    ::history(history_, &event, H_SETUNIQUE, 1);
    if (!history_file_.empty()) ::history(history_, &event, H_LOAD, history_file_.c_str());

    el_set(editline_, EL_CLIENTDATA, this);
    el_set(editline_, EL_PROMPT, &EditLineReader::prompt_callback);
    el_set(editline_, EL_EDITOR, "emacs");
    el_set(editline_, EL_HIST, ::history, history_);
    // Not EL_SIGNAL: libedit's own handlers do terminal I/O inside the handler and re-send
    // the signal to the whole process group. Signals are ours (signals.h), and read_char
    // below does the terminal work outside any handler.
    el_set(editline_, EL_SIGNAL, 0);
    el_set(editline_, EL_GETCFN, &EditLineReader::read_char_callback);
    // Tab completes command names; bound before ~/.editrc, which may rebind it.
    // The wide call: libedit's narrow EL_ADDFN copies both strings and never frees them.
    el_wset(editline_, EL_ADDFN, L"walkv-complete", L"Complete a walkv command name",
            &EditLineReader::complete_callback);
    el_set(editline_, EL_BIND, "^I", "walkv-complete", nullptr);
    el_source(editline_, nullptr);  // the user's ~/.editrc
  }

  void save_history() {
    if (history_file_.empty()) return;
    HistEvent event;
    ::history(history_, &event, H_SAVE, history_file_.c_str());
  }

  static EditLineReader* self(EditLine* editline) {
    void* data = nullptr;
    el_get(editline, EL_CLIENTDATA, &data);
    return static_cast<EditLineReader*>(data);
  }

  static char* prompt_callback(EditLine* editline) {
    // libedit's prompt signature takes char*, but only reads the string.
    return const_cast<char*>(self(editline)->prompt_.c_str());
  }

  static int read_char_callback(EditLine* editline, wchar_t* out) {
    return self(editline)->read_char(out);
  }

  static unsigned char complete_callback(EditLine* editline, int) {
    return self(editline)->complete();
  }

  // Completes the first word of the line up to the cursor: a single match is typed out
  // with a blank after it; several are typed up to their common part, or listed below the
  // line when that adds nothing. Later words are keys and values: nothing to offer.
  unsigned char complete() {
    const LineInfo* info = el_line(editline_);
    const std::string_view before(info->buffer,
                                  static_cast<std::size_t>(info->cursor - info->buffer));
    const std::size_t start = before.find_first_not_of(" \t");
    const std::string_view word = start == std::string_view::npos ? "" : before.substr(start);
    if (word.find_first_of(" \t") != std::string_view::npos) return CC_ERROR;
    const std::vector<std::string> names = completer_(word);
    if (names.empty()) return CC_ERROR;
    std::string common = names.front();
    for (const std::string& name : names) {
      std::size_t n = 0;
      while (n < common.size() && n < name.size() && common[n] == name[n]) ++n;
      common.resize(n);
    }
    if (common.size() > word.size() || names.size() == 1) {
      std::string rest = common.substr(std::min(word.size(), common.size()));
      if (names.size() == 1) rest += ' ';
      el_insertstr(editline_, rest.c_str());
      return CC_REFRESH;
    }
    std::string list = "\n";
    for (const std::string& name : names) list += name + "  ";
    list += "\n";
    std::fwrite(list.data(), 1, list.size(), stdout);
    std::fflush(stdout);
    return CC_REDISPLAY;
  }

  // libedit's character source (EL_GETCFN): like its built-in one (one byte at a time,
  // decoded by the locale), but it waits with signals::wait_for_input() and acts on the
  // signal flags. Returns 1 with a character, 0 at end of file, -1 on error or a signal
  // that ends the line (then el_gets() returns null and restores the terminal).
  int read_char(wchar_t* out) {
    if (!have_editing_mode_) {
      // libedit has switched the terminal to its editing mode before asking for a char.
      have_editing_mode_ = ::tcgetattr(STDIN_FILENO, &editing_mode_) == 0;
    }
    char bytes[MB_LEN_MAX];
    std::size_t size = 0;
    while (true) {
      if (signals::interrupted() || signals::terminating_signal() != 0) {
        interrupted_ = true;
        errno = EINTR;
        return -1;
      }
      if (signals::take_suspend()) {
        suspend();
        continue;
      }
      if (signals::take_continue()) {
        // Stopped and continued by someone else (SIGSTOP): the job-control shell may have
        // reset the terminal meanwhile.
        restore_editing_mode();
        continue;
      }
      if (signals::take_resize()) el_resize(editline_);
      if (signals::wait_for_input(STDIN_FILENO) == signals::Wake::kSignal) continue;
      const ssize_t n = ::read(STDIN_FILENO, bytes + size, 1);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n < 0) return -1;
      if (n == 0) return 0;
      ++size;
      while (size > 0) {
        std::mbstate_t state{};
        const std::size_t used = std::mbrtowc(out, bytes, size, &state);
        if (used == static_cast<std::size_t>(-2)) {  // incomplete: read another byte
          if (size == sizeof bytes) {
            errno = EILSEQ;
            return -1;
          }
          break;
        }
        if (used != static_cast<std::size_t>(-1)) return 1;
        // Invalid: drop it, but decode its last byte again, which may start a character.
        if (size > 1) bytes[0] = bytes[size - 1];
        size = size > 1 ? 1 : 0;
      }
    }
  }

  // Ctrl-Z while editing: give the terminal back in its normal mode, stop, and on resume
  // put the editing mode back and redraw the prompt and the line.
  void suspend() {
    if (have_normal_mode_) ::tcsetattr(STDIN_FILENO, TCSADRAIN, &normal_mode_);
    signals::stop_process();
    (void)signals::take_continue();  // the SIGCONT that resumed us
    // The user may have changed the normal mode while we were stopped.
    have_normal_mode_ = ::tcgetattr(STDIN_FILENO, &normal_mode_) == 0;
    restore_editing_mode();
  }

  void restore_editing_mode() {
    if (have_editing_mode_) ::tcsetattr(STDIN_FILENO, TCSADRAIN, &editing_mode_);
    el_set(editline_, EL_REFRESH);
  }

  EditLine* editline_;
  History* history_;
  Completer completer_;
  std::string history_file_;
  std::string prompt_ = "walkv> ";
  termios normal_mode_{};
  termios editing_mode_{};
  bool have_normal_mode_ = false;
  bool have_editing_mode_ = false;
  bool interrupted_ = false;  // read_char() ended the line for a signal
};

}  // namespace

std::unique_ptr<LineReader> make_line_reader(bool interactive, const char* program, int fd,
                                             Completer completer) {
  if (interactive) {
    if (auto reader = EditLineReader::create(program, completer)) return reader;
  }
  return std::make_unique<PipeLineReader>(fd);
}

}  // namespace walkv::cli
