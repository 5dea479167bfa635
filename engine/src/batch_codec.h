// The WAL payload's operation encoding, written and read in one place: WriteBatch builds
// batches with it, DBImpl single puts and deletes, the index and recovery read it.
// Format: docs/design.md, "Records".
#pragma once

#include <string>
#include <string_view>

#include "walkv/write_batch.h"

namespace walkv::detail {

// Appends one operation: u8 op, varint32 key length, key, and for a put varint32 value
// length and value.
void encode_op(std::string* rep, WriteBatch::OpType type, std::string_view key,
               std::string_view value);
// Decodes one operation at rep[*pos] and moves *pos past it; false on malformed input.
bool decode_op(std::string_view rep, std::size_t* pos, WriteBatch::OpType* type,
               std::string_view* key, std::string_view* value);

}  // namespace walkv::detail
