#include "line_reader.h"

#include <histedit.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <utility>

namespace walkv::cli {
namespace {

class PipeLineReader final : public LineReader {
 public:
  std::optional<std::string> read_line() override {
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF scripts
    return line;
  }
  void set_prompt(std::string) override {}
  void remember(const std::string&) override {}
};

class EditLineReader final : public LineReader {
 public:
  // Null if libedit cannot set up the terminal.
  static std::unique_ptr<EditLineReader> create(const char* program) {
    EditLine* edit = el_init(program, stdin, stdout, stderr);
    if (edit == nullptr) return nullptr;
    History* hist = history_init();
    if (hist == nullptr) {
      el_end(edit);
      return nullptr;
    }
    return std::unique_ptr<EditLineReader>(new EditLineReader(edit, hist));
  }

  ~EditLineReader() override {
    if (!history_file_.empty()) {
      HistEvent event;
      ::history(history_, &event, H_SAVE, history_file_.c_str());
    }
    el_end(editline_);
    history_end(history_);
  }

  std::optional<std::string> read_line() override {
    int count = 0;
    const char* line = el_gets(editline_, &count);
    if (line == nullptr || count <= 0) return std::nullopt;
    std::string result(line, static_cast<std::size_t>(count));
    while (!result.empty() && (result.back() == '\n' || result.back() == '\r')) result.pop_back();
    return result;
  }

  void set_prompt(std::string prompt) override { prompt_ = std::move(prompt); }

  void remember(const std::string& line) override {
    HistEvent event;
    ::history(history_, &event, H_ENTER, line.c_str());
  }

 private:
  EditLineReader(EditLine* editline, History* history) : editline_(editline), history_(history) {
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
    el_set(editline_, EL_SIGNAL, 1);  // restore the terminal on SIGINT, SIGTSTP, resize
    el_source(editline_, nullptr);    // the user's ~/.editrc
  }

  static char* prompt_callback(EditLine* editline) {
    void* self = nullptr;
    el_get(editline, EL_CLIENTDATA, &self);
    // libedit's prompt signature takes char*, but only reads the string.
    return const_cast<char*>(static_cast<EditLineReader*>(self)->prompt_.c_str());
  }

  EditLine* editline_;
  History* history_;
  std::string history_file_;
  std::string prompt_ = "walkv> ";
};

}  // namespace

std::unique_ptr<LineReader> make_line_reader(bool interactive, const char* program) {
  if (interactive) {
    if (auto reader = EditLineReader::create(program)) return reader;
  }
  return std::make_unique<PipeLineReader>();
}

}  // namespace walkv::cli
