// Event (core v1 and events.k8s.io/v1, which are one resource in two shapes):
// LAST SEEN TYPE REASON OBJECT MESSAGE; wide SUBOBJECT SOURCE FIRST SEEN COUNT NAME.

#include "apiserver/tables/cell_format.h"

#include <cctype>

namespace cube::tables {
namespace {

// The fields the printer reads, named as in the core v1 shape.
struct EventView {
  const object* involvedObject = nullptr;
  const object* source = nullptr;
  const object* series = nullptr;
  std::string message, reportingController, reportingInstance;
  std::string firstTimestamp, lastTimestamp, eventTime;
  int64_t count = 0;
};

EventView coreView(const object& e) {
  EventView v;
  v.involvedObject = objectField(e, "involvedObject");
  v.source = objectField(e, "source");
  v.series = objectField(e, "series");
  v.message = stringField(e, "message");
  v.reportingController = stringField(e, "reportingComponent");
  v.reportingInstance = stringField(e, "reportingInstance");
  v.firstTimestamp = stringField(e, "firstTimestamp");
  v.lastTimestamp = stringField(e, "lastTimestamp");
  v.eventTime = stringField(e, "eventTime");
  v.count = intField(e, "count");
  return v;
}

EventView eventsGroupView(const object& e) {
  EventView v;
  v.involvedObject = objectField(e, "regarding");
  v.source = objectField(e, "deprecatedSource");
  v.series = objectField(e, "series");
  v.message = stringField(e, "note");
  v.reportingController = stringField(e, "reportingController");
  v.reportingInstance = stringField(e, "reportingInstance");
  v.firstTimestamp = stringField(e, "deprecatedFirstTimestamp");
  v.lastTimestamp = stringField(e, "deprecatedLastTimestamp");
  v.eventTime = stringField(e, "eventTime");
  v.count = intField(e, "deprecatedCount");
  return v;
}

std::string trimSpace(const std::string& s) {
  auto isSpace = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  size_t b = 0, e = s.size();
  while (b < e && isSpace(s[b])) ++b;
  while (e > b && isSpace(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// "component, host", falling back to the reporting controller/instance of newer events.
std::string eventSource(const EventView& v) {
  const object& source = orEmpty(v.source);
  std::string component = stringField(source, "component");
  if (component.empty()) component = v.reportingController;
  std::string instance = stringField(source, "host");
  if (instance.empty()) instance = v.reportingInstance;
  return instance.empty() ? component : component + ", " + instance;
}

array eventCells(const object& e, const EventView& v, TimePoint now) {
  std::string firstSeen = parseRfc3339(v.firstTimestamp) ? timestampAge(v.firstTimestamp, now)
                                                         : timestampAge(v.eventTime, now);
  std::string lastSeen =
      parseRfc3339(v.lastTimestamp) ? timestampAge(v.lastTimestamp, now) : firstSeen;
  int64_t count = v.count;
  if (v.series) {
    lastSeen = fieldAge(*v.series, "lastObservedTime", now);
    count = intField(*v.series, "count");
  } else if (count == 0) {
    count = 1;  // singleton events of the new API carry no count
  }
  const object& involved = orEmpty(v.involvedObject);
  std::string target = toLower(stringField(involved, "kind"));
  if (std::string name = stringField(involved, "name"); !name.empty()) target += "/" + name;
  return array{value(lastSeen),
               value(stringField(e, "type")),
               value(stringField(e, "reason")),
               value(target),
               value(stringField(involved, "fieldPath")),
               value(eventSource(v)),
               value(trimSpace(v.message)),
               value(firstSeen),
               value(count),
               value(objectName(e))};
}

std::vector<TableColumn> eventColumns() {
  TableColumn name = nameColumn();
  name.priority = 1;  // events lead with LAST SEEN; the name is wide-only
  return {stringColumn("Last Seen", "Time since the event was last seen."),
          stringColumn("Type", "Type of the event (Normal, Warning)."),
          stringColumn("Reason", "Short reason for the event."),
          stringColumn("Object", "Object the event is about."),
          stringColumn("Subobject", "Part of the object the event is about.", 1),
          stringColumn("Source", "Component that reported the event.", 1),
          stringColumn("Message", "Description of the event."),
          stringColumn("First Seen", "Time since the event was first seen.", 1),
          stringColumn("Count", "Number of times the event occurred.", 1),
          name};
}

}  // namespace

void addEventPrinters(PrinterMap& printers) {
  TablePrinter core;
  core.columns = eventColumns();
  core.cells = [](const object& e, TimePoint now) { return eventCells(e, coreView(e), now); };
  printers.emplace(printerKey("", "Event"), std::move(core));

  TablePrinter events;
  events.columns = eventColumns();
  events.cells = [](const object& e, TimePoint now) {
    return eventCells(e, eventsGroupView(e), now);
  };
  printers.emplace(printerKey("events.k8s.io", "Event"), std::move(events));
}

}  // namespace cube::tables
