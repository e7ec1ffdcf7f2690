#include "json/selector/label_selector.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <stdexcept>

#include "api/validation/validation.h"
#include "common/api_error.h"

namespace cube::json {

namespace {

namespace bj = boost::json;
namespace val = api::validation;

// A selector syntax error; its text is labels.Parse's message.
struct ParseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// --- Lexer ---------------------------------------------------------------------------------

enum class Token {
  EndOfString,
  Identifier,
  ClosedPar,
  Comma,
  DoesNotExist,  // !
  DoubleEquals,
  Equals,
  GreaterThan,
  In,
  LessThan,
  NotEquals,
  NotIn,
  OpenPar,
  Error,
};

struct Item {
  Token tok;
  std::string lit;
};

bool isWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool isSpecial(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

std::optional<Token> literalToken(std::string_view s) {
  if (s == ")") return Token::ClosedPar;
  if (s == ",") return Token::Comma;
  if (s == "!") return Token::DoesNotExist;
  if (s == "==") return Token::DoubleEquals;
  if (s == "=") return Token::Equals;
  if (s == ">") return Token::GreaterThan;
  if (s == "in") return Token::In;
  if (s == "<") return Token::LessThan;
  if (s == "!=") return Token::NotEquals;
  if (s == "notin") return Token::NotIn;
  if (s == "(") return Token::OpenPar;
  return std::nullopt;
}

std::vector<Item> lex(std::string_view s) {
  std::vector<Item> items;
  size_t pos = 0;
  while (true) {
    while (pos < s.size() && isWhitespace(s[pos])) ++pos;
    if (pos >= s.size()) {
      items.push_back({Token::EndOfString, ""});
      return items;
    }
    if (isSpecial(s[pos])) {
      // Longest run of special characters that still forms a token.
      std::string buffer;
      std::optional<Item> last;
      while (pos < s.size() && isSpecial(s[pos])) {
        buffer += s[pos];
        if (auto t = literalToken(buffer)) {
          last = Item{*t, buffer};
          ++pos;
        } else if (last) {
          break;
        } else {
          ++pos;
        }
      }
      items.push_back(last ? *last
                           : Item{Token::Error, "error expected: keyword found '" + buffer + "'"});
    } else {
      size_t start = pos;
      while (pos < s.size() && !isSpecial(s[pos]) && !isWhitespace(s[pos])) ++pos;
      std::string word(s.substr(start, pos - start));
      auto t = literalToken(word);
      items.push_back({t ? *t : Token::Identifier, word});
    }
  }
}

// --- Requirement construction (labels.NewRequirement) --------------------------------------

std::string invalidError(const std::string& path, std::string_view value,
                         const std::string& detail) {
  return path + ": Invalid value: " + val::goQuote(value) + ": " + detail;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

std::optional<int64_t> parseInt64(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string goStringSlice(const std::vector<std::string>& values) {
  std::vector<std::string> quoted;
  for (const auto& v : values) quoted.push_back(val::goQuote(v));
  return "[]string{" + join(quoted, ", ") + "}";
}

// Validation paths are "key" and "values[i][key]" as labels.NewRequirement prints them.
LabelRequirement newRequirement(const std::string& key, LabelOperator op,
                                std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  std::vector<std::string> errs;
  if (auto e = val::isQualifiedName(key); !e.empty())
    errs.push_back(invalidError("key", key, join(e, "; ")));
  switch (op) {
    case LabelOperator::In:
    case LabelOperator::NotIn:
      if (values.empty()) {
        errs.push_back("values: Invalid value: " + goStringSlice(values) +
                       ": for 'in', 'notin' operators, values set can't be empty");
      }
      break;
    case LabelOperator::Equals:
    case LabelOperator::DoubleEquals:
    case LabelOperator::NotEquals:
      if (values.size() != 1) {
        errs.push_back("values: Invalid value: " + goStringSlice(values) +
                       ": exact-match compatibility requires one single value");
      }
      break;
    case LabelOperator::Exists:
    case LabelOperator::DoesNotExist:
      if (!values.empty()) {
        errs.push_back("values: Invalid value: " + goStringSlice(values) +
                       ": values set must be empty for exists and does not exist");
      }
      break;
    case LabelOperator::GreaterThan:
    case LabelOperator::LessThan:
      if (values.size() != 1) {
        errs.push_back("values: Invalid value: " + goStringSlice(values) +
                       ": for 'Gt', 'Lt' operators, exactly one value is required");
      }
      for (size_t i = 0; i < values.size(); ++i) {
        if (!parseInt64(values[i])) {
          errs.push_back(invalidError("values[" + std::to_string(i) + "]", values[i],
                                      "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      }
      break;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (auto e = val::isValidLabelValue(values[i]); !e.empty()) {
      errs.push_back(
          invalidError("values[" + std::to_string(i) + "][" + key + "]", values[i], join(e, "; ")));
    }
  }
  if (errs.size() == 1) throw ParseError(errs[0]);
  if (errs.size() > 1) throw ParseError("[" + join(errs, ", ") + "]");
  return LabelRequirement{key, op, std::move(values)};
}

// --- Parser (labels.Parse) ---------------------------------------------------------------

class Parser {
 public:
  explicit Parser(std::string_view text) : items_(lex(text)) {}

  std::vector<LabelRequirement> parse() {
    std::vector<LabelRequirement> out;
    while (true) {
      auto [tok, lit] = lookahead(true);
      if (tok == Token::Identifier || tok == Token::DoesNotExist) {
        try {
          out.push_back(parseRequirement());
        } catch (const ParseError& e) {
          throw ParseError(std::string("unable to parse requirement: ") + e.what());
        }
        auto [t, l] = consume(true);
        if (t == Token::EndOfString) return out;
        if (t == Token::Comma) {
          auto [t2, l2] = lookahead(true);
          if (t2 != Token::Identifier && t2 != Token::DoesNotExist) {
            throw ParseError("found '" + l2 + "', expected: identifier after ','");
          }
        } else {
          throw ParseError("found '" + l + "', expected: ',' or 'end of string'");
        }
      } else if (tok == Token::EndOfString) {
        return out;
      } else {
        throw ParseError("found '" + lit + "', expected: !, identifier, or 'end of string'");
      }
    }
  }

 private:
  // In a values context the keywords "in"/"notin" are plain identifiers.
  Item lookahead(bool values) const { return adjust(items_[pos_], values); }
  Item consume(bool values) { return adjust(items_[pos_++], values); }
  static Item adjust(Item item, bool values) {
    if (values && (item.tok == Token::In || item.tok == Token::NotIn)) item.tok = Token::Identifier;
    return item;
  }

  LabelRequirement parseRequirement() {
    // Key, with "!" for DoesNotExist; a key alone means Exists.
    std::optional<LabelOperator> op;
    auto [tok, lit] = consume(true);
    if (tok == Token::DoesNotExist) {
      op = LabelOperator::DoesNotExist;
      Item next = consume(true);
      tok = next.tok;
      lit = next.lit;
    }
    if (tok != Token::Identifier) throw ParseError("found '" + lit + "', expected: identifier");
    if (auto e = val::isQualifiedName(lit); !e.empty()) {
      // labels.Parse validates the key against a nil field path, which prints as "".
      throw ParseError(invalidError("", lit, join(e, "; ")));
    }
    std::string key = lit;
    Token next = lookahead(true).tok;
    if ((next == Token::EndOfString || next == Token::Comma) && !op) op = LabelOperator::Exists;
    if (op) return newRequirement(key, *op, {});

    auto [opTok, opLit] = consume(false);
    LabelOperator binary;
    switch (opTok) {
      case Token::In:
        binary = LabelOperator::In;
        break;
      case Token::Equals:
        binary = LabelOperator::Equals;
        break;
      case Token::DoubleEquals:
        binary = LabelOperator::DoubleEquals;
        break;
      case Token::GreaterThan:
        binary = LabelOperator::GreaterThan;
        break;
      case Token::LessThan:
        binary = LabelOperator::LessThan;
        break;
      case Token::NotIn:
        binary = LabelOperator::NotIn;
        break;
      case Token::NotEquals:
        binary = LabelOperator::NotEquals;
        break;
      default:
        throw ParseError("found '" + opLit + "', expected: '=', '!=', '==', 'in', notin'");
    }
    std::vector<std::string> values = binary == LabelOperator::In || binary == LabelOperator::NotIn
                                          ? parseValues()
                                          : parseExactValue();
    return newRequirement(key, binary, std::move(values));
  }

  std::vector<std::string> parseValues() {
    auto [tok, lit] = consume(true);
    if (tok != Token::OpenPar) throw ParseError("found '" + lit + "' expected: '('");
    auto [t2, l2] = lookahead(true);
    if (t2 == Token::Identifier || t2 == Token::Comma) {
      std::vector<std::string> s = parseIdentifiersList();
      if (consume(true).tok != Token::ClosedPar) {
        // Kubernetes reports the token seen before the list here.
        throw ParseError("found '" + l2 + "', expected: ')'");
      }
      return s;
    }
    if (t2 == Token::ClosedPar) {
      consume(true);
      return {""};
    }
    throw ParseError("found '" + l2 + "', expected: ',', ')' or identifier");
  }

  std::vector<std::string> parseIdentifiersList() {
    std::set<std::string> s;
    while (true) {
      auto [tok, lit] = consume(true);
      if (tok == Token::Identifier) {
        s.insert(lit);
        auto [t2, l2] = lookahead(true);
        if (t2 == Token::Comma) continue;
        if (t2 == Token::ClosedPar) return {s.begin(), s.end()};
        throw ParseError("found '" + l2 + "', expected: ',' or ')'");
      }
      if (tok == Token::Comma) {
        if (s.empty()) s.insert("");  // "(,"
        Token t2 = lookahead(true).tok;
        if (t2 == Token::ClosedPar) {
          s.insert("");  // ",)"
          return {s.begin(), s.end()};
        }
        if (t2 == Token::Comma) {
          consume(true);
          s.insert("");  // ",,"
        }
        continue;
      }
      throw ParseError("found '" + lit + "', expected: ',', or identifier");
    }
  }

  std::vector<std::string> parseExactValue() {
    Token t = lookahead(true).tok;
    if (t == Token::EndOfString || t == Token::Comma) return {""};
    auto [tok, lit] = consume(true);
    if (tok == Token::Identifier) return {lit};
    throw ParseError("found '" + lit + "', expected: identifier");
  }

  std::vector<Item> items_;
  size_t pos_ = 0;
};

void sortByKey(std::vector<LabelRequirement>& reqs) {
  std::stable_sort(reqs.begin(), reqs.end(),
                   [](const auto& a, const auto& b) { return a.key < b.key; });
}

std::string operatorString(LabelOperator op) {
  switch (op) {
    case LabelOperator::In:
      return "in";
    case LabelOperator::NotIn:
      return "notin";
    case LabelOperator::Equals:
      return "=";
    case LabelOperator::DoubleEquals:
      return "==";
    case LabelOperator::NotEquals:
      return "!=";
    case LabelOperator::Exists:
      return "exists";
    case LabelOperator::DoesNotExist:
      return "!";
    case LabelOperator::GreaterThan:
      return "gt";
    case LabelOperator::LessThan:
      return "lt";
  }
  return "";
}

}  // namespace

bool LabelRequirement::matches(const std::string* value) const {
  auto contains = [&](const std::string& v) {
    return std::binary_search(values.begin(), values.end(), v);
  };
  switch (op) {
    case LabelOperator::In:
    case LabelOperator::Equals:
    case LabelOperator::DoubleEquals:
      return value && contains(*value);
    case LabelOperator::NotIn:
    case LabelOperator::NotEquals:
      return !value || !contains(*value);
    case LabelOperator::Exists:
      return value != nullptr;
    case LabelOperator::DoesNotExist:
      return value == nullptr;
    case LabelOperator::GreaterThan:
    case LabelOperator::LessThan: {
      if (!value || values.size() != 1) return false;
      auto have = parseInt64(*value);
      auto want = parseInt64(values[0]);
      if (!have || !want) return false;
      return op == LabelOperator::GreaterThan ? *have > *want : *have < *want;
    }
  }
  return false;
}

std::string LabelRequirement::toString() const {
  switch (op) {
    case LabelOperator::Exists:
      return key;
    case LabelOperator::DoesNotExist:
      return "!" + key;
    case LabelOperator::In:
    case LabelOperator::NotIn:
      return key + " " + operatorString(op) + " (" + join(values, ",") + ")";
    case LabelOperator::GreaterThan:
      return key + ">" + join(values, ",");
    case LabelOperator::LessThan:
      return key + "<" + join(values, ",");
    default:
      return key + operatorString(op) + join(values, ",");
  }
}

LabelSelector LabelSelector::parse(std::string_view text) {
  LabelSelector s;
  try {
    s.requirements_ = Parser(text).parse();
  } catch (const ParseError& e) {
    throw ApiError::badRequest(e.what());
  }
  sortByKey(s.requirements_);
  return s;
}

LabelSelector LabelSelector::nothing() {
  LabelSelector s;
  s.nothing_ = true;
  return s;
}

LabelSelector LabelSelector::fromLabelSelector(const bj::value& selector) {
  if (selector.is_null()) return nothing();
  if (!selector.is_object()) throw ApiError::badRequest("label selector must be an object");
  const bj::object& o = selector.get_object();
  LabelSelector s;
  try {
    if (const bj::value* ml = o.if_contains("matchLabels"); ml && ml->is_object()) {
      for (const auto& kv : ml->get_object()) {
        std::string v = kv.value().is_string() ? std::string(kv.value().get_string()) : "";
        s.requirements_.push_back(
            newRequirement(std::string(kv.key()), LabelOperator::Equals, {v}));
      }
    }
    if (const bj::value* me = o.if_contains("matchExpressions"); me && me->is_array()) {
      for (const auto& e : me->get_array()) {
        if (!e.is_object()) continue;
        const bj::object& expr = e.get_object();
        std::string key, op;
        if (auto* k = expr.if_contains("key"); k && k->is_string()) key = k->get_string();
        if (auto* p = expr.if_contains("operator"); p && p->is_string()) op = p->get_string();
        std::vector<std::string> values;
        if (auto* vs = expr.if_contains("values"); vs && vs->is_array()) {
          for (const auto& v : vs->get_array()) {
            if (v.is_string()) values.emplace_back(v.get_string());
          }
        }
        LabelOperator lop;
        if (op == "In") {
          lop = LabelOperator::In;
        } else if (op == "NotIn") {
          lop = LabelOperator::NotIn;
        } else if (op == "Exists") {
          lop = LabelOperator::Exists;
        } else if (op == "DoesNotExist") {
          lop = LabelOperator::DoesNotExist;
        } else {
          throw ParseError(val::goQuote(op) + " is not a valid label selector operator");
        }
        s.requirements_.push_back(newRequirement(key, lop, std::move(values)));
      }
    }
  } catch (const ParseError& e) {
    throw ApiError::badRequest(e.what());
  }
  sortByKey(s.requirements_);
  return s;
}

bool LabelSelector::matches(const std::map<std::string, std::string>& labels) const {
  if (nothing_) return false;
  for (const auto& r : requirements_) {
    auto it = labels.find(r.key);
    if (!r.matches(it == labels.end() ? nullptr : &it->second)) return false;
  }
  return true;
}

bool LabelSelector::matches(const bj::object* labels) const {
  if (nothing_) return false;
  for (const auto& r : requirements_) {
    std::string value;
    const std::string* present = nullptr;
    if (labels) {
      if (const bj::value* v = labels->if_contains(r.key); v && v->is_string()) {
        value = v->get_string();
        present = &value;
      }
    }
    if (!r.matches(present)) return false;
  }
  return true;
}

std::string LabelSelector::toString() const {
  std::vector<std::string> parts;
  for (const auto& r : requirements_) parts.push_back(r.toString());
  return join(parts, ",");
}

}  // namespace cube::json
