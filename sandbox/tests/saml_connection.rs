//! A SAML application connection between two environments: the source signs users on as
//! the SAML IdP of the destination, whose SAML identity provider verifies the Response
//! with the source's signing certificate (uploaded through the certificates API) and
//! finishes the destination's OIDC flow. Tampered, foreign, replayed, expired and
//! malformed responses are refused.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::*;
use reqwest::{Client, Method};
use serde_json::{Value, json};

/// Both environments, connected.
struct Connection {
    source: String,
    dest: String,
    sp_entity_id: String,
    idp: String,
    source_user: String,
    dest_app: (String, String),
}

fn id(value: &Value) -> String {
    value["id"].as_str().expect("id").to_string()
}

/// The source environment's default signing certificate as PEM, from the keys API.
async fn signing_pem(ctx: &Ctx, env: &str) -> String {
    let keys = ctx.read(env, "keys").await;
    let key = keys["_embedded"]["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["usageType"] == "SIGNING" && k["default"] == true)
        .map(id)
        .expect("default signing key");
    ctx.request(Method::GET, &format!("/environments/{env}/keys/{key}"))
        .header("accept", "application/x-x509-ca-cert")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Uploads `pem` to the certificates API; returns the certificate id.
async fn upload_certificate(ctx: &Ctx, env: &str, pem: &str) -> String {
    let body = format!(
        "--b\r\nContent-Disposition: form-data; name=\"usageType\"\r\n\r\nSIGNING\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"source.pem\"\r\nContent-Type: application/x-pem-file\r\n\r\n{pem}\r\n--b--\r\n"
    );
    let (status, certificate) = send(
        ctx.request(Method::POST, &format!("/environments/{env}/certificates"))
            .header("content-type", "multipart/form-data; boundary=b")
            .body(body),
    )
    .await;
    assert_eq!(status, 202, "{certificate}");
    id(&certificate)
}

/// A SAML application in `source` for `sp_entity_id`, posting to the destination's ACS.
async fn source_app(ctx: &Ctx, c: &Connection, sp_entity_id: &str, duration: u64) {
    ctx.create(
        &c.source,
        "applications",
        json!({"name": format!("saml-{}", uuid()), "enabled": true, "type": "WEB_APP", "protocol": "SAML",
               "spEntityId": sp_entity_id, "acsUrls": [ctx.auth(&c.dest, "/saml20/sp/acs")],
               "assertionDuration": duration}),
    )
    .await;
}

/// Source IdP, destination SP: the source's SAML application, the certificate, the
/// destination's SAML provider (provisioning into a population), an IDENTIFIER_FIRST
/// policy offering it, and the destination's OIDC application under that policy.
async fn connect(ctx: &Ctx, duration: u64) -> Connection {
    let (source, dest) = (ctx.environment().await, ctx.environment().await);
    let (_, source_user) = ctx.user(&source, json!({})).await;
    let mut c = Connection {
        source,
        dest,
        sp_entity_id: format!("urn:destination:{}", uuid()),
        idp: String::new(),
        source_user,
        dest_app: (String::new(), String::new()),
    };
    source_app(ctx, &c, &c.sp_entity_id, duration).await;
    let pem = signing_pem(ctx, &c.source).await;
    let certificate = upload_certificate(ctx, &c.dest, &pem).await;
    let population = ctx
        .create(&c.dest, "populations", named("from-source"))
        .await;
    let idp = ctx
        .create(
            &c.dest,
            "identityProviders",
            json!({"name": format!("source-{}", uuid()), "type": "SAML", "enabled": true,
                   "idpEntityId": ctx.auth(&c.source, ""), "spEntityId": c.sp_entity_id,
                   "ssoBinding": "HTTP_POST", "ssoEndpoint": ctx.auth(&c.source, "/saml20/idp/sso"),
                   "authnRequestSigned": "false", "idpVerification": {"certificates": [{"id": certificate}]},
                   "registration": {"population": {"id": id(&population)}}}),
        )
        .await;
    let policy = ctx
        .create(&c.dest, "signOnPolicies", named("saml_idp"))
        .await;
    ctx.create(
        &c.dest,
        &format!("signOnPolicies/{}/actions", id(&policy)),
        json!({"priority": 1, "type": "IDENTIFIER_FIRST", "recovery": {"enabled": false},
               "socialProviders": [{"id": id(&idp)}]}),
    )
    .await;
    c.dest_app = ctx.code_app(&c.dest, "CLIENT_SECRET_BASIC").await;
    ctx.create(
        &c.dest,
        &format!("applications/{}/signOnPolicyAssignments", c.dest_app.0),
        json!({"priority": 1, "signOnPolicy": {"id": id(&policy)}}),
    )
    .await;
    c.idp = id(&idp);
    c
}

/// The value of a hidden form field of an auto-post page.
fn field(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} in {page}"))
        + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_string()
}

fn decoded(encoded: &str) -> String {
    String::from_utf8(STANDARD.decode(encoded).unwrap()).unwrap()
}

/// A destination flow handed to the source through the SP SSO endpoint.
struct Pending {
    dest_flow: String,
    /// The AuthnRequest the destination sent (XML) and its RelayState.
    request: String,
    relay: String,
}

async fn hand_to_source(ctx: &Ctx, c: &Connection, browser: &Client) -> Pending {
    let authorize = browser
        .get(ctx.auth(&c.dest, "/as/authorize"))
        .query(&[
            ("client_id", c.dest_app.0.as_str()),
            ("response_type", "code"),
            ("scope", "openid"),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap();
    let dest_flow = param(&location(&authorize), "flowId").expect("flowId");
    let out = browser
        .get(ctx.auth(&c.dest, "/rp/authenticate"))
        .query(&[
            ("providerId", c.idp.as_str()),
            ("flowId", dest_flow.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 302);
    let sso = location(&out);
    assert!(sso.contains("/saml20/sp/sso?"), "{sso}");
    let page = browser.get(&sso).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    let action = format!("action=\"{}\"", ctx.auth(&c.source, "/saml20/idp/sso"));
    assert!(page.contains(&action), "{page}");
    Pending {
        dest_flow,
        request: decoded(&field(&page, "SAMLRequest")),
        relay: field(&page, "RelayState"),
    }
}

/// Posts an AuthnRequest to the source, signs the source user on and returns the
/// resume page's SAMLResponse (base64).
async fn sign_on_at_source(
    ctx: &Ctx,
    c: &Connection,
    browser: &Client,
    request: &str,
    relay: &str,
) -> String {
    let sso = browser
        .post(ctx.auth(&c.source, "/saml20/idp/sso"))
        .form(&[
            ("SAMLRequest", STANDARD.encode(request).as_str()),
            ("RelayState", relay),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(sso.status(), 302);
    let flow = param(&location(&sso), "flowId").expect("source flowId");
    let (_, done) = send(
        browser
            .post(ctx.auth(&c.source, &format!("/flows/{flow}")))
            .header(
                "content-type",
                "application/vnd.pingidentity.usernamePassword.check+json",
            )
            .body(json!({"username": c.source_user, "password": PASSWORD}).to_string()),
    )
    .await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    let page = browser
        .get(ctx.auth(&c.source, "/saml20/resume"))
        .query(&[("flowId", flow.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!(
            "action=\"{}\"",
            ctx.auth(&c.dest, "/saml20/sp/acs")
        )),
        "{page}"
    );
    assert_eq!(field(&page, "RelayState"), relay);
    field(&page, "SAMLResponse")
}

async fn post_acs(
    ctx: &Ctx,
    c: &Connection,
    browser: &Client,
    response: &str,
    relay: &str,
) -> (u16, String) {
    let out = browser
        .post(ctx.auth(&c.dest, "/saml20/sp/acs"))
        .form(&[("SAMLResponse", response), ("RelayState", relay)])
        .send()
        .await
        .unwrap();
    let status = out.status().as_u16();
    let text = if status == 302 {
        location(&out)
    } else {
        out.text().await.unwrap()
    };
    (status, text)
}

/// The destination flow, resumed to a code, exchanged for tokens.
async fn tokens(ctx: &Ctx, c: &Connection, browser: &Client, flow: &str) -> Value {
    let (_, step) = send(browser.get(ctx.auth(&c.dest, &format!("/flows/{flow}")))).await;
    assert_eq!(step["status"], "COMPLETED", "{step}");
    let resumed = browser
        .get(ctx.auth(&c.dest, "/as/resume"))
        .query(&[("flowId", flow)])
        .send()
        .await
        .unwrap();
    let code = param(&location(&resumed), "code").expect("code");
    let (status, tokens) = send(
        ctx.http
            .post(ctx.auth(&c.dest, "/as/token"))
            .basic_auth(&c.dest_app.0, Some(&c.dest_app.1))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
            ]),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    tokens
}

#[tokio::test]
async fn a_source_user_signs_on_to_the_destination_app_and_a_replay_is_refused() {
    let (ctx, _) = start().await;
    let c = connect(&ctx, 300).await;
    let browser = browser();
    let pending = hand_to_source(&ctx, &c, &browser).await;
    assert!(
        pending
            .request
            .contains(&format!("<saml:Issuer>{}</saml:Issuer>", c.sp_entity_id))
    );
    let response = sign_on_at_source(&ctx, &c, &browser, &pending.request, &pending.relay).await;
    let (status, next) = post_acs(&ctx, &c, &browser, &response, &pending.relay).await;
    assert_eq!(status, 302, "{next}");
    let tokens = tokens(&ctx, &c, &browser, &pending.dest_flow).await;
    let claims = verify(&ctx, &c.dest, tokens["id_token"].as_str().unwrap()).await;
    // Provisioned into the provider's population under the source username.
    let user = ctx
        .read(
            &c.dest,
            &format!("users/{}", claims["sub"].as_str().unwrap()),
        )
        .await;
    assert_eq!(user["username"], c.source_user.as_str(), "{user}");
    assert_eq!(user["identityProvider"]["id"], c.idp.as_str());

    let (status, replayed) = post_acs(&ctx, &c, &browser, &response, &pending.relay).await;
    assert_eq!(status, 400, "{replayed}");
}

#[tokio::test]
async fn tampered_and_foreign_responses_are_refused_and_the_flow_still_completes() {
    let (ctx, _) = start().await;
    let c = connect(&ctx, 300).await;
    let browser = browser();
    let pending = hand_to_source(&ctx, &c, &browser).await;
    let response = sign_on_at_source(&ctx, &c, &browser, &pending.request, &pending.relay).await;

    let forged = decoded(&response).replace(
        &format!(">{}</saml:NameID>", c.source_user),
        ">admin</saml:NameID>",
    );
    assert_ne!(forged, decoded(&response));
    let (status, body) = post_acs(
        &ctx,
        &c,
        &browser,
        &STANDARD.encode(&forged),
        &pending.relay,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("The signature is not valid"), "{body}");

    // The source answers the same request ID for another SP: the audience is not ours.
    let foreign_sp = format!("urn:foreign:{}", uuid());
    source_app(&ctx, &c, &foreign_sp, 300).await;
    let foreign_request = pending.request.replace(&c.sp_entity_id, &foreign_sp);
    // A browser without the source session, so the source signs the user on again.
    let foreign = sign_on_at_source(
        &ctx,
        &c,
        &common::browser(),
        &foreign_request,
        &pending.relay,
    )
    .await;
    let (status, body) = post_acs(&ctx, &c, &browser, &foreign, &pending.relay).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Audience"), "{body}");

    let (status, body) = post_acs(&ctx, &c, &browser, &response, "another-relay-state").await;
    assert_eq!(status, 400, "{body}");

    // None of that touched the flow: the genuine response still completes it.
    let (status, _) = post_acs(&ctx, &c, &browser, &response, &pending.relay).await;
    assert_eq!(status, 302);
    tokens(&ctx, &c, &browser, &pending.dest_flow).await;
}

#[tokio::test]
async fn an_expired_assertion_is_refused() {
    let (ctx, _) = start().await;
    let c = connect(&ctx, 1).await;
    let browser = browser();
    let pending = hand_to_source(&ctx, &c, &browser).await;
    let response = sign_on_at_source(&ctx, &c, &browser, &pending.request, &pending.relay).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (status, body) = post_acs(&ctx, &c, &browser, &response, &pending.relay).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("expired"), "{body}");
}

#[tokio::test]
async fn malformed_or_unsolicited_responses_get_a_400() {
    let (ctx, _) = start().await;
    let c = connect(&ctx, 300).await;
    let browser = browser();
    let unsolicited = STANDARD.encode("<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_r\" Version=\"2.0\"></samlp:Response>");
    let unknown = STANDARD.encode("<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_r\" InResponseTo=\"_nobody\" Version=\"2.0\"></samlp:Response>");
    for (response, message) in [
        ("%%%not base64%%%", "not valid base64"),
        (&STANDARD.encode("<unclosed"), "not well-formed XML"),
        (&STANDARD.encode([0xff, 0xfe]), "not UTF-8"),
        (&unsolicited, "Unsolicited"),
        (&unknown, "does not answer a pending AuthnRequest"),
    ] {
        let (status, body) = post_acs(&ctx, &c, &browser, response, "x").await;
        assert_eq!(status, 400, "{message}: {body}");
        assert!(body.contains(message), "{message}: {body}");
    }
    let (status, _) = send(
        browser
            .post(ctx.auth(&c.dest, "/saml20/sp/acs"))
            .form(&[("RelayState", "x")]),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = send(
        browser
            .get(ctx.auth(&c.dest, "/saml20/sp/sso"))
            .query(&[("idpId", c.idp.as_str()), ("flowId", "nope")]),
    )
    .await;
    assert!(status.is_client_error());
}
