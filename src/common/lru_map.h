#pragma once
// LruMap: a map of at most `capacity` entries that forgets the least recently used one first —
// the bounded memories of the event recorder (what was written, what was similar, who is
// spamming), as client-go keeps them in LRU caches of 4,096.

#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>

namespace cube {

template <typename Value>
class LruMap {
 public:
  explicit LruMap(size_t capacity) : capacity_(capacity) {}

  // The entry for `key` (now the most recently used), or nullptr.
  Value* find(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, it->second);
    return &it->second->second;
  }

  // Inserts or replaces; the entry becomes the most recently used, the oldest may go.
  Value& put(const std::string& key, Value value) {
    if (Value* existing = find(key)) {
      *existing = std::move(value);
      return *existing;
    }
    entries_.emplace_front(key, std::move(value));
    index_[key] = entries_.begin();
    while (entries_.size() > capacity_) {
      index_.erase(entries_.back().first);
      entries_.pop_back();
    }
    return entries_.front().second;
  }

  size_t size() const { return entries_.size(); }

 private:
  size_t capacity_;
  std::list<std::pair<std::string, Value>> entries_;  // most recently used first
  std::unordered_map<std::string, typename std::list<std::pair<std::string, Value>>::iterator>
      index_;
};

}  // namespace cube
