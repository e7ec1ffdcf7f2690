#pragma once
// The `type` of a hostPath volume, checked (or made) as the kubelet does before the pod's
// containers start: "" checks nothing; DirectoryOrCreate / FileOrCreate make what is missing
// (a directory 0755 with its parents; an empty file 0644, whose parent must exist); Directory,
// File, Socket, CharDevice, BlockDevice must find that kind of thing at the path (symlinks
// followed). A failure throws std::runtime_error with the kubelet's message, e.g.
// `hostPath type check failed: /x is not a directory`.

#include <string>

namespace cube::agent::volumes {

void checkHostPathType(const std::string& path, const std::string& type);

}  // namespace cube::agent::volumes
