#include "shell_commands.h"

#include <array>

namespace walkv::cli {
namespace {

constexpr std::array<ShellCommandInfo, 13> kCommands = {{
    {"put", "put KEY VALUE", "write; answers OK lsn=N"},
    {"get", "get KEY", "the value in double quotes, or (not found)"},
    {"del", "del KEY", "delete; answers OK lsn=N"},
    {"scan", "scan [PREFIX] [LIMIT]", "pairs with the prefix, one per line (at most LIMIT, default 100)"},
    {"range", "range FROM TO [LIMIT]", "pairs with FROM <= key < TO (TO \"\": no end), one per line"},
    {"sync", "sync", "make every write durable; answers OK durable_lsn=N"},
    {"stats", "stats", "engine statistics, one per line"},
    {"checkpoint", "checkpoint", "write a snapshot; answers OK snapshot_lsn=N"},
    {"mode", "mode [sync|os|async]", "show or set the commit mode of later writes"},
    {"timer", "timer [on|off]", "show or set whether answers carry the engine call's latency"},
    {"help", "help", "this list"},
    {"quit", "quit", "close the database and leave (also exit, Ctrl-D)"},
    {"exit", "exit", "like quit"},
}};

}  // namespace

std::span<const ShellCommandInfo> shell_commands() { return kCommands; }

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::vector<std::string> complete_command(std::string_view prefix) {
  const std::string lower = to_lower(prefix);
  std::vector<std::string> names;
  for (const ShellCommandInfo& c : kCommands) {
    if (std::string_view(c.name).starts_with(lower)) names.emplace_back(c.name);
  }
  return names;
}

}  // namespace walkv::cli
