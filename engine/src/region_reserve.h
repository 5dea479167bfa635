// Index memory faulted in ahead of need, by a background thread.
//
// Why: a shard's IndexMemory grows in regions of up to 2 MiB, populated when mapped
// (index_memory.h) so that no put page-faults. But populating is the kernel zeroing every
// page, and on the virtual machines walkv is measured on, memory the VM has not touched
// lately faults in at ~0.5 GB/s: a 2 MiB region cost the put that needed it 4–5 ms, and
// zeroing the index's pages was the largest single cost of recovery, on the one thread
// that reads the log. The reserve keeps a few 2 MiB regions ready, populated on its own
// thread, and a shard about to map a region takes one instead.
//
// How many: none until a caller says it will soon take regions (a small database never
// maps a 2 MiB region and never pays for one). Each caller that says so (expect_taker)
// raises the number kept ready to the number of such callers: the index's shards grow at
// the same pace, so they come for their first regions from the reserve within moments of
// each other (index_memory.h), and a reserve that only reacted to misses met the first such
// wave empty (puts of 5–19 ms, each populating its own region). Each time a caller finds
// the reserve empty anyway (demand outran it) the number kept ready doubles. Both stop at kMaxKeep (32 MiB). take() never
// waits: a caller that finds it empty maps its own region, as it would without a reserve.
// What the reserve holds is memory the index does not use yet; docs/limits.md counts it.
//
// Thread safety: all methods are safe to call concurrently.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

#include "page_size.h"

namespace walkv {

// Maps `size` bytes (a multiple of 4 KiB) of anonymous memory and faults it all in, in one
// call (MADV_POPULATE_WRITE). A size of whole 2 MiB huge pages is aligned to 2 MiB and
// advised for transparent huge pages. Throws std::bad_alloc if mmap fails. Unmap with
// unmap_prefaulted(p, size).
void* map_prefaulted(std::size_t size);
void unmap_prefaulted(void* p, std::size_t size);

class RegionReserve {
 public:
  static constexpr std::size_t kRegion = std::size_t{2} << 20;
  static constexpr std::size_t kMinKeep = 2;
  static constexpr std::size_t kMaxKeep = 16;

  RegionReserve();
  ~RegionReserve();  // stops the thread and unmaps the regions not taken
  RegionReserve(const RegionReserve&) = delete;
  RegionReserve& operator=(const RegionReserve&) = delete;

  // A populated region of kRegion bytes, aligned to kRegion, now owned by the caller; or
  // nullptr when none is ready. Never waits for the thread.
  void* take();
  // One more caller will take regions from now on: keep one more ready (up to kMaxKeep).
  void expect_taker();

  // For tests: regions ready now, how many the thread keeps ready, and how many take()
  // has handed out.
  std::size_t ready() const;
  std::size_t keep() const;
  std::size_t handed_out() const;

 private:
  void run();

  mutable std::mutex mu_;
  std::condition_variable cv_;  // the reserve is below keep_, or stop_
  std::vector<void*> ready_;    // GUARDED_BY(mu_)
  std::size_t keep_ = 0;        // GUARDED_BY(mu_)
  std::size_t takers_ = 0;      // GUARDED_BY(mu_)
  std::size_t handed_out_ = 0;  // GUARDED_BY(mu_)
  bool stop_ = false;           // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace walkv
