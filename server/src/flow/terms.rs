//! Agreement to the terms after sign-in, for users who have not agreed yet when the policy
//! asks every user (`manual`).

use super::{finish_sign_in, Ctx, Flow, Screen, StepResult};
use crate::crypto::now;
use app::api::{Field, FormErrors, UiError};

/// The terms screen.
pub const SCREEN: Screen = Screen {
    key: "terms",
    path: "/terms",
};

/// Records the agreement and finishes the sign-in it interrupted.
pub async fn agree(ctx: &Ctx<'_>, flow: &mut Flow, agreed: bool) -> StepResult {
    let Some((user_id, amr)) = flow.progress.pending_user.clone() else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    // Nothing is recorded for an account before its second factor.
    if !flow.progress.mfa.passed {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    }
    if !agreed {
        return Ok(Err(FormErrors::field(Field::Terms, UiError::TermsRequired)));
    }
    ctx.state.db.set_terms_accepted(&user_id, now()).await?;
    let Some(user) = ctx.state.db.user_by_id(&user_id).await? else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    flow.progress.pending_user = None;
    finish_sign_in(ctx, flow, &user, &amr).await
}
