#include "walkv/write_batch.h"

#include "coding.h"

namespace walkv {

void WriteBatch::put(std::string_view key, std::string_view value) {
  rep_.push_back(static_cast<char>(OpType::kPut));
  append_varint32(&rep_, static_cast<std::uint32_t>(key.size()));
  rep_.append(key);
  append_varint32(&rep_, static_cast<std::uint32_t>(value.size()));
  rep_.append(value);
  ++count_;
}

void WriteBatch::del(std::string_view key) {
  rep_.push_back(static_cast<char>(OpType::kDelete));
  append_varint32(&rep_, static_cast<std::uint32_t>(key.size()));
  rep_.append(key);
  ++count_;
}

void WriteBatch::clear() {
  rep_.clear();
  count_ = 0;
}

namespace detail {
bool decode_op(std::string_view rep, std::size_t* pos, WriteBatch::OpType* type,
               std::string_view* key, std::string_view* value) {
  if (*pos >= rep.size()) return false;
  auto t = static_cast<WriteBatch::OpType>(rep[(*pos)++]);
  if (t != WriteBatch::OpType::kPut && t != WriteBatch::OpType::kDelete) return false;
  if (!get_length_prefixed(rep, pos, key)) return false;
  *value = {};
  if (t == WriteBatch::OpType::kPut && !get_length_prefixed(rep, pos, value)) return false;
  *type = t;
  return true;
}
}  // namespace detail

}  // namespace walkv
