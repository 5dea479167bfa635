// walkv/write_batch.h — several puts and deletes applied atomically.
//
// A WriteBatch becomes one WAL record with one LSN: after any crash either all of its
// operations are present or none is. Operations apply in the order they were added.
// Not thread-safe: build it on one thread, then hand it to DB::write().
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace walkv {

class WriteBatch {
 public:
  enum class OpType : unsigned char { kPut = 1, kDelete = 2 };

  void put(std::string_view key, std::string_view value);
  void del(std::string_view key);
  void clear();

  std::size_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Encoded size of the operations (what the WAL record's payload will hold).
  std::size_t byte_size() const { return rep_.size(); }

  using OpFn = std::function<void(OpType, std::string_view key, std::string_view value)>;
  // Calls fn(type, key, value) for each operation in order (value is empty for deletes).
  void for_each(const OpFn& fn) const { (void)decode(rep_, fn); }
  // Calls fn for each operation encoded in `rep` (a WAL record's payload, as rep() gives
  // it or walkv/inspect.h reads it), in order. Returns how many bytes held well-formed
  // operations: rep.size() unless `rep` is malformed after that point.
  static std::size_t decode(std::string_view rep, const OpFn& fn);

  // The encoded operations; the WAL payload format (see README "On-disk format").
  const std::string& rep() const { return rep_; }

 private:
  std::string rep_;
  std::size_t count_ = 0;
};

}  // namespace walkv
