#include "walkv/status.h"

#include <cstring>
#include <string>

namespace walkv {

Status Status::IOError(std::string_view what, std::string_view path, int err) {
  std::string msg;
  msg.append(what).append(" ").append(path).append(": ").append(std::strerror(err));
  Status s(Code::kIOError, msg);
  s.errno_ = err;
  return s;
}

std::string Status::ToString() const {
  const char* name = "OK";
  switch (code_) {
    case Code::kOk: return "OK";
    case Code::kNotFound: name = "Not found"; break;
    case Code::kCorruption: name = "Corruption"; break;
    case Code::kIOError: name = "IO error"; break;
    case Code::kInvalidArgument: name = "Invalid argument"; break;
    case Code::kBusy: name = "Busy"; break;
    case Code::kNotSupported: name = "Not supported"; break;
    case Code::kTimedOut: name = "Timed out"; break;
    case Code::kFailed: name = "Failed"; break;
  }
  return std::string(name) + ": " + msg_;
}

}  // namespace walkv
