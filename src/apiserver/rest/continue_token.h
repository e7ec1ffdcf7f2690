#pragma once
// The opaque `continue` token of paged LISTs: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":K}.

#include "store/store.h"

#include <string>

namespace cube::apiserver {

struct ContinueToken {
  store::Revision revision = 0;
  std::string startAfter;  // key relative to the resource prefix; the next page starts after it
};

std::string encodeContinueToken(const ContinueToken& token);
// Throws ApiError(400) for a token that is not one of ours.
ContinueToken decodeContinueToken(const std::string& token);

}  // namespace cube::apiserver
