#include "walkv/db.h"

#include "db_impl.h"

#include <new>
#include <system_error>

namespace walkv {

Result<std::unique_ptr<DB>> DB::open(const std::string& dir, const Options& options) {
  // The API promises errors as values. Opening allocates (the index, replay buffers, a
  // snapshot's bytes) and starts threads; under a memory limit either may throw.
  try {
    return DBImpl::open(dir, options);
  } catch (const std::bad_alloc&) {
    return Status::IOError("opening " + dir + ": out of memory");
  } catch (const std::system_error& e) {
    return Status::IOError("opening " + dir + ": " + e.what());
  } catch (const std::exception& e) {
    return Status::IOError("opening " + dir + ": " + e.what());
  }
}

Result<std::vector<std::pair<std::string, std::string>>> DB::scan(const ScanOptions& so) {
  std::vector<std::pair<std::string, std::string>> out;
  Status s = scan(so, [&](std::string_view k, std::string_view v) {
    out.emplace_back(k, v);
    return true;
  });
  if (!s.ok()) return s;
  return out;
}

std::future<Status> DB::durable_future(Lsn lsn) {
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> f = promise->get_future();
  when_durable(lsn, [promise](const Status& s) { promise->set_value(s); });
  return f;
}

}  // namespace walkv
