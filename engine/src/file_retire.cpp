#include "file_retire.h"

namespace walkv {

Status retire_files(const FileSystem& fs, const std::string& dir,
                    const std::vector<std::string>& paths) {
  if (paths.empty()) return Status::OK();
  for (const auto& path : paths)
    if (Status s = fs.rename(path, path + ".tmp"); !s.ok()) return s;
  if (Status s = fs.sync_dir(dir); !s.ok()) return s;
  for (const auto& path : paths) {
    const std::string tmp = path + ".tmp";
    {
      auto fd = fs.open_existing(tmp, true);
      if (!fd.ok()) return fd.status();
      std::uint64_t size = 0;
      if (Status s = fs.file_size(fd->get(), tmp, &size); !s.ok()) return s;
      while (size > 0) {
        size = size > kRetireStep ? size - kRetireStep : 0;
        if (Status s = fs.truncate(fd->get(), tmp, size); !s.ok()) return s;
        if (Status s = fs.datasync(fd->get(), tmp); !s.ok()) return s;
      }
    }
    if (Status s = fs.unlink(tmp); !s.ok()) return s;
  }
  return Status::OK();
}

}  // namespace walkv
