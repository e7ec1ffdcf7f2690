#include "runtime/images/digest.h"

#include <stdexcept>

namespace cube::runtime::images {

bool isSha256Hex(std::string_view hex) {
  if (hex.size() != 64) return false;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool isValidDigest(std::string_view digest) {
  return digest.starts_with("sha256:") && isSha256Hex(digest.substr(7));
}

std::string digestHex(std::string_view digest) {
  if (!isValidDigest(digest)) {
    throw std::invalid_argument("invalid digest \"" + std::string(digest) +
                                "\" (want sha256:<64 lowercase hex digits>)");
  }
  return std::string(digest.substr(7));
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("sha256: OpenSSL initialisation failed");
  }
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(ctx_);
}

void Sha256::update(const void* data, size_t size) {
  if (size) EVP_DigestUpdate(ctx_, data, size);
}

std::string Sha256::digest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, md, &len);
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

std::string sha256Digest(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.digest();
}

}  // namespace cube::runtime::images
