//! Well-known variables of PingOne's Postman environments, mapped (with
//! `--pingone`) to the inputs of `specs/lib/pingone.yaml`: same names, same
//! environment variables, and `sandbox:` bindings so `caseflow run` starts
//! the embedded sandbox when no target is given.

use crate::spec::model::SandboxValue;

pub struct WellKnown {
    pub name: &'static str,
    pub description: &'static str,
    pub env: &'static str,
    pub sandbox: Option<SandboxValue>,
    pub secret: bool,
    /// Replaces the environment file's value (a Postman template).
    pub default: Option<&'static str>,
}

pub fn well_known(var: &str) -> Option<WellKnown> {
    let key: String = var
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    let w = |name, description, env, sandbox, secret| WellKnown {
        name,
        description,
        env,
        sandbox,
        secret,
        default: None,
    };
    Some(match key.as_str() {
        "apipath" => w(
            "api_path",
            "Management API base, with the trailing /v1",
            "PINGONE_API_PATH",
            Some(SandboxValue::ApiPath),
            false,
        ),
        "authpath" => w(
            "auth_path",
            "Auth API base, without /v1",
            "PINGONE_AUTH_PATH",
            Some(SandboxValue::AuthPath),
            false,
        ),
        "envid" => w(
            "env_id",
            "Environment the use case works in",
            "PINGONE_ENV_ID",
            Some(SandboxValue::EnvId),
            false,
        ),
        "orgid" => w(
            "org_id",
            "Organization id",
            "PINGONE_ORG_ID",
            Some(SandboxValue::OrgId),
            false,
        ),
        "adminappid" | "adminclientid" | "workerappid" | "workerclientid" => w(
            "admin_client_id",
            "Client id of the admin worker application",
            "PINGONE_ADMIN_CLIENT_ID",
            Some(SandboxValue::AdminClientId),
            false,
        ),
        "adminappsecret" | "adminclientsecret" | "workerappsecret" | "workerclientsecret" => w(
            "admin_client_secret",
            "Client secret of the admin worker application",
            "PINGONE_ADMIN_CLIENT_SECRET",
            Some(SandboxValue::AdminClientSecret),
            true,
        ),
        "adminenvid" => WellKnown {
            // The environment file's value would pin a real environment even when the sandbox runs.
            default: Some("{{envID}}"),
            ..w(
                "admin_env_id",
                "Environment of the admin worker application (defaults to env_id)",
                "PINGONE_ADMIN_ENV_ID",
                None,
                false,
            )
        },
        _ => return None,
    })
}
