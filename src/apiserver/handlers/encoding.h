#pragma once
// Encodes objects and lists into the representation a client negotiated: plain JSON, Table (with
// the kind's printer) or PartialObjectMetadata.

#include "api/resource.h"
#include "apiserver/handlers/media_type.h"
#include "apiserver/rest/resource_store.h"
#include "common/clock.h"

#include <boost/json/object.hpp>

#include <string>

namespace cube::apiserver {

struct EncodeOptions {
  Negotiated negotiated;
  std::string includeObject;  // Table rows: "", Metadata, Object, None
  TimePoint now;
};

std::string encodeObject(const api::ResourceInfo& info, const boost::json::object& obj,
                         const EncodeOptions& options);
std::string encodeList(const api::ResourceInfo& info, const ListResult& list,
                       const EncodeOptions& options);
// The `object` of one watch event in the negotiated representation (a one-row Table for
// `as=Table`; `withHeaders` decides whether its columnDefinitions are included).
boost::json::value watchEventObject(const api::ResourceInfo& info, const boost::json::object& obj,
                                    const EncodeOptions& options, bool withHeaders);

// The Content-Type a response in `negotiated` carries.
std::string contentTypeFor(const Negotiated& negotiated);

}  // namespace cube::apiserver
