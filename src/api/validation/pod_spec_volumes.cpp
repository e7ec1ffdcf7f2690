// Pod volumes: exactly one source per volume and the checks of each source (names of the
// referenced objects, modes, paths), following Kubernetes' validateVolumes.

#include "api/validation/pod_spec_internal.h"

#include <algorithm>

namespace cube::api::validation {

namespace json = boost::json;
using namespace detail;

namespace {

// A file mode `o[field]` (if set) between 0 and 0777.
void validateFileMode(const json::object& o, std::string_view field, const std::string& path,
                      Causes& out) {
  if (auto mode = getInt(o, field); mode && (*mode > 0777 || *mode < 0))
    out.push_back(invalid(child(path, field), json::value(*mode),
                          "must be a number between 0 and 0777 (octal), both inclusive"));
}

void validateKeyToPaths(const json::array& items, const std::string& path, Causes& out) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_object()) continue;
    const auto& kp = items[i].as_object();
    std::string p = index(path, i);
    if (str(kp, "key").empty()) out.push_back(required(child(p, "key")));
    std::string rel = str(kp, "path");
    if (rel.empty()) {
      out.push_back(required(child(p, "path")));
    } else {
      validateLocalDescendingPath(rel, child(p, "path"), out);
    }
    validateFileMode(kp, "mode", p, out);
  }
}

// A secret or configMap volume source: the object's name (under `nameField`), the default mode
// and the key-to-path items.
void validateObjectVolumeSource(const json::object& src, std::string_view nameField,
                                const std::string& path, Causes& out) {
  validateRequiredName(str(src, nameField), child(path, nameField), out);
  validateFileMode(src, "defaultMode", path, out);
  validateKeyToPaths(arrayOr(src, "items"), child(path, "items"), out);
}

void validateVolumeSource(const json::object& vol, const std::string& path, Causes& out) {
  if (!validateOneOf(vol, kPodVolumeSources, path, "must specify a volume type",
                     "may not specify more than 1 volume type", out))
    return;

  auto sub = [&](std::string_view k) -> const json::object& {
    const auto* o = getObject(vol, k);
    return o ? *o : kEmptyObject;
  };
  if (has(vol, "hostPath")) {
    const auto& hp = sub("hostPath");
    std::string p = child(path, "hostPath");
    if (str(hp, "path").empty()) out.push_back(required(child(p, "path")));
    static const std::vector<std::string> kTypes = {
        "",     "BlockDevice",  "CharDevice", "Directory", "DirectoryOrCreate",
        "File", "FileOrCreate", "Socket"};
    if (auto t = getString(hp, "type");
        t && std::find(kTypes.begin(), kTypes.end(), *t) == kTypes.end())
      out.push_back(notSupported(child(p, "type"), json::value(*t), kTypes));
  }
  if (has(vol, "secret"))
    validateObjectVolumeSource(sub("secret"), "secretName", child(path, "secret"), out);
  if (has(vol, "configMap"))
    validateObjectVolumeSource(sub("configMap"), "name", child(path, "configMap"), out);
  if (has(vol, "persistentVolumeClaim")) {
    const auto& s = sub("persistentVolumeClaim");
    if (str(s, "claimName").empty())
      out.push_back(required(child(child(path, "persistentVolumeClaim"), "claimName")));
  }
  if (has(vol, "nfs")) {
    const auto& s = sub("nfs");
    std::string p = child(path, "nfs");
    if (str(s, "server").empty()) out.push_back(required(child(p, "server")));
    std::string np = str(s, "path");
    if (np.empty()) {
      out.push_back(required(child(p, "path")));
    } else if (np.front() != '/') {
      out.push_back(invalid(child(p, "path"), json::value(np), "must be an absolute path"));
    }
  }
  if (has(vol, "csi")) {
    const auto& s = sub("csi");
    if (str(s, "driver").empty()) out.push_back(required(child(child(path, "csi"), "driver")));
  }
  if (has(vol, "downwardAPI")) {
    const auto& s = sub("downwardAPI");
    validateFileMode(s, "defaultMode", child(path, "downwardAPI"), out);
  }
  if (has(vol, "projected")) {
    const auto& s = sub("projected");
    std::string p = child(path, "projected");
    validateFileMode(s, "defaultMode", p, out);
    const auto& sources = arrayOr(s, "sources");
    for (size_t i = 0; i < sources.size(); ++i) {
      if (!sources[i].is_object()) continue;
      const auto& src = sources[i].as_object();
      std::string sp = index(child(p, "sources"), i);
      int n = 0;
      for (auto k :
           {"secret", "configMap", "downwardAPI", "serviceAccountToken", "clusterTrustBundle"}) {
        if (!has(src, k)) continue;
        if (++n > 1)
          out.push_back(
              forbidden(child(sp, k), "may not specify more than 1 volume type per source"));
      }
      if (const auto* sat = getObject(src, "serviceAccountToken")) {
        std::string tp = child(sp, "serviceAccountToken");
        if (auto exp = getInt(*sat, "expirationSeconds"); exp && *exp < 600)
          out.push_back(invalid(child(tp, "expirationSeconds"), json::value(*exp),
                                "may not specify a duration less than 10 minutes"));
        if (str(*sat, "path").empty()) out.push_back(required(child(tp, "path")));
      }
      for (auto k : {"secret", "configMap"})
        if (const auto* o = getObject(src, k))
          validateKeyToPaths(arrayOr(*o, "items"), child(child(sp, k), "items"), out);
    }
  }
  if (has(vol, "ephemeral")) {
    const auto& s = sub("ephemeral");
    if (!has(s, "volumeClaimTemplate"))
      out.push_back(required(child(child(path, "ephemeral"), "volumeClaimTemplate")));
  }
  if (has(vol, "gitRepo")) {
    const auto& s = sub("gitRepo");
    if (str(s, "repository").empty())
      out.push_back(required(child(child(path, "gitRepo"), "repository")));
  }
}

}  // namespace

void detail::validateLocalDescendingPath(std::string_view p, const std::string& path, Causes& out) {
  if (!p.empty() && p.front() == '/') {
    out.push_back(invalid(path, json::value(p), "must be a relative path"));
  }
  // No path element may be "..".
  size_t start = 0;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    std::string_view part =
        p.substr(start, slash == std::string_view::npos ? p.npos : slash - start);
    if (part == "..") {
      out.push_back(invalid(path, json::value(p), "must not contain '..'"));
      break;
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
}

std::set<std::string> detail::validateVolumes(const json::array& volumes, const std::string& path,
                                              Causes& out) {
  std::set<std::string> names;
  for (size_t i = 0; i < volumes.size(); ++i) {
    if (!volumes[i].is_object()) continue;
    const auto& vol = volumes[i].as_object();
    std::string p = index(path, i);
    std::string namePath = child(p, "name");
    Causes el;
    validateVolumeSource(vol, p, el);
    std::string name = str(vol, "name");
    if (name.empty()) {
      el.push_back(required(namePath));
    } else {
      addMessages(el, isDns1123Label(name), namePath, json::value(name));
    }
    if (names.count(name)) el.push_back(duplicate(namePath, json::value(name)));
    if (el.empty() && !name.empty()) names.insert(name);
    append(out, std::move(el));
    // Volumes with errors still count for mounts so that one error is not reported twice.
    names.insert(name);
  }
  return names;
}

}  // namespace cube::api::validation
