// A snapshot's contents in memory: every live key and its value, in key order. Its own
// header so that the index can load one without depending on the snapshot file's codec.
#pragma once

#include <functional>
#include <map>
#include <string>

namespace walkv {

using SnapshotMap = std::map<std::string, std::string, std::less<>>;

}  // namespace walkv
