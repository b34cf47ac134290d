//! The resource-family table: one entry per PingOne management collection.
//!
//! Most PingOne resources are validated CRUD; a family says where it lives (path segment
//! and parent family), what a create needs (required fields, enums, references,
//! uniqueness) and which module adds behaviour (`Behaviour`). `crud.rs` does the rest.

/// Which module adds behaviour beyond validated CRUD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Plain,
    Application,
    Grant,
    RoleAssignment,
    Resource,
    ResourceAttribute,
    Population,
    User,
    Device,
    SignOnAction,
    IdentityProvider,
    Gateway,
    GatewayCredential,
    PasswordPolicy,
    Agreement,
    ApplicationResource,
    ApplicationPermission,
    /// Uploaded as raw bytes (`images.rs`); read and deleted as CRUD.
    Image,
    RiskPredictor,
    RiskPolicySet,
    PropagationPlan,
    PropagationStore,
    PropagationRule,
    PropagationMapping,
    /// Seeded, not creatable (templates are addressed by name).
    ReadOnly,
}

/// Whose data a family is: identity data or configuration (drives role checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Identity,
    Config,
}

#[derive(Debug)]
pub struct Family {
    /// Store table key.
    pub key: &'static str,
    /// Path segment under the parent (or the environment).
    pub segment: &'static str,
    pub parent: Option<&'static str>,
    /// The attribute naming the parent as `{id}` (also its link rel).
    pub parent_rel: &'static str,
    /// The `_embedded` key of the collection.
    pub collection: &'static str,
    pub required: &'static [&'static str],
    /// Field -> allowed values (a field holding an array has each element checked).
    pub enums: &'static [(&'static str, &'static [&'static str])],
    /// Fields unique among siblings (case-insensitive).
    pub unique: &'static [&'static str],
    /// Field holding `{id}` -> family key the id must exist in.
    pub refs: &'static [(&'static str, &'static str)],
    /// 201 for most creates; PingOne answers some with 200.
    pub create_status: u16,
    pub behaviour: Behaviour,
    pub category: Category,
}

const OIDC_GRANTS: &[&str] = &[
    "AUTHORIZATION_CODE",
    "IMPLICIT",
    "REFRESH_TOKEN",
    "CLIENT_CREDENTIALS",
    "DEVICE_CODE",
    "TOKEN_EXCHANGE",
    "CIBA",
];
const APP_TYPES: &[&str] = &[
    "WEB_APP",
    "NATIVE_APP",
    "SINGLE_PAGE_APP",
    "WORKER",
    "SERVICE",
    "CUSTOM_APP",
    "PING_ONE_SELF_SERVICE",
    "PING_ONE_ADMIN_CONSOLE",
    "PING_ONE_PORTAL",
    "TEMPLATE_APP",
    "PORTAL_LINK_APP",
];
const AUTH_METHODS: &[&str] = &[
    "NONE",
    "CLIENT_SECRET_BASIC",
    "CLIENT_SECRET_POST",
    "CLIENT_SECRET_JWT",
    "PRIVATE_KEY_JWT",
];
const SCOPE_TYPES: &[&str] = &["ORGANIZATION", "ENVIRONMENT", "POPULATION", "APPLICATION"];
const DELIVERY: &[&str] = &["Email", "SMS", "Voice", "Push"];
const IDP_TYPES: &[&str] = &[
    "FACEBOOK",
    "GOOGLE",
    "LINKEDIN",
    "LINKEDIN_OIDC",
    "APPLE",
    "TWITTER",
    "AMAZON",
    "YAHOO",
    "MICROSOFT",
    "PAYPAL",
    "GITHUB",
    "OPENID_CONNECT",
    "SAML",
];
pub const ACTION_TYPES: &[&str] = &[
    "LOGIN",
    "MULTI_FACTOR_AUTHENTICATION",
    "IDENTIFIER_FIRST",
    "IDENTITY_PROVIDER",
    "PROGRESSIVE_PROFILING",
    "AGREEMENT",
    "PINGID_AUTHENTICATION",
    "PINGID_WINLOGIN_PASSWORDLESS_AUTHENTICATION",
];

/// A top-level family whose key, path segment and collection name are one word.
const fn family(key: &'static str) -> Family {
    named(key, key, key)
}

const fn named(key: &'static str, segment: &'static str, collection: &'static str) -> Family {
    Family {
        key,
        segment,
        parent: None,
        parent_rel: "",
        collection,
        required: &[],
        enums: &[],
        unique: &[],
        refs: &[],
        create_status: 201,
        behaviour: Behaviour::Plain,
        category: Category::Config,
    }
}

/// A parent family: its key and the attribute that names it in a child (`application`).
type Parent = (&'static str, &'static str);

const APPLICATION: Parent = ("applications", "application");
const RESOURCE: Parent = ("resources", "resource");
const USER: Parent = ("users", "user");
const SIGN_ON_POLICY: Parent = ("signOnPolicies", "signOnPolicy");
const AGREEMENT: Parent = ("agreements", "agreement");
const AGREEMENT_LANGUAGE: Parent = ("agreements.languages", "language");
const TEMPLATE: Parent = ("templates", "template");
const IDENTITY_PROVIDER: Parent = ("identityProviders", "identityProvider");
const GATEWAY: Parent = ("gateways", "gateway");
/// An application resource names its custom resource `parent` (`{type, id}`).
const RESOURCE_AS_PARENT: Parent = ("resources", "parent");
const APPLICATION_RESOURCE: Parent = ("resources.applicationResources", "resource");
const INTEGRATION: Parent = ("integrations", "integration");
const PROPAGATION_RULE: Parent = ("propagation.rules", "rule");

/// A family nested under `parent`; its path segment and collection name are the last part
/// of its key (`roleAssignments` of `applications.roleAssignments`).
const fn child(key: &'static str, parent: Parent) -> Family {
    let bytes = key.as_bytes();
    let mut start = bytes.len();
    while start > 0 && bytes[start - 1] != b'.' {
        start -= 1;
    }
    let segment = key.split_at(start).1;
    let mut f = named(key, segment, segment);
    f.parent = Some(parent.0);
    f.parent_rel = parent.1;
    f
}

pub static FAMILIES: &[Family] = &[
    Family {
        required: &["name", "enabled", "type", "protocol"],
        enums: &[
            (
                "protocol",
                &["OPENID_CONNECT", "SAML", "WS_FED", "EXTERNAL_LINK"],
            ),
            ("type", APP_TYPES),
            ("grantTypes", OIDC_GRANTS),
            ("responseTypes", &["CODE", "TOKEN", "ID_TOKEN"]),
            ("tokenEndpointAuthMethod", AUTH_METHODS),
            (
                "pkceEnforcement",
                &["OPTIONAL", "REQUIRED", "S256_REQUIRED"],
            ),
            ("refreshTokenType", &["JSON_WEB_TOKEN", "OPAQUE_TOKEN"]),
            ("parRequirement", &["OPTIONAL", "REQUIRED"]),
        ],
        behaviour: Behaviour::Application,
        ..family("applications")
    },
    Family {
        required: &["resource", "scopes"],
        refs: &[("resource", "resources")],
        behaviour: Behaviour::Grant,
        ..child("applications.grants", APPLICATION)
    },
    Family {
        required: &["role", "scope"],
        behaviour: Behaviour::RoleAssignment,
        enums: &[("scope.type", SCOPE_TYPES)],
        ..child("applications.roleAssignments", APPLICATION)
    },
    Family {
        required: &["signOnPolicy", "priority"],
        refs: &[("signOnPolicy", "signOnPolicies")],
        ..child("applications.signOnPolicyAssignments", APPLICATION)
    },
    Family {
        required: &["flowPolicy", "priority"],
        refs: &[("flowPolicy", "flowPolicies")],
        ..child("applications.flowPolicyAssignments", APPLICATION)
    },
    Family {
        required: &["name", "value"],
        ..child("applications.attributes", APPLICATION)
    },
    Family {
        required: &["name"],
        unique: &["name"],
        enums: &[(
            "introspectEndpointAuthMethod",
            &["NONE", "CLIENT_SECRET_BASIC", "CLIENT_SECRET_POST"],
        )],
        behaviour: Behaviour::Resource,
        ..family("resources")
    },
    Family {
        required: &["name"],
        unique: &["name"],
        ..child("resources.scopes", RESOURCE)
    },
    Family {
        required: &["name", "value"],
        unique: &["name"],
        behaviour: Behaviour::ResourceAttribute,
        ..child("resources.attributes", RESOURCE)
    },
    Family {
        required: &["name"],
        unique: &["name"],
        behaviour: Behaviour::ApplicationResource,
        ..child("resources.applicationResources", RESOURCE_AS_PARENT)
    },
    Family {
        required: &["action"],
        unique: &["action"],
        behaviour: Behaviour::ApplicationPermission,
        ..child(
            "resources.applicationResources.permissions",
            APPLICATION_RESOURCE,
        )
    },
    Family {
        required: &["name"],
        unique: &["name"],
        ..family("applicationRoles")
    },
    Family {
        behaviour: Behaviour::Image,
        ..family("images")
    },
    Family {
        required: &["name"],
        unique: &["name"],
        refs: &[("passwordPolicy", "passwordPolicies")],
        behaviour: Behaviour::Population,
        category: Category::Identity,
        ..family("populations")
    },
    Family {
        required: &["username"],
        unique: &["username"],
        refs: &[("population", "populations")],
        enums: &[("lifecycle.status", &["ACCOUNT_OK", "VERIFICATION_REQUIRED"])],
        behaviour: Behaviour::User,
        category: Category::Identity,
        ..family("users")
    },
    Family {
        required: &["type"],
        enums: &[
            (
                "type",
                &[
                    "EMAIL",
                    "SMS",
                    "VOICE",
                    "TOTP",
                    "FIDO2",
                    "MOBILE",
                    "PLATFORM",
                    "SECURITY_KEY",
                    "OATH_TOKEN",
                ],
            ),
            ("status", &["ACTIVE", "ACTIVATION_REQUIRED"]),
        ],
        behaviour: Behaviour::Device,
        category: Category::Identity,
        ..child("users.devices", USER)
    },
    Family {
        required: &["role", "scope"],
        enums: &[("scope.type", SCOPE_TYPES)],
        behaviour: Behaviour::RoleAssignment,
        category: Category::Identity,
        ..child("users.roleAssignments", USER)
    },
    Family {
        required: &["name"],
        unique: &["name"],
        refs: &[("population", "populations")],
        category: Category::Identity,
        ..family("groups")
    },
    Family {
        required: &["name"],
        unique: &["name"],
        ..family("signOnPolicies")
    },
    Family {
        required: &["type", "priority"],
        enums: &[("type", ACTION_TYPES)],
        behaviour: Behaviour::SignOnAction,
        ..child("signOnPolicies.actions", SIGN_ON_POLICY)
    },
    Family {
        required: &["name", "enabled"],
        unique: &["name"],
        behaviour: Behaviour::Agreement,
        ..family("agreements")
    },
    Family {
        required: &["locale", "displayName", "enabled"],
        unique: &["locale"],
        behaviour: Behaviour::Agreement,
        ..child("agreements.languages", AGREEMENT)
    },
    Family {
        required: &["contentType", "effectiveAt", "requireReconsent", "text"],
        enums: &[("contentType", &["text/html", "text/plain"])],
        behaviour: Behaviour::Agreement,
        ..child("agreements.languages.revisions", AGREEMENT_LANGUAGE)
    },
    Family {
        required: &["locale", "enabled", "default"],
        unique: &["locale"],
        create_status: 200,
        ..family("languages")
    },
    Family {
        behaviour: Behaviour::ReadOnly,
        ..family("templates")
    },
    Family {
        required: &["locale", "deliveryMethod"],
        enums: &[("deliveryMethod", DELIVERY)],
        ..child("templates.contents", TEMPLATE)
    },
    Family {
        required: &[
            "name",
            "excludesCommonlyUsed",
            "excludesProfileData",
            "notSimilarToCurrent",
        ],
        unique: &["name"],
        behaviour: Behaviour::PasswordPolicy,
        ..family("passwordPolicies")
    },
    Family {
        required: &["type", "name", "enabled"],
        unique: &["name"],
        enums: &[("type", IDP_TYPES)],
        create_status: 200,
        behaviour: Behaviour::IdentityProvider,
        ..family("identityProviders")
    },
    Family {
        required: &["name", "value"],
        ..child("identityProviders.attributes", IDENTITY_PROVIDER)
    },
    Family {
        required: &["name", "type", "enabled"],
        unique: &["name"],
        enums: &[(
            "type",
            &[
                "LDAP",
                "PING_FEDERATE",
                "PING_INTELLIGENCE",
                "API_GATEWAY_INTEGRATION",
                "RADIUS",
            ],
        )],
        behaviour: Behaviour::Gateway,
        ..family("gateways")
    },
    Family {
        behaviour: Behaviour::GatewayCredential,
        ..child("gateways.credentials", GATEWAY)
    },
    Family {
        required: &["role", "scope"],
        enums: &[("scope.type", SCOPE_TYPES)],
        behaviour: Behaviour::RoleAssignment,
        ..child("gateways.roleAssignments", GATEWAY)
    },
    Family {
        required: &["name"],
        unique: &["name"],
        ..family("deviceAuthenticationPolicies")
    },
    Family {
        // Created and edited in DaVinci; the platform API only reads them.
        behaviour: Behaviour::ReadOnly,
        ..family("flowPolicies")
    },
    Family {
        required: &["name"],
        unique: &["name"],
        ..family("roles")
    },
    Family {
        ..family("certificates")
    },
    Family { ..family("keys") },
    Family {
        behaviour: Behaviour::ReadOnly,
        ..family("activities")
    },
    Family {
        required: &["name", "compactName", "type"],
        unique: &["name", "compactName"],
        enums: &[("type", crate::management::risk::predictors::TYPES)],
        behaviour: Behaviour::RiskPredictor,
        ..family("riskPredictors")
    },
    Family {
        required: &["name", "riskPolicies"],
        unique: &["name"],
        behaviour: Behaviour::RiskPolicySet,
        ..family("riskPolicySets")
    },
    Family {
        // Created by evaluating an event (`risk::evaluations`), never written directly.
        behaviour: Behaviour::ReadOnly,
        ..family("riskEvaluations")
    },
    Family {
        // The integration catalog is PingOne's, the same in every environment.
        behaviour: Behaviour::ReadOnly,
        ..family("integrations")
    },
    Family {
        behaviour: Behaviour::ReadOnly,
        ..child("integrations.versions", INTEGRATION)
    },
    // Propagation collections live under `/propagation/`, which routing keeps in the segment.
    Family {
        required: &["name"],
        enums: &[("status", &["ACTIVE", "INACTIVE"])],
        behaviour: Behaviour::PropagationPlan,
        ..named("propagation.plans", "propagation/plans", "plans")
    },
    Family {
        required: &["name", "type"],
        enums: &[
            ("type", crate::management::propagation::STORE_TYPES),
            ("status", &["ACTIVE", "INACTIVE"]),
        ],
        behaviour: Behaviour::PropagationStore,
        ..named("propagation.stores", "propagation/stores", "stores")
    },
    Family {
        required: &["name", "plan", "sourceStore", "targetStore"],
        refs: &[
            ("plan", "propagation.plans"),
            ("sourceStore", "propagation.stores"),
            ("targetStore", "propagation.stores"),
            ("parentRule", "propagation.rules"),
        ],
        behaviour: Behaviour::PropagationRule,
        ..named("propagation.rules", "propagation/rules", "rules")
    },
    Family {
        required: &["targetAttribute"],
        unique: &["targetAttribute"],
        behaviour: Behaviour::PropagationMapping,
        ..child("propagation.rules.mappings", PROPAGATION_RULE)
    },
    Family {
        required: &["name"],
        ..family("notificationsPolicies")
    },
];

/// The family at `segment` directly under `parent` (`None` = under the environment).
pub fn find(parent: Option<&str>, segment: &str) -> Option<&'static Family> {
    FAMILIES
        .iter()
        .find(|f| f.parent == parent && f.segment == segment)
}

pub fn by_key(key: &str) -> Option<&'static Family> {
    FAMILIES.iter().find(|f| f.key == key)
}

/// Families nested directly under `key` (for cascading deletes and links).
pub fn children_of(key: &'static str) -> impl Iterator<Item = &'static Family> {
    FAMILIES.iter().filter(move |f| f.parent == Some(key))
}
