#pragma once
// NetworkError: what every call in src/network/ throws when the kernel or the disk says no. The
// message names the operation and the object (link, namespace, file) and carries strerror.

#include <stdexcept>
#include <string>

namespace cube::network {

class NetworkError : public std::runtime_error {
 public:
  NetworkError(const std::string& what, int err = 0);
  int error() const { return err_; }  // errno, 0 when there is none

 private:
  int err_;
};

}  // namespace cube::network
