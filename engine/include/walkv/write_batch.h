// walkv/write_batch.h — several puts and deletes applied atomically.
//
// A WriteBatch becomes one WAL record with one LSN: after any crash either all of its
// operations are present or none is. Operations apply in the order they were added.
// Not thread-safe: build it on one thread, then hand it to DB::write().
#pragma once

#include <cstddef>
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

  // Calls fn(OpType, key, value) for each operation in order (value is empty for deletes).
  template <typename Fn>
  void for_each(Fn&& fn) const;

  // The encoded operations; the WAL payload format (see README "On-disk format").
  const std::string& rep() const { return rep_; }

 private:
  std::string rep_;
  std::size_t count_ = 0;
};

namespace detail {
// Decodes one operation at rep[*pos]; false on malformed input. Defined in write_batch.cpp.
bool decode_op(std::string_view rep, std::size_t* pos, WriteBatch::OpType* type,
               std::string_view* key, std::string_view* value);
}  // namespace detail

template <typename Fn>
void WriteBatch::for_each(Fn&& fn) const {
  std::size_t pos = 0;
  WriteBatch::OpType type;
  std::string_view key, value;
  while (pos < rep_.size() && detail::decode_op(rep_, &pos, &type, &key, &value)) {
    fn(type, key, value);
  }
}

}  // namespace walkv
