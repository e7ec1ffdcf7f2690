// PersistentVolume, PersistentVolumeClaim, StorageClass.

#include "apiserver/tables/cell_format.h"

namespace cube::tables {
namespace {

constexpr std::string_view kBetaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class";

std::string annotation(const object& obj, std::string_view key) {
  const object* meta = objectField(obj, "metadata");
  const object* annotations = meta ? objectField(*meta, "annotations") : nullptr;
  return annotations ? optionalStringField(*annotations, key).value_or("") : "";
}

bool hasAnnotation(const object& obj, std::string_view key) {
  const object* meta = objectField(obj, "metadata");
  const object* annotations = meta ? objectField(*meta, "annotations") : nullptr;
  return annotations && annotations->contains(key);
}

// The beta annotation, when present, overrides spec.storageClassName (still honoured).
std::string storageClassOf(const object& obj, const object& spec) {
  if (hasAnnotation(obj, kBetaStorageClassAnnotation)) {
    return annotation(obj, kBetaStorageClassAnnotation);
  }
  return stringField(spec, "storageClassName");
}

TablePrinter persistentVolumePrinter() {
  TablePrinter p;
  p.columns = {nameColumn(),
               stringColumn("Capacity", "Storage capacity of the volume."),
               stringColumn("Access Modes", "Ways the volume can be mounted."),
               stringColumn("Reclaim Policy", "What happens to the volume when released."),
               stringColumn("Status", "Phase of the volume."),
               stringColumn("Claim", "Claim bound to the volume (namespace/name)."),
               stringColumn("StorageClass", "StorageClass of the volume."),
               stringColumn("VolumeAttributesClass", "VolumeAttributesClass of the volume."),
               stringColumn("Reason", "Reason for a failed phase."),
               ageColumn(),
               stringColumn("VolumeMode", "Filesystem or Block.", 1)};
  p.cells = [](const object& pv, TimePoint now) {
    const object& spec = orEmpty(objectField(pv, "spec"));
    const object& status = orEmpty(objectField(pv, "status"));
    std::string claim;
    if (const object* ref = objectField(spec, "claimRef")) {
      claim = stringField(*ref, "namespace") + "/" + stringField(*ref, "name");
    }
    std::string phase = hasDeletionTimestamp(pv) ? "Terminating" : stringField(status, "phase");
    return array{value(objectName(pv)),
                 value(quantityField(objectField(spec, "capacity"), "storage")),
                 value(accessModesString(arrayField(spec, "accessModes"))),
                 value(stringField(spec, "persistentVolumeReclaimPolicy")),
                 value(phase),
                 value(claim),
                 value(storageClassOf(pv, spec)),
                 value(optionalStringField(spec, "volumeAttributesClassName").value_or("<unset>")),
                 value(stringField(status, "reason")),
                 value(objectAge(pv, now)),
                 value(optionalStringField(spec, "volumeMode").value_or("<unset>"))};
  };
  return p;
}

TablePrinter persistentVolumeClaimPrinter() {
  TablePrinter p;
  p.columns = {nameColumn(),
               stringColumn("Status", "Phase of the claim."),
               stringColumn("Volume", "Volume bound to the claim."),
               stringColumn("Capacity", "Capacity of the bound volume."),
               stringColumn("Access Modes", "Access modes of the bound volume."),
               stringColumn("StorageClass", "StorageClass the claim asks for."),
               stringColumn("VolumeAttributesClass", "VolumeAttributesClass of the claim."),
               ageColumn(),
               stringColumn("VolumeMode", "Filesystem or Block.", 1)};
  p.cells = [](const object& pvc, TimePoint now) {
    const object& spec = orEmpty(objectField(pvc, "spec"));
    const object& status = orEmpty(objectField(pvc, "status"));
    std::string phase = hasDeletionTimestamp(pvc) ? "Terminating" : stringField(status, "phase");
    const std::string volume = stringField(spec, "volumeName");
    std::string capacity, accessModes;
    // Capacity and modes are the bound volume's, so they show only once bound.
    if (!volume.empty()) {
      accessModes = accessModesString(arrayField(status, "accessModes"));
      capacity = quantityField(objectField(status, "capacity"), "storage");
    }
    return array{value(objectName(pvc)),
                 value(phase),
                 value(volume),
                 value(capacity),
                 value(accessModes),
                 value(storageClassOf(pvc, spec)),
                 value(optionalStringField(spec, "volumeAttributesClassName").value_or("<unset>")),
                 value(objectAge(pvc, now)),
                 value(optionalStringField(spec, "volumeMode").value_or("<unset>"))};
  };
  return p;
}

bool isDefaultStorageClass(const object& sc) {
  return annotation(sc, "storageclass.kubernetes.io/is-default-class") == "true" ||
         annotation(sc, "storageclass.beta.kubernetes.io/is-default-class") == "true";
}

TablePrinter storageClassPrinter() {
  TablePrinter p;
  p.columns = {nameColumn(),
               stringColumn("Provisioner", "Volume plugin that provisions volumes."),
               stringColumn("ReclaimPolicy", "Reclaim policy of provisioned volumes."),
               stringColumn("VolumeBindingMode", "When volumes are bound and provisioned."),
               stringColumn("AllowVolumeExpansion", "Whether claims may grow."),
               ageColumn()};
  p.cells = [](const object& sc, TimePoint now) {
    std::string name = objectName(sc);
    if (isDefaultStorageClass(sc)) name += " (default)";
    return array{value(name),
                 value(stringField(sc, "provisioner")),
                 value(optionalStringField(sc, "reclaimPolicy").value_or("Delete")),
                 value(optionalStringField(sc, "volumeBindingMode").value_or("Immediate")),
                 value(boolField(sc, "allowVolumeExpansion")),
                 value(objectAge(sc, now))};
  };
  return p;
}

}  // namespace

void addStoragePrinters(PrinterMap& printers) {
  printers.emplace(printerKey("", "PersistentVolume"), persistentVolumePrinter());
  printers.emplace(printerKey("", "PersistentVolumeClaim"), persistentVolumeClaimPrinter());
  printers.emplace(printerKey("storage.k8s.io", "StorageClass"), storageClassPrinter());
}

}  // namespace cube::tables
