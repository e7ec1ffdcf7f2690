// importImagesDirectory (declared in archive_import.h): the agent's air-gap images directory.

#include "runtime/images/archive_import.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>

namespace cube::runtime::images {
namespace {

bool isImageArchiveName(const std::string& name) {
  for (const char* ext : {".tar", ".tar.gz", ".tgz", ".tar.zst"}) {
    if (name.size() > std::string_view(ext).size() && name.ends_with(ext)) return true;
  }
  return false;
}

}  // namespace

DirectoryImportResult importImagesDirectory(const ImageStore& store, const std::string& dir) {
  DirectoryImportResult result;
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (isImageArchiveName(e->d_name)) names.emplace_back(e->d_name);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    std::string path = dir + "/" + name;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    // A replaced archive (new size or mtime) is imported again; an unchanged one is not read.
    std::string key = path + ":" + std::to_string(st.st_size) + ":" +
                      std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
    if (store.archiveImported(key)) {
      result.skipped.push_back(path);
      continue;
    }
    try {
      importArchive(store, path);
      store.markArchiveImported(key);
      result.imported.push_back(path);
    } catch (const std::exception& e) {
      result.errors.push_back(e.what());
    }
  }
  return result;
}

}  // namespace cube::runtime::images
