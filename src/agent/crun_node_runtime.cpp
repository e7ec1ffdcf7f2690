#include "agent/crun_node_runtime.h"

#include "common/log.h"
#include "network/nft_host_port_mapper.h"
#include "runtime/crun/crun_runner.h"
#include "runtime/crun/crun_runtime.h"
#include "runtime/images/archive_import.h"
#include "runtime/images/image_store.h"

#include <cctype>
#include <stdexcept>

namespace cube::agent {

std::string imageStoreDirOf(const std::string& dataDir) {
  return dataDir + "/agent/images-store";
}

std::string imagesDirOf(const std::string& dataDir) {
  return dataDir + "/agent/images";
}

std::string podsDirOf(const std::string& dataDir) {
  return dataDir + "/agent/pods";
}

std::optional<std::string> crunUnavailableReason(const CrunNodeOptions& options) {
  return runtime::crun::CrunRunner::unavailableReason(options.crunPath);
}

CrunNode makeCrunNode(const CrunNodeOptions& options) {
  if (options.dataDir.empty()) throw std::runtime_error("the crun runtime needs a data dir");
  if (auto why = crunUnavailableReason(options)) {
    throw std::runtime_error("cannot run containers here: " + *why);
  }
  std::string agentDir = options.dataDir + "/agent";
  auto store = std::make_shared<runtime::images::ImageStore>(imageStoreDirOf(options.dataDir));
  auto result = runtime::images::importImagesDirectory(*store, imagesDirOf(options.dataDir));
  for (const auto& path : result.imported) CUBE_LOG(Info) << "images: imported " << path;
  for (const auto& error : result.errors) CUBE_LOG(Warn) << "images: " << error;

  network::BridgeNetworkConfig net;
  net.bridgeName = options.bridgeName;
  net.ipamDir = agentDir + "/ipam";
  if (auto why = network::NftHostPortMapper::unavailableReason("nft"); why.empty()) {
    std::string table = "cube_hostports_" + options.bridgeName;
    for (char& c : table) {
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    net.portMapper = std::make_shared<network::NftHostPortMapper>(
        network::NftHostPortConfig{table, agentDir + "/hostports", options.bridgeName, "nft"});
  } else {
    CUBE_LOG(Warn) << "pods' hostPorts are ignored: " << why;
  }
  auto network = std::make_shared<DeferredPodNetwork>(std::move(net));

  runtime::crun::CrunRuntimeOptions crun;
  crun.root = agentDir + "/crun-runtime";
  crun.crunPath = options.crunPath;
  crun.cgroupRoot = options.cgroupRoot;
  CrunNode node;
  node.runtime = std::make_shared<runtime::crun::CrunRuntime>(std::move(crun), store, network);
  node.network = std::move(network);
  return node;
}

}  // namespace cube::agent
