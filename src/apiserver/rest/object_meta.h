#pragma once
// Helpers over an object's metadata, shared by the REST storage, admission and controllers.

#include <boost/json/object.hpp>

#include <string>

namespace cube::apiserver {

const boost::json::object& metadataOf(const boost::json::object& obj);
boost::json::object& metadataOf(boost::json::object& obj);
std::string nameOf(const boost::json::object& obj);
std::string namespaceOf(const boost::json::object& obj);
std::string uidOf(const boost::json::object& obj);
std::string resourceVersionOf(const boost::json::object& obj);
bool isTerminating(const boost::json::object& obj);
bool hasFinalizer(const boost::json::object& obj, const std::string& finalizer);
void addFinalizer(boost::json::object& obj, const std::string& finalizer);
void removeFinalizer(boost::json::object& obj, const std::string& finalizer);
bool hasFinalizers(const boost::json::object& obj);

// True when anything outside metadata and status differs (spec changes bump generation).
bool specChanged(const boost::json::object& a, const boost::json::object& b);
// True when the objects differ in anything but metadata.resourceVersion (no-op update check).
bool sameIgnoringResourceVersion(const boost::json::object& a, const boost::json::object& b);

}  // namespace cube::apiserver
