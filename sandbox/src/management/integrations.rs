//! The integration catalog: PingOne's integrations and their versions (read-only, filtered
//! like any list), and a version's kit download. `GET .../versions/{id}/asset` answers 307
//! to a short-lived link, as PingOne redirects to a presigned storage URL; the link serves
//! the zip with `Content-Disposition: attachment;filename={name}-{number}.zip` and
//! `x-amz-meta-etag: sha256={hash}`.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::clock;
use crate::error::ApiResult;
use crate::generate;
use crate::management::crud;
use crate::request::EnvRequest;
use crate::store::EnvData;
use crate::zip;

/// How long a download link works, as a presigned URL would.
const LINK_SECS: u64 = 300;

/// The catalog every environment lists: (integration, its versions).
pub fn catalog() -> Vec<(Value, Vec<Value>)> {
    let kit = |name: &str, number: &str, released: &str| {
        json!({"type": "PRODUCT_INTEGRATION_KIT", "name": name, "number": number,
               "releasedOn": released, "documentationUrl": "https://docs.pingidentity.com/integrations/"})
    };
    vec![
        (
            json!({"name": "PingOne MFA Integration Kit", "publisher": "Ping Identity",
                   "pingProductNames": ["PINGFEDERATE"], "tags": ["MFA", "AUTHENTICATION"],
                   "categories": ["Multi-factor authentication"],
                   "description": "<p>PingFederate adapter for PingOne MFA.</p>"}),
            vec![
                kit("pingone-mfa-integration-kit", "1.5.0", "2024-03-12"),
                kit("pingone-mfa-integration-kit", "2.0.1", "2025-02-04"),
            ],
        ),
        (
            json!({"name": "PingOne Protect Integration Kit", "publisher": "Ping Identity",
                   "pingProductNames": ["PINGFEDERATE"], "tags": ["INTELLIGENCE"],
                   "categories": ["Risk"],
                   "description": "<p>PingFederate adapter for PingOne Protect risk evaluations.</p>"}),
            vec![kit(
                "pingone-protect-integration-kit",
                "1.2.0",
                "2024-11-20",
            )],
        ),
        (
            json!({"name": "PingDirectory SCIM Connector", "publisher": "Ping Identity",
                   "pingProductNames": ["PINGDIRECTORY"], "tags": ["DIRECTORY", "PROVISIONING"],
                   "categories": ["Provisioning"], "description": "<p>SCIM provisioning for PingDirectory.</p>"}),
            vec![kit("pingdirectory-scim-connector", "3.1.0", "2023-09-01")],
        ),
    ]
}

/// Seeds the catalog into a new environment.
pub fn seed(data: &mut EnvData) {
    for (integration, versions) in catalog() {
        let Value::Object(integration) = integration else {
            continue;
        };
        let id = crate::seed::insert(data, "integrations", None, None, integration);
        for version in versions {
            if let Value::Object(mut version) = version {
                version.insert("integration".into(), json!({"id": id}));
                crate::seed::insert(data, "integrations.versions", Some(&id), None, version);
            }
        }
    }
}

/// A fresh download link for the kit of `version` (which must belong to `integration`).
pub fn asset_link(
    base_url: &str,
    data: &mut EnvData,
    integration: &str,
    version: &str,
) -> ApiResult<String> {
    crud::resolve(data, &["integrations", integration, "versions", version])?;
    let now = clock::now();
    data.asset_links.retain(|_, (_, expires)| *expires > now);
    let token = generate::opaque();
    data.asset_links
        .insert(token.clone(), (version.to_string(), now + LINK_SECS));
    Ok(format!(
        "{base_url}/sandbox/environments/{}/assets/{token}",
        data.id
    ))
}

/// The kit behind a download link; an unknown or expired link is refused as storage does.
pub async fn download(req: EnvRequest) -> Response {
    let data = req.env.read();
    let version = data
        .asset_links
        .get(req.path("token"))
        .filter(|(_, expires)| *expires > clock::now())
        .and_then(|(version, _)| data.body("integrations.versions", version));
    let Some(version) = version else {
        return (StatusCode::FORBIDDEN, "Request has expired or is not valid").into_response();
    };
    let filename = format!("{}-{}.zip", text(version, "name"), text(version, "number"));
    let bytes = kit(version);
    let hash: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut response = (StatusCode::OK, Body::from(bytes)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    for (name, value) in [
        (
            header::CONTENT_DISPOSITION.as_str(),
            format!("attachment;filename={filename}"),
        ),
        ("x-amz-meta-etag", format!("sha256={hash}")),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

fn text<'a>(body: &'a Map<String, Value>, field: &str) -> &'a str {
    crud::str_field(body, field)
}

/// The kit's zip: the same bytes for the same version, so its hash is stable.
fn kit(version: &Map<String, Value>) -> Vec<u8> {
    let stem = format!("{}-{}", text(version, "name"), text(version, "number"));
    let readme = format!(
        "{stem}\nReleased on {}.\nDocumentation: {}\n",
        text(version, "releasedOn"),
        text(version, "documentationUrl")
    );
    zip::archive(&[
        (format!("{stem}/README.txt"), readme.into_bytes()),
        (
            format!("{stem}/dist/{stem}.jar"),
            format!("sandbox build of {stem}\n").into_bytes(),
        ),
    ])
}
