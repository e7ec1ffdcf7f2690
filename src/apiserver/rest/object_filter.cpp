#include "apiserver/rest/object_filter.h"

#include "common/json_util.h"
#include "json/selector/field_selector.h"
#include "json/selector/label_selector.h"

namespace cube::apiserver {

struct ObjectFilter::Impl {
  json::LabelSelector labels;
  json::FieldSelector fields;
};

ObjectFilter::ObjectFilter(const std::string& labelSelector, const std::string& fieldSelector,
                           const std::vector<std::string>& allowedFields)
    : impl_(std::make_unique<Impl>()) {
  impl_->labels = json::LabelSelector::parse(labelSelector);
  impl_->fields = json::FieldSelector::parse(fieldSelector);
  impl_->fields.requireKnownFields(allowedFields);
}

ObjectFilter::~ObjectFilter() = default;
ObjectFilter::ObjectFilter(ObjectFilter&&) noexcept = default;

bool ObjectFilter::empty() const {
  return impl_->labels.matchesEverything() && impl_->fields.empty();
}

bool ObjectFilter::matches(const boost::json::object& obj, const FieldSet& fields) const {
  if (!impl_->labels.matchesEverything()) {
    const auto* meta = json::getObject(obj, "metadata");
    if (!impl_->labels.matches(meta ? json::getObject(*meta, "labels") : nullptr)) return false;
  }
  return impl_->fields.empty() || impl_->fields.matches(fields);
}

}  // namespace cube::apiserver
