//! `POST /environments/{env}/certificates`: PingOne's "Create Certificate with PKCS7 or
//! PEM File" takes `multipart/form-data` (`usageType`, `file`) and answers 202 with what
//! it read from the certificate. The certificate's bytes are kept too: a SAML identity
//! provider verifies signatures with the certificates its `idpVerification` names.

use serde_json::{Map, Value, json};

use crate::clock;
use crate::error::{ApiError, ApiResult, Detail};
use crate::management::crud;
use crate::management::family;
use crate::management::hooks::Hook;
use crate::management::multipart;
use crate::management::x509;
use crate::store::EnvData;

const USAGE_TYPES: &[&str] = &["ENCRYPTION", "SIGNING", "SSL/TLS", "ISSUANCE"];

/// Parses the upload, stores the certificate and returns its id.
pub fn upload(
    hook: &Hook,
    data: &mut EnvData,
    content_type: &str,
    body: &[u8],
) -> ApiResult<String> {
    let parts = multipart::parse(content_type, body).ok_or_else(|| {
        if content_type
            .to_ascii_lowercase()
            .starts_with("multipart/form-data")
        {
            ApiError::invalid_request(
                "The request could not be completed. The request was malformed or invalid.",
            )
        } else {
            ApiError::unsupported_media_type()
        }
    })?;
    let field = |name: &str| parts.iter().find(|p| p.name == name);
    let mut details = Vec::new();
    let usage = field("usageType").map(|p| String::from_utf8_lossy(&p.data).trim().to_string());
    match usage.as_deref() {
        None | Some("") => details.push(Detail::required("usageType")),
        Some(u) if !USAGE_TYPES.contains(&u) => details.push(
            Detail::invalid(
                "usageType",
                format!("usageType must be one of: {}", USAGE_TYPES.join(", ")),
            )
            .with_inner(json!({"allowedValues": USAGE_TYPES})),
        ),
        _ => {}
    }
    let file = field("file");
    let summary = match file {
        None => {
            details.push(Detail::required("file"));
            None
        }
        Some(file) => {
            let summary = x509::read_with_der(&file.data);
            if summary.is_none() {
                details.push(Detail::invalid(
                    "file",
                    "The file is not a PEM or PKCS7 certificate",
                ));
            }
            summary
        }
    };
    let (Some((summary, der)), Some(usage), true) = (summary, usage, details.is_empty()) else {
        return Err(ApiError::invalid_data(details));
    };
    let now = clock::iso_now();
    // Timestamps share one format, so they compare as text.
    let status = if summary.expires_at < now {
        "EXPIRED"
    } else if summary.starts_at > now {
        "NOT_YET_VALID"
    } else {
        "VALID"
    };
    let name = summary
        .subject_cn
        .clone()
        .or_else(|| file.and_then(|f| f.filename.clone()))
        .unwrap_or_else(|| summary.subject_dn.clone());
    let mut stored = Map::new();
    for (key, value) in [
        ("name", json!(name)),
        ("usageType", json!(usage)),
        ("status", json!(status)),
        ("default", json!(false)),
        ("serialNumber", json!(summary.serial_number)),
        ("subjectDN", json!(summary.subject_dn)),
        ("issuerDN", json!(summary.issuer_dn)),
        ("algorithm", json!(summary.algorithm)),
        ("signatureAlgorithm", json!(summary.signature_algorithm)),
        ("startsAt", json!(summary.starts_at)),
        ("expiresAt", json!(summary.expires_at)),
        ("validityPeriod", json!(validity_days(&summary))),
    ] {
        stored.insert(key.into(), value);
    }
    if let Some(length) = summary.key_length {
        stored.insert("keyLength".into(), json!(length));
    }
    let family = family::by_key("certificates").ok_or_else(ApiError::not_found)?;
    let id = crud::create(hook, data, family, None, stored)?;
    data.certificate_der.insert(id.clone(), der);
    Ok(id)
}

/// The DER of an uploaded certificate that still exists.
pub fn der<'a>(data: &'a EnvData, id: &str) -> Option<&'a [u8]> {
    data.row("certificates", id)?;
    data.certificate_der.get(id).map(Vec::as_slice)
}

/// Whole days between `startsAt` and `expiresAt`.
fn validity_days(summary: &x509::Summary) -> Value {
    let parse = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    };
    match (parse(&summary.starts_at), parse(&summary.expires_at)) {
        (Some(start), Some(end)) => json!((end - start).whole_days()),
        _ => Value::Null,
    }
}
