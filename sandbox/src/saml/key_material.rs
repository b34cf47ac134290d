//! The private half of an environment's SAML signing key: an RSA 2048 key pair and
//! the self-signed X.509 certificate PingOne serves for it (`GET .../keys/{id}` as
//! PEM), built here in DER.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// `sha256WithRSAEncryption` (1.2.840.113549.1.1.11).
const SHA256_WITH_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B];

pub struct KeyMaterial {
    pair: KeyPair,
    /// The certificate, DER.
    pub certificate: Vec<u8>,
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyMaterial")
    }
}

/// What the key's management row says its certificate holds.
pub struct CertificateFields<'a> {
    pub subject_dn: &'a str,
    /// Decimal, as PingOne reports `serialNumber`.
    pub serial: &'a str,
    pub not_before: u64,
    pub not_after: u64,
}

impl KeyMaterial {
    pub fn generate(fields: &CertificateFields) -> anyhow::Result<KeyMaterial> {
        let pair = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| anyhow::anyhow!("RSA key generation failed"))?;
        let spki = pair
            .public_key()
            .as_der()
            .map_err(|_| anyhow::anyhow!("public key encoding failed"))?;
        let algorithm = tlv(
            0x30,
            &[tlv(0x06, SHA256_WITH_RSA), vec![0x05, 0x00]].concat(),
        );
        let name = distinguished_name(fields.subject_dn);
        let tbs = tlv(
            0x30,
            &[
                tlv(0xA0, &tlv(0x02, &[2])),
                tlv(0x02, &unsigned(&decimal_bytes(fields.serial))),
                algorithm.clone(),
                name.clone(),
                tlv(
                    0x30,
                    &[time(fields.not_before), time(fields.not_after)].concat(),
                ),
                name,
                spki.as_ref().to_vec(),
            ]
            .concat(),
        );
        let mut material = KeyMaterial {
            pair,
            certificate: Vec::new(),
        };
        let signature = material.sign(&tbs)?;
        let mut bits = vec![0u8];
        bits.extend(signature);
        material.certificate = tlv(0x30, &[tbs, algorithm, tlv(0x03, &bits)].concat());
        Ok(material)
    }

    /// An RSA PKCS#1 v1.5 SHA-256 signature of `data`.
    pub fn sign(&self, data: &[u8]) -> anyhow::Result<Vec<u8>> {
        let mut signature = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                data,
                &mut signature,
            )
            .map_err(|_| anyhow::anyhow!("RSA signing failed"))?;
        Ok(signature)
    }

    /// The certificate as base64 DER (what `ds:X509Certificate` holds).
    pub fn certificate_base64(&self) -> String {
        STANDARD.encode(&self.certificate)
    }

    pub fn certificate_pem(&self) -> String {
        let body = self.certificate_base64();
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        )
    }
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// A positive DER INTEGER's content: no redundant leading zeros, a zero before a high bit.
fn unsigned(bytes: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    match trimmed.first() {
        None => vec![0],
        Some(b) if b & 0x80 != 0 => [&[0u8][..], &trimmed].concat(),
        Some(_) => trimmed,
    }
}

/// A decimal number of any size as big-endian bytes (non-digits are ignored).
fn decimal_bytes(decimal: &str) -> Vec<u8> {
    let mut bytes: Vec<u8> = vec![0];
    for digit in decimal.chars().filter_map(|c| c.to_digit(10)) {
        let mut carry = digit;
        for byte in bytes.iter_mut().rev() {
            let value = *byte as u32 * 10 + carry;
            *byte = (value & 0xFF) as u8;
            carry = value >> 8;
        }
        while carry > 0 {
            bytes.insert(0, (carry & 0xFF) as u8);
            carry >>= 8;
        }
    }
    bytes
}

/// UTCTime before 2050, GeneralizedTime from then on (RFC 5280 4.1.2.5).
fn time(secs: u64) -> Vec<u8> {
    let at = time::OffsetDateTime::from_unix_timestamp(secs as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let (y, mo, d) = (at.year(), at.month() as u8, at.day());
    let (h, mi, s) = (at.hour(), at.minute(), at.second());
    if y < 2050 {
        let text = format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z", y % 100);
        tlv(0x17, text.as_bytes())
    } else {
        let text = format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z");
        tlv(0x18, text.as_bytes())
    }
}

/// An RFC 4514 string (`CN=x, O=y, C=US`) as a DER Name; RDNs are written most
/// significant first, the reverse of the string. Unknown attribute types are left out.
fn distinguished_name(dn: &str) -> Vec<u8> {
    let mut rdns = Vec::new();
    for part in dn.split(',').rev() {
        let Some((kind, value)) = part.split_once('=') else {
            continue;
        };
        let oid: &[u8] = match kind.trim().to_ascii_uppercase().as_str() {
            "CN" => &[0x55, 0x04, 0x03],
            "C" => &[0x55, 0x04, 0x06],
            "L" => &[0x55, 0x04, 0x07],
            "ST" => &[0x55, 0x04, 0x08],
            "O" => &[0x55, 0x04, 0x0A],
            "OU" => &[0x55, 0x04, 0x0B],
            _ => continue,
        };
        let value = value.trim();
        // countryName is a PrintableString; the rest UTF8String.
        let string_tag = if oid[2] == 0x06 { 0x13 } else { 0x0C };
        let attribute = tlv(
            0x30,
            &[tlv(0x06, oid), tlv(string_tag, value.as_bytes())].concat(),
        );
        rdns.extend(tlv(0x31, &attribute));
    }
    tlv(0x30, &rdns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::management::x509;

    #[test]
    fn the_certificate_reads_back_with_its_fields() {
        let material = KeyMaterial::generate(&CertificateFields {
            subject_dn: "CN=PingOne SSO Certificate, O=Ping Identity, C=US",
            serial: "1766000000123456789012",
            not_before: 1_700_000_000,
            not_after: 2_600_000_000,
        })
        .unwrap();
        let summary = x509::read_with_der(material.certificate_pem().as_bytes())
            .unwrap()
            .0;
        assert_eq!(
            summary.subject_dn,
            "CN=PingOne SSO Certificate, O=Ping Identity, C=US"
        );
        assert_eq!(summary.issuer_dn, summary.subject_dn);
        assert_eq!(summary.serial_number, "1766000000123456789012");
        assert_eq!(summary.key_length, Some(2048));
        assert!(summary.expires_at.starts_with("2052-05-22"));
    }
}
