//! Who is calling the management API and what their role assignments allow.
//!
//! A call needs `Authorization: Bearer <token>` signed by this sandbox, unexpired, and
//! issued for the PingOne API audience. The actor is the token's application
//! (client credentials) or user; its role assignments are read at call time, so
//! removing an assignment takes effect immediately.

use axum::http::{HeaderMap, header};
use serde_json::Value;

use crate::auth::claims::{self, P1_AUDIENCE};
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::management::crud::str_field;
use crate::management::family::Category;
use crate::management::roles;
use crate::store::{EnvData, Store};

#[derive(Debug, Clone)]
pub struct Assignment {
    pub role_id: String,
    pub role: &'static str,
    pub scope_type: String,
    pub scope_id: String,
}

#[derive(Debug, Clone)]
pub struct Actor {
    /// The environment the actor lives in (its token's issuer).
    pub env_id: String,
    /// The application (worker) id, when the token is an application's own.
    pub app_id: Option<String>,
    pub assignments: Vec<Assignment>,
}

/// What an operation needs.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    /// Create environments, see every environment, licenses.
    Organization { write: bool },
    /// Read or change one environment's resource itself.
    Environment { write: bool },
    /// Data inside an environment.
    Data { category: Category, write: bool },
}

pub fn authenticate(store: &Store, headers: &HeaderMap) -> ApiResult<Actor> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(ApiError::invalid_token)?;
    let (scheme, token) = value.split_once(' ').ok_or_else(ApiError::invalid_token)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::invalid_token());
    }
    let claims = store
        .keys
        .verify(token.trim())
        .ok_or_else(ApiError::invalid_token)?;
    let exp = claims.get("exp").and_then(Value::as_u64).unwrap_or(0);
    if exp <= clock::now() {
        return Err(ApiError::invalid_token());
    }
    if !claims::has_audience(&claims, P1_AUDIENCE) {
        return Err(ApiError::invalid_token());
    }
    let env_id = str_field(&claims, "iss")
        .strip_prefix(&format!("{}/", store.base_url))
        .and_then(|rest| rest.strip_suffix("/as"))
        .ok_or_else(ApiError::invalid_token)?;
    let env = store.env(env_id).ok_or_else(ApiError::invalid_token)?;
    let data = env.read();
    if let Some(jti) = claims.get("jti").and_then(Value::as_str)
        && data.revoked.contains(jti)
    {
        return Err(ApiError::invalid_token());
    }
    let client_id = str_field(&claims, "client_id");
    let app = data
        .body("applications", client_id)
        .ok_or_else(ApiError::invalid_token)?;
    if app.get("enabled").and_then(Value::as_bool) == Some(false) {
        return Err(ApiError::invalid_token());
    }
    match claims.get("sub").and_then(Value::as_str) {
        Some(user_id) => {
            data.body("users", user_id)
                .ok_or_else(ApiError::invalid_token)?;
            Ok(Actor {
                env_id: env_id.to_string(),
                app_id: None,
                assignments: assignments(&data, "users.roleAssignments", user_id),
            })
        }
        None => Ok(Actor {
            env_id: env_id.to_string(),
            app_id: Some(client_id.to_string()),
            assignments: assignments(&data, "applications.roleAssignments", client_id),
        }),
    }
}

/// The role assignments held by one application or user.
pub fn assignments(data: &EnvData, family: &'static str, holder: &str) -> Vec<Assignment> {
    data.children(family, holder)
        .filter_map(|(_, row)| {
            let role_id = row.body.get("role")?.get("id")?.as_str()?.to_string();
            let role = roles::name_of(&role_id)?;
            let scope = row.body.get("scope")?;
            Some(Assignment {
                role_id,
                role,
                scope_type: scope.get("type")?.as_str()?.to_string(),
                scope_id: scope.get("id")?.as_str()?.to_string(),
            })
        })
        .collect()
}

impl Actor {
    /// Whether an assignment reaches into `env` (`data` = that environment, when known).
    fn covers(&self, a: &Assignment, org_id: &str, env_id: &str, data: Option<&EnvData>) -> bool {
        match a.scope_type.as_str() {
            "ORGANIZATION" => a.scope_id == org_id,
            "ENVIRONMENT" => a.scope_id == env_id,
            "POPULATION" => data.is_some_and(|d| d.row("populations", &a.scope_id).is_some()),
            _ => false,
        }
    }

    /// Roles the actor holds over `env_id`.
    pub fn roles_in(
        &self,
        org_id: &str,
        env_id: &str,
        data: Option<&EnvData>,
    ) -> Vec<&'static str> {
        let mut roles: Vec<&'static str> = self
            .assignments
            .iter()
            .filter(|a| self.covers(a, org_id, env_id, data))
            .map(|a| a.role)
            .collect();
        roles.sort_unstable();
        roles.dedup();
        roles
    }

    pub fn is_org_admin(&self, org_id: &str) -> bool {
        self.assignments.iter().any(|a| {
            a.scope_type == "ORGANIZATION"
                && a.scope_id == org_id
                && (a.role == roles::ORGANIZATION_ADMIN || a.role == roles::ENVIRONMENT_ADMIN)
        })
    }

    /// Checks `need` against `env_id` (`None` for organization-level calls).
    pub fn require(
        &self,
        store: &Store,
        env_id: Option<&str>,
        data: Option<&EnvData>,
        need: Need,
    ) -> ApiResult<()> {
        let org = store.org_id.as_str();
        let allowed = match (need, env_id) {
            (Need::Organization { write }, _) => {
                self.is_org_admin(org) || (!write && !self.assignments.is_empty())
            }
            (Need::Environment { write }, Some(env)) => {
                let held = self.roles_in(org, env, data);
                self.is_org_admin(org)
                    || (write && held.contains(&roles::ENVIRONMENT_ADMIN))
                    || (!write && !held.is_empty())
            }
            (Need::Data { category, write }, Some(env)) => {
                let held = self.roles_in(org, env, data);
                held.iter().any(|role| match (*role, category) {
                    (roles::ENVIRONMENT_ADMIN, _) => true,
                    (roles::IDENTITY_DATA_ADMIN, Category::Identity) => true,
                    (roles::IDENTITY_DATA_READ_ONLY, Category::Identity) => !write,
                    (roles::CLIENT_APPLICATION_DEVELOPER, Category::Config) => true,
                    (roles::CONFIGURATION_READ_ONLY, Category::Config) => !write,
                    // Identity admins read the configuration their data depends on.
                    (roles::IDENTITY_DATA_ADMIN, Category::Config) => !write,
                    _ => false,
                })
            }
            _ => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "Actor does not have permissions to perform this operation",
            ))
        }
    }
}
