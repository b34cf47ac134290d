//! A best-effort X.509 reader: the handful of fields PingOne reports for an uploaded
//! certificate, read straight from the DER (PEM, PKCS7 or raw DER input).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// What PingOne shows of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub serial_number: String,
    pub signature_algorithm: String,
    pub issuer_dn: String,
    pub subject_dn: String,
    pub subject_cn: Option<String>,
    /// ISO-8601, like every PingOne timestamp.
    pub starts_at: String,
    pub expires_at: String,
    pub algorithm: String,
    pub key_length: Option<u32>,
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OID: u8 = 0x06;
const CONTEXT_0: u8 = 0xA0;

/// One TLV: (tag, content, rest of the input).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7F) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The content of a TLV that must carry `tag`.
fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (found, content, rest) = tlv(input)?;
    (found == tag).then_some((content, rest))
}

fn oid(content: &[u8]) -> String {
    let Some((&first, rest)) = content.split_first() else {
        return String::new();
    };
    let mut arcs = vec![(first / 40) as u64, (first % 40) as u64];
    let mut value = 0u64;
    for byte in rest {
        value = (value << 7) | (byte & 0x7F) as u64;
        if byte & 0x80 == 0 {
            arcs.push(value);
            value = 0;
        }
    }
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// A big-endian unsigned integer in decimal (serial numbers exceed u128).
fn decimal(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = vec![0];
    for byte in bytes {
        let mut carry = *byte as u32;
        for digit in digits.iter_mut() {
            let value = *digit as u32 * 256 + carry;
            *digit = (value % 10) as u8;
            carry = value / 10;
        }
        while carry > 0 {
            digits.push((carry % 10) as u8);
            carry /= 10;
        }
    }
    while digits.len() > 1 && digits.last() == Some(&0) {
        digits.pop();
    }
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}

fn signature_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.5" => "SHA1withRSA",
        "1.2.840.113549.1.1.11" => "SHA256withRSA",
        "1.2.840.113549.1.1.12" => "SHA384withRSA",
        "1.2.840.113549.1.1.13" => "SHA512withRSA",
        "1.2.840.10045.4.3.2" => "SHA256withECDSA",
        "1.2.840.10045.4.3.3" => "SHA384withECDSA",
        "1.2.840.10045.4.3.4" => "SHA512withECDSA",
        other => other,
    }
    .to_string()
}

fn attribute_name(oid: &str) -> String {
    match oid {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.5" => "SERIALNUMBER",
        "1.2.840.113549.1.9.1" => "EMAILADDRESS",
        "0.9.2342.19200300.100.1.25" => "DC",
        other => other,
    }
    .to_string()
}

/// A Name as `CN=x, O=y, C=US` (most specific first, as Java prints it) and its CN.
fn name(content: &[u8]) -> Option<(String, Option<String>)> {
    let mut pairs = Vec::new();
    let mut rdns = content;
    while !rdns.is_empty() {
        let (set, rest) = expect(rdns, SET)?;
        rdns = rest;
        let mut attributes = set;
        while !attributes.is_empty() {
            let (attribute, rest) = expect(attributes, SEQUENCE)?;
            attributes = rest;
            let (kind, value) = expect(attribute, OID)?;
            let (_, text, _) = tlv(value)?;
            pairs.push((
                attribute_name(&oid(kind)),
                String::from_utf8_lossy(text).into_owned(),
            ));
        }
    }
    let cn = pairs
        .iter()
        .find(|(k, _)| k == "CN")
        .map(|(_, v)| v.clone());
    let dn = pairs
        .iter()
        .rev()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ");
    Some((dn, cn))
}

/// UTCTime or GeneralizedTime as `2024-01-01T00:00:00.000Z`.
fn time(input: &[u8]) -> Option<(String, &[u8])> {
    let (tag, content, rest) = tlv(input)?;
    let text = std::str::from_utf8(content).ok()?;
    let full = match tag {
        0x17 if text.len() >= 12 => {
            let century = if text[..2].parse::<u8>().ok()? < 50 {
                "20"
            } else {
                "19"
            };
            format!("{century}{text}")
        }
        0x18 if text.len() >= 14 => text.to_string(),
        _ => return None,
    };
    if !full[..14].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}.000Z",
        &full[..4],
        &full[4..6],
        &full[6..8],
        &full[8..10],
        &full[10..12],
        &full[12..14]
    );
    Some((iso, rest))
}

/// (algorithm, key length) of a SubjectPublicKeyInfo.
fn public_key(content: &[u8]) -> Option<(String, Option<u32>)> {
    let (algorithm, rest) = expect(content, SEQUENCE)?;
    let (kind, params) = expect(algorithm, OID)?;
    match oid(kind).as_str() {
        "1.2.840.113549.1.1.1" => {
            let (bits, _) = expect(rest, BIT_STRING)?;
            let (key, _) = expect(bits.get(1..)?, SEQUENCE)?;
            let (modulus, _) = expect(key, INTEGER)?;
            let start = modulus.iter().position(|b| *b != 0)?;
            let significant = &modulus[start..];
            let length = significant.len() as u32 * 8 - significant[0].leading_zeros();
            Some(("RSA".into(), Some(length)))
        }
        "1.2.840.10045.2.1" => {
            let length = expect(params, OID).and_then(|(curve, _)| match oid(curve).as_str() {
                "1.2.840.10045.3.1.7" => Some(256),
                "1.3.132.0.34" => Some(384),
                "1.3.132.0.35" => Some(521),
                _ => None,
            });
            Some(("EC".into(), length))
        }
        other => Some((other.to_string(), None)),
    }
}

fn certificate(der: &[u8]) -> Option<Summary> {
    let (certificate, _) = expect(der, SEQUENCE)?;
    let (tbs, _) = expect(certificate, SEQUENCE)?;
    let mut fields = tbs;
    if fields.first() == Some(&CONTEXT_0) {
        fields = tlv(fields)?.2;
    }
    let (serial, fields) = expect(fields, INTEGER)?;
    let (signature, fields) = expect(fields, SEQUENCE)?;
    let (signature_oid, _) = expect(signature, OID)?;
    let (issuer, fields) = expect(fields, SEQUENCE)?;
    let (validity, fields) = expect(fields, SEQUENCE)?;
    let (subject, fields) = expect(fields, SEQUENCE)?;
    let (spki, _) = expect(fields, SEQUENCE)?;
    let (starts_at, validity) = time(validity)?;
    let (expires_at, _) = time(validity)?;
    let (issuer_dn, _) = name(issuer)?;
    let (subject_dn, subject_cn) = name(subject)?;
    let (algorithm, key_length) = public_key(spki)?;
    Some(Summary {
        serial_number: decimal(serial),
        signature_algorithm: signature_name(&oid(signature_oid)),
        issuer_dn,
        subject_dn,
        subject_cn,
        starts_at,
        expires_at,
        algorithm,
        key_length,
    })
}

/// A DER certificate's SubjectPublicKeyInfo, whole (what signature checks take).
pub fn public_key_info(der: &[u8]) -> Option<Vec<u8>> {
    let (certificate, _) = expect(der, SEQUENCE)?;
    let (tbs, _) = expect(certificate, SEQUENCE)?;
    let mut fields = tbs;
    if fields.first() == Some(&CONTEXT_0) {
        fields = tlv(fields)?.2;
    }
    for tag in [INTEGER, SEQUENCE, SEQUENCE, SEQUENCE, SEQUENCE] {
        fields = expect(fields, tag)?.1;
    }
    let (_, content, rest) = tlv(fields)?;
    let whole = fields.len() - rest.len();
    (!content.is_empty()).then(|| fields[..whole].to_vec())
}

/// The first certificate of a PKCS7 SignedData (`ContentInfo { signedData, [0] SignedData }`).
fn pkcs7_first(der: &[u8]) -> Option<&[u8]> {
    let (info, _) = expect(der, SEQUENCE)?;
    let (_, rest) = expect(info, OID)?;
    let (explicit, _) = expect(rest, CONTEXT_0)?;
    let (signed, _) = expect(explicit, SEQUENCE)?;
    let (_, rest) = expect(signed, INTEGER)?;
    let (_, rest) = expect(rest, SET)?;
    let (_, rest) = expect(rest, SEQUENCE)?;
    let (certificates, _) = expect(rest, CONTEXT_0)?;
    // The set is the certificates' encodings back to back; keep the first whole.
    let (_, _, after) = tlv(certificates)?;
    certificates.get(..certificates.len() - after.len())
}

/// The DER bodies of `-----BEGIN <label>-----` blocks.
fn pem_blocks(text: &str) -> Vec<(String, Vec<u8>)> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(label_end) = after.find("-----") else {
            break;
        };
        let label = after[..label_end].to_string();
        let body = &after[label_end + 5..];
        let Some(end) = body.find("-----END ") else {
            break;
        };
        let b64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(der) = STANDARD.decode(b64) {
            blocks.push((label, der));
        }
        rest = &body[end + 9..];
    }
    blocks
}

/// Reads an uploaded certificate file: PEM (`CERTIFICATE` or `PKCS7`) or DER. Returns
/// what PingOne reports of it and its DER (kept so signatures can be verified with it).
pub fn read_with_der(file: &[u8]) -> Option<(Summary, Vec<u8>)> {
    let text = String::from_utf8_lossy(file);
    let blocks = pem_blocks(&text);
    let ders: Vec<(bool, Vec<u8>)> = if blocks.is_empty() {
        vec![(false, file.to_vec()), (true, file.to_vec())]
    } else {
        blocks
            .into_iter()
            .map(|(label, der)| (label.contains("PKCS7"), der))
            .collect()
    };
    ders.iter().find_map(|(pkcs7, der)| {
        let der = if *pkcs7 {
            pkcs7_first(der)?
        } else {
            der.as_slice()
        };
        Some((certificate(der)?, der.to_vec()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_serials_and_bad_input() {
        assert_eq!(decimal(&[0x01, 0x00]), "256");
        assert_eq!(decimal(&[0x00]), "0");
        assert!(read_with_der(b"not a certificate").is_none());
        assert!(
            read_with_der(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")
                .is_none()
        );
        assert!(tlv(&[0x30, 0x85, 0, 0, 0, 0, 0]).is_none());
    }
}
