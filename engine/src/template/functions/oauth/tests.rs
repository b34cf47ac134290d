use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair, KeySize};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use minijinja::context;

use crate::template::functions::test_support::{eval, eval_err, eval_str, eval_with};

const AUD: &str = "https://auth.example.com/env-1/as/token";

#[test]
fn pkce_challenge_matches_rfc7636_appendix_b() {
    assert_eq!(
        eval_str("pkce_challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')"),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[test]
fn pkce_pairs_are_fresh_and_consistent() {
    let a = eval("pkce()").unwrap();
    let verifier = a.get_attr("verifier").unwrap().to_string();
    assert!((43..=128).contains(&verifier.len()), "{verifier}");
    assert!(
        verifier
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._~".contains(&c))
    );
    let expected = eval_str(&format!("pkce_challenge('{verifier}')"));
    assert_eq!(a.get_attr("challenge").unwrap().to_string(), expected);
    assert_eq!(a.get_attr("method").unwrap().to_string(), "S256");
    assert_ne!(eval_str("pkce().verifier"), verifier);
}

#[test]
fn basic_auth_header() {
    // RFC 7617 section 2.
    assert_eq!(
        eval_str("basic_auth('Aladdin', 'open sesame')"),
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    );
}

fn claims(token: &str, key: &DecodingKey, alg: Algorithm) -> serde_json::Value {
    let mut validation = Validation::new(alg);
    validation.set_audience(&[AUD]);
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    jsonwebtoken::decode::<serde_json::Value>(token, key, &validation)
        .unwrap_or_else(|e| panic!("{token}: {e}"))
        .claims
}

#[test]
fn client_secret_jwt_verifies_with_hs256() {
    let ctx = context! { id => "app-1", secret => "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t" };
    let expr = "client_secret_jwt(client_id=id, secret=secret, audience='https://auth.example.com/env-1' ~ '/as/token')";
    let token = eval_with(expr, ctx.clone()).unwrap().to_string();
    let key = DecodingKey::from_secret(b"s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t");
    let c = claims(&token, &key, Algorithm::HS256);
    assert_eq!(c["iss"], "app-1");
    assert_eq!(c["sub"], "app-1");
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 300);
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    assert_eq!(header.alg, Algorithm::HS256);

    let again = eval_with(expr, ctx).unwrap().to_string();
    assert_ne!(
        claims(&again, &key, Algorithm::HS256)["jti"],
        c["jti"],
        "jti must be fresh"
    );

    // A wrong audience is rejected, so `aud` is really set.
    let mut other = Validation::new(Algorithm::HS256);
    other.set_audience(&["https://elsewhere"]);
    assert!(jsonwebtoken::decode::<serde_json::Value>(&token, &key, &other).is_err());
}

#[test]
fn client_secret_jwt_errors() {
    insta::assert_snapshot!(eval_err("client_secret_jwt(client_id='a', audience='b')"));
    insta::assert_snapshot!(eval_err(
        "client_secret_jwt(client_id='a', secret='s', audience='b', lifetime=0)"
    ));
    insta::assert_snapshot!(eval_err(
        "client_secret_jwt(client_id='a', secret='s', audience='b', scope='x')"
    ));
    insta::assert_snapshot!(eval_err(
        "client_secret_jwt(client_id='a', secret=['s'], audience='b')"
    ));
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

#[test]
fn private_key_jwt_verifies_with_rs256() {
    let pair = KeyPair::generate(KeySize::Rsa2048).unwrap();
    let private: Pkcs8V1Der = pair.as_der().unwrap();
    let public: PublicKeyX509Der = aws_lc_rs::signature::KeyPair::public_key(&pair)
        .as_der()
        .unwrap();
    let ctx = context! { key => pem("PRIVATE KEY", private.as_ref()) };
    let token = eval_with(
        &format!(
            "private_key_jwt(client_id='app-2', key=key, audience='{AUD}', kid='k1', lifetime=60)"
        ),
        ctx,
    )
    .unwrap()
    .to_string();
    let key = DecodingKey::from_rsa_pem(pem("PUBLIC KEY", public.as_ref()).as_bytes()).unwrap();
    let c = claims(&token, &key, Algorithm::RS256);
    assert_eq!(c["iss"], "app-2");
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 60);
    assert_eq!(
        jsonwebtoken::decode_header(&token).unwrap().kid.as_deref(),
        Some("k1")
    );
}

#[test]
fn private_key_jwt_rejects_a_bad_key_without_echoing_it() {
    let err = eval_err("private_key_jwt(client_id='a', key='not-a-pem-SECRET', audience='b')");
    assert!(!err.contains("SECRET"), "{err}");
    insta::assert_snapshot!(err);
}

#[test]
fn jwt_decode_reads_claims_without_verifying() {
    let ctx = context! {};
    let aud = eval_with(
        &format!("jwt_decode(client_secret_jwt(client_id='c', secret='k', audience='{AUD}')).aud"),
        ctx,
    )
    .unwrap();
    assert_eq!(aud.to_string(), AUD);
    insta::assert_snapshot!(eval_err("jwt_decode('abc')"));
}

#[test]
fn signed_jwt_signs_any_claims_with_a_shared_secret() {
    let ctx = context! { secret => "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t" };
    let expr = format!(
        "signed_jwt({{'iss': 'app-1', 'sub': 'user-1', 'aud': '{AUD}', 'pi.template': {{'name': 'transaction'}}}}, secret=secret)"
    );
    let token = eval_with(&expr, ctx.clone()).unwrap().to_string();
    let key = DecodingKey::from_secret(b"s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t");
    let c = claims(&token, &key, Algorithm::HS256);
    assert_eq!(c["sub"], "user-1");
    assert_eq!(c["pi.template"]["name"], "transaction");
    assert_eq!(
        c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(),
        3600
    );

    // Given claims stay as they are; the algorithm can be chosen.
    let expr = format!(
        "signed_jwt({{'iss': 'a', 'sub': 'u', 'aud': '{AUD}', 'iat': 100, 'exp': 4102444800}}, secret=secret, algorithm='HS512')"
    );
    let token = eval_with(&expr, ctx).unwrap().to_string();
    assert_eq!(
        jsonwebtoken::decode_header(&token).unwrap().alg,
        Algorithm::HS512
    );
    let c = claims(&token, &key, Algorithm::HS512);
    assert_eq!(
        (c["iat"].as_i64(), c["exp"].as_i64()),
        (Some(100), Some(4102444800))
    );
}

#[test]
fn signed_jwt_errors_name_the_function_and_hide_the_secret() {
    let cases = [
        ("signed_jwt({'sub': 'u'})", "missing `secret`"),
        (
            "signed_jwt('text', secret='SECRETVALUE')",
            "the claims must be a map",
        ),
        (
            "signed_jwt({}, secret='SECRETVALUE', algorithm='RS256')",
            "unknown algorithm",
        ),
        (
            "signed_jwt({}, secret='SECRETVALUE', lifetime=0)",
            "`lifetime` must be positive",
        ),
        ("signed_jwt({}, secret='SECRETVALUE', kid='k')", "kid"),
    ];
    for (expr, expected) in cases {
        let err = eval_err(expr);
        assert!(err.contains("signed_jwt"), "{expr}: {err}");
        assert!(err.contains(expected), "{expr}: {err}");
        assert!(!err.contains("SECRETVALUE"), "{expr}: {err}");
    }
}
