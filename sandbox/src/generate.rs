//! Random identifiers, secrets and one-time codes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;

/// A resource id (UUID v4), as PingOne uses everywhere.
pub fn id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// An application or resource client secret (64 url-safe characters).
pub fn client_secret() -> String {
    random(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~.",
        64,
    )
}

/// `len` characters drawn from `chars`.
fn random(chars: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| chars[rng.random_range(0..chars.len())] as char)
        .collect()
}

/// An opaque bearer value (session token, code, refresh token): 32 random bytes.
pub fn opaque() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A six-digit one-time passcode.
pub fn otp() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// An eight-character alphanumeric verification or recovery code.
pub fn verification_code() -> String {
    random(b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 8)
}

/// A device-grant user code such as `BVKV-2GZ2` (no vowels or look-alike digits).
pub fn user_code() -> String {
    let mut code = random(b"BCDFGHJKLMNPQRSTVWXZ2345679", 8);
    code.insert(4, '-');
    code
}
