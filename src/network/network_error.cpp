#include "network/network_error.h"

#include <cstring>

namespace cube::network {

NetworkError::NetworkError(const std::string& what, int err)
    : std::runtime_error(err ? what + ": " + std::strerror(err) : what), err_(err) {}

}  // namespace cube::network
