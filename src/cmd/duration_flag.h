#pragma once
// Durations on the command line as Kubernetes writes them (Go's time.ParseDuration): "40s",
// "500ms", "1m30s", "2h". A bare number means seconds.

#include <chrono>
#include <optional>
#include <string>

namespace cube::cmd {

std::optional<std::chrono::milliseconds> parseDurationFlag(const std::string& text);

// parseDurationFlag or std::invalid_argument naming the flag.
std::chrono::milliseconds durationFlag(const std::string& flag, const std::string& text);

// A CLI11 check that rejects what parseDurationFlag cannot read.
std::string checkDurationFlag(const std::string& text);

}  // namespace cube::cmd
