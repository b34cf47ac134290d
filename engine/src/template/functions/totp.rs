//! Time-based one-time passwords (RFC 6238), as an authenticator app
//! computes them from the base32 secret it was paired with.

use aws_lc_rs::hmac;
use minijinja::value::Kwargs;
use minijinja::{Error, Value};

use super::{fail, no_unknown_kwargs, optional, optional_text, text};

const FUNCTION: &str = "totp";

/// `totp(secret, digits=6, period=30, algorithm="SHA1", time=now)`: the
/// code for the time step holding `time` (Unix seconds).
pub fn totp(secret: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let digits: i64 = optional(FUNCTION, &kwargs, "digits")?.unwrap_or(6);
    let period: i64 = optional(FUNCTION, &kwargs, "period")?.unwrap_or(30);
    let algorithm = optional_text(FUNCTION, &kwargs, "algorithm")?;
    let at: Option<i64> = optional(FUNCTION, &kwargs, "time")?;
    no_unknown_kwargs(FUNCTION, &kwargs)?;

    let digits = u32::try_from(digits)
        .ok()
        .filter(|d| (6..=10).contains(d))
        .ok_or_else(|| fail(FUNCTION, format!("`digits` must be 6 to 10, got {digits}")))?;
    let period = u64::try_from(period)
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| fail(FUNCTION, format!("`period` must be positive, got {period}")))?;
    let algorithm = match algorithm.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None | Some("SHA1") => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        Some("SHA256") => hmac::HMAC_SHA256,
        Some("SHA512") => hmac::HMAC_SHA512,
        Some(other) => {
            return Err(fail(
                FUNCTION,
                format!("`algorithm` must be SHA1, SHA256 or SHA512, got {other:?}"),
            ));
        }
    };
    let at = match at {
        Some(t) => u64::try_from(t)
            .map_err(|_| fail(FUNCTION, format!("`time` must not be negative, got {t}")))?,
        None => u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0),
    };
    // The secret is never echoed: say what is wrong, not what it was.
    let key = base32_decode(&text(FUNCTION, secret)?).map_err(|e| fail(FUNCTION, e))?;
    Ok(code(algorithm, &key, at / period, digits))
}

/// HOTP (RFC 4226 section 5.3) for one counter value.
fn code(algorithm: hmac::Algorithm, key: &[u8], counter: u64, digits: u32) -> String {
    let tag = hmac::sign(&hmac::Key::new(algorithm, key), &counter.to_be_bytes());
    let mac = tag.as_ref();
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        mac[offset],
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]) & 0x7fff_ffff;
    let value = u64::from(binary) % 10u64.pow(digits);
    format!("{value:0width$}", width = digits as usize)
}

/// RFC 4648 base32, as authenticator apps accept it: any case, spaces and
/// dashes between groups, padding optional.
fn base32_decode(secret: &str) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::with_capacity(secret.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    let mut padding = false;
    for c in secret.chars() {
        let value = match c.to_ascii_uppercase() {
            ' ' | '-' => continue,
            '=' => {
                padding = true;
                continue;
            }
            _ if padding => return Err("the secret has characters after its `=` padding"),
            c @ 'A'..='Z' => c as u32 - 'A' as u32,
            c @ '2'..='7' => c as u32 - '2' as u32 + 26,
            _ => return Err("the secret is not base32 (letters A to Z and digits 2 to 7)"),
        };
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    if out.is_empty() {
        return Err(if bits == 0 {
            "the secret is empty"
        } else {
            "the secret is too short to hold one byte"
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{eval_err, eval_str, eval_with};

    /// RFC 6238 Appendix B: the seeds are the ASCII strings
    /// "12345678901234567890" repeated to the hash's length, here in base32.
    const SHA1: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    const SHA256: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA";
    const SHA512: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA";

    #[test]
    fn rfc_6238_appendix_b_vectors() {
        let vectors: [(i64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1_111_111_109, "07081804", "68084774", "25091201"),
            (1_111_111_111, "14050471", "67062674", "99943326"),
            (1_234_567_890, "89005924", "91819424", "93441116"),
            (2_000_000_000, "69279037", "90698825", "38618901"),
            (20_000_000_000, "65353130", "77737706", "47863826"),
        ];
        for (time, sha1, sha256, sha512) in vectors {
            for (secret, algorithm, expected) in [
                (SHA1, "SHA1", sha1),
                (SHA256, "SHA256", sha256),
                (SHA512, "SHA512", sha512),
            ] {
                let expr =
                    format!("totp('{secret}', digits=8, algorithm='{algorithm}', time={time})");
                assert_eq!(eval_str(&expr), expected, "{algorithm} at {time}");
            }
        }
    }

    #[test]
    fn defaults_are_sha1_six_digits_thirty_seconds() {
        // The last six digits of the 8-digit SHA1 vector at 59 s.
        assert_eq!(eval_str(&format!("totp('{SHA1}', time=59)")), "287082");
        // 59 s and 30 s share a step; 60 s starts the next one.
        assert_eq!(eval_str(&format!("totp('{SHA1}', time=30)")), "287082");
        assert_ne!(eval_str(&format!("totp('{SHA1}', time=60)")), "287082");
        assert_eq!(
            eval_str(&format!("totp('{SHA1}', time=59, period=60)")),
            eval_str(&format!("totp('{SHA1}', time=0)"))
        );
        // Without `time`, the current step: six digits.
        let now = eval_str(&format!("totp('{SHA1}')"));
        assert!(
            now.len() == 6 && now.bytes().all(|b| b.is_ascii_digit()),
            "{now}"
        );
    }

    #[test]
    fn secrets_are_read_as_authenticator_apps_read_them() {
        let lower = SHA1.to_ascii_lowercase();
        let grouped: Vec<&str> = SHA1
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let grouped = grouped.join(" ");
        for secret in [
            lower.as_str(),
            grouped.as_str(),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ====",
        ] {
            assert_eq!(
                eval_str(&format!("totp('{secret}', time=59)")),
                "287082",
                "{secret}"
            );
        }
        let ctx = minijinja::context! { s => SHA1 };
        let v = eval_with("totp(s, algorithm='sha1', time=59)", ctx).unwrap();
        assert_eq!(v.as_str(), Some("287082"));
    }

    #[test]
    fn bad_arguments_are_errors_that_do_not_echo_the_secret() {
        for (expr, message) in [
            ("totp('JBSWY3DPEHPK3PX1')", "not base32"),
            ("totp('JBSWY3DP=EHPK3PXP')", "after its `=` padding"),
            ("totp('')", "the secret is empty"),
            ("totp('= =')", "the secret is empty"),
            ("totp('A')", "the secret is too short"),
            ("totp(['JBSWY3DPEHPK3PXP'])", "expected a string"),
            (
                "totp('JBSWY3DPEHPK3PXP', digits=5)",
                "`digits` must be 6 to 10, got 5",
            ),
            (
                "totp('JBSWY3DPEHPK3PXP', digits=11)",
                "`digits` must be 6 to 10",
            ),
            (
                "totp('JBSWY3DPEHPK3PXP', period=0)",
                "`period` must be positive",
            ),
            (
                "totp('JBSWY3DPEHPK3PXP', algorithm='MD5')",
                "SHA1, SHA256 or SHA512",
            ),
            (
                "totp('JBSWY3DPEHPK3PXP', time=-1)",
                "`time` must not be negative",
            ),
            ("totp('JBSWY3DPEHPK3PXP', digit=8)", "totp:"),
            ("totp('JBSWY3DPEHPK3PXP', digits='8')", "`digits`"),
        ] {
            let err = eval_err(expr);
            assert!(err.contains("totp"), "{expr}: {err}");
            assert!(err.contains(message), "{expr}: {err}");
            assert!(!err.contains("JBSWY3DP"), "{expr} echoes the secret: {err}");
        }
    }
}
