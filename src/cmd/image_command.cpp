#include "cmd/image_command.h"

#include "runtime/images/archive_import.h"
#include "runtime/images/image_reference.h"
#include "runtime/images/image_store.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <tuple>

namespace cube::cmd {
namespace images = cube::runtime::images;
namespace {

// crictl's sizes: decimal units, three significant digits ("4.26MB").
std::string humanSize(uint64_t bytes) {
  static const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3g%s", v, units[u]);
  return buf;
}

void printRow(const std::string& a, const std::string& b, const std::string& c,
              const std::string& d, size_t wa, size_t wb, size_t wc) {
  std::printf("%-*s   %-*s   %-*s   %s\n", static_cast<int>(wa), a.c_str(), static_cast<int>(wb),
              b.c_str(), static_cast<int>(wc), c.c_str(), d.c_str());
}

int listImages(const images::ImageStore& store) {
  struct Row {
    std::string image, tag, id, size;
  };
  std::vector<Row> rows;
  for (const auto& r : store.list()) {
    std::string id = r.id.substr(7, 13);
    std::string size = humanSize(r.size());
    if (r.references.empty()) rows.push_back({"<none>", "<none>", id, size});
    for (const auto& ref : r.references) {
      auto parsed = images::parseReference(ref);
      rows.push_back({parsed.repository(), parsed.tag.empty() ? "<none>" : parsed.tag, id, size});
    }
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.image, a.tag) < std::tie(b.image, b.tag);
  });
  size_t wa = 5, wb = 3, wc = 8;
  for (const auto& r : rows) {
    wa = std::max(wa, r.image.size());
    wb = std::max(wb, r.tag.size());
    wc = std::max(wc, r.id.size());
  }
  printRow("IMAGE", "TAG", "IMAGE ID", "SIZE", wa, wb, wc);
  for (const auto& r : rows) printRow(r.image, r.tag, r.id, r.size, wa, wb, wc);
  return 0;
}

int importImages(const images::ImageStore& store, const std::vector<std::string>& files) {
  int rc = 0;
  for (const auto& file : files) {
    try {
      auto result = images::importArchive(store, file);
      for (const auto& img : result.images) {
        std::string names;
        for (const auto& r : img.references) names += (names.empty() ? "" : ", ") + r;
        std::printf("imported %s (%s, %s)\n", names.empty() ? "<none>" : names.c_str(),
                    img.id.substr(0, 19).c_str(), humanSize(img.size).c_str());
      }
    } catch (const std::exception& e) {
      std::cerr << "cube image import: " << e.what() << std::endl;
      rc = 1;
    }
  }
  return rc;
}

int removeImages(const images::ImageStore& store, const std::vector<std::string>& refs) {
  auto result = store.remove(refs);
  for (const auto& r : result.untagged) std::printf("Untagged: %s\n", r.c_str());
  for (const auto& id : result.deleted) std::printf("Deleted: %s\n", id.c_str());
  return 0;
}

}  // namespace

std::string imageStoreDir(const std::string& dataDir) {
  return dataDir + "/agent/images-store";
}
std::string imagesDropDir(const std::string& dataDir) {
  return dataDir + "/agent/images";
}

CLI::App* addImageCommand(CLI::App& app, ImageFlags& flags) {
  auto* cmd = app.add_subcommand("image", "Manage the node's container images");
  cmd->require_subcommand(1);
  auto addDataDir = [&](CLI::App* sub) {
    sub->add_option("--data-dir", flags.dataDir, "cube's data directory")->capture_default_str();
  };
  auto* imp = cmd->add_subcommand("import", "Import OCI layout or docker save archives");
  addDataDir(imp);
  imp->add_option("files", flags.args, "archives (.tar, .tar.gz, .tar.zst)")->required();
  imp->callback([&flags] { flags.action = "import"; });
  auto* ls = cmd->add_subcommand("ls", "List images");
  addDataDir(ls);
  ls->callback([&flags] { flags.action = "ls"; });
  auto* rm = cmd->add_subcommand("rm", "Remove images by reference or ID (prefix)");
  addDataDir(rm);
  rm->add_option("images", flags.args, "references or image IDs")->required();
  rm->callback([&flags] { flags.action = "rm"; });
  return cmd;
}

int runImage(const ImageFlags& flags) {
  try {
    images::ImageStore store(imageStoreDir(flags.dataDir));
    if (flags.action == "import") return importImages(store, flags.args);
    if (flags.action == "ls") return listImages(store);
    if (flags.action == "rm") return removeImages(store, flags.args);
    std::cerr << "cube image: unknown action" << std::endl;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "cube image " << flags.action << ": " << e.what() << std::endl;
    return 1;
  }
}

}  // namespace cube::cmd
