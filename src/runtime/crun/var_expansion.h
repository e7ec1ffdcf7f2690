#pragma once
// Kubernetes' `$(VAR)` references in a container's command, args and env values: `$(NAME)` is
// replaced by NAME's value when NAME is known and kept verbatim otherwise, `$$` is an escaped `$`
// (so `$$(NAME)` yields the literal `$(NAME)`), and any other `$` stays as it is. An unclosed
// `$(` stays verbatim too.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace cube::runtime::crun {

// Looks a name up; nullopt when it is not defined.
using VarLookup = std::function<std::optional<std::string>(std::string_view name)>;

std::string expandVars(std::string_view input, const VarLookup& lookup);

}  // namespace cube::runtime::crun
