//! External authentication (`/{envId}/rp/...`): a flow hands the user to an OpenID Connect
//! identity provider and takes them back.
//!
//! `GET /rp/authenticate?providerId=&flowId=` redirects to the provider's
//! `authorizationEndpoint` (client id, our callback, `state`, `nonce`, PKCE when the
//! provider asks for it). `GET /rp/callback/openid_connect?code=&state=` exchanges the code
//! at the provider's `tokenEndpoint`, validates the ID token (signature, `iss`, `aud`,
//! `exp`, `nonce`) and returns to the flow: signed on when the external subject is linked to
//! a user (or provisioned into the provider's `registration.population`), else
//! `ACCOUNT_LINKING_REQUIRED` until `usernamePassword.check` names the user to link.
//!
//! SAML providers go through `saml::sp` instead, which ends the same way ([`conclude`]).
//!
//! Providers are reachable only inside the sandbox: endpoints on its own base URL reach the
//! environment they name, in-process, through the same token endpoint code clients use.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::auth::authorize::sign_on_page;
use crate::auth::flows::{self, External, Flow};
use crate::auth::resume::{self, redirect};
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::generate;
use crate::management::crud::{self, str_field};
use crate::management::family;
use crate::management::hooks::Hook;
use crate::request::{EnvRequest, OAuthForm};
use crate::server::AppState;
use crate::store::{EnvData, Store};

/// `{base}/{env}/rp/callback/openid_connect`
fn callback_url(store: &Store, env_id: &str) -> String {
    format!("{}/{env_id}/rp/callback/openid_connect", store.base_url)
}

/// Whether the flow's sign-on policy offers this provider (identity provider action,
/// discovery rule or social provider).
fn offered(flow: &Flow, provider: &str) -> bool {
    let id_of = |v: &Value| v.get("id").and_then(Value::as_str) == Some(provider);
    flow.actions.iter().any(|action| {
        action.get("identityProvider").is_some_and(id_of)
            || action
                .get("socialProviders")
                .and_then(Value::as_array)
                .is_some_and(|list| list.iter().any(id_of))
            || action
                .get("discoveryRules")
                .and_then(Value::as_array)
                .is_some_and(|rules| {
                    rules
                        .iter()
                        .any(|r| r.get("identityProvider").is_some_and(id_of))
                })
    })
}

/// The unfinished flow (its cookies checked) and the enabled provider its sign-on
/// policy offers; `target` names the request parameter that carried the provider.
pub fn provider_for(
    data: &mut EnvData,
    flow_id: &str,
    provider_id: &str,
    target: &str,
    headers: &HeaderMap,
) -> ApiResult<(Flow, Map<String, Value>)> {
    let flow = flows::check_access(data, flow_id, headers)?.clone();
    if flow.status == "COMPLETED" || flow.status == "FAILED" {
        return Err(ApiError::invalid_request(
            "The request could not be completed. The flow is already finished.",
        ));
    }
    let idp = data
        .body("identityProviders", provider_id)
        .filter(|idp| idp.get("enabled").and_then(Value::as_bool) != Some(false))
        .filter(|_| offered(&flow, provider_id))
        .cloned()
        .ok_or_else(|| {
            ApiError::invalid_value(
                target,
                "The identity provider is not enabled for this sign-on",
            )
        })?;
    Ok((flow, idp))
}

/// `GET /{envId}/rp/authenticate?providerId=&flowId=`
pub async fn authenticate(req: EnvRequest) -> Response {
    match start(&req) {
        Ok(location) => redirect(&location),
        Err(err) => err.into_response(),
    }
}

fn start(req: &EnvRequest) -> ApiResult<String> {
    let (store, env_id, query) = (req.store(), req.env_id.as_str(), &req.query);
    let mut data = req.env.write();
    let provider_id = query
        .get("providerId")
        .cloned()
        .ok_or_else(|| ApiError::invalid_value("providerId", "providerId is required"))?;
    let flow_id = query
        .get("flowId")
        .cloned()
        .ok_or_else(|| ApiError::invalid_value("flowId", "flowId is required"))?;
    let (_, idp) = provider_for(
        &mut data,
        &flow_id,
        &provider_id,
        "providerId",
        &req.headers,
    )?;
    // SAML providers are reached through the SAML SP endpoint.
    if str_field(&idp, "type") == "SAML" {
        return Ok(crate::saml::sp::sso_url(
            store,
            env_id,
            &provider_id,
            &flow_id,
        ));
    }
    if str_field(&idp, "type") != "OPENID_CONNECT" {
        return Err(ApiError::invalid_value(
            "providerId",
            "Only OPENID_CONNECT and SAML identity providers can be reached from the sandbox",
        ));
    }
    let authorization =
        url::Url::parse(str_field(&idp, "authorizationEndpoint")).map_err(|_| {
            ApiError::invalid_value(
                "authorizationEndpoint",
                "The identity provider's authorizationEndpoint is not a URL",
            )
        })?;
    let external = External {
        provider_id,
        state: generate::opaque(),
        nonce: generate::opaque(),
        verifier: matches!(str_field(&idp, "pkceMethod"), "S256" | "PLAIN").then(generate::opaque),
        subject: None,
    };
    let scopes: Vec<&str> = idp
        .get("scopes")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .filter(|list: &Vec<&str>| !list.is_empty())
        .unwrap_or_else(|| vec!["openid"]);
    let mut location = authorization;
    {
        let mut pairs = location.query_pairs_mut();
        pairs
            .append_pair("client_id", str_field(&idp, "clientId"))
            .append_pair("redirect_uri", &callback_url(store, env_id))
            .append_pair("response_type", "code")
            .append_pair("scope", &scopes.join(" "))
            .append_pair("state", &external.state)
            .append_pair("nonce", &external.nonce);
        if let Some(verifier) = &external.verifier {
            if str_field(&idp, "pkceMethod") == "S256" {
                let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
                pairs
                    .append_pair("code_challenge", &challenge)
                    .append_pair("code_challenge_method", "S256");
            } else {
                pairs
                    .append_pair("code_challenge", verifier)
                    .append_pair("code_challenge_method", "plain");
            }
        }
    }
    if let Some(stored) = data.flows.get_mut(&flow_id) {
        stored.external = Some(external);
        stored.expires_at = clock::now() + flows::FLOW_SECONDS;
    }
    Ok(location.to_string())
}

/// `GET /{envId}/rp/callback/openid_connect?code=&state=` (or `error=` from the provider).
pub async fn callback(req: EnvRequest) -> Response {
    match finish(&req).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn finish(req: &EnvRequest) -> ApiResult<Response> {
    let (state, store, env_id, query) = (&req.state, req.store(), req.env_id.as_str(), &req.query);
    let env = &req.env;
    let wanted = query.get("state").map(String::as_str).unwrap_or_default();
    // Find the flow that sent the user away, and hold no lock while the provider answers.
    let (flow_id, external, idp) = {
        let mut data = env.write();
        let flow_id = data
            .flows
            .values()
            .find(|f| {
                f.external.as_ref().is_some_and(|e| {
                    !wanted.is_empty() && crate::store::constant_eq(&e.state, wanted)
                })
            })
            .map(|f| f.id.clone())
            .ok_or_else(|| ApiError::invalid_value("state", "The state does not match a flow"))?;
        let flow = flows::check_access(&mut data, &flow_id, &req.headers)?;
        let external = flow.external.clone().ok_or_else(ApiError::not_found)?;
        let idp = data
            .body("identityProviders", &external.provider_id)
            .cloned()
            .ok_or_else(ApiError::not_found)?;
        (flow_id, external, idp)
    };
    let outcome = match (query.get("error"), query.get("code")) {
        (Some(error), _) => Err(format!(
            "The identity provider answered {error}: {}",
            query
                .get("error_description")
                .map(String::as_str)
                .unwrap_or_default()
        )),
        (None, Some(code)) => exchange(state, env_id, &idp, &external, code).await,
        (None, None) => Err("The identity provider returned no code".to_string()),
    };
    let mut data = env.write();
    conclude(store, &mut data, env_id, &flow_id, &idp, &external, outcome)
}

/// Applies the provider's answer (its claims, or why it failed) to the flow and sends the
/// user back to the sign-on page.
pub fn conclude(
    store: &Store,
    data: &mut EnvData,
    env_id: &str,
    flow_id: &str,
    idp: &Map<String, Value>,
    external: &External,
    outcome: Result<Map<String, Value>, String>,
) -> ApiResult<Response> {
    let mut flow = data
        .flows
        .get(flow_id)
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    match outcome {
        Ok(claims) => signed_on(store, data, &mut flow, idp, external, &claims),
        Err(message) => flow.fail("EXTERNAL_AUTHENTICATION_FAILED", &message),
    }
    flow.expires_at = clock::now() + flows::FLOW_SECONDS;
    flows::advance(data, &mut flow);
    if flow.status == "COMPLETED" && flow.is_pi_flow() && flow.authorize_response.is_none() {
        flow.authorize_response = Some(resume::authorize_response(store, data, &flow)?);
    }
    let app = data
        .body("applications", &flow.app_id)
        .cloned()
        .unwrap_or_default();
    let mut response = redirect(&sign_on_page(store, &app, env_id, &flow.id));
    flows::append_cookies(response.headers_mut(), env_id, &mut flow);
    data.flows.insert(flow.id.clone(), flow);
    Ok(response)
}

/// The provider's answer applied to the flow: a linked (or provisioned) user signs on,
/// anyone else must link an account.
fn signed_on(
    store: &Store,
    data: &mut EnvData,
    flow: &mut Flow,
    idp: &Map<String, Value>,
    external: &External,
    claims: &Map<String, Value>,
) {
    let subject = str_field(claims, "sub").to_string();
    let key = (external.provider_id.clone(), subject.clone());
    let linked = data
        .linked_accounts
        .get(&key)
        .filter(|user| data.row("users", user).is_some())
        .cloned()
        .or_else(|| provision(store, data, idp, &external.provider_id, claims));
    flow.external = Some(External {
        subject: linked.is_none().then(|| subject.clone()),
        ..external.clone()
    });
    if let Some(user_id) = linked {
        data.linked_accounts.insert(key, user_id.clone());
        flow.user_id = Some(user_id);
        flow.authenticated = true;
        // The provider's methods stand for how the user authenticated.
        for method in crud::strings(claims, "amr") {
            flow.push_amr(&method);
        }
    }
}

/// Just-in-time provisioning into the provider's `registration.population`, when set.
fn provision(
    store: &Store,
    data: &mut EnvData,
    idp: &Map<String, Value>,
    provider_id: &str,
    claims: &Map<String, Value>,
) -> Option<String> {
    let population = idp
        .get("registration")?
        .get("population")?
        .get("id")?
        .clone();
    let username = ["preferred_username", "email", "sub"]
        .iter()
        .find_map(|c| claims.get(*c).and_then(Value::as_str))?;
    let mut user = Map::new();
    user.insert("username".into(), json!(username));
    if let Some(email) = claims.get("email") {
        user.insert("email".into(), email.clone());
    }
    let name: Map<String, Value> = [("given", "given_name"), ("family", "family_name")]
        .iter()
        .filter_map(|(field, claim)| Some((field.to_string(), claims.get(*claim)?.clone())))
        .collect();
    if !name.is_empty() {
        user.insert("name".into(), Value::Object(name));
    }
    user.insert("population".into(), json!({"id": population}));
    user.insert("identityProvider".into(), json!({"id": provider_id}));
    let family = family::by_key("users")?;
    // A clash (e.g. the username is taken) leaves the user to link an account instead.
    crud::create(&Hook { store, actor: None }, data, family, None, user).ok()
}

/// Redeems the code at the provider's token endpoint and validates its ID token.
async fn exchange(
    state: &AppState,
    env_id: &str,
    idp: &Map<String, Value>,
    external: &External,
    code: &str,
) -> Result<Map<String, Value>, String> {
    let store = &state.store;
    let token_endpoint = str_field(idp, "tokenEndpoint");
    let provider_env = token_endpoint
        .strip_prefix(&format!("{}/", store.base_url))
        .and_then(|rest| rest.strip_suffix("/as/token"))
        .filter(|env| !env.contains('/') && store.env(env).is_some())
        .ok_or_else(|| {
            format!("The identity provider's token endpoint {token_endpoint} is not reachable")
        })?
        .to_string();
    let (client_id, secret) = (str_field(idp, "clientId"), str_field(idp, "clientSecret"));
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    let post_secret = str_field(idp, "tokenEndpointAuthMethod") == "CLIENT_SECRET_POST";
    if !post_secret {
        let basic = STANDARD.encode(format!("{client_id}:{secret}"));
        if let Ok(value) = HeaderValue::from_str(&format!("Basic {basic}")) {
            headers.insert(header::AUTHORIZATION, value);
        }
    }
    // Built in one go: the serializer must not live across the await below.
    let form_body = {
        let mut params = url::form_urlencoded::Serializer::new(String::new());
        params
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", &callback_url(store, env_id));
        if let Some(verifier) = &external.verifier {
            params.append_pair("code_verifier", verifier);
        }
        if post_secret {
            params
                .append_pair("client_id", client_id)
                .append_pair("client_secret", secret);
        }
        params.finish()
    };
    let response = match OAuthForm::in_process(state, &provider_env, headers, form_body.as_bytes())
    {
        Ok(form) => crate::auth::token::token(form).await,
        Err(refused) => refused,
    };
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .map_err(|_| "The identity provider's token response could not be read".to_string())?;
    let body: Map<String, Value> = serde_json::from_slice(&body).unwrap_or_default();
    if !status.is_success() {
        return Err(format!(
            "The identity provider refused the code: {} {}",
            str_field(&body, "error"),
            str_field(&body, "error_description")
        ));
    }
    let id_token = str_field(&body, "id_token");
    // The provider's JWKS is the sandbox's own key.
    let claims = store
        .keys
        .verify(id_token)
        .ok_or_else(|| "The identity provider returned no valid ID token".to_string())?;
    let audience_ok = crate::auth::claims::has_audience(&claims, client_id);
    let checks = [
        (str_field(&claims, "iss") == str_field(idp, "issuer"), "iss"),
        (audience_ok, "aud"),
        (
            claims
                .get("exp")
                .and_then(Value::as_u64)
                .is_some_and(|exp| exp > clock::now()),
            "exp",
        ),
        (str_field(&claims, "nonce") == external.nonce, "nonce"),
        (!str_field(&claims, "sub").is_empty(), "sub"),
    ];
    match checks.iter().find(|(ok, _)| !ok) {
        Some((_, claim)) => Err(format!("The ID token's {claim} is not valid")),
        None => Ok(claims),
    }
}
