#pragma once
// `cube image import|ls|rm`: the node's image store (src/runtime/images), usable whether or not
// the agent runs (the store's file locks order the two).

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace cube::cmd {

struct ImageFlags {
  std::string dataDir = "/var/lib/cube";
  std::string action;             // "import", "ls" or "rm": set by the subcommand parsed
  std::vector<std::string> args;  // archives for import, references/IDs for rm
};

// DATA_DIR/agent/images-store: the store; DATA_DIR/agent/images: archives imported at agent
// start.
std::string imageStoreDir(const std::string& dataDir);
std::string imagesDropDir(const std::string& dataDir);

// Adds the `image` subcommand (import, ls, rm) with its flags bound to `flags`.
CLI::App* addImageCommand(CLI::App& app, ImageFlags& flags);

// Runs the parsed action, printing to stdout/stderr. Returns the process exit code.
int runImage(const ImageFlags& flags);

}  // namespace cube::cmd
