#include "store/store.h"

namespace cube::store {

const char* errorName(Error e) {
  switch (e) {
    case Error::None:
      return "None";
    case Error::NotFound:
      return "NotFound";
    case Error::AlreadyExists:
      return "AlreadyExists";
    case Error::Conflict:
      return "Conflict";
    case Error::Compacted:
      return "Compacted";
    case Error::FutureRevision:
      return "FutureRevision";
    case Error::Closed:
      return "Closed";
    case Error::Io:
      return "Io";
  }
  return "Unknown";
}

// Keys compare as unsigned bytes (std::string and SQLite BLOBs both use memcmp order), so the
// smallest key greater than every key with the prefix is the prefix with its last byte that is not
// 0xff incremented and everything after it dropped. A prefix of only 0xff bytes (or the empty
// prefix) has no such key: the result is "", which range() reads as "no upper bound".
std::string prefixEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last != 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

}  // namespace cube::store
