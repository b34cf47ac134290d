//! Just enough `multipart/form-data` for PingOne's file uploads: the parts of a body,
//! split on the boundary named in `Content-Type`.

/// One form field: its name, the file name if it is a file, and its raw bytes.
#[derive(Debug)]
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub data: Vec<u8>,
}

/// The `boundary` parameter of a `multipart/form-data` content type.
fn boundary(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    let media = params.next()?.trim();
    if !media.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty())
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// `name="value"` out of a `Content-Disposition` header value.
fn disposition_param(value: &str, key: &str) -> Option<String> {
    value.split(';').find_map(|param| {
        let (k, v) = param.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(key)
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The parts of `body`, or `None` when it is not well-formed multipart for `content_type`.
pub fn parse(content_type: &str, body: &[u8]) -> Option<Vec<Part>> {
    let delimiter = format!("--{}", boundary(content_type)?).into_bytes();
    let mut parts = Vec::new();
    let mut at = find(body, &delimiter, 0)? + delimiter.len();
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            return Some(parts);
        }
        let next = find(body, &delimiter, at)?;
        let mut section = &body[at..next];
        // The line break after the delimiter and the one before the next belong to the framing.
        section = section
            .strip_prefix(b"\r\n")
            .or_else(|| section.strip_prefix(b"\n"))
            .unwrap_or(section);
        section = section
            .strip_suffix(b"\r\n")
            .or_else(|| section.strip_suffix(b"\n"))
            .unwrap_or(section);
        let (head, data) = match find(section, b"\r\n\r\n", 0) {
            Some(split) => (&section[..split], &section[split + 4..]),
            None => {
                let split = find(section, b"\n\n", 0)?;
                (&section[..split], &section[split + 2..])
            }
        };
        let head = String::from_utf8_lossy(head);
        let disposition = head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-disposition")
                .then(|| value.trim().to_string())
        })?;
        parts.push(Part {
            name: disposition_param(&disposition, "name")?,
            filename: disposition_param(&disposition, "filename"),
            data: data.to_vec(),
        });
        at = next + delimiter.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_fields_and_files() {
        let body = b"--b1\r\nContent-Disposition: form-data; name=\"usageType\"\r\n\r\nSIGNING\r\n--b1\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pem\"\r\nContent-Type: application/x-pem-file\r\n\r\nPEM\r\nDATA\n\r\n--b1--\r\n";
        let parts = parse("multipart/form-data; boundary=\"b1\"", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name.as_str(), &parts[0].data[..]),
            ("usageType", &b"SIGNING"[..])
        );
        assert_eq!(parts[1].filename.as_deref(), Some("a.pem"));
        assert_eq!(&parts[1].data[..], b"PEM\r\nDATA\n");
        assert!(parse("multipart/form-data; boundary=b1", b"--b1\r\nno end").is_none());
        assert!(parse("application/json", body).is_none());
    }
}
