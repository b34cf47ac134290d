//! XML-DSig enveloped signatures as SAML uses them: one `Reference` to the signed
//! element's `ID`, the enveloped-signature and exclusive c14n transforms, SHA-256
//! digest and RSA-SHA256 over the exclusive canonical `SignedInfo`.

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use super::key_material::KeyMaterial;
use super::xml::{self, Element};

pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

/// Signs `element_xml` (a standalone element declaring the namespaces it uses, with
/// an `ID`) and returns it with a `ds:Signature` inserted right after the first
/// `after` end tag (`</saml:Issuer>`: SAML's schema puts the signature there).
pub fn sign(element_xml: &str, after: &str, key: &KeyMaterial) -> Result<String, String> {
    let element = xml::parse(element_xml)?;
    let id = element.attribute("ID").ok_or("the element has no ID")?;
    let canonical = xml::canonicalize(&element, &Vec::new(), &|_| false)?;
    let digest = STANDARD.encode(Sha256::digest(canonical.as_bytes()));
    let signed_info = format!(
        "<ds:SignedInfo xmlns:ds=\"{DSIG_NS}\"><ds:CanonicalizationMethod Algorithm=\"{EXC_C14N}\"></ds:CanonicalizationMethod><ds:SignatureMethod Algorithm=\"{RSA_SHA256}\"></ds:SignatureMethod><ds:Reference URI=\"#{}\"><ds:Transforms><ds:Transform Algorithm=\"{ENVELOPED}\"></ds:Transform><ds:Transform Algorithm=\"{EXC_C14N}\"></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm=\"{SHA256}\"></ds:DigestMethod><ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>",
        xml::escape_attribute(id)
    );
    let canonical_info = xml::canonicalize(&xml::parse(&signed_info)?, &Vec::new(), &|_| false)?;
    let value = key
        .sign(canonical_info.as_bytes())
        .map_err(|e| e.to_string())?;
    let signature = format!(
        "<ds:Signature xmlns:ds=\"{DSIG_NS}\">{signed_info}<ds:SignatureValue>{}</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>",
        STANDARD.encode(value),
        key.certificate_base64()
    );
    let at = element_xml
        .find(after)
        .map(|start| start + after.len())
        .ok_or_else(|| format!("no {after} to place the signature after"))?;
    Ok(format!(
        "{}{signature}{}",
        &element_xml[..at],
        &element_xml[at..]
    ))
}

fn is_signature(e: &Element) -> bool {
    e.local() == "Signature"
}

/// Checks the enveloped signature of `element` (found at `ancestors` in its document)
/// against the RSA public key in `spki` (DER SubjectPublicKeyInfo): the reference names
/// the element's ID, the digest matches its canonical form, and the signature verifies.
pub fn verify(element: &Element, ancestors: &[&Element], spki: &[u8]) -> Result<(), String> {
    let signature = element
        .elements()
        .find(|e| is_signature(e))
        .ok_or("the element is not signed")?;
    let info = signature.child("SignedInfo").ok_or("no SignedInfo")?;
    let method = |name: &str| {
        info.child(name)
            .and_then(|m| m.attribute("Algorithm"))
            .unwrap_or_default()
            .to_string()
    };
    if method("CanonicalizationMethod") != EXC_C14N {
        return Err("SignedInfo is not exclusively canonicalized".into());
    }
    if method("SignatureMethod") != RSA_SHA256 {
        return Err("the signature method is not RSA-SHA256".into());
    }
    let references: Vec<&Element> = info
        .elements()
        .filter(|e| e.local() == "Reference")
        .collect();
    let [reference] = references.as_slice() else {
        return Err("SignedInfo must hold exactly one Reference".into());
    };
    let id = element
        .attribute("ID")
        .ok_or("the signed element has no ID")?;
    if reference.attribute("URI") != Some(&format!("#{id}")) {
        return Err("the Reference does not name the signed element".into());
    }
    let transforms: Vec<&str> = reference
        .child("Transforms")
        .map(|t| {
            t.elements()
                .filter_map(|e| e.attribute("Algorithm"))
                .collect()
        })
        .unwrap_or_default();
    if transforms != [ENVELOPED, EXC_C14N] {
        return Err("the Reference's transforms are not enveloped-signature and exc-c14n".into());
    }
    if reference
        .child("DigestMethod")
        .and_then(|m| m.attribute("Algorithm"))
        != Some(SHA256)
    {
        return Err("the digest method is not SHA-256".into());
    }
    let scope = xml::scope_of(ancestors);
    let canonical = xml::canonicalize(element, &scope, &|e| std::ptr::eq(e, signature))?;
    let digest = STANDARD.encode(Sha256::digest(canonical.as_bytes()));
    let stated = reference
        .child("DigestValue")
        .map(|d| d.text())
        .unwrap_or_default();
    if digest != stated {
        return Err("the digest does not match the signed element".into());
    }
    let mut info_scope = scope;
    info_scope.extend(xml::scope_of(&[element, signature]));
    let canonical_info = xml::canonicalize(info, &info_scope, &|_| false)?;
    let value: String = signature
        .child("SignatureValue")
        .map(|v| v.text())
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let value = STANDARD
        .decode(value)
        .map_err(|_| "the SignatureValue is not base64")?;
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, spki)
        .verify(canonical_info.as_bytes(), &value)
        .map_err(|_| "the signature does not verify".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::key_material::CertificateFields;

    #[test]
    fn a_signed_element_verifies_in_its_document_and_not_once_changed() {
        let key = KeyMaterial::generate(&CertificateFields {
            subject_dn: "CN=test",
            serial: "7",
            not_before: 1_700_000_000,
            not_after: 1_800_000_000,
        })
        .unwrap();
        let assertion = "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_a1\" Version=\"2.0\"><saml:Issuer>idp</saml:Issuer><saml:Subject>jo &amp; co</saml:Subject></saml:Assertion>";
        let signed = sign(assertion, "</saml:Issuer>", &key).unwrap();
        let document = format!(
            "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\">\n  {signed}\n</samlp:Response>"
        );
        let root = xml::parse(&document).unwrap();
        let element = root.child("Assertion").unwrap();
        verify(element, &[&root], &key_spki(&key)).unwrap();
        let forged = xml::parse(&document.replace("jo &amp; co", "admin")).unwrap();
        let err = verify(
            forged.child("Assertion").unwrap(),
            &[&forged],
            &key_spki(&key),
        );
        assert_eq!(
            err.unwrap_err(),
            "the digest does not match the signed element"
        );
    }

    fn key_spki(key: &KeyMaterial) -> Vec<u8> {
        crate::management::x509::public_key_info(&key.certificate).unwrap()
    }
}
