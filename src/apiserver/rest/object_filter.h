#pragma once
// ObjectFilter: a parsed label selector + field selector for LIST, WATCH and DELETECOLLECTION.

#include <boost/json/object.hpp>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cube::apiserver {

using FieldSet = std::map<std::string, std::string>;

class ObjectFilter {
 public:
  // Throws ApiError(400) for malformed selectors or a field the kind cannot select on
  // (`allowedFields`).
  ObjectFilter(const std::string& labelSelector, const std::string& fieldSelector,
               const std::vector<std::string>& allowedFields);
  ~ObjectFilter();
  ObjectFilter(ObjectFilter&&) noexcept;

  bool empty() const;
  bool matches(const boost::json::object& obj, const FieldSet& fields) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cube::apiserver
