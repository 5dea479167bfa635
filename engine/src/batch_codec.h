// The WAL payload's operation encoding, written in one place: WriteBatch builds batches with
// it, DBImpl single puts and deletes. (Decoding is detail::decode_op in walkv/write_batch.h,
// which WriteBatch::for_each needs in the public header.) Format: docs/design.md, "Records".
#pragma once

#include <string>
#include <string_view>

#include "walkv/write_batch.h"

namespace walkv::detail {

// Appends one operation: u8 op, varint32 key length, key, and for a put varint32 value
// length and value.
void encode_op(std::string* rep, WriteBatch::OpType type, std::string_view key,
               std::string_view value);

}  // namespace walkv::detail
