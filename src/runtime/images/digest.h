#pragma once
// Content digests as OCI writes them: "sha256:<64 lowercase hex>". Only sha256 is supported (as
// by every registry and runtime in practice).

#include <openssl/evp.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace cube::runtime::images {

// True for "sha256:" followed by exactly 64 lowercase hex digits.
bool isValidDigest(std::string_view digest);
// The hex part of a valid digest; throws std::invalid_argument naming the value otherwise.
std::string digestHex(std::string_view digest);
// True for exactly 64 lowercase hex digits.
bool isSha256Hex(std::string_view hex);

// Incremental sha256 (OpenSSL EVP).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // "sha256:<hex>" of everything given so far; the hasher must not be used afterwards.
  std::string digest();

 private:
  EVP_MD_CTX* ctx_;
};

// "sha256:<hex>" of `data`.
std::string sha256Digest(std::string_view data);

}  // namespace cube::runtime::images
