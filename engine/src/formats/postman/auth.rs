//! Postman auth blocks -> request headers (or query parameters).

use super::collection::Auth;
use super::variables::Scope;

#[derive(Debug, Default)]
pub struct Converted {
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub note: Option<String>,
}

pub fn convert(auth: &Auth, scope: &mut Scope) -> Converted {
    let mut out = Converted::default();
    let p = |name: &str| auth.param(name).unwrap_or_default();
    match auth.kind.as_str() {
        "noauth" | "inherit" => {}
        "bearer" => {
            let token = scope.template(&p("token"));
            out.headers
                .push(("Authorization".into(), format!("Bearer {token}")));
        }
        "basic" => {
            let user = scope.expression(&p("username"));
            let password = scope.expression(&p("password"));
            out.headers.push((
                "Authorization".into(),
                format!("{{{{ basic_auth({user}, {password}) }}}}"),
            ));
        }
        "oauth2" => {
            let token = p("accessToken");
            if token.is_empty() {
                out.note = Some("oauth2 auth without an access token (Postman fetches it interactively): add a token step".into());
            } else {
                let token = scope.template(&token);
                if p("addTokenTo") == "queryParams" {
                    out.query.push(("access_token".into(), token));
                } else {
                    let prefix = Some(p("headerPrefix")).filter(|s| !s.is_empty());
                    let prefix = prefix.unwrap_or_else(|| "Bearer".into());
                    out.headers
                        .push(("Authorization".into(), format!("{prefix} {token}")));
                }
            }
        }
        "apikey" => {
            let key = p("key");
            let value = scope.template(&p("value"));
            if p("in") == "query" {
                out.query.push((key, value));
            } else {
                out.headers.push((key, value));
            }
        }
        other => out.note = Some(format!("`{other}` auth not imported")),
    }
    out
}
