//! PingOne as the SP of an external SAML identity provider.
//!
//! `GET /{envId}/saml20/sp/sso?idpId=&flowId=` sends the user to the provider's
//! `ssoEndpoint` with an AuthnRequest (auto-post form for `HTTP_POST`, a redirect for
//! `HTTP_REDIRECT`). `POST /{envId}/saml20/sp/acs` takes the provider's Response: it must
//! answer that request and pass [`response_check`]; then the flow goes on as after an
//! OpenID Connect provider (linked, provisioned or account linking). A Response that does
//! not check out is refused with a 400 and leaves the flow waiting.

use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use super::authn_request;
use super::idp::REPLAY_SECONDS;
use super::post_binding::autopost;
use super::response::{ASSERTION_NS, PROTOCOL_NS};
use super::response_check::{self, Expected};
use super::xml::{self, escape_attribute as attr, escape_text as text};
use crate::auth::external::{conclude, provider_for};
use crate::auth::flows::{self, External};
use crate::auth::resume::redirect;
use crate::clock;
use crate::error::{ApiError, ApiResult, Detail};
use crate::generate;
use crate::management::certificates;
use crate::management::crud::str_field;
use crate::management::x509;
use crate::request::{EnvPost, EnvRequest};
use crate::server::{content_type, form};
use crate::store::{EnvData, Store, constant_eq};

/// `{base}/{env}/saml20/sp/acs`
pub fn acs_url(store: &Store, env_id: &str) -> String {
    format!("{}/{env_id}/saml20/sp/acs", store.base_url)
}

/// Where a flow's user goes to sign on with a SAML provider.
pub fn sso_url(store: &Store, env_id: &str, provider_id: &str, flow_id: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("idpId", provider_id)
        .append_pair("flowId", flow_id)
        .finish();
    format!("{}/{env_id}/saml20/sp/sso?{query}", store.base_url)
}

fn bad(target: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid_data(vec![Detail::invalid(target, message)])
}

/// `GET /{envId}/saml20/sp/sso?idpId=&flowId=`
pub async fn sso(req: EnvRequest) -> Response {
    start(&req).unwrap_or_else(IntoResponse::into_response)
}

fn start(req: &EnvRequest) -> ApiResult<Response> {
    let (store, env_id) = (req.store(), req.env_id.as_str());
    let param = |name: &str| {
        req.query
            .get(name)
            .cloned()
            .ok_or_else(|| ApiError::invalid_data(vec![Detail::required(name)]))
    };
    let (provider_id, flow_id) = (param("idpId")?, param("flowId")?);
    let mut data = req.env.write();
    let (_, idp) = provider_for(&mut data, &flow_id, &provider_id, "idpId", &req.headers)?;
    if str_field(&idp, "type") != "SAML" {
        return Err(bad("idpId", "The identity provider is not a SAML provider"));
    }
    let endpoint = str_field(&idp, "ssoEndpoint").to_string();
    let mut location = url::Url::parse(&endpoint).map_err(|_| {
        bad(
            "ssoEndpoint",
            "The identity provider's ssoEndpoint is not a URL",
        )
    })?;
    // RelayState carries the flow's correlation; the request ID comes back as InResponseTo.
    let external = External {
        provider_id,
        state: generate::opaque(),
        nonce: format!("_{}", generate::id()),
        verifier: None,
        subject: None,
    };
    let request = format!(
        "<samlp:AuthnRequest xmlns:samlp=\"{PROTOCOL_NS}\" xmlns:saml=\"{ASSERTION_NS}\" ID=\"{}\" Version=\"2.0\" IssueInstant=\"{}\" Destination=\"{}\" AssertionConsumerServiceURL=\"{}\" ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\"><saml:Issuer>{}</saml:Issuer></samlp:AuthnRequest>",
        attr(&external.nonce),
        clock::iso_now(),
        attr(&endpoint),
        attr(&acs_url(store, env_id)),
        text(str_field(&idp, "spEntityId")),
    );
    let out = if str_field(&idp, "ssoBinding") == "HTTP_REDIRECT" {
        let deflated = miniz_oxide::deflate::compress_to_vec(request.as_bytes(), 6);
        location
            .query_pairs_mut()
            .append_pair("SAMLRequest", &STANDARD.encode(deflated))
            .append_pair("RelayState", &external.state);
        redirect(location.as_str())
    } else {
        autopost(&endpoint, "SAMLRequest", &request, Some(&external.state))
    };
    if let Some(flow) = data.flows.get_mut(&flow_id) {
        flow.external = Some(external);
        flow.expires_at = clock::now() + flows::FLOW_SECONDS;
    }
    Ok(out)
}

/// `POST /{envId}/saml20/sp/acs` (HTTP-POST binding: `SAMLResponse`, `RelayState`)
pub async fn acs(post: EnvPost) -> Response {
    if content_type(&post.headers) != "application/x-www-form-urlencoded" {
        return ApiError::unsupported_media_type().into_response();
    }
    consume(&post).unwrap_or_else(IntoResponse::into_response)
}

fn consume(post: &EnvPost) -> ApiResult<Response> {
    let (store, env_id) = (post.store(), post.env_id.as_str());
    let params = form(&post.body);
    let encoded = params
        .get("SAMLResponse")
        .ok_or_else(|| ApiError::invalid_data(vec![Detail::required("SAMLResponse")]))?;
    let bytes = authn_request::base64(encoded)
        .ok_or_else(|| bad("SAMLResponse", "SAMLResponse is not valid base64"))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| bad("SAMLResponse", "SAMLResponse is not UTF-8 XML"))?;
    let root = xml::parse(&text).map_err(|e| {
        bad(
            "SAMLResponse",
            format!("SAMLResponse is not well-formed XML: {e}"),
        )
    })?;
    let answered = root
        .attribute("InResponseTo")
        .ok_or_else(|| bad("SAMLResponse", "Unsolicited responses are not accepted"))?;
    let mut data = post.env.write();
    let flow_id = data
        .flows
        .values()
        .find(|f| {
            f.external
                .as_ref()
                .is_some_and(|e| constant_eq(&e.nonce, answered))
        })
        .map(|f| f.id.clone())
        .ok_or_else(|| {
            bad(
                "SAMLResponse",
                "The response does not answer a pending AuthnRequest",
            )
        })?;
    let flow = flows::check_access(&mut data, &flow_id, &post.headers)?.clone();
    let external = flow.external.clone().ok_or_else(ApiError::not_found)?;
    if params
        .get("RelayState")
        .is_some_and(|relay| !constant_eq(relay, &external.state))
    {
        return Err(bad(
            "RelayState",
            "The RelayState does not match the request",
        ));
    }
    if flow.status == "COMPLETED" || flow.status == "FAILED" {
        return Err(bad("SAMLResponse", "The flow is already finished"));
    }
    let idp = data
        .body("identityProviders", &external.provider_id)
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    if let Some(message) = response_check::failed_status(&root) {
        return conclude(
            store,
            &mut data,
            env_id,
            &flow_id,
            &idp,
            &external,
            Err(message),
        );
    }
    let keys = verification_keys(&data, &idp);
    let acs = acs_url(store, env_id);
    let expected = Expected {
        idp_entity_id: str_field(&idp, "idpEntityId"),
        sp_entity_id: str_field(&idp, "spEntityId"),
        acs_url: &acs,
        request_id: &external.nonce,
        keys: &keys,
    };
    let asserted =
        response_check::check(&root, &expected).map_err(|message| bad("SAMLResponse", message))?;
    let now = clock::now();
    data.saml_request_ids.retain(|_, until| *until > now);
    let replay_key = format!("acs\n{}\n{}", expected.idp_entity_id, asserted.assertion_id);
    if data.saml_request_ids.contains_key(&replay_key) {
        return Err(bad("SAMLResponse", "The assertion was already used"));
    }
    data.saml_request_ids
        .insert(replay_key, now + REPLAY_SECONDS);
    let claims = with_username(asserted.claims);
    conclude(
        store,
        &mut data,
        env_id,
        &flow_id,
        &idp,
        &external,
        Ok(claims),
    )
}

/// PingOne's core mapping for SAML providers: the username is the assertion's subject.
fn with_username(mut claims: Map<String, Value>) -> Map<String, Value> {
    if let Some(subject) = claims.get("sub").cloned() {
        claims.entry("preferred_username").or_insert(subject);
    }
    claims
}

/// The public keys of the certificates the provider's `idpVerification` names.
fn verification_keys(data: &EnvData, idp: &Map<String, Value>) -> Vec<Vec<u8>> {
    idp.get("idpVerification")
        .and_then(|v| v.get("certificates"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("id").and_then(Value::as_str))
        .filter_map(|id| certificates::der(data, id))
        .filter_map(x509::public_key_info)
        .collect()
}
