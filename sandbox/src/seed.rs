//! What a new environment is born with, and the admin environment of a fresh sandbox.

use serde_json::{Map, Value, json};

use crate::clock;
use crate::generate;
use crate::management::family;
use crate::management::password_policies;
use crate::management::roles;
use crate::store::{AppSecret, EnvData, Row, Store};

/// The seeded admin environment's coordinates.
pub struct Admin {
    pub env_id: String,
    pub org_id: String,
    pub client_id: String,
    pub client_secret: String,
}

pub const OPENID_SCOPES: &[(&str, &str)] = &[
    ("openid", "OpenID Connect sign-in"),
    ("profile", "End-user profile claims"),
    ("email", "End-user email address"),
    ("address", "End-user postal address"),
    ("phone", "End-user phone number"),
    ("offline_access", "Refresh tokens"),
];

const P1_SCOPES: &[&str] = &[
    "p1:read:user",
    "p1:update:user",
    "p1:read:userPassword",
    "p1:reset:userPassword",
    "p1:validate:userPassword",
    "p1:read:device",
    "p1:create:device",
    "p1:update:device",
    "p1:delete:device",
    "p1:read:sessions",
    "p1:delete:sessions",
    "p1:update:userMfaEnabled",
    "p1:verify:user",
];

const TEMPLATES: &[(&str, &str)] = &[
    ("email_verification_user", "Email Verification (User)"),
    ("email_verification_admin", "Email Verification (Admin)"),
    ("general", "General"),
    ("transaction", "Transaction"),
    ("strong_authentication", "Strong Authentication"),
    ("verification_code_template", "Verification Code"),
    ("recovery_code_template", "Recovery Code"),
    ("device_pairing", "Device Pairing"),
    ("new_device_paired", "New Device Paired"),
    ("email_phone_verification", "Email/Phone Verification"),
    ("id_verification", "ID Verification"),
    ("digital_wallet_pairing", "Digital Wallet Pairing"),
];

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Stores a row as `crud::create` would, without validation (seed data is trusted).
pub fn insert(
    data: &mut EnvData,
    key: &'static str,
    parent: Option<&str>,
    fixed_id: Option<&str>,
    body: Map<String, Value>,
) -> String {
    let id = fixed_id.map(str::to_string).unwrap_or_else(generate::id);
    let now = clock::iso_now();
    let mut stored = Map::new();
    stored.insert("id".into(), json!(id));
    stored.insert("environment".into(), json!({"id": data.id}));
    if let (Some(parent), Some(fam)) = (parent, family::by_key(key)) {
        stored.insert(fam.parent_rel.into(), json!({"id": parent}));
    }
    stored.extend(body);
    stored.insert("createdAt".into(), json!(now));
    stored.insert("updatedAt".into(), json!(now));
    data.table_mut(key).insert(
        id.clone(),
        Row {
            parent: parent.map(str::to_string),
            body: stored,
        },
    );
    id
}

/// A new environment with PingOne's defaults: population, resources and scopes,
/// sign-on policy with a LOGIN action, password policy, MFA policy, language, templates.
pub fn environment(store: &Store, resource: Map<String, Value>) -> EnvData {
    let id = resource
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(generate::id);
    let mut data = EnvData {
        id: id.clone(),
        org_id: store.org_id.clone(),
        resource,
        ..EnvData::default()
    };
    let policy = insert(
        &mut data,
        "passwordPolicies",
        None,
        None,
        password_policies::standard(),
    );
    insert(
        &mut data,
        "populations",
        None,
        None,
        object(
            json!({"name": "Default", "description": "Default population", "default": true, "userCount": 0, "passwordPolicy": {"id": policy}}),
        ),
    );
    let openid = insert(
        &mut data,
        "resources",
        None,
        None,
        object(
            json!({"name": "openid", "description": "OpenID Connect", "type": "OPENID_CONNECT", "accessTokenValiditySeconds": 3600}),
        ),
    );
    for (name, description) in OPENID_SCOPES {
        insert(
            &mut data,
            "resources.scopes",
            Some(&openid),
            None,
            object(json!({"name": name, "description": description})),
        );
    }
    let api = insert(
        &mut data,
        "resources",
        None,
        None,
        object(
            json!({"name": "PingOne API", "type": "PINGONE_API", "audience": crate::auth::claims::P1_AUDIENCE, "accessTokenValiditySeconds": 3600}),
        ),
    );
    for name in P1_SCOPES {
        insert(
            &mut data,
            "resources.scopes",
            Some(&api),
            None,
            object(json!({"name": name})),
        );
    }
    let sop = insert(
        &mut data,
        "signOnPolicies",
        None,
        None,
        object(
            json!({"name": "Single_Factor", "description": "A sign-on policy that requires a username and password", "default": true}),
        ),
    );
    insert(
        &mut data,
        "signOnPolicies.actions",
        Some(&sop),
        None,
        object(
            json!({"type": "LOGIN", "priority": 1, "registration": {"enabled": false}, "recovery": {"enabled": true}}),
        ),
    );
    insert(
        &mut data,
        "deviceAuthenticationPolicies",
        None,
        None,
        object(
            json!({"name": "Default MFA Policy", "default": true, "sms": {"enabled": true}, "email": {"enabled": true}, "voice": {"enabled": true}, "authenticator": {"enabled": true}}),
        ),
    );
    insert(
        &mut data,
        "languages",
        None,
        None,
        object(
            json!({"locale": "en", "name": "English", "enabled": true, "default": true, "customerAdded": false}),
        ),
    );
    // DaVinci owns flow policies; PingOne only lists them, so each environment gets the
    // sign-on policy a DaVinci application would publish for applications to reference.
    insert(
        &mut data,
        "flowPolicies",
        None,
        None,
        object(
            json!({"name": "PingOne DaVinci Sign On", "enabled": true, "trigger": {"type": "AUTHENTICATION"}}),
        ),
    );
    insert(
        &mut data,
        "keys",
        None,
        None,
        crate::saml::signing_keys::default_row(&id),
    );
    crate::management::integrations::seed(&mut data);
    // PingOne Protect's built-in predictors and the default policy set that reads them.
    for predictor in crate::management::risk::predictors::built_in() {
        insert(&mut data, "riskPredictors", None, None, predictor);
    }
    insert(
        &mut data,
        "riskPolicySets",
        None,
        None,
        object(json!({
            "name": "Default Risk Policy",
            "default": true,
            "defaultResult": {"level": "LOW", "type": "VALUE"},
            "riskPolicies": [{
                "id": generate::id(),
                "name": "ANONYMOUS_NETWORK_DETECTION",
                "priority": 1,
                "result": {"level": "HIGH", "type": "VALUE"},
                "condition": {"type": "VALUE_COMPARISON", "value": "${details.anonymousNetworkDetected}", "equals": true},
            }],
        })),
    );
    for (name, display) in TEMPLATES {
        insert(
            &mut data,
            "templates",
            None,
            Some(name),
            object(
                json!({"displayName": display, "deliveryMethods": ["Email", "SMS", "Voice", "Push"], "allowDynamicVariables": false}),
            ),
        );
    }
    data
}

/// The environment resource body for a new environment.
pub fn environment_resource(
    store: &Store,
    id: &str,
    fields: Map<String, Value>,
) -> Map<String, Value> {
    let now = clock::iso_now();
    let mut resource = Map::new();
    resource.insert("id".into(), json!(id));
    resource.extend(fields);
    resource.insert("organization".into(), json!({"id": store.org_id}));
    resource.insert("license".into(), json!({"id": store.license_id}));
    resource.entry("status").or_insert(json!("ACTIVE"));
    let products = resource
        .get("billOfMaterials")
        .and_then(|b| b.get("products"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_else(|| vec![json!({"type": "PING_ONE_BASE"})]);
    let products: Vec<Value> = products
        .into_iter()
        .map(|p| {
            let mut p = object(p);
            p.entry("id").or_insert(json!(generate::id()));
            Value::Object(p)
        })
        .collect();
    resource.insert("billOfMaterials".into(), json!({"products": products}));
    resource.insert("createdAt".into(), json!(now));
    resource.insert("updatedAt".into(), json!(now));
    resource
}

/// Adds a role assignment to an application.
pub fn assign_app_role(
    data: &mut EnvData,
    app_id: &str,
    role: &str,
    scope_type: &str,
    scope_id: &str,
) {
    insert(
        data,
        "applications.roleAssignments",
        Some(app_id),
        None,
        object(
            json!({"role": {"id": roles::id_of(role)}, "scope": {"id": scope_id, "type": scope_type}, "readOnly": false}),
        ),
    );
}

/// The admin environment and its worker application.
pub fn admin_environment(store: &Store) -> anyhow::Result<Admin> {
    let env_id = generate::id();
    let resource = environment_resource(
        store,
        &env_id,
        object(
            json!({"name": "Administrators", "description": "Sandbox admin environment", "type": "PRODUCTION", "region": "NA"}),
        ),
    );
    let mut data = environment(store, resource);
    let client_id = insert(
        &mut data,
        "applications",
        None,
        None,
        object(json!({
            "name": "Sandbox Admin Worker",
            "description": "Worker application for the management API",
            "enabled": true,
            "type": "WORKER",
            "protocol": "OPENID_CONNECT",
            "grantTypes": ["CLIENT_CREDENTIALS"],
            "responseTypes": [],
            "tokenEndpointAuthMethod": "CLIENT_SECRET_BASIC",
            "pkceEnforcement": "OPTIONAL",
        })),
    );
    let client_secret = generate::client_secret();
    data.app_secrets.insert(
        client_id.clone(),
        AppSecret {
            current: client_secret.clone(),
            previous: None,
        },
    );
    for role in [
        roles::ENVIRONMENT_ADMIN,
        roles::IDENTITY_DATA_ADMIN,
        roles::CLIENT_APPLICATION_DEVELOPER,
    ] {
        assign_app_role(&mut data, &client_id, role, "ENVIRONMENT", &env_id);
    }
    let org_id = store.org_id.clone();
    assign_app_role(
        &mut data,
        &client_id,
        roles::ORGANIZATION_ADMIN,
        "ORGANIZATION",
        &org_id,
    );
    store.insert_env(data);
    Ok(Admin {
        env_id,
        org_id,
        client_id,
        client_secret,
    })
}
