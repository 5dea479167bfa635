#include "walkv/db.h"

#include "db_impl.h"

namespace walkv {

Result<std::unique_ptr<DB>> DB::open(const std::string& dir, const Options& options) {
  return DBImpl::open(dir, options);
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
