//! Agreement consent: the policy's agreement, accepted once per revision that asks for it.

use crate::audit;
use crate::auth::flows::actions::{Action, Posted, accepted};
use crate::auth::flows::policy::referenced_id;
use crate::error::ApiResult;
use crate::management::agreements;

pub(super) const ACTIONS: &[Action] = &[Action {
    name: "user.consent",
    offered_in: &["AGREEMENT_CONSENT_REQUIRED"],
    run: consent,
}];

/// `user.consent`: accepting records the consent, declining fails the flow.
fn consent(post: Posted) -> ApiResult<()> {
    let accept = accepted(post.request)?;
    if !accept {
        post.flow
            .fail("AGREEMENT_DECLINED", "The user declined the agreement");
        return Ok(());
    }
    let agreement = referenced_id(post.flow.current_action(), "agreement").to_string();
    let user_id = post.flow.user_id_or_empty();
    agreements::record_consent(post.data, &user_id, &agreement);
    let actors = audit::end_user_actors(post.data, &user_id, &post.flow.app_id);
    let resources = [
        audit::subject(post.data, "users", &user_id),
        audit::subject(post.data, "agreements", &agreement),
    ];
    let resources = resources.into_iter().flatten().collect();
    audit::record(post.data, "AGREEMENT_CONSENT.ACCEPTED", actors, resources);
    Ok(())
}
