// Options shared by the workload and recovery processes, so both open the DB alike.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "bug_switch.h"
#include "walkv/io_hooks.h"
#include "walkv/options.h"

namespace walkv::crash {

struct EngineArgs {
  std::string dir;
  std::uint64_t segment_bytes = 2ull << 20;  // always passed by the parent
  std::uint64_t log_buffer_bytes = 1ull << 20;
  std::uint64_t checkpoint_bytes = 2ull << 20;
  std::string backend = "auto";
  std::string inject_bug;

  void add_to(CLI::App& app) {
    app.add_option("--dir", dir)->required();
    app.add_option("--segment-bytes", segment_bytes);
    app.add_option("--log-buffer-bytes", log_buffer_bytes);
    app.add_option("--checkpoint-bytes", checkpoint_bytes);
    app.add_option("--backend", backend);
    app.add_option("--inject-bug", inject_bug);
  }

  std::optional<Bug> bug() const {
    if (inject_bug == "ack-before-sync") return Bug::kAckBeforeSync;
    if (inject_bug == "skip-bad-record") return Bug::kSkipBadRecord;
    return std::nullopt;
  }

  Options options() const {
    Options o;
    o.segment_bytes = segment_bytes;
    o.log_buffer_bytes = log_buffer_bytes;
    o.flush_bytes = log_buffer_bytes / 2;
    o.checkpoint_wal_bytes = checkpoint_bytes;
    o.io_backend = backend == "uring"   ? IoBackend::kUring
                   : backend == "posix" ? IoBackend::kPosix
                                        : IoBackend::kAuto;
    return o;
  }
};

}  // namespace walkv::crash
