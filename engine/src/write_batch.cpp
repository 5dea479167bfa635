#include "walkv/write_batch.h"

#include "batch_codec.h"
#include "coding.h"

namespace walkv {

void WriteBatch::put(std::string_view key, std::string_view value) {
  detail::encode_op(&rep_, OpType::kPut, key, value);
  ++count_;
}

void WriteBatch::del(std::string_view key) {
  detail::encode_op(&rep_, OpType::kDelete, key, {});
  ++count_;
}

void WriteBatch::clear() {
  rep_.clear();
  count_ = 0;
}

namespace detail {
void encode_op(std::string* rep, WriteBatch::OpType type, std::string_view key,
               std::string_view value) {
  rep->push_back(static_cast<char>(type));
  append_varint32(rep, static_cast<std::uint32_t>(key.size()));
  rep->append(key);
  if (type == WriteBatch::OpType::kPut) {
    append_varint32(rep, static_cast<std::uint32_t>(value.size()));
    rep->append(value);
  }
}

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

std::size_t WriteBatch::decode(std::string_view rep, const OpFn& fn) {
  std::size_t pos = 0;
  OpType type;
  std::string_view key, value;
  for (std::size_t next = 0; detail::decode_op(rep, &next, &type, &key, &value); pos = next)
    fn(type, key, value);
  return pos;
}

}  // namespace walkv
