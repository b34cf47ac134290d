//! `POST /environments/{env}/images`: PingOne's "Create Image" takes the file's raw bytes
//! as the body (`Content-Type: image/...`, `Content-Disposition: attachment;
//! filename=...`) and answers 201 with the stored original under `targets.original`.
//! The sandbox serves the bytes back at that `href` (`/uploads/...`).

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, json};

use crate::error::{ApiError, ApiResult, Detail};
use crate::management::crud;
use crate::management::family;
use crate::management::hooks::Hook;
use crate::server::AppState;
use crate::store::EnvData;

/// PingOne's limit on an uploaded image.
const MAX_BYTES: usize = 2 * 1024 * 1024;

/// An image's format (as PingOne names it in `targets.*.type`) and size in pixels.
#[derive(Debug, PartialEq, Eq)]
pub struct Picture {
    pub kind: &'static str,
    pub width: u32,
    pub height: u32,
}

impl Picture {
    fn media_type(&self) -> &'static str {
        match self.kind {
            "png" => "image/png",
            "gif" => "image/gif",
            _ => "image/jpeg",
        }
    }
}

/// Reads the format and dimensions from a PNG, GIF or JPEG header.
pub fn inspect(bytes: &[u8]) -> Option<Picture> {
    let be16 = |at: usize| Some(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]));
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.get(12..16) == Some(b"IHDR") {
        let be32 = |at: usize| Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
        return Some(Picture {
            kind: "png",
            width: be32(16)?,
            height: be32(20)?,
        });
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        let le16 = |at: usize| Some(u16::from_le_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]));
        return Some(Picture {
            kind: "gif",
            width: u32::from(le16(6)?),
            height: u32::from(le16(8)?),
        });
    }
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    // Walk the JPEG segments to the first start-of-frame marker.
    let mut at = 2;
    loop {
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        let length = usize::from(be16(at + 2)?);
        let start_of_frame = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if start_of_frame {
            return Some(Picture {
                kind: "jpg",
                height: u32::from(be16(at + 5)?),
                width: u32::from(be16(at + 7)?),
            });
        }
        at += 2 + length;
    }
}

/// Stores an uploaded image and returns its id.
pub fn upload(hook: &Hook, data: &mut EnvData, media: &str, body: &[u8]) -> ApiResult<String> {
    if !media.starts_with("image/") {
        return Err(ApiError::unsupported_media_type());
    }
    if body.is_empty() {
        return Err(ApiError::invalid_data(vec![Detail::required("file")]));
    }
    if body.len() > MAX_BYTES {
        return Err(ApiError::invalid_data(vec![Detail::new(
            "SIZE_LIMIT_EXCEEDED",
            "file",
            "The image must not be larger than 2 MB",
        )]));
    }
    let picture = inspect(body).ok_or_else(|| {
        ApiError::invalid_value("file", "The file is not a PNG, JPEG or GIF image")
    })?;
    let family = family::by_key("images").ok_or_else(ApiError::not_found)?;
    let id = crud::create(hook, data, family, None, Map::new())?;
    let href = format!(
        "{}/uploads/environments/{}/images/{id}.{}",
        hook.store.base_url, data.id, picture.kind
    );
    if let Some(row) = data.table_mut("images").get_mut(&id) {
        row.body.insert(
            "targets".into(),
            json!({"original": {
                "id": "original",
                "href": href,
                "type": picture.kind,
                "width": picture.width,
                "height": picture.height,
            }}),
        );
    }
    data.images.insert(id.clone(), body.to_vec());
    Ok(id)
}

/// An image is replaced by uploading another, not edited.
pub fn prepare(existing: bool) -> ApiResult<()> {
    if existing {
        return Err(ApiError::method_not_allowed());
    }
    Ok(())
}

/// `GET /uploads/environments/{env}/images/{id}.{type}`: the uploaded bytes.
pub async fn serve(
    State(state): State<AppState>,
    Path((env, file)): Path<(String, String)>,
) -> Response {
    let Some(env) = state.store.env(&env) else {
        return ApiError::not_found().into_response();
    };
    let data = env.read();
    let id = file.split_once('.').map_or(file.as_str(), |(id, _)| id);
    match (
        data.images.get(id),
        data.images.get(id).and_then(|b| inspect(b)),
    ) {
        (Some(bytes), Some(picture)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, picture.media_type())],
            bytes.clone(),
        )
            .into_response(),
        _ => ApiError::not_found().into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dimensions_of_each_format() {
        let gif = b"GIF89a\x03\x00\x02\x00\x00\x00\x00";
        assert_eq!(
            inspect(gif),
            Some(Picture {
                kind: "gif",
                width: 3,
                height: 2
            })
        );
        let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
        png.extend([0, 0, 1, 0, 0, 0, 0, 200]);
        assert_eq!(
            inspect(&png),
            Some(Picture {
                kind: "png",
                width: 256,
                height: 200
            })
        );
        // SOI, an APP0 segment of 4 bytes, then SOF0 (height 16, width 32).
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00,
            0x10, 0x00, 0x20,
        ];
        assert_eq!(
            inspect(&jpeg),
            Some(Picture {
                kind: "jpg",
                width: 32,
                height: 16
            })
        );
        assert_eq!(inspect(b"GIF8"), None);
        assert_eq!(inspect(&[0xFF, 0xD8, 0xFF]), None);
        assert_eq!(inspect(b"not an image"), None);
    }
}
