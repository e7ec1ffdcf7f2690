#include "runtime/crun/var_expansion.h"

namespace cube::runtime::crun {

std::string expandVars(std::string_view input, const VarLookup& lookup) {
  std::string out;
  out.reserve(input.size());
  size_t i = 0;
  while (i < input.size()) {
    char c = input[i];
    // A `$` as the last character has nothing to introduce: it is kept.
    if (c != '$' || i + 1 == input.size()) {
      out += c;
      ++i;
      continue;
    }
    char next = input[i + 1];
    if (next == '$') {  // escaped operator
      out += '$';
      i += 2;
      continue;
    }
    if (next != '(') {  // not a reference: the `$` and the character after it stay
      out += '$';
      out += next;
      i += 2;
      continue;
    }
    size_t close = input.find(')', i + 2);
    if (close == std::string_view::npos) {
      // Unclosed: `$(` is kept and scanning goes on after it.
      out += "$(";
      i += 2;
      continue;
    }
    std::string_view name = input.substr(i + 2, close - i - 2);
    if (auto value = lookup(name)) {
      out += *value;
    } else {
      out += "$(";
      out += name;
      out += ')';
    }
    i = close + 1;
  }
  return out;
}

}  // namespace cube::runtime::crun
