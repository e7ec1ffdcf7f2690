#include "apiserver/rest/patcher.h"

#include "common/json_util.h"
#include "json/patch/json_patch.h"
#include "json/patch/merge_patch.h"
#include "json/patch/strategic_merge_patch.h"

namespace cube::apiserver {

namespace bj = boost::json;

bj::object applyPatch(const api::ResourceInfo& info, const api::TypeRegistry& types, PatchType type,
                      const bj::object& original, const std::string& body) {
  bj::value result;
  switch (type) {
    case PatchType::Json:
      result = json::applyJsonPatch(bj::value(original), body);
      break;
    case PatchType::Merge:
      result = json::jsonMergePatch(bj::value(original), json::parse(body));
      break;
    case PatchType::StrategicMerge: {
      bj::value patch = json::parse(body);
      if (!patch.is_object()) {
        throw ApiError::badRequest("unable to apply patch: the patch must be a JSON object");
      }
      const api::Type* schema = info.kind == "Scale" ? nullptr : types.find(info.typeName);
      result = json::strategicMergePatch(bj::value(original), patch, schema);
      break;
    }
    case PatchType::Apply:
      throw ApiError::unsupportedMediaType("server-side apply is not supported yet");
  }
  if (!result.is_object()) {
    throw ApiError::badRequest("the patched object must be a JSON object");
  }
  return std::move(result.get_object());
}

}  // namespace cube::apiserver
