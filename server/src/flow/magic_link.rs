//! Sign-in links ("magic links"): single-use tokens bound to an email address and a purpose,
//! mailed on request ("email me a sign-in link"), made by the operator as invitations
//! (`sesame invite`), or by an application (`one_time_token` with `login_hint`). Opening the
//! link shows a page with one button; only that POST uses the token, so mail scanners that
//! fetch links do not spend it. A used token proves the address like a sign-in code does:
//! its account signs in, or the address starts a new account.

use super::{save_progress, verify_code, Ctx, Flow, Next, Screen, StepResult};
use crate::config::{IdentifierKind, SignInMethod};
use crate::crypto::{now, random_token, token_hash};
use crate::db::OneTimeTokenRow;
use crate::error::AppError;
use crate::identifier::{self, Identifier};
use crate::lockout;
use crate::messaging::{link_message, LinkPurpose};
use crate::state::AppState;
use app::api::{Field, FormErrors, UiError};

/// "Check your email".
pub const SENT_SCREEN: Screen = Screen {
    key: "link_sent",
    path: "/sign-in/link-sent",
};
/// Where a link lands.
pub const LANDING_SCREEN: Screen = Screen {
    key: "magic",
    path: "/magic",
};

/// Purposes of a token.
pub const SIGN_IN: &str = "sign_in";
pub const INVITATION: &str = "invitation";

/// A new token for `email`: stored as a digest, answered as the link to mail.
pub async fn create(state: &AppState, email: &str, purpose: &str) -> Result<String, AppError> {
    let token = random_token();
    let now = now();
    let ttl = if purpose == INVITATION {
        state.config.magic_links.invitation_ttl_secs
    } else {
        state.config.magic_links.ttl_secs
    };
    state
        .db
        .put_one_time_token(&token_hash(&token), email, purpose, now, now + ttl)
        .await?;
    Ok(link(state, &token))
}

/// The link of `token`.
pub fn link(state: &AppState, token: &str) -> String {
    format!("{}?token={token}", state.url(LANDING_SCREEN.path))
}

/// The canonical form of an email address, by the identifier rules.
pub fn canonical_email(state: &AppState, raw: &str) -> Result<Identifier, UiError> {
    let x = &state.config;
    identifier::parse(
        raw,
        &[IdentifierKind::Email],
        &x.username_policy,
        &x.experience.default_phone_region,
    )
}

/// "Email me a sign-in link": mails a link to the address, whether or not an account has
/// it (what it leads to depends on that, and only the mailbox's owner sees it).
pub async fn send(ctx: &Ctx<'_>, flow: &mut Flow, raw: &str) -> StepResult {
    let state = ctx.state;
    if !state.config.experience.sign_in_enabled() {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    }
    if let Some(routed) = super::federation::route_by_domain(ctx, flow, raw).await? {
        return Ok(routed);
    }
    let id = match super::sign_in::parse(ctx, raw, SignInMethod::Link) {
        Ok(id) => id,
        Err(e) => return Ok(Err(e)),
    };
    if let Err(locked) = lockout::check(&state.db, &ctx.subjects(Some(&id)).await?).await? {
        return Ok(Err(FormErrors::form(locked)));
    }
    if let Some(limited) = verify_code::send_limit(ctx, &id.value).await? {
        return Ok(Err(FormErrors::form(limited)));
    }
    flow.progress.begin(super::Event::SignIn);
    let url = create(state, &id.value, SIGN_IN).await?;
    verify_code::record_send(ctx, &id.value).await?;
    let message = link_message(
        id.delivery(),
        LinkPurpose::SignIn,
        &url,
        state.config.magic_links.ttl_secs / 60,
        ctx.locale,
    );
    if let Err(e) = state.messenger.send(&state.db, &message).await {
        tracing::error!(error = %e, "sign-in link not sent");
        return Ok(Err(FormErrors::form(UiError::SendFailed)));
    }
    tracing::info!("sign-in link sent");
    flow.progress.link_sent_to = Some(id.delivery().to_string());
    save_progress(state, flow).await?;
    Ok(Ok(Next::LinkSent))
}

/// What a link's token is, when it can still be used.
pub enum Landing {
    Usable(OneTimeTokenRow),
    /// Used, expired or unknown: the page offers a new link.
    Spent,
    /// The application's `login_hint` names another address than the link's.
    OtherAddress,
}

/// Looks at a token without using it.
pub async fn look(state: &AppState, flow: Option<&Flow>, token: &str) -> Result<Landing, AppError> {
    let Some(row) = state.db.one_time_token(&token_hash(token)).await? else {
        return Ok(Landing::Spent);
    };
    if row.used_at.is_some() || row.expires_at <= now() {
        return Ok(Landing::Spent);
    }
    let hint = flow
        .and_then(|f| f.request.as_ref())
        .and_then(|r| r.login_hint.as_deref())
        .and_then(|h| canonical_email(state, h).ok());
    if hint.is_some_and(|h| h.value != row.email) {
        return Ok(Landing::OtherAddress);
    }
    Ok(Landing::Usable(row))
}

/// The landing page's button: uses the token and signs in (or on to sign-up) with the
/// address it proves. A browser signed in as someone else switches to the link's account.
pub async fn open(ctx: &Ctx<'_>, flow: &mut Flow, token: &str) -> StepResult {
    let state = ctx.state;
    let row = match look(state, Some(flow), token).await? {
        Landing::Usable(row) => row,
        Landing::Spent => return Ok(Err(FormErrors::form(UiError::LinkSpent))),
        Landing::OtherAddress => return Ok(Err(FormErrors::form(UiError::LinkOtherAddress))),
    };
    // Only the one request that uses the token goes on.
    if !state
        .db
        .consume_one_time_token(&token_hash(token), now())
        .await?
    {
        return Ok(Err(FormErrors::form(UiError::LinkSpent)));
    }
    let Ok(to) = canonical_email(state, &row.email) else {
        return Ok(Err(FormErrors::form(UiError::LinkSpent)));
    };
    flow.progress.begin(super::Event::SignIn);
    if row.purpose == INVITATION {
        flow.progress.invited = Some(to.value.clone());
    }
    tracing::info!(purpose = %row.purpose, "sign-in link used");
    verify_code::proven_address(ctx, flow, to).await
}

/// `POST /flow/magic`: the landing page (`open`, `stay`) and the page of a spent link
/// (`resend` with an address).
pub async fn form(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let pairs = super::form_pairs(&state, body).await;
    let csrf = super::pair(&pairs, "csrf").to_string();
    let action = super::pair(&pairs, "action").to_string();
    let token = super::pair(&pairs, "token").to_string();
    let email = super::pair(&pairs, "identifier").to_string();
    let outcome = super::run_form(
        &state,
        &parts,
        &csrf,
        LANDING_SCREEN,
        vec![(Field::Identifier, super::keep(&email))],
        Vec::new(),
        async |ctx, flow| match action.as_str() {
            "open" => open(ctx, flow, &token).await,
            "resend" => send(ctx, flow, &email).await,
            _ => Ok(Ok(Next::Redirect(flow.next_after_sign_in()))),
        },
    )
    .await;
    super::redirect(outcome)
}
