//! `GET` and `POST /{envId}/flows/{flowId}`: only the browser that started a flow may read
//! or drive it; a post names its action by the vendor media type.

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::Map;

use crate::auth::flows::actions::perform;
use crate::auth::flows::flow::{FLOW_COOKIE, FLOW_SECONDS, Flow};
use crate::auth::flows::machine::advance;
use crate::auth::flows::response::respond;
use crate::auth::resume;
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::management::crud;
use crate::request::{EnvPost, EnvRequest};
use crate::server::{content_type, cookies, vendor_action};
use crate::store::EnvData;

/// The flow, if it exists, is alive and this browser holds its binding cookie.
pub fn check_access<'a>(
    data: &'a mut EnvData,
    flow_id: &str,
    headers: &HeaderMap,
) -> ApiResult<&'a mut Flow> {
    let now = clock::now();
    let expired = data.flows.get(flow_id).is_some_and(|f| f.expires_at <= now);
    if expired {
        data.flows.remove(flow_id);
    }
    let flow = data
        .flows
        .get_mut(flow_id)
        .ok_or_else(ApiError::not_found)?;
    let jar = cookies(headers);
    if jar
        .get(FLOW_COOKIE)
        .is_none_or(|b| !crate::store::constant_eq(b, &flow.binding))
    {
        return Err(ApiError::invalid_token());
    }
    Ok(flow)
}

/// `GET /{envId}/flows/{flowId}`
pub async fn get_flow(req: EnvRequest) -> Response {
    let mut data = req.env.write();
    let mut flow = match check_access(&mut data, req.path("flow"), &req.headers) {
        Ok(flow) => flow.clone(),
        Err(err) => return err.into_response(),
    };
    let response = respond(req.store(), &data, &mut flow);
    data.flows.insert(flow.id.clone(), flow);
    response
}

/// `POST /{envId}/flows/{flowId}` with `Content-Type: application/vnd.pingidentity.<action>+json`.
pub async fn post_flow(post: EnvPost) -> Response {
    let store = post.store();
    let media = content_type(&post.headers);
    let mut data = post.env.write();
    let mut flow = match check_access(&mut data, post.path("flow"), &post.headers) {
        Ok(flow) => flow.clone(),
        Err(err) => return err.into_response(),
    };
    let Some(action) = vendor_action(&media).map(str::to_string) else {
        return ApiError::unsupported_media_type().into_response();
    };
    let request = if post.body.iter().all(u8::is_ascii_whitespace) {
        Ok(Map::new())
    } else {
        crud::object(&post.body)
    };
    let outcome =
        request.and_then(|request| perform(store, &mut data, &mut flow, &action, &request));
    flow.expires_at = clock::now() + FLOW_SECONDS;
    let result = match outcome {
        Ok(()) => {
            advance(&mut data, &mut flow);
            if flow.status == "COMPLETED" && flow.is_pi_flow() && flow.authorize_response.is_none()
            {
                match resume::authorize_response(store, &mut data, &flow) {
                    Ok(response) => flow.authorize_response = Some(response),
                    Err(err) => {
                        data.flows.insert(flow.id.clone(), flow);
                        return err.into_response();
                    }
                }
            }
            respond(store, &data, &mut flow)
        }
        Err(err) => err.into_response(),
    };
    data.flows.insert(flow.id.clone(), flow);
    result
}
