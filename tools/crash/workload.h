// The trial workload, generated deterministically from (trial seed, writer).
//
// Writer w owns the keys "w<w>-k<i>" (i < keys_per_writer) and is the only one to touch
// them, so the operations on any key come from one thread, in sequence order, with
// increasing LSNs. Each operation is a put, a delete or a WriteBatch of 2-4 puts/deletes
// on the writer's keys. Every value names its writer, sequence number and batch item and
// carries filler derived from them, so the checker can tell exactly which write a recovered
// value came from, and that it is not garbage.
//
// The child process and the checker run the same generator: the checker never needs the
// operations themselves on the wire, only the acknowledgements (writer, seq, LSN, time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rng.h"

namespace walkv::crash {

struct KeyOp {
  std::uint32_t key = 0;        // index among the writer's keys
  bool del = false;
  std::uint32_t value_len = 0;  // for puts
};

struct Op {
  std::uint64_t seq = 0;        // 0, 1, 2, ... per writer
  bool batch = false;           // a WriteBatch (items.size() >= 2) rather than one put/del
  std::vector<KeyOp> items;
};

class OpGenerator {
 public:
  OpGenerator(std::uint64_t trial_seed, std::uint32_t writer, std::uint32_t keys_per_writer);
  Op next();

 private:
  Rng rng_;
  std::uint32_t keys_;
  std::uint64_t seq_ = 0;
};

std::string key_name(std::uint32_t writer, std::uint32_t key);
// Parses a key made by key_name; nullopt for anything else.
std::optional<std::pair<std::uint32_t, std::uint32_t>> parse_key(std::string_view key);

// The exact value put by item `item` of operation `seq` of `writer`.
std::string value_for(std::uint32_t writer, std::uint64_t seq, std::uint32_t item,
                      std::uint32_t len);

struct ValueId {
  std::uint32_t writer = 0;
  std::uint64_t seq = 0;
  std::uint32_t item = 0;
};
// Reads the identity from a value's prefix (the filler is checked against value_for()).
std::optional<ValueId> parse_value(std::string_view value);

}  // namespace walkv::crash
