#include "api/schema/type_registry.h"

#include "api/schema/embedded_schemas.h"
#include "api/schema/schema_parser.h"
#include "api/schema/schema_validator.h"

namespace cube::api {

namespace {

constexpr std::string_view kMetaPackage = "io.k8s.apimachinery.pkg.apis.meta.v1";

// One scalar Type per (kind, format), shared by every registry so that pointer comparison of
// primitive types works across registries.
const Type* sharedPrimitive(TypeKind kind, std::string_view format) {
  static const auto* table = [] {
    auto make = [](TypeKind k, std::string f) {
      Type t;
      t.kind = k;
      t.format = std::move(f);
      return t;
    };
    return new std::vector<Type>{
        make(TypeKind::String, ""),
        make(TypeKind::Integer, "int32"),
        make(TypeKind::Integer, "int64"),
        make(TypeKind::Number, "double"),
        make(TypeKind::Boolean, ""),
        make(TypeKind::IntOrString, "int-or-string"),
        make(TypeKind::Quantity, ""),
        make(TypeKind::Time, "date-time"),
        make(TypeKind::Bytes, "byte"),
        make(TypeKind::Any, ""),
        make(TypeKind::MicroTime, "date-time"),
    };
  }();
  const Type* fallback = nullptr;
  for (const Type& t : *table) {
    if (t.kind != kind) continue;
    if (t.format == format) return &t;
    // An empty format picks the kind's usual one (Integer -> int64).
    if (format.empty() && (fallback == nullptr || t.format == "int64")) fallback = &t;
  }
  return fallback;
}

}  // namespace

struct TypeRegistry::Impl {
  // A named reference waiting for resolve(): the slot to fill and where it was written.
  struct PendingRef {
    const Type** slot;
    std::string package;
    std::string name;
    std::string where;  // file:line
  };
  // A default= literal to check against its field's type once the type is known.
  struct PendingDefault {
    const Field* field;
    std::string owner;
    std::string where;
  };

  mutable std::mutex mutex;  // guards everything below
  std::map<std::string, std::unique_ptr<Type>, std::less<>> named;
  std::map<std::string, std::string, std::less<>> definedAt;  // type name -> file:line
  std::deque<std::unique_ptr<Type>> anonymous;                // arrays and maps
  std::vector<PendingRef> pending;
  std::vector<PendingDefault> pendingDefaults;

  // Builds the Type of an expression; named references are queued until resolve().
  const Type* unsafeBuild(const dsl::TypeExpr& expr, const Type** slot, const std::string& package,
                          const std::string& where) {
    switch (expr.form) {
      case dsl::TypeExpr::Form::Primitive:
        return sharedPrimitive(expr.primitive, expr.format);
      case dsl::TypeExpr::Form::Named:
        pending.push_back({slot, package, expr.name, where});
        return nullptr;
      case dsl::TypeExpr::Form::Array:
      case dsl::TypeExpr::Form::Map: {
        auto t = std::make_unique<Type>();
        t->kind = expr.form == dsl::TypeExpr::Form::Array ? TypeKind::Array : TypeKind::Map;
        Type* raw = t.get();
        anonymous.push_back(std::move(t));
        raw->elem = unsafeBuild(*expr.elem, &raw->elem, package, where);
        return raw;
      }
    }
    return nullptr;
  }

  const Type* unsafeLookup(const PendingRef& ref) const {
    auto tryName = [&](const std::string& full) -> const Type* {
      auto it = named.find(full);
      return it == named.end() ? nullptr : it->second.get();
    };
    if (ref.name.find('.') != std::string::npos) return tryName(ref.name);
    if (const Type* t = tryName(ref.package + "." + ref.name)) return t;
    return tryName(std::string(kMetaPackage) + "." + ref.name);
  }
};

TypeRegistry::TypeRegistry() : impl_(std::make_unique<Impl>()) {}
TypeRegistry::~TypeRegistry() = default;

void TypeRegistry::load(std::string_view fileName, std::string_view text) {
  // Parse everything first, so a bad file adds nothing.
  std::vector<dsl::ParsedType> parsed = dsl::parseSchemaFile(fileName, text);
  std::lock_guard lock(impl_->mutex);
  for (const auto& pt : parsed) {
    auto it = impl_->definedAt.find(pt.name);
    if (it != impl_->definedAt.end()) {
      throw SchemaError(std::string(fileName) + ":" + std::to_string(pt.line) + ": type " +
                        pt.name + " is already declared at " + it->second);
    }
  }
  for (auto& pt : parsed) {
    auto type = std::make_unique<Type>();
    type->kind = TypeKind::Object;
    type->name = pt.name;
    type->description = pt.description;
    type->fields.reserve(pt.fields.size());
    for (auto& pf : pt.fields) type->fields.push_back(std::move(pf.field));
    // The fields vector is final now, so the addresses of its `type` slots are stable.
    for (size_t i = 0; i < pt.fields.size(); ++i) {
      Field& f = type->fields[i];
      std::string where = std::string(fileName) + ":" + std::to_string(pt.fields[i].line);
      f.type = impl_->unsafeBuild(pt.fields[i].type, &f.type, pt.package, where);
      if (f.defaultValue) impl_->pendingDefaults.push_back({&f, pt.name, where});
    }
    impl_->definedAt[pt.name] = std::string(fileName) + ":" + std::to_string(pt.line);
    impl_->named[pt.name] = std::move(type);
  }
}

void TypeRegistry::resolve() {
  std::lock_guard lock(impl_->mutex);
  for (const auto& ref : impl_->pending) {
    const Type* t = impl_->unsafeLookup(ref);
    if (t == nullptr) {
      std::string looked =
          ref.name.find('.') != std::string::npos
              ? ""
              : " (looked in " + ref.package + " and " + std::string(kMetaPackage) + ")";
      throw SchemaError(ref.where + ": unknown type " + ref.name + looked);
    }
    *ref.slot = t;
  }
  impl_->pending.clear();
  for (const auto& d : impl_->pendingDefaults) {
    SchemaCheck check = checkAgainstSchema(*d.field->type, *d.field->defaultValue);
    if (!check.ok()) {
      std::string why = check.errors.empty() ? "unknown field " + check.unknownFields.front()
                                             : check.errors.front().message;
      throw SchemaError(d.where + ": default of " + d.owner + "." + d.field->name +
                        " does not fit its type: " + why);
    }
  }
  impl_->pendingDefaults.clear();
}

const Type* TypeRegistry::find(std::string_view name) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->named.find(name);
  return it == impl_->named.end() ? nullptr : it->second.get();
}

std::vector<const Type*> TypeRegistry::all() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<const Type*> out;
  out.reserve(impl_->named.size());
  for (const auto& [name, type] : impl_->named) out.push_back(type.get());
  return out;
}

const Type* TypeRegistry::primitive(TypeKind kind, std::string_view format) const {
  return sharedPrimitive(kind, format);
}

const TypeRegistry& TypeRegistry::builtin() {
  static const TypeRegistry* registry = [] {
    auto* r = new TypeRegistry();
    for (const auto& schema : embeddedSchemas()) r->load(schema.fileName, schema.text);
    r->resolve();
    return r;
  }();
  return *registry;
}

}  // namespace cube::api
