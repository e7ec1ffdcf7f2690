#pragma once
// ApiError is an API outcome that is not success: it becomes a Kubernetes `Status` object with
// the HTTP code, reason and field causes kubectl knows how to print.

#include <boost/json/object.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace cube {

// One field-level problem, as in Status.details.causes.
struct StatusCause {
  std::string reason;  // FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, ...
  std::string message;
  std::string field;  // JSON path such as spec.containers[0].image
};

class ApiError : public std::runtime_error {
 public:
  ApiError(int code, std::string reason, std::string message);

  int code() const { return code_; }
  const std::string& reason() const { return reason_; }
  const std::string& message() const { return message_; }

  // details: the object the error is about.
  ApiError& withDetails(std::string group, std::string kind, std::string name);
  ApiError& withCauses(std::vector<StatusCause> causes);
  ApiError& withRetryAfter(int seconds);
  const std::vector<StatusCause>& causes() const { return causes_; }

  // The `Status` object (kind Status, apiVersion v1, status Failure).
  boost::json::object toStatus() const;

  // Constructors for the reasons the API uses. `resource` is the plural resource name with
  // group (e.g. "deployments.apps"), as Kubernetes prints it.
  static ApiError notFound(const std::string& group, const std::string& resource,
                           const std::string& name);
  static ApiError alreadyExists(const std::string& group, const std::string& resource,
                                const std::string& name);
  static ApiError conflict(const std::string& group, const std::string& resource,
                           const std::string& name, const std::string& why);
  // 422: `kind` is the Kind ("Pod"), causes are field errors.
  static ApiError invalid(const std::string& group, const std::string& kind,
                          const std::string& name, std::vector<StatusCause> causes);
  static ApiError badRequest(const std::string& message);
  static ApiError forbidden(const std::string& message);
  static ApiError gone(const std::string& message);
  static ApiError methodNotAllowed(const std::string& message);
  static ApiError notAcceptable(const std::string& message);
  static ApiError unsupportedMediaType(const std::string& message);
  static ApiError tooLarge(const std::string& message);
  static ApiError internal(const std::string& message);
  static ApiError serviceUnavailable(const std::string& message);
  static ApiError timeout(const std::string& message);
  static ApiError tooManyRequests(const std::string& message);

 private:
  int code_;
  std::string reason_;
  std::string message_;
  std::string group_, kind_, name_;
  bool hasDetails_ = false;
  std::vector<StatusCause> causes_;
  int retryAfterSeconds_ = 0;
};

// Formats causes the way Kubernetes' NewInvalid does: `Kind "name" is invalid: [a, b]`.
std::string invalidMessage(const std::string& kind, const std::string& name,
                           const std::vector<StatusCause>& causes);

}  // namespace cube
