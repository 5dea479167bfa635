#include "walkv/options.h"

namespace walkv {

const char* to_string(CommitMode mode) {
  switch (mode) {
    case CommitMode::kSync: return "sync";
    case CommitMode::kOs: return "os";
    case CommitMode::kAsync: return "async";
  }
  return "?";
}

bool parse_commit_mode(std::string_view name, CommitMode* out) {
  if (name == "sync") {
    *out = CommitMode::kSync;
  } else if (name == "os") {
    *out = CommitMode::kOs;
  } else if (name == "async") {
    *out = CommitMode::kAsync;
  } else {
    return false;
  }
  return true;
}

}  // namespace walkv
