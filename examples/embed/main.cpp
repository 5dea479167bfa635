// The README's embedding example, built by the package test (tests/package) against an
// installed walkv via find_package(walkv).
#include <walkv/db.h>

#include <cstdio>

int main(int argc, char** argv) {
  walkv::Options options;                       // sync commit by default
  auto db = walkv::DB::open(argc > 1 ? argv[1] : "./walkv-data", options);
  if (!db.ok()) {
    std::fprintf(stderr, "error: %s\n", db.status().ToString().c_str());
    return 3;
  }
  auto lsn = (*db)->put("user:1", "ada");       // durable when it returns
  if (!lsn.ok()) return 3;

  walkv::WriteOptions fast;                     // this write: in the kernel when it returns
  fast.mode = walkv::CommitMode::kOs;
  auto lsn2 = (*db)->put("user:2", "grace", fast);
  if (!lsn2.ok()) return 3;
  auto durable = (*db)->durable_future(*lsn2);  // tell me when it is on disk
  if (!durable.get().ok()) return 3;

  auto value = (*db)->get("user:1");
  std::printf("user:1 = %s (lsn %llu, durable through %llu)\n", value->c_str(),
              static_cast<unsigned long long>(*lsn),
              static_cast<unsigned long long>((*db)->durable_lsn()));
  return 0;
}
