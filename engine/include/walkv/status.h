// walkv/status.h — errors as values.
//
// Every fallible walkv call returns a Status or a Result<T>. Nothing throws across the API.
// A Status is cheap to copy when OK (no allocation). Messages name the file and the errno
// where one is involved, e.g. "IO error: fdatasync /data/wal-0000000000000003.log: Input/output error".
//
// Thread safety: Status and Result are plain values; distinct objects may be used from
// distinct threads freely.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace walkv {

class [[nodiscard]] Status {
 public:
  enum class Code : unsigned char {
    kOk = 0,
    kNotFound,         // get(): the key is absent
    kCorruption,       // bad bytes inside data the engine had made durable
    kIOError,          // a system call failed (errno in the message)
    kInvalidArgument,  // the caller passed something the contract forbids
    kBusy,             // the directory is locked by another DB instance or process
    kNotSupported,     // e.g. a file written by a newer format version
    kTimedOut,         // wait_durable() with a timeout that expired
    kFailed,           // the DB latched an earlier I/O error and refuses writes until reopened
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  // An IOError whose message is "<what> <path>: <strerror(err)>".
  static Status IOError(std::string_view what, std::string_view path, int err);
  static Status InvalidArgument(std::string_view msg) { return Status(Code::kInvalidArgument, msg); }
  static Status Busy(std::string_view msg) { return Status(Code::kBusy, msg); }
  static Status NotSupported(std::string_view msg) { return Status(Code::kNotSupported, msg); }
  static Status TimedOut(std::string_view msg) { return Status(Code::kTimedOut, msg); }
  static Status Failed(std::string_view msg) { return Status(Code::kFailed, msg); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsBusy() const { return code_ == Code::kBusy; }
  bool IsNotSupported() const { return code_ == Code::kNotSupported; }
  bool IsTimedOut() const { return code_ == Code::kTimedOut; }
  bool IsFailed() const { return code_ == Code::kFailed; }

  // The errno behind an IOError, 0 if none is known.
  int sys_errno() const { return errno_; }
  const std::string& message() const { return msg_; }
  // "OK" or "<code name>: <message>".
  std::string ToString() const;

 private:
  Status(Code code, std::string_view msg) : code_(code), msg_(msg) {}
  Code code_ = Code::kOk;
  int errno_ = 0;
  std::string msg_;
};

// A value or the Status that explains its absence. REQUIRES for value(): ok().
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}                    // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}           // NOLINT: implicit by design
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace walkv
