//! SAML SSO: AuthnRequests over the HTTP-POST and HTTP-Redirect bindings, the flow,
//! and the signed SAMLResponse checked the way an SP checks it; requests that must be
//! refused (replayed, unknown SP, unregistered ACS, bad encodings).

mod common;

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::*;
use reqwest::Client;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const ACS: &str = "https://sp.example.com/saml/acs";

/// A SAML application for `sp` with a LOGIN policy; returns its id.
async fn saml_app(ctx: &Ctx, env: &str, sp: &str) -> String {
    let app = ctx
        .create(
            env,
            "applications",
            json!({"name": format!("saml-{}", uuid()), "enabled": true, "type": "WEB_APP", "protocol": "SAML",
                   "spEntityId": sp, "acsUrls": [ACS, "https://sp.example.com/other"], "assertionDuration": 60}),
        )
        .await;
    assert_eq!(app["assertionSigned"], true, "{app}");
    app["id"].as_str().unwrap().to_string()
}

fn authn_request(id: &str, sp: &str, acs: Option<&str>) -> String {
    let acs = acs
        .map(|a| format!(" AssertionConsumerServiceURL=\"{a}\""))
        .unwrap_or_default();
    format!(
        "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{id}\" Version=\"2.0\" IssueInstant=\"2026-01-01T00:00:00Z\"{acs}><saml:Issuer>{sp}</saml:Issuer></samlp:AuthnRequest>"
    )
}

async fn post_sso(ctx: &Ctx, browser: &Client, env: &str, saml_request: &str) -> reqwest::Response {
    browser
        .post(ctx.auth(env, "/saml20/idp/sso"))
        .form(&[("SAMLRequest", saml_request), ("RelayState", "/after")])
        .send()
        .await
        .expect("sso")
}

/// The HTTP-Redirect binding's encoding: raw DEFLATE, then base64.
fn deflated(xml: &str) -> String {
    STANDARD.encode(miniz_oxide::deflate::compress_to_vec(xml.as_bytes(), 6))
}

/// The text between `start` (included) and the first `end` after it (included).
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {text}"));
    let to = text[from..].find(end).expect(end) + from + end.len();
    &text[from..to]
}

fn attribute<'a>(element: &'a str, name: &str) -> &'a str {
    let start = element.find(&format!(" {name}=\"")).expect(name) + name.len() + 3;
    &element[start..start + element[start..].find('"').unwrap()]
}

/// The SubjectPublicKeyInfo of a DER certificate (tbsCertificate's seventh field).
fn spki(der: &[u8]) -> Vec<u8> {
    fn tlv(input: &[u8]) -> (&[u8], &[u8], &[u8]) {
        let (len, header) = match input[1] {
            n if n < 0x80 => (n as usize, 2),
            n => {
                let k = (n & 0x7F) as usize;
                (
                    input[2..2 + k]
                        .iter()
                        .fold(0, |a, b| (a << 8) | *b as usize),
                    2 + k,
                )
            }
        };
        (
            &input[..header + len],
            &input[header..header + len],
            &input[header + len..],
        )
    }
    let (_, certificate, _) = tlv(der);
    let (_, tbs, _) = tlv(certificate);
    let mut rest = tbs;
    for _ in 0..6 {
        rest = tlv(rest).2; // version, serial, signature, issuer, validity, subject
    }
    tlv(rest).0.to_vec()
}

/// Verifies the assertion's enveloped signature as an SP would, against `certificate`
/// (DER): the sandbox writes the assertion in exclusive canonical form (namespaces on
/// the apex element, sorted attributes, explicit end tags), so the canonical bytes of
/// the assertion without its Signature, and of SignedInfo, are their text.
fn verify_assertion(xml: &str, certificate: &[u8]) -> Result<(), String> {
    let assertion = between(xml, "<saml:Assertion ", "</saml:Assertion>");
    let signature = between(assertion, "<ds:Signature ", "</ds:Signature>");
    let unsigned = assertion.replace(signature, "");
    let id = attribute(assertion, "ID");
    let signed_info = between(signature, "<ds:SignedInfo ", "</ds:SignedInfo>");
    assert_eq!(attribute(signed_info, "URI"), format!("#{id}"));
    assert!(signed_info.contains("http://www.w3.org/2001/10/xml-exc-c14n#"));
    assert!(signed_info.contains("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"));
    let digest = between(signed_info, "<ds:DigestValue>", "</ds:DigestValue>");
    let digest = &digest["<ds:DigestValue>".len()..digest.len() - "</ds:DigestValue>".len()];
    if STANDARD.encode(Sha256::digest(unsigned.as_bytes())) != digest {
        return Err("digest mismatch".into());
    }
    let value = between(signature, "<ds:SignatureValue>", "</ds:SignatureValue>");
    let value = &value["<ds:SignatureValue>".len()..value.len() - "</ds:SignatureValue>".len()];
    let value = STANDARD.decode(value).map_err(|e| e.to_string())?;
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, spki(certificate))
        .verify(signed_info.as_bytes(), &value)
        .map_err(|_| "bad signature".to_string())
}

/// The environment's default signing key's certificate as the keys API serves it (DER).
async fn signing_certificate(ctx: &Ctx, env: &str) -> Vec<u8> {
    let keys = ctx.get(&format!("/environments/{env}/keys")).await;
    let key = keys["_embedded"]["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["usageType"] == "SIGNING" && k["default"] == true)
        .cloned()
        .expect("default signing key");
    let pem = ctx
        .request(
            reqwest::Method::GET,
            &format!("/environments/{env}/keys/{}", key["id"].as_str().unwrap()),
        )
        .header("accept", "application/x-x509-ca-cert")
        .send()
        .await
        .unwrap();
    assert_eq!(pem.headers()["content-type"], "application/x-x509-ca-cert");
    let pem = pem.text().await.unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

/// Signs the user in on the flow the SSO call started; returns the resume page's SAMLResponse XML.
async fn sign_on(ctx: &Ctx, browser: &Client, env: &str, location: &str, username: &str) -> String {
    let flow = param(location, "flowId").expect("flowId");
    let (status, step) = send(browser.get(ctx.auth(env, &format!("/flows/{flow}")))).await;
    assert_eq!(
        (status.as_u16(), step["status"].as_str()),
        (200, Some("USERNAME_PASSWORD_REQUIRED")),
        "{step}"
    );
    let (_, done) = send(
        browser
            .post(ctx.auth(env, &format!("/flows/{flow}")))
            .header(
                "content-type",
                "application/vnd.pingidentity.usernamePassword.check+json",
            )
            .body(json!({"username": username, "password": PASSWORD}).to_string()),
    )
    .await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert!(
        done["resumeUrl"]
            .as_str()
            .unwrap()
            .contains("/saml20/resume?flowId=")
    );
    let page = browser
        .get(ctx.auth(env, "/saml20/resume"))
        .query(&[("flowId", flow.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    saml_response(&page.text().await.unwrap())
}

/// The decoded SAMLResponse of an auto-post page (asserting it posts to the ACS).
fn saml_response(page: &str) -> String {
    assert!(page.contains(&format!("action=\"{ACS}\"")), "{page}");
    assert!(
        page.contains("name=\"RelayState\" value=\"/after\""),
        "{page}"
    );
    let field = between(page, "name=\"SAMLResponse\" value=\"", "\"/>");
    let encoded = &field["name=\"SAMLResponse\" value=\"".len()..field.len() - 3];
    String::from_utf8(STANDARD.decode(encoded).unwrap()).unwrap()
}

#[tokio::test]
async fn sp_initiated_sso_answers_a_signed_response_for_the_sp() {
    let (ctx, _) = start().await;
    let env = ctx.environment().await;
    let sp = format!("urn:example:sp:{}", uuid());
    saml_app(&ctx, &env, &sp).await;
    let (_, username) = ctx.user(&env, json!({})).await;
    let certificate = signing_certificate(&ctx, &env).await;

    let browser = browser();
    let request_id = format!("_{}", uuid());
    let post = STANDARD.encode(authn_request(&request_id, &sp, Some(ACS)));
    let response = post_sso(&ctx, &browser, &env, &post).await;
    assert_eq!(response.status(), 302);
    let xml = sign_on(&ctx, &browser, &env, &location(&response), &username).await;

    let idp = ctx.auth(&env, "");
    let root = between(&xml, "<samlp:Response ", ">");
    assert_eq!(attribute(root, "InResponseTo"), request_id);
    assert_eq!(attribute(root, "Destination"), ACS);
    assert!(
        xml.contains("<samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\">")
    );
    assert!(
        xml.contains(&format!("<saml:Issuer>{idp}</saml:Issuer>")),
        "{xml}"
    );
    assert!(xml.contains(&format!("<saml:Audience>{sp}</saml:Audience>")));
    assert!(xml.contains(&format!(">{username}</saml:NameID>")));
    let confirmation = between(&xml, "<saml:SubjectConfirmationData ", ">");
    assert_eq!(attribute(confirmation, "Recipient"), ACS);
    assert_eq!(attribute(confirmation, "InResponseTo"), request_id);
    let conditions = between(&xml, "<saml:Conditions ", ">");
    let at = |name: &str| {
        time::OffsetDateTime::parse(
            attribute(conditions, name),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    assert_eq!((at("NotOnOrAfter") - at("NotBefore")).whole_seconds(), 60);

    verify_assertion(&xml, &certificate).expect("the assertion's signature verifies");
    let forged = xml.replace(
        &format!(">{username}</saml:NameID>"),
        ">admin</saml:NameID>",
    );
    assert_eq!(
        verify_assertion(&forged, &certificate).unwrap_err(),
        "digest mismatch"
    );
    let embedded = between(&xml, "<ds:X509Certificate>", "</ds:X509Certificate>");
    assert!(embedded.contains(&STANDARD.encode(&certificate)));

    // HTTP-Redirect binding, same browser: the SSO session signs the user on at once,
    // to the ACS the request names among the registered ones... or the first one.
    let again = format!("_{}", uuid());
    let response = browser
        .get(ctx.auth(&env, "/saml20/idp/sso"))
        .query(&[
            (
                "SAMLRequest",
                deflated(&authn_request(&again, &sp, None)).as_str(),
            ),
            ("RelayState", "/after"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let xml = saml_response(&response.text().await.unwrap());
    assert_eq!(
        attribute(between(&xml, "<samlp:Response ", ">"), "InResponseTo"),
        again
    );
    verify_assertion(&xml, &certificate).expect("the SSO response verifies too");
}

#[tokio::test]
async fn refused_requests_get_a_clear_400() {
    let (ctx, _) = start().await;
    let env = ctx.environment().await;
    let sp = format!("urn:example:sp:{}", uuid());
    saml_app(&ctx, &env, &sp).await;
    let browser = browser();
    let refused = |response: reqwest::Response| async move {
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 400, "{body}");
        body["details"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };

    let request = STANDARD.encode(authn_request("_once", &sp, Some(ACS)));
    assert_eq!(post_sso(&ctx, &browser, &env, &request).await.status(), 302);
    let replay = refused(post_sso(&ctx, &browser, &env, &request).await).await;
    assert!(replay.contains("already used"), "{replay}");

    let unknown = STANDARD.encode(authn_request("_u", "urn:example:nobody", None));
    let message = refused(post_sso(&ctx, &browser, &env, &unknown).await).await;
    assert!(message.contains("SP entity ID"), "{message}");

    let bad_acs = STANDARD.encode(authn_request(
        "_a",
        &sp,
        Some("https://evil.example.com/acs"),
    ));
    let message = refused(post_sso(&ctx, &browser, &env, &bad_acs).await).await;
    assert!(message.contains("acsUrls"), "{message}");

    for garbage in [
        "%%%not base64",
        &STANDARD.encode("<samlp:AuthnRequest"),
        &STANDARD.encode("<a/>"),
    ] {
        refused(post_sso(&ctx, &browser, &env, garbage).await).await;
    }
    let not_deflated = browser
        .get(ctx.auth(&env, "/saml20/idp/sso"))
        .query(&[("SAMLRequest", request.as_str())])
        .send()
        .await
        .unwrap();
    let message = refused(not_deflated).await;
    assert!(message.contains("DEFLATE"), "{message}");
    let missing = browser
        .post(ctx.auth(&env, "/saml20/idp/sso"))
        .form(&[("RelayState", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
}
