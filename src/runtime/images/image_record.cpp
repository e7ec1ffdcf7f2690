#include "runtime/images/image_record.h"

#include "common/json_util.h"
#include "runtime/images/digest.h"
#include "runtime/images/image_reference.h"

#include <boost/json.hpp>

#include <stdexcept>

namespace cube::runtime::images {

namespace bj = boost::json;

uint64_t ImageRecord::size() const {
  uint64_t total = manifestSize + configSize;
  for (const auto& l : layers) total += l.size;
  return total;
}

std::string ImageRecord::statusImageId(const std::string& reference) const {
  return parseReference(reference).withDigest(manifestDigest);
}

std::vector<std::string> ImageRecord::diffIds() const {
  std::vector<std::string> out;
  for (const auto& l : layers) out.push_back(l.diffId);
  return out;
}

ParsedConfig parseImageConfig(std::string_view text) {
  bj::error_code ec;
  bj::value v = bj::parse(text, ec);
  if (ec || !v.is_object()) throw std::runtime_error("image config is not a JSON object");
  const auto& o = v.get_object();
  ParsedConfig out;
  out.config.os = cube::json::getString(o, "os");
  out.config.architecture = cube::json::getString(o, "architecture");
  if (const auto* c = cube::json::getObject(o, "config")) {
    out.config.entrypoint = cube::json::getStrings(*c, "Entrypoint");
    out.config.cmd = cube::json::getStrings(*c, "Cmd");
    out.config.env = cube::json::getStrings(*c, "Env");
    out.config.workingDir = cube::json::getString(*c, "WorkingDir");
    out.config.user = cube::json::getString(*c, "User");
    if (const auto* ports = cube::json::getObject(*c, "ExposedPorts")) {
      for (const auto& kv : *ports) out.config.exposedPorts.emplace_back(kv.key());
    }
  }
  const auto* rootfs = cube::json::getObject(o, "rootfs");
  if (!rootfs) throw std::runtime_error("image config has no rootfs");
  out.diffIds = cube::json::getStrings(*rootfs, "diff_ids");
  for (const auto& d : out.diffIds) {
    if (!isValidDigest(d)) throw std::runtime_error("image config: invalid diff_id " + d);
  }
  return out;
}

bj::value toJson(const ImageRecord& r) {
  bj::array layers;
  for (const auto& l : r.layers) {
    layers.push_back(bj::object{{"digest", l.digest}, {"diffID", l.diffId}, {"size", l.size}});
  }
  const auto& c = r.config;
  return bj::object{
      {"id", r.id},
      {"references", cube::json::toArray(r.references)},
      {"manifestDigest", r.manifestDigest},
      {"manifestSize", r.manifestSize},
      {"configSize", r.configSize},
      {"layers", std::move(layers)},
      {"config", bj::object{{"entrypoint", cube::json::toArray(c.entrypoint)},
                            {"cmd", cube::json::toArray(c.cmd)},
                            {"env", cube::json::toArray(c.env)},
                            {"workingDir", c.workingDir},
                            {"user", c.user},
                            {"exposedPorts", cube::json::toArray(c.exposedPorts)},
                            {"os", c.os},
                            {"architecture", c.architecture}}},
  };
}

ImageRecord imageRecordFromJson(const bj::value& v) {
  if (!v.is_object()) throw std::runtime_error("image index: entry is not an object");
  const auto& o = v.get_object();
  ImageRecord r;
  r.id = cube::json::getString(o, "id");
  r.references = cube::json::getStrings(o, "references");
  r.manifestDigest = cube::json::getString(o, "manifestDigest");
  r.manifestSize = static_cast<uint64_t>(cube::json::getInt(o, "manifestSize"));
  r.configSize = static_cast<uint64_t>(cube::json::getInt(o, "configSize"));
  if (const auto* layers = cube::json::getArray(o, "layers")) {
    for (const auto& lv : *layers) {
      if (!lv.is_object()) continue;
      const auto& lo = lv.get_object();
      r.layers.push_back({cube::json::getString(lo, "digest"), cube::json::getString(lo, "diffID"),
                          static_cast<uint64_t>(cube::json::getInt(lo, "size"))});
    }
  }
  if (const auto* c = cube::json::getObject(o, "config")) {
    r.config.entrypoint = cube::json::getStrings(*c, "entrypoint");
    r.config.cmd = cube::json::getStrings(*c, "cmd");
    r.config.env = cube::json::getStrings(*c, "env");
    r.config.workingDir = cube::json::getString(*c, "workingDir");
    r.config.user = cube::json::getString(*c, "user");
    r.config.exposedPorts = cube::json::getStrings(*c, "exposedPorts");
    r.config.os = cube::json::getString(*c, "os");
    r.config.architecture = cube::json::getString(*c, "architecture");
  }
  if (!isValidDigest(r.id)) throw std::runtime_error("image index: invalid image id " + r.id);
  return r;
}

}  // namespace cube::runtime::images
