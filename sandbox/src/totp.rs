//! Authenticator-app (TOTP) devices: the seed handed out at pairing and the
//! RFC 6238 check of the codes an app computes from it (HMAC-SHA1, 30-second
//! steps, six digits, one step of clock drift either way, each step's code
//! accepted once).

use aws_lc_rs::hmac;
use rand::Rng;

use crate::error::{ApiError, Detail};
use crate::store::constant_eq;

/// Seconds per time step.
const PERIOD: u64 = 30;
/// Steps of clock drift accepted before and after the current one.
const WINDOW: u64 = 1;
const DIGITS: u32 = 6;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The seed of one TOTP device.
#[derive(Debug, Clone)]
pub struct Seed {
    key: Vec<u8>,
    /// The last time step a code was accepted for: it and older steps are refused.
    last_step: Option<u64>,
}

impl Seed {
    /// A new 160-bit seed (the length RFC 4226 recommends for HMAC-SHA1).
    pub fn generate() -> Seed {
        let mut key = vec![0u8; 20];
        rand::rng().fill(&mut key[..]);
        Seed {
            key,
            last_step: None,
        }
    }

    /// The seed in base32 without padding, as authenticator apps take it.
    pub fn secret(&self) -> String {
        base32(&self.key)
    }

    /// Accepts `otp` when it is the code of a step within the window around
    /// `now` (Unix seconds) that no code was accepted for yet.
    pub fn verify(&mut self, otp: &str, now: u64) -> Result<(), Rejection> {
        let current = now / PERIOD;
        let matched = (current.saturating_sub(WINDOW)..=current + WINDOW)
            .find(|step| constant_eq(&code(&self.key, *step), otp.trim()))
            .ok_or(Rejection::Wrong)?;
        if self.last_step.is_some_and(|last| matched <= last) {
            return Err(Rejection::Reused);
        }
        self.last_step = Some(matched);
        Ok(())
    }
}

/// Why a code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    Wrong,
    Reused,
}

impl Rejection {
    /// PingOne's answer to a refused passcode: 400 INVALID_DATA with an INVALID_OTP detail.
    pub fn error(self) -> ApiError {
        let message = match self {
            Rejection::Wrong => "Invalid One-Time Password",
            Rejection::Reused => "Invalid One-Time Password: the passcode was already used",
        };
        ApiError::invalid_data(vec![Detail::new("INVALID_OTP", "otp", message)])
    }
}

/// The HOTP value (RFC 4226 section 5.3) of one time step.
fn code(key: &[u8], step: u64) -> String {
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, key),
        &step.to_be_bytes(),
    );
    let mac = tag.as_ref();
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        mac[offset],
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]) & 0x7fff_ffff;
    format!(
        "{:0width$}",
        binary % 10u32.pow(DIGITS),
        width = DIGITS as usize
    )
}

/// RFC 4648 base32, unpadded.
fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((buffer >> bits) & 31) as usize] as char);
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RFC 6238 Appendix B SHA1 seed.
    fn rfc_seed() -> Seed {
        Seed {
            key: b"12345678901234567890".to_vec(),
            last_step: None,
        }
    }

    #[test]
    fn codes_and_secret_match_rfc_6238() {
        let seed = rfc_seed();
        assert_eq!(seed.secret(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        // Appendix B gives eight digits; six are their last six.
        assert_eq!(code(&seed.key, 59 / PERIOD), "287082");
        assert_eq!(code(&seed.key, 1_111_111_109 / PERIOD), "081804");
        assert_eq!(code(&seed.key, 1_234_567_890 / PERIOD), "005924");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(Seed::generate().secret().len(), 32);
    }

    #[test]
    fn one_step_of_drift_each_code_once() {
        let now = 1_234_567_890;
        let step = now / PERIOD;
        let mut seed = rfc_seed();
        let at = |s: u64| code(&rfc_seed().key, s);
        assert_eq!(seed.verify(&at(step - 2), now), Err(Rejection::Wrong));
        assert_eq!(seed.verify(&at(step + 2), now), Err(Rejection::Wrong));
        assert_eq!(seed.verify("12345", now), Err(Rejection::Wrong));
        assert_eq!(seed.verify(&at(step - 1), now), Ok(()));
        assert_eq!(seed.verify(&at(step - 1), now), Err(Rejection::Reused));
        assert_eq!(seed.verify(&at(step), now), Ok(()));
        assert_eq!(seed.verify(&at(step), now + 5), Err(Rejection::Reused));
        // An older step inside the window is refused once a newer one was used.
        let mut seed = rfc_seed();
        assert_eq!(seed.verify(&at(step + 1), now), Ok(()));
        assert_eq!(seed.verify(&at(step), now), Err(Rejection::Reused));
    }
}
