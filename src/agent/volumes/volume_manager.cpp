#include "agent/volumes/volume_manager.h"

#include "agent/volumes/atomic_dir_writer.h"
#include "agent/volumes/host_path_check.h"
#include "agent/volumes/projected_files.h"
#include "agent/volumes/sub_path.h"
#include "agent/volumes/tmpfs_mount.h"
#include "agent/volumes/volume_layout.h"
#include "agent/volumes/volume_ownership.h"
#include "common/api_error.h"
#include "common/json_util.h"
#include "common/quantity.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

namespace cube::agent::volumes {

namespace bj = boost::json;
namespace fs = std::filesystem;

namespace {

std::string uidOf(const bj::object& pod) {
  const auto* meta = json::getObject(pod, "metadata");
  return meta ? json::getString(*meta, "uid") : "";
}

const bj::array* volumesOf(const bj::object& pod) {
  const auto* spec = json::getObject(pod, "spec");
  return spec ? json::getArray(*spec, "volumes") : nullptr;
}

uint32_t defaultModeOf(const bj::object& source) {
  auto it = source.find("defaultMode");
  if (it == source.end() || !it->value().is_int64()) return 0644;
  return static_cast<uint32_t>(it->value().as_int64()) & 07777;
}

// Where a volume is on the host and whether the kubelet forces it read-only.
struct VolumeHost {
  std::string path;
  bool readOnly = false;
};

std::optional<VolumeHost> hostOf(const std::string& podsDir, const std::string& uid,
                                 const bj::object& volume) {
  std::string name = json::getString(volume, "name");
  if (volume.contains("emptyDir"))
    return VolumeHost{volumeDir(podsDir, uid, kEmptyDirPlugin, name)};
  if (const auto* hp = json::getObject(volume, "hostPath")) {
    return VolumeHost{json::getString(*hp, "path")};
  }
  if (volume.contains("configMap")) {
    return VolumeHost{volumeDir(podsDir, uid, kConfigMapPlugin, name), true};
  }
  if (volume.contains("secret")) {
    return VolumeHost{volumeDir(podsDir, uid, kSecretPlugin, name), true};
  }
  if (volume.contains("downwardAPI")) {
    return VolumeHost{volumeDir(podsDir, uid, kDownwardApiPlugin, name), true};
  }
  if (volume.contains("projected")) {
    return VolumeHost{volumeDir(podsDir, uid, kProjectedPlugin, name), true};
  }
  return std::nullopt;
}

void makeDir(const std::string& dir, mode_t mode) {
  fs::create_directories(dir);
  ::chmod(dir.c_str(), mode);  // exactly, whatever the umask
}

// The pod's memory limit as its cgroup gets it: only when every container has limits.memory,
// then the larger of the app containers' sum and the largest init container's.
std::optional<int64_t> podMemoryLimit(const bj::object& pod) {
  const auto* spec = json::getObject(pod, "spec");
  if (!spec) return std::nullopt;
  auto limitOf = [](const bj::value& c) -> std::optional<int64_t> {
    const auto* resources = c.is_object() ? json::getObject(c.as_object(), "resources") : nullptr;
    const auto* limits = resources ? json::getObject(*resources, "limits") : nullptr;
    if (!limits) return std::nullopt;
    return quantityValue(json::getString(*limits, "memory"));
  };
  int64_t sum = 0, initMax = 0;
  const auto* containers = json::getArray(*spec, "containers");
  if (!containers || containers->empty()) return std::nullopt;
  for (const auto& c : *containers) {
    auto l = limitOf(c);
    if (!l) return std::nullopt;
    sum += *l;
  }
  if (const auto* inits = json::getArray(*spec, "initContainers")) {
    for (const auto& c : *inits) {
      auto l = limitOf(c);
      if (!l) return std::nullopt;
      initMax = std::max(initMax, *l);
    }
  }
  return std::max(sum, initMax);
}

// A memory-backed volume's size, as the kubelet sizes it: the node's allocatable memory, else
// less when the pod's memory limit is less, else less when the volume's sizeLimit is less.
std::optional<int64_t> tmpfsSize(const bj::object& pod, const std::string& sizeLimit,
                                 const EnvContext& context) {
  std::optional<int64_t> size = quantityValue(context.nodeMemory);
  auto lower = [&size](std::optional<int64_t> v) {
    if (v && *v > 0 && (!size || *v <= *size)) size = v;
  };
  lower(podMemoryLimit(pod));
  if (!sizeLimit.empty()) lower(quantityValue(sizeLimit));
  return size;
}

// Writes an API-backed volume (read-only for the containers) with the pod's fsGroup applied:
// before the swap when a new version is written; otherwise only when the root lacks it (an
// unchanged or empty payload).
void writeApiVolume(const std::string& dir, std::vector<ProjectedFile> files,
                    const FsGroupPolicy& fsGroup) {
  if (!fsGroup.fsGroup) {
    writeAtomicDir(dir, files);
    return;
  }
  // The bits the ownership change adds, here already, so an unchanged payload stays unchanged.
  for (auto& f : files) f.mode |= fsGroupFileBits(true);
  FsGroupPolicy always{fsGroup.fsGroup, false};
  bool written =
      writeAtomicDir(dir, files, [&] { setVolumeOwnership(dir, always, /*readOnly=*/true); });
  if (!written) setVolumeOwnership(dir, FsGroupPolicy{fsGroup.fsGroup, true}, true);
}

}  // namespace

bool hasApiVolumes(const bj::object& pod) {
  const auto* volumes = volumesOf(pod);
  if (!volumes) return false;
  for (const auto& v : *volumes) {
    if (!v.is_object()) continue;
    for (const char* kind : {"configMap", "secret", "downwardAPI", "projected"}) {
      if (v.as_object().contains(kind)) return true;
    }
  }
  return false;
}

VolumeManager::VolumeManager(std::string podsDir) : podsDir_(std::move(podsDir)) {}

std::vector<VolumeSetupError> VolumeManager::setUp(const bj::object& pod, const EnvContext& context,
                                                   const EnvObjectLookup& lookup) {
  std::vector<VolumeSetupError> failures;
  const auto* volumes = volumesOf(pod);
  if (!volumes) return failures;
  std::string uid = uidOf(pod);
  ProjectionInput in{&pod, context, lookup};
  FsGroupPolicy fsGroup = fsGroupPolicyOf(pod);
  for (const auto& vv : *volumes) {
    if (!vv.is_object()) continue;
    const auto& volume = vv.as_object();
    std::string name = json::getString(volume, "name");
    try {
      if (const auto* ed = json::getObject(volume, "emptyDir")) {
        std::string dir = volumeDir(podsDir_, uid, kEmptyDirPlugin, name);
        // fsGroup is applied when the volume is made; its data is the containers' after that.
        bool made = false;
        if (json::getString(*ed, "medium") == "Memory") {
          made = mountTmpfs(dir, tmpfsSize(pod, json::getString(*ed, "sizeLimit"), context), 0777);
        } else if (!fs::exists(dir)) {
          makeDir(dir, 0777);
          made = true;
        }
        if (made) setVolumeOwnership(dir, fsGroup, /*readOnly=*/false);
      } else if (const auto* hp = json::getObject(volume, "hostPath")) {
        std::string path = json::getString(*hp, "path");
        std::string type = json::getString(*hp, "type");
        checkHostPathType(path, type);
        // No type and nothing there: the container runtime (containerd's CRI plugin) makes
        // the bind mount's source as a directory; crun would refuse a missing one.
        if (type.empty() && !fs::exists(path)) makeDir(path, 0755);
      } else if (const auto* cm = json::getObject(volume, "configMap")) {
        std::string dir = volumeDir(podsDir_, uid, kConfigMapPlugin, name);
        auto files = keyToPathFiles(in, "configmaps", *cm, defaultModeOf(*cm));
        makeDir(dir, 0755);
        writeApiVolume(dir, std::move(files), fsGroup);
      } else if (const auto* secret = json::getObject(volume, "secret")) {
        std::string dir = volumeDir(podsDir_, uid, kSecretPlugin, name);
        auto files = keyToPathFiles(in, "secrets", *secret, defaultModeOf(*secret));
        mountTmpfs(dir, tmpfsSize(pod, "", context), 0755);
        writeApiVolume(dir, std::move(files), fsGroup);
      } else if (const auto* dapi = json::getObject(volume, "downwardAPI")) {
        std::string dir = volumeDir(podsDir_, uid, kDownwardApiPlugin, name);
        auto files = downwardApiFiles(in, *dapi, defaultModeOf(*dapi));
        makeDir(dir, 0755);
        writeApiVolume(dir, std::move(files), fsGroup);
      } else if (const auto* projected = json::getObject(volume, "projected")) {
        std::string dir = volumeDir(podsDir_, uid, kProjectedPlugin, name);
        auto files = projectedFiles(in, *projected);
        mountTmpfs(dir, tmpfsSize(pod, "", context), 0755);
        writeApiVolume(dir, std::move(files), fsGroup);
      } else if (const auto* pvc = json::getObject(volume, "persistentVolumeClaim")) {
        throw std::runtime_error(
            "persistentVolumeClaim volumes are not supported on this node "
            "yet (claim \"" +
            json::getString(*pvc, "claimName") + "\")");
      } else {
        std::string plugin;
        for (const auto& [k, v] : volume) {
          if (k != "name") plugin = std::string(k);
        }
        throw std::runtime_error("volume type " + (plugin.empty() ? "(none)" : plugin) +
                                 " is not supported on this node");
      }
    } catch (const VolumeSetupError& e) {
      failures.push_back(e);
    } catch (const ContainerEnvError& e) {
      failures.emplace_back(name, e.what());
    } catch (const PayloadError& e) {
      failures.emplace_back(name, e.what());
    } catch (const fs::filesystem_error& e) {
      failures.emplace_back(name, e.what());
    } catch (const ApiError&) {
      throw;  // the API unreachable: the whole sync is retried
    } catch (const std::runtime_error& e) {
      failures.emplace_back(name, e.what());
    }
  }
  return failures;
}

std::vector<runtime::ContainerMount> VolumeManager::mountsFor(
    const bj::object& pod, const bj::object& container, const VariableLookup& variables) const {
  std::vector<runtime::ContainerMount> out;
  const auto* mounts = json::getArray(container, "volumeMounts");
  if (!mounts) return out;
  std::string uid = uidOf(pod);
  std::string containerName = json::getString(container, "name");
  const auto* volumes = volumesOf(pod);
  for (const auto& mv : *mounts) {
    if (!mv.is_object()) continue;
    const auto& m = mv.as_object();
    std::string name = json::getString(m, "name");
    std::optional<VolumeHost> host;
    if (volumes) {
      for (const auto& vv : *volumes) {
        if (vv.is_object() && json::getString(vv.as_object(), "name") == name) {
          host = hostOf(podsDir_, uid, vv.as_object());
        }
      }
    }
    if (!host) {
      throw runtime::ContainerConfigError("cannot find volume \"" + name +
                                          "\" to mount into container \"" + containerName + "\"");
    }
    std::string sub = json::getString(m, "subPath");
    std::string expr = json::getString(m, "subPathExpr");
    if (!expr.empty()) sub = expandSubPathExpr(expr, variables);
    std::string path = host->path;
    if (!sub.empty()) {
      try {
        path = resolveSubPath(host->path, sub);
      } catch (const SubPathError& e) {
        throw runtime::ContainerConfigError("failed to prepare subPath for volumeMount \"" + name +
                                            "\" of container \"" + containerName +
                                            "\": " + e.what());
      }
    }
    out.push_back(
        {path, json::getString(m, "mountPath"), host->readOnly || json::getBool(m, "readOnly")});
  }
  return out;
}

void VolumeManager::tearDown(const std::string& podUid) {
  if (podUid.empty()) return;
  std::string dir = podDir(podsDir_, podUid);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return;
  unmountAllUnder(dir);  // throws when a mount stays: then nothing is removed
  fs::remove_all(dir);
}

}  // namespace cube::agent::volumes
