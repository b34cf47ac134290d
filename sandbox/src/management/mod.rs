//! The management API (`/v1/...`): Bearer authentication, role checks, and routing of
//! each path either to a family's behaviour or to the generic CRUD.

pub mod access;
pub mod agreements;
pub mod app_resources;
pub mod app_roles;
pub mod applications;
pub mod certificates;
pub mod crud;
pub mod environments;
pub mod family;
pub mod filter;
pub mod gateways;
pub mod hooks;
pub mod identity_providers;
pub mod images;
pub mod integrations;
pub mod multipart;
pub mod password_policies;
pub mod propagation;
pub mod resources;
pub mod risk;
pub mod roles;
pub mod sign_on_policies;
pub mod users;
pub mod x509;

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::audit;
use crate::auth::session;
use crate::error::{ApiError, ApiResult};
use crate::management::access::{Actor, Need};
use crate::management::family::{Behaviour, Category};
use crate::management::hooks::Hook;
use crate::server::{AppState, content_type, form};
use crate::store::Store;

/// A management request after authentication.
struct Call<'a> {
    store: &'a Store,
    actor: &'a Actor,
    method: &'a Method,
    headers: &'a HeaderMap,
    query: HashMap<String, String>,
    body: &'a [u8],
}

fn ok(value: Value) -> Response {
    (StatusCode::OK, Json(value)).into_response()
}

fn created(status: u16, location: Option<String>, value: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::CREATED);
    let mut response = (status, Json(value)).into_response();
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// A link operation's answer: 201 with the new link, 200 with a body, else 204.
fn answer(status: u16, body: Option<Value>) -> Response {
    match (status, body) {
        (201, Some(body)) => created(201, None, body),
        (_, Some(body)) => ok(body),
        _ => no_content(),
    }
}

pub async fn dispatch_root(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match access::authenticate(&state.store, &headers) {
        Ok(_) => ApiError::not_found().into_response(),
        Err(err) => err.into_response(),
    }
}

pub async fn dispatch(
    State(state): State<AppState>,
    method: Method,
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let store = &state.store;
    let actor = match access::authenticate(store, &headers) {
        Ok(actor) => actor,
        Err(err) => return err.into_response(),
    };
    let call = Call {
        store,
        actor: &actor,
        method: &method,
        headers: &headers,
        query: form(query.unwrap_or_default().as_bytes()),
        body: &body,
    };
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match route(&call, &segments) {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

fn json_body(call: &Call) -> ApiResult<serde_json::Map<String, Value>> {
    let media = content_type(call.headers);
    if !media.is_empty() && media != "application/json" && !media.ends_with("+json") {
        return Err(ApiError::unsupported_media_type());
    }
    crud::object(call.body)
}

fn route(call: &Call, segments: &[&str]) -> ApiResult<Response> {
    let method = call.method.as_str();
    match segments {
        ["environments"] => match method {
            "GET" => Ok(ok(environments::list(call.store, call.actor, &call.query)?)),
            "POST" => {
                let (id, body) = environments::create(call.store, call.actor, json_body(call)?)?;
                Ok(created(
                    201,
                    Some(format!("{}/v1/environments/{id}", call.store.base_url)),
                    body,
                ))
            }
            _ => Err(ApiError::method_not_allowed()),
        },
        ["environments", env_id] => match method {
            "GET" => Ok(ok(environments::read(call.store, call.actor, env_id)?)),
            "PUT" => Ok(ok(environments::update(
                call.store,
                call.actor,
                env_id,
                json_body(call)?,
                false,
            )?)),
            "PATCH" => Ok(ok(environments::update(
                call.store,
                call.actor,
                env_id,
                json_body(call)?,
                true,
            )?)),
            "DELETE" => {
                environments::delete(call.store, call.actor, env_id)?;
                Ok(no_content())
            }
            _ => Err(ApiError::method_not_allowed()),
        },
        ["environments", env_id, rest @ ..] => environment_scoped(call, env_id, rest),
        ["organizations", rest @ ..] if method == "GET" => Ok(ok(environments::organizations(
            call.store, call.actor, rest,
        )?)),
        ["roles"] if method == "GET" => Ok(ok(roles::list(call.store))),
        ["roles", id] if method == "GET" => Ok(ok(roles::read(call.store, id)?)),
        _ => Err(ApiError::not_found()),
    }
}

/// `GET .../keys/{id}` asked for the certificate (PEM) instead of the JSON.
fn accepts_pem(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/x-x509-ca-cert"))
}

fn category_of(segment: &str) -> Category {
    family::find(None, segment)
        .map(|f| f.category)
        .unwrap_or(Category::Config)
}

fn environment_scoped(call: &Call, env_id: &str, rest: &[&str]) -> ApiResult<Response> {
    let store = call.store;
    let env = store.env(env_id).ok_or_else(ApiError::not_found)?;
    let method = call.method.as_str();
    // `propagation/{plans,stores,rules}` are one family segment each.
    let joined: String;
    let rest: Vec<&str> = match rest {
        ["propagation", collection, tail @ ..] => {
            joined = format!("propagation/{collection}");
            std::iter::once(joined.as_str())
                .chain(tail.iter().copied())
                .collect()
        }
        _ => rest.to_vec(),
    };
    let aliased: Vec<String>;
    let rest: Vec<&str> = match app_resources::canonical(&env.read(), &rest) {
        Some(path) => {
            aliased = path?;
            aliased.iter().map(String::as_str).collect()
        }
        None => rest,
    };
    let first = rest.first().copied().unwrap_or_default();
    let need = Need::Data {
        category: category_of(first),
        // Searching activities by POST keeps the filter out of the URL; it reads.
        write: method != "GET" && !(first == "activities" && method == "POST"),
    };
    {
        let data = env.read();
        call.actor.require(store, Some(env_id), Some(&data), need)?;
    }
    let hook = Hook {
        store,
        actor: Some(call.actor),
    };
    let media = content_type(call.headers);
    match (rest.as_slice(), method) {
        (["applications", id, "secret"], "GET" | "POST" | "DELETE") => {
            let mut data = env.write();
            let value = applications::secret(store, call.actor, &mut data, id, method, call.body)?;
            Ok(if method == "DELETE" {
                no_content()
            } else {
                ok(value)
            })
        }
        (["resources", id, "secret"], "GET" | "POST") => {
            let mut data = env.write();
            let value = resources::secret(store, &mut data, id, method == "POST")?;
            Ok(ok(value))
        }
        (["applicationResources"], "GET") => Ok(ok(app_resources::list_all(store, &env.read())?)),
        (["applicationResources"], _) => Err(ApiError::method_not_allowed()),
        (["resources", id, "applicationPermissions"], "GET") => {
            let data = env.read();
            Ok(ok(app_resources::resource_permissions(store, &data, id)?))
        }
        (["applicationRoles", id, "assignments"], "GET") => {
            Ok(ok(app_roles::assignments(store, &env.read(), id)?))
        }
        (["applicationRoles", owner, "permissions", tail @ ..], _) if tail.len() <= 1 => {
            app_link(call, &env, app_roles::Link::RolePermissions, owner, tail)
        }
        (["users", owner, "applicationRoles", tail @ ..], _) if tail.len() <= 1 => {
            app_link(call, &env, app_roles::Link::UserRoles, owner, tail)
        }
        (["keys", id], "GET") if accepts_pem(call.headers) => {
            let material = crate::saml::signing_keys::material(&mut env.write(), id)?;
            let mut response = material.certificate_pem().into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-x509-ca-cert"),
            );
            Ok(response)
        }
        (["images"], "POST") => {
            let mut data = env.write();
            let id = images::upload(&hook, &mut data, &media, call.body)?;
            let family = family::by_key("images").ok_or_else(ApiError::not_found)?;
            let location = format!("{}{}", store.base_url, crud::self_path(&data, family, &id));
            Ok(created(
                201,
                Some(location),
                crud::read(&store.base_url, &data, family, &id)?,
            ))
        }
        (["users", id, "password"], "GET") => {
            let data = env.read();
            data.row("users", id).ok_or_else(ApiError::not_found)?;
            let expand = call
                .query
                .get("expand")
                .is_some_and(|e| e.contains("passwordPolicy"));
            Ok(ok(users::password_state(store, &data, id, expand)))
        }
        (["users", id, "password"], "PUT" | "POST") => {
            let mut data = env.write();
            Ok(ok(users::password_action(
                store,
                &mut data,
                id,
                (method, &media),
                call.body,
            )?))
        }
        (["users", id, "mfaEnabled"], "GET") => {
            let mut data = env.write();
            Ok(ok(users::mfa_enabled(store, &mut data, id, None)?))
        }
        (["users", id, "mfaEnabled"], "PUT") => {
            let mut data = env.write();
            let value = users::mfa_enabled(store, &mut data, id, Some(call.body))?;
            Ok(ok(value))
        }
        (["users", id, "mfaEnabled" | "password"], _) => {
            env.read()
                .row("users", id)
                .ok_or_else(ApiError::not_found)?;
            Err(ApiError::method_not_allowed())
        }
        (["users", id, "memberOfGroups", tail @ ..], _) if tail.len() <= 1 => {
            let mut data = env.write();
            let (status, body) = users::memberships(
                store,
                &mut data,
                id,
                tail.first().copied(),
                method,
                call.body,
            )?;
            Ok(answer(status, body))
        }
        (["certificates"], "POST") => {
            let raw = call
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let mut data = env.write();
            let id = certificates::upload(&hook, &mut data, raw, call.body)?;
            let family = family::by_key("certificates").ok_or_else(ApiError::not_found)?;
            let location = format!("{}{}", store.base_url, crud::self_path(&data, family, &id));
            // PingOne accepts the upload for processing: 202 with the parsed certificate.
            Ok(created(
                202,
                Some(location),
                crud::read(&store.base_url, &data, family, &id)?,
            ))
        }
        (["users", id, "agreementConsents", tail @ ..], "GET") if tail.len() <= 1 => {
            let data = env.read();
            Ok(ok(agreements::consents(
                &store.base_url,
                &data,
                id,
                tail.first().copied(),
            )?))
        }
        (["users", id, "devices"], "POST")
            if media == "application/vnd.pingidentity.devices.reorder+json" =>
        {
            let mut data = env.write();
            Ok(ok(users::reorder_devices(&mut data, id, call.body)?))
        }
        (["users", id, "devices", device], "POST") => {
            if media != "application/vnd.pingidentity.device.activate+json" {
                return Err(ApiError::unsupported_media_type());
            }
            let mut data = env.write();
            users::activate_device(&mut data, id, device, call.body)?;
            Ok(ok(crud::read(
                &store.base_url,
                &data,
                family::by_key("users.devices").ok_or_else(ApiError::not_found)?,
                device,
            )?))
        }
        (["users", id], "POST") => user_action(call, &env, id, &media),
        (["users", id, "sessions"], "GET") => {
            let data = env.read();
            data.row("users", id).ok_or_else(ApiError::not_found)?;
            let items: Vec<Value> = session::of_user(&data, id)
                .into_iter()
                .map(|s| session::to_json(&store.base_url, env_id, s))
                .collect();
            let count = items.len();
            Ok(ok(crate::links::collection(
                format!(
                    "{}/v1/environments/{env_id}/users/{id}/sessions",
                    store.base_url
                ),
                None,
                "sessions",
                items,
                count,
            )))
        }
        (["users", id, "sessions", session_id], "GET") => {
            let data = env.read();
            data.row("users", id).ok_or_else(ApiError::not_found)?;
            let found = session::of_user(&data, id)
                .into_iter()
                .find(|s| s.id == *session_id)
                .ok_or_else(ApiError::not_found)?;
            Ok(ok(session::to_json(&store.base_url, env_id, found)))
        }
        (["users", id, "sessions", session_id], "DELETE") => {
            let mut data = env.write();
            data.row("users", id).ok_or_else(ApiError::not_found)?;
            if !session::terminate(&mut data, id, session_id) {
                return Err(ApiError::not_found());
            }
            Ok(no_content())
        }
        (["integrations", id, "versions", version, "asset"], "GET") => {
            let mut data = env.write();
            let location = integrations::asset_link(&store.base_url, &mut data, id, version)?;
            let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
            if let Ok(location) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            Ok(response)
        }
        (["riskEvaluations"], "POST") => {
            let body = json_body(call)?;
            let mut data = env.write();
            let id = risk::evaluations::create(&mut data, body)?;
            let family = family::by_key("riskEvaluations").ok_or_else(ApiError::not_found)?;
            let location = format!("{}{}", store.base_url, crud::self_path(&data, family, &id));
            let value = crud::read(&store.base_url, &data, family, &id)?;
            Ok(created(201, Some(location), value))
        }
        (["riskEvaluations", id, "event"], "PUT") => {
            let body = json_body(call)?;
            let mut data = env.write();
            Ok(ok(risk::evaluations::update_event(
                &store.base_url,
                &mut data,
                id,
                body,
            )?))
        }
        (["propagation/plans", plan, "rules"], "GET" | "POST") => {
            plan_rules(call, &env, &hook, plan)
        }
        (["activities"], "GET" | "POST") => {
            let query = if method == "POST" {
                activity_search(call)?
            } else {
                call.query.clone()
            };
            Ok(ok(audit::query::list(
                &store.base_url,
                &env.read(),
                &query,
            )?))
        }
        (["activities", id], "GET") => {
            Ok(ok(audit::query::read(&store.base_url, &env.read(), id)?))
        }
        (["sessions"], "GET") => Ok(ok(crate::links::collection(
            format!("{}/v1/environments/{env_id}/sessions", store.base_url),
            None,
            "sessions",
            vec![],
            0,
        ))),
        (path, _) => generic(call, &env, &hook, path),
    }
}

/// `/propagation/plans/{planID}/rules`: the plan's rules, or a rule created in the plan.
fn plan_rules(
    call: &Call,
    env: &crate::store::Env,
    hook: &Hook,
    plan: &str,
) -> ApiResult<Response> {
    let store = call.store;
    let rules = family::by_key("propagation.rules").ok_or_else(ApiError::not_found)?;
    if env.read().row("propagation.plans", plan).is_none() {
        return Err(ApiError::not_found());
    }
    if call.method == Method::GET {
        let mut query = call.query.clone();
        let filter = propagation::plan_filter(plan, query.get("filter"));
        query.insert("filter".into(), filter);
        return Ok(ok(crud::list(
            &store.base_url,
            &env.read(),
            rules,
            None,
            &query,
        )?));
    }
    let mut body = json_body(call)?;
    if crud::lookup(&body, "plan.id").is_some_and(|given| given != plan) {
        return Err(ApiError::invalid_value(
            "plan.id",
            "The rule's plan is not the plan of the path",
        ));
    }
    body.insert("plan".into(), serde_json::json!({"id": plan}));
    let mut data = env.write();
    let id = crud::create(hook, &mut data, rules, None, body)?;
    let location = format!("{}{}", store.base_url, crud::self_path(&data, rules, &id));
    Ok(created(
        201,
        Some(location),
        crud::read(&store.base_url, &data, rules, &id)?,
    ))
}

/// An application-role link (`applicationRoles/{id}/permissions`, `users/{id}/applicationRoles`).
fn app_link(
    call: &Call,
    env: &crate::store::Env,
    link: app_roles::Link,
    owner: &str,
    tail: &[&str],
) -> ApiResult<Response> {
    let mut data = env.write();
    let method = call.method.as_str();
    let target = tail.first().copied();
    let (status, body) = app_roles::handle(
        call.store, &mut data, link, owner, target, method, call.body,
    )?;
    Ok(answer(status, body))
}

/// `POST .../users/{id}` with a vendor media type (verification codes).
fn user_action(
    call: &Call,
    env: &crate::store::Env,
    user_id: &str,
    media: &str,
) -> ApiResult<Response> {
    let mut data = env.write();
    data.row("users", user_id).ok_or_else(ApiError::not_found)?;
    match media {
        "application/vnd.pingidentity.user.sendverificationcode+json"
        | "application/vnd.pingidentity.user.sendVerificationCode+json" => {
            users::send_verification_code(&mut data, user_id);
            Ok(no_content())
        }
        "application/vnd.pingidentity.user.verify+json" => {
            let request = crud::object(call.body)?;
            let code = request
                .get("verificationCode")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if crate::outbox::latest(&data, crate::outbox::Kind::VerificationCode, user_id, None)
                != Some(code)
                || code.is_empty()
            {
                return Err(ApiError::invalid_value(
                    "verificationCode",
                    "The verification code is invalid",
                ));
            }
            crate::auth::flows::mark_verified(&mut data, user_id);
            let family = family::by_key("users").ok_or_else(ApiError::not_found)?;
            Ok(ok(crud::read(
                &call.store.base_url,
                &data,
                family,
                user_id,
            )?))
        }
        _ => Err(ApiError::unsupported_media_type()),
    }
}

/// Records `<TYPE>.<verb>` for an audited row written by a management call.
fn audit_change(
    data: &mut crate::store::EnvData,
    family: &str,
    id: &str,
    verb: &str,
    actors: Option<serde_json::Map<String, Value>>,
) {
    if let (Some(subject), Some(actors)) = (audit::subject(data, family, id), actors) {
        audit::record_change(data, subject, verb, actors);
    }
}

/// The search fields of `POST .../activities` (`filter`, `limit`, `cursor`) as query values.
fn activity_search(call: &Call) -> ApiResult<HashMap<String, String>> {
    let body = json_body(call)?;
    let mut query = HashMap::new();
    for field in ["filter", "limit", "cursor"] {
        match body.get(field) {
            Some(Value::String(text)) => {
                query.insert(field.to_string(), text.clone());
            }
            Some(Value::Number(n)) => {
                query.insert(field.to_string(), n.to_string());
            }
            _ => {}
        }
    }
    Ok(query)
}

fn generic(
    call: &Call,
    env: &crate::store::Env,
    hook: &Hook,
    path: &[&str],
) -> ApiResult<Response> {
    let store = call.store;
    let method = call.method.as_str();
    let target = {
        let data = env.read();
        crud::resolve(&data, path)?
    };
    let family = target.family;
    // The caller as the audit names it, resolved before the environment is locked for writing.
    let actors = audit::kind_of_family(family.key).map(|_| audit::admin_actors(store, call.actor));
    match (method, &target.id) {
        ("GET", None) => {
            let data = env.read();
            Ok(ok(crud::list(
                &store.base_url,
                &data,
                family,
                target.parent.as_deref(),
                &call.query,
            )?))
        }
        ("POST", None) => {
            let body = json_body(call)?;
            let mut data = env.write();
            let id = crud::create(hook, &mut data, family, target.parent.as_deref(), body)?;
            audit_change(&mut data, family.key, &id, "CREATED", actors);
            let mut value = crud::read(&store.base_url, &data, family, &id)?;
            if family.behaviour == Behaviour::Device {
                users::add_pairing(&data, &id, &mut value);
            }
            let location = format!("{}{}", store.base_url, crud::self_path(&data, family, &id));
            Ok(created(family.create_status, Some(location), value))
        }
        ("GET", Some(id)) => {
            let data = env.read();
            let mut value = crud::read(&store.base_url, &data, family, id)?;
            if family.key == "users"
                && call
                    .query
                    .get("include")
                    .is_some_and(|i| i.contains("memberOfGroup"))
            {
                let groups = data
                    .memberships
                    .get(id.as_str())
                    .cloned()
                    .unwrap_or_default();
                let names: Vec<Value> = groups
                    .iter()
                    .filter_map(|g| data.body("groups", g).and_then(|b| b.get("name")).cloned())
                    .collect();
                value["memberOfGroupIDs"] = serde_json::json!(groups);
                value["memberOfGroupNames"] = Value::Array(names);
            }
            Ok(ok(value))
        }
        ("PUT" | "PATCH", Some(id)) => {
            let body = json_body(call)?;
            let mut data = env.write();
            crud::update(hook, &mut data, family, id, body, method == "PATCH")?;
            audit_change(&mut data, family.key, id, "UPDATED", actors);
            Ok(ok(crud::read(&store.base_url, &data, family, id)?))
        }
        ("DELETE", Some(id)) => {
            let mut data = env.write();
            let subject = audit::subject(&data, family.key, id);
            crud::delete(&mut data, family, id)?;
            if let (Some(subject), Some(actors)) = (subject, actors) {
                audit::record_change(&mut data, subject, "DELETED", actors);
            }
            Ok(no_content())
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}
