#include "common/api_error.h"

namespace cube {

namespace json = boost::json;

ApiError::ApiError(int code, std::string reason, std::string message)
    : std::runtime_error(message),
      code_(code),
      reason_(std::move(reason)),
      message_(std::move(message)) {}

ApiError& ApiError::withDetails(std::string group, std::string kind, std::string name) {
  group_ = std::move(group);
  kind_ = std::move(kind);
  name_ = std::move(name);
  hasDetails_ = true;
  return *this;
}

ApiError& ApiError::withCauses(std::vector<StatusCause> causes) {
  causes_ = std::move(causes);
  hasDetails_ = true;
  return *this;
}

ApiError& ApiError::withRetryAfter(int seconds) {
  retryAfterSeconds_ = seconds;
  hasDetails_ = true;
  return *this;
}

json::object ApiError::toStatus() const {
  json::object status;
  status["kind"] = "Status";
  status["apiVersion"] = "v1";
  status["metadata"] = json::object();
  status["status"] = "Failure";
  status["message"] = message_;
  if (!reason_.empty()) status["reason"] = reason_;
  if (hasDetails_) {
    json::object details;
    if (!name_.empty()) details["name"] = name_;
    if (!group_.empty()) details["group"] = group_;
    if (!kind_.empty()) details["kind"] = kind_;
    if (!causes_.empty()) {
      json::array causes;
      for (const auto& c : causes_) {
        json::object o;
        o["reason"] = c.reason;
        o["message"] = c.message;
        if (!c.field.empty()) o["field"] = c.field;
        causes.push_back(std::move(o));
      }
      details["causes"] = std::move(causes);
    }
    if (retryAfterSeconds_ > 0) details["retryAfterSeconds"] = retryAfterSeconds_;
    status["details"] = std::move(details);
  }
  status["code"] = code_;
  return status;
}

namespace {
// "deployments.apps" for group apps, "pods" for the core group.
std::string qualified(const std::string& group, const std::string& resource) {
  return group.empty() ? resource : resource + "." + group;
}
}  // namespace

ApiError ApiError::notFound(const std::string& group, const std::string& resource,
                            const std::string& name) {
  ApiError e(404, "NotFound", qualified(group, resource) + " \"" + name + "\" not found");
  e.withDetails(group, resource, name);
  return e;
}

ApiError ApiError::alreadyExists(const std::string& group, const std::string& resource,
                                 const std::string& name) {
  ApiError e(409, "AlreadyExists", qualified(group, resource) + " \"" + name + "\" already exists");
  e.withDetails(group, resource, name);
  return e;
}

ApiError ApiError::conflict(const std::string& group, const std::string& resource,
                            const std::string& name, const std::string& why) {
  ApiError e(409, "Conflict",
             "Operation cannot be fulfilled on " + qualified(group, resource) + " \"" + name +
                 "\": " + why);
  e.withDetails(group, resource, name);
  return e;
}

std::string invalidMessage(const std::string& kind, const std::string& name,
                           const std::vector<StatusCause>& causes) {
  std::string msg = kind + " \"" + name + "\" is invalid: ";
  std::vector<std::string> parts;
  for (const auto& c : causes) {
    parts.push_back(c.field.empty() ? c.message : c.field + ": " + c.message);
  }
  if (parts.size() == 1) return msg + parts[0];
  msg += "[";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) msg += ", ";
    msg += parts[i];
  }
  return msg + "]";
}

ApiError ApiError::invalid(const std::string& group, const std::string& kind,
                           const std::string& name, std::vector<StatusCause> causes) {
  ApiError e(422, "Invalid", invalidMessage(kind, name, causes));
  e.withDetails(group, kind, name);
  e.withCauses(std::move(causes));
  return e;
}

ApiError ApiError::badRequest(const std::string& m) {
  return ApiError(400, "BadRequest", m);
}
ApiError ApiError::forbidden(const std::string& m) {
  return ApiError(403, "Forbidden", m);
}
ApiError ApiError::gone(const std::string& m) {
  return ApiError(410, "Expired", m);
}
ApiError ApiError::methodNotAllowed(const std::string& m) {
  return ApiError(405, "MethodNotAllowed", m);
}
ApiError ApiError::notAcceptable(const std::string& m) {
  return ApiError(406, "NotAcceptable", m);
}
ApiError ApiError::unsupportedMediaType(const std::string& m) {
  return ApiError(415, "UnsupportedMediaType", m);
}
ApiError ApiError::tooLarge(const std::string& m) {
  return ApiError(413, "RequestEntityTooLarge", m);
}
ApiError ApiError::internal(const std::string& m) {
  return ApiError(500, "InternalError", m);
}
ApiError ApiError::serviceUnavailable(const std::string& m) {
  return ApiError(503, "ServiceUnavailable", m);
}
ApiError ApiError::timeout(const std::string& m) {
  return ApiError(504, "Timeout", m);
}
ApiError ApiError::tooManyRequests(const std::string& m) {
  return ApiError(429, "TooManyRequests", m);
}

}  // namespace cube
