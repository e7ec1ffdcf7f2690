#include "runtime/crun/exit_watcher.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

namespace cube::runtime::crun {

ExitWatcher::ExitWatcher(Callback onExit, Callback onDeadline)
    : onExit_(std::move(onExit)), onDeadline_(std::move(onDeadline)) {
  wakeFd_ = images::UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wakeFd_) images::throwErrno("eventfd");
  thread_ = std::thread([this] { loop(); });
}

ExitWatcher::~ExitWatcher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake();
  thread_.join();
}

void ExitWatcher::wake() {
  uint64_t one = 1;
  (void)!::write(wakeFd_.get(), &one, sizeof one);
}

void ExitWatcher::watch(const std::string& id, int pidfd) {
  int fd = ::fcntl(pidfd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) images::throwErrno("dup pidfd of " + id);
  {
    std::lock_guard lock(mutex_);
    Entry& e = entries_[id];
    e.pidfd = std::make_shared<images::UniqueFd>(fd);
    e.deadline.reset();
    e.generation = nextGeneration_++;
  }
  wake();
}

void ExitWatcher::unwatch(const std::string& id) {
  {
    std::lock_guard lock(mutex_);
    entries_.erase(id);
  }
  wake();
}

void ExitWatcher::setDeadline(const std::string& id, SteadyTime when) {
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    if (it->second.deadline && *it->second.deadline <= when) return;
    it->second.deadline = when;
  }
  wake();
}

void ExitWatcher::loop() {
  struct Polled {
    std::string id;
    uint64_t generation;
    std::shared_ptr<images::UniqueFd> pidfd;  // kept open while polled
  };
  for (;;) {
    std::vector<Polled> polled;
    std::vector<pollfd> fds{{wakeFd_.get(), POLLIN, 0}};
    int timeoutMs = -1;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      auto now = std::chrono::steady_clock::now();
      for (const auto& [id, e] : entries_) {
        polled.push_back({id, e.generation, e.pidfd});
        fds.push_back({e.pidfd->get(), POLLIN, 0});
        if (e.deadline) {
          auto ms = std::chrono::ceil<std::chrono::milliseconds>(*e.deadline - now).count();
          int left = static_cast<int>(std::max<int64_t>(0, ms));
          if (timeoutMs < 0 || left < timeoutMs) timeoutMs = left;
        }
      }
    }
    int r = ::poll(fds.data(), fds.size(), timeoutMs);
    if (r < 0 && errno != EINTR) images::throwErrno("poll pidfds");
    uint64_t drained;
    while (::read(wakeFd_.get(), &drained, sizeof drained) > 0) {
    }

    std::vector<std::string> exited, due;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      auto now = std::chrono::steady_clock::now();
      for (size_t i = 0; i < polled.size(); ++i) {
        auto it = entries_.find(polled[i].id);
        // Unwatched or replaced while polled: what poll said is about another process.
        if (it == entries_.end() || it->second.generation != polled[i].generation) continue;
        if (fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
          exited.push_back(polled[i].id);
          entries_.erase(it);
        } else if (it->second.deadline && *it->second.deadline <= now) {
          it->second.deadline.reset();
          due.push_back(polled[i].id);
        }
      }
    }
    for (const auto& id : due) onDeadline_(id);
    for (const auto& id : exited) onExit_(id);
  }
}

}  // namespace cube::runtime::crun
