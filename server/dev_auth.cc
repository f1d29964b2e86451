#include "server/dev_auth.h"

#include <filesystem>

#include "absl/strings/str_cat.h"

namespace svledger::server {
namespace {

DevPersona Persona(std::string name, v1::Role role, std::string scope) {
  DevPersona p;
  p.binding.set_principal(name);
  p.binding.set_role(role);
  p.binding.set_scope(std::move(scope));
  p.name = std::move(name);
  return p;
}

}  // namespace

std::vector<DevPersona> DevPersonas(const std::vector<std::string>& councils) {
  std::vector<DevPersona> out;
  out.push_back(Persona("admin", v1::ROLE_ADMIN, ""));
  out.push_back(Persona("auditor", v1::ROLE_AUDITOR, ""));
  for (const std::string& council : councils) {
    out.push_back(
        Persona(absl::StrCat("manager-", council), v1::ROLE_MANAGER, council));
  }
  for (const char* supplier : {"acme-facilities", "greenway-construction"}) {
    out.push_back(Persona(absl::StrCat("supplier-", supplier),
                          v1::ROLE_SUPPLIER, supplier));
  }
  return out;
}

absl::Status SetUpDevPersonas(const std::vector<DevPersona>& personas,
                              const auth::DevIssuer& issuer,
                              app::RoleBindings& roles, absl::Time now) {
  const std::filesystem::path dir =
      std::filesystem::path(issuer.jwks_path()).parent_path() / "tokens";
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create '", dir.string(), "': ", error.message()));
  }
  for (const DevPersona& persona : personas) {
    if (absl::Status s = roles.Bootstrap(persona.binding); !s.ok()) return s;
    absl::StatusOr<std::string> token =
        issuer.Mint(persona.name, now, kTokenLifetime);
    if (!token.ok()) return token.status();
    const std::string path = (dir / (persona.name + ".jwt")).string();
    if (absl::Status s = auth::WriteFileAtomically(path, *token + "\n", 0600);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace svledger::server
