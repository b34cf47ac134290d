//! Recognises the pre-request script Postman users write for
//! CLIENT_SECRET_JWT (an HS256 JWT signed with CryptoJS.HmacSHA256 and
//! stored in a variable) and replaces the variable, in that request, by
//! `client_secret_jwt(client_id=..., secret=..., audience=...)`.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::js;
use super::scripts::getter;
use super::variables::{Piece, pieces, quote};

/// The variable the script sets and the expression that replaces it.
pub fn client_secret_jwt(
    src: &str,
    resolve: &mut dyn FnMut(&str) -> String,
) -> Option<(String, String)> {
    static CLAIM: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"["']?(iss|aud)["']?\s*:\s*([^,}\n]+)"#).expect("valid regex")
    });
    static DECL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*(.+)$").expect("valid regex")
    });
    static SETTER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^(?:pm\.(?:environment|collectionVariables|globals|variables)\.set|postman\.set(?:Environment|Global)Variable)\(\s*(?:"([^"]+)"|'([^']+)')\s*,"#)
            .expect("valid regex")
    });
    if !src.contains("HmacSHA256") {
        return None;
    }
    let statements = js::statements(src);
    let mut vars: HashMap<String, String> = HashMap::new();
    let mut target = None;
    for s in &statements {
        if let Some(c) = DECL.captures(&s.text)
            && let Some(e) = expression(&c[2], &vars, resolve)
        {
            vars.insert(c[1].to_string(), e);
        }
        if let Some(c) = SETTER.captures(&s.text) {
            target = Some(c.get(1).or(c.get(2))?.as_str().to_string());
        }
    }
    let mut claims: HashMap<String, String> = HashMap::new();
    for c in CLAIM.captures_iter(src) {
        if let Some(e) = expression(&c[2], &vars, resolve) {
            claims.entry(c[1].to_string()).or_insert(e);
        }
    }
    let at = src.find("CryptoJS.HmacSHA256")?;
    let (args, _) = js::call(&src[at..], "CryptoJS.HmacSHA256")?;
    let args = js::split_top(args, ',');
    let secret = expression(args.get(1)?, &vars, resolve)?;
    let expr = format!(
        "client_secret_jwt(client_id={}, secret={secret}, audience={})",
        claims.get("iss")?,
        claims.get("aud")?
    );
    Some((target?, expr))
}

/// A JS string expression (`+` of literals, variable getters, `replaceIn`,
/// local variables) as a minijinja expression.
fn expression(
    text: &str,
    vars: &HashMap<String, String>,
    resolve: &mut dyn FnMut(&str) -> String,
) -> Option<String> {
    let mut terms = Vec::new();
    for term in js::split_top(text.trim(), '+') {
        let term = term.trim();
        let literal = js::string_literal(term).or_else(|| {
            js::call(term, "pm.variables.replaceIn")
                .filter(|(_, rest)| rest.is_empty())
                .and_then(|(arg, _)| js::string_literal(arg))
        });
        if let Some(lit) = literal {
            for p in pieces(&lit) {
                terms.push(match p {
                    Piece::Lit(l) => quote(&l),
                    Piece::Var(v) => resolve(&v),
                });
            }
        } else if let Some(var) = getter(term) {
            terms.push(resolve(&var));
        } else if let Some(e) = vars.get(term) {
            terms.push(if e.contains(" ~ ") {
                format!("({e})")
            } else {
                e.clone()
            });
        } else {
            return None;
        }
    }
    (!terms.is_empty()).then(|| terms.join(" ~ "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_usual_script() {
        let src = r#"var appId = pm.environment.get("appID");
var header = { "alg": "HS256", "typ": "JWT" };
var payload = {
    "iss": appId,
    "sub": appId,
    "aud": pm.environment.get("authPath") + "/" + pm.environment.get("envID") + "/as/token",
    "jti": pm.variables.replaceIn("{{$guid}}"),
};
var unsigned = b64(JSON.stringify(header)) + "." + b64(JSON.stringify(payload));
var signature = b64(CryptoJS.HmacSHA256(unsigned, pm.environment.get("appSecret")));
pm.environment.set("clientAssertion", unsigned + "." + signature);"#;
        let got = client_secret_jwt(src, &mut |v: &str| format!("inputs.{v}"));
        assert_eq!(
            got,
            Some((
                "clientAssertion".into(),
                "client_secret_jwt(client_id=inputs.appID, secret=inputs.appSecret, audience=inputs.authPath ~ '/' ~ inputs.envID ~ '/as/token')".into()
            ))
        );
    }
}
