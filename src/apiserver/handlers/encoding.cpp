#include "apiserver/handlers/encoding.h"

#include "apiserver/tables/table_printer.h"
#include "common/api_error.h"
#include "common/json_util.h"

namespace cube::apiserver {

namespace bj = boost::json;

namespace {

tables::TableOptions tableOptions(const EncodeOptions& options) {
  tables::TableOptions t;
  auto include = tables::parseIncludeObject(options.includeObject);
  if (!include) {
    throw ApiError::badRequest("includeObject: Unsupported value: \"" + options.includeObject +
                               "\": supported values: \"Metadata\", \"None\", \"Object\"");
  }
  t.includeObject = *include;
  t.apiVersion = "meta.k8s.io/" + options.negotiated.tableVersion;
  return t;
}

bj::object partialMetadata(const bj::object& obj, const std::string& version) {
  bj::object out;
  out["kind"] = "PartialObjectMetadata";
  out["apiVersion"] = "meta.k8s.io/" + version;
  auto it = obj.find("metadata");
  out["metadata"] = it != obj.end() ? it->value() : bj::object();
  return out;
}

bj::object listMeta(const ListResult& list) {
  bj::object meta;
  meta["resourceVersion"] = std::to_string(list.revision);
  if (!list.continueToken.empty()) {
    meta["continue"] = list.continueToken;
    if (list.remainingItemCount >= 0) meta["remainingItemCount"] = list.remainingItemCount;
  }
  return meta;
}

}  // namespace

std::string contentTypeFor(const Negotiated& negotiated) {
  switch (negotiated.representation) {
    case Representation::Table:
      return "application/json;as=Table;v=" + negotiated.tableVersion + ";g=meta.k8s.io";
    case Representation::PartialObjectMetadata:
      return "application/json;as=PartialObjectMetadataList;v=" + negotiated.tableVersion +
             ";g=meta.k8s.io";
    case Representation::AggregatedDiscovery:
      return "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    case Representation::AggregatedDiscoveryBeta1:
      return "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";
    case Representation::Object:
      break;
  }
  return "application/json";
}

std::string encodeObject(const api::ResourceInfo& info, const bj::object& obj,
                         const EncodeOptions& options) {
  switch (options.negotiated.representation) {
    case Representation::Table: {
      bj::object meta;
      meta["resourceVersion"] = json::getString(
          json::getObject(obj, "metadata") ? *json::getObject(obj, "metadata") : bj::object(),
          "resourceVersion");
      return json::serialize(tables::buildTable(info.group, info.kind, {&obj}, meta,
                                                tableOptions(options), options.now));
    }
    case Representation::PartialObjectMetadata:
      return json::serialize(partialMetadata(obj, options.negotiated.tableVersion));
    default:
      return json::serialize(obj);
  }
}

std::string encodeList(const api::ResourceInfo& info, const ListResult& list,
                       const EncodeOptions& options) {
  switch (options.negotiated.representation) {
    case Representation::Table: {
      std::vector<const bj::object*> objects;
      objects.reserve(list.items.size());
      for (const auto& item : list.items) objects.push_back(item.get());
      return json::serialize(tables::buildTable(info.group, info.kind, objects, listMeta(list),
                                                tableOptions(options), options.now));
    }
    case Representation::PartialObjectMetadata: {
      bj::object out;
      out["kind"] = "PartialObjectMetadataList";
      out["apiVersion"] = "meta.k8s.io/" + options.negotiated.tableVersion;
      out["metadata"] = listMeta(list);
      bj::array items;
      for (const auto& item : list.items) {
        items.push_back(partialMetadata(*item, options.negotiated.tableVersion));
      }
      out["items"] = std::move(items);
      return json::serialize(out);
    }
    default:
      break;
  }
  // Items are serialised one by one into the body: no second copy of a large list.
  std::string body = "{\"kind\":" + json::serialize(bj::value(info.listKind)) +
                     ",\"apiVersion\":" + json::serialize(bj::value(info.apiVersion())) +
                     ",\"metadata\":" + json::serialize(listMeta(list)) + ",\"items\":[";
  bool first = true;
  for (const auto& item : list.items) {
    if (!first) body += ',';
    first = false;
    body += json::serialize(*item);
  }
  body += "]}";
  return body;
}

bj::value watchEventObject(const api::ResourceInfo& info, const bj::object& obj,
                           const EncodeOptions& options, bool withHeaders) {
  switch (options.negotiated.representation) {
    case Representation::Table: {
      tables::TableOptions t = tableOptions(options);
      t.noHeaders = !withHeaders;
      bj::object meta;
      const auto* m = json::getObject(obj, "metadata");
      meta["resourceVersion"] = m ? json::getString(*m, "resourceVersion") : "";
      return tables::buildTable(info.group, info.kind, {&obj}, meta, t, options.now);
    }
    case Representation::PartialObjectMetadata:
      return partialMetadata(obj, options.negotiated.tableVersion);
    default:
      return obj;
  }
}

}  // namespace cube::apiserver
