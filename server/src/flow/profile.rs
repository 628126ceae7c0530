//! "A few more details": profile fields at sign-up (after the identifiers are verified,
//! before the account exists), and for existing users the fields and username that are now
//! required and missing (after they proved who they are, before the session starts).

use super::{finish_sign_in, register, save_progress, Ctx, Flow, Screen, StepResult};
use crate::config::{IdentifierKind, ProfileFieldConfig};
use crate::crypto::now;
use crate::db::{DbError, UserRow};
use crate::error::AppError;
use crate::identifier;
use crate::profile;
use crate::state::AppState;
use app::api::{FormErrors, UiError};

/// The screen.
pub const SCREEN: Screen = Screen {
    key: "continue",
    path: "/continue",
};

/// What the screen asks for.
pub struct Wanted<'a> {
    pub username: bool,
    pub fields: Vec<&'a ProfileFieldConfig>,
    /// The account, for existing users.
    pub user: Option<UserRow>,
}

/// Whether an existing user owes fields or a username before signing in.
pub fn user_needs(state: &AppState, user: &UserRow) -> bool {
    let claims = user.profile_claims();
    let x = &state.config.experience;
    (x.secondary_identifiers.contains(&IdentifierKind::Username) && user.username.is_none())
        || state
            .config
            .profile
            .fields
            .iter()
            .any(|f| profile::is_missing(f, &claims))
}

/// What the flow must still give, or `None` when the screen does not apply.
pub async fn wanted<'a>(state: &'a AppState, flow: &Flow) -> Result<Option<Wanted<'a>>, AppError> {
    let fields = &state.config.profile.fields;
    // Nothing about an account is asked or changed before its second factor.
    if flow.progress.pending_user.is_some() && !flow.progress.mfa.passed {
        return Ok(None);
    }
    if let Some((user_id, _)) = &flow.progress.pending_user {
        let Some(user) = state.db.user_by_id(user_id).await? else {
            return Ok(None);
        };
        let claims = user.profile_claims();
        let username = state
            .config
            .experience
            .secondary_identifiers
            .contains(&IdentifierKind::Username)
            && user.username.is_none();
        let missing: Vec<_> = fields
            .iter()
            .filter(|f| profile::is_missing(f, &claims))
            .collect();
        if !username && missing.is_empty() {
            return Ok(None);
        }
        return Ok(Some(Wanted {
            username,
            fields: missing,
            user: Some(user),
        }));
    }
    match &flow.progress.registration {
        Some(reg) if reg.profile.is_none() && !fields.is_empty() => Ok(Some(Wanted {
            username: false,
            fields: fields.iter().collect(),
            user: None,
        })),
        _ => Ok(None),
    }
}

/// Checks and stores the submitted values (every name/value pair of the form), then goes
/// on: creating the account at sign-up, or finishing the sign-in.
pub async fn submit(ctx: &Ctx<'_>, flow: &mut Flow, input: &[(String, String)]) -> StepResult {
    let Some(w) = wanted(ctx.state, flow).await? else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    let mut errors = FormErrors::default();
    let username = if w.username {
        let raw = input
            .iter()
            .find(|(n, _)| n == "username")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        match identifier::username(raw, &ctx.state.config.username_policy) {
            Ok(u) if ctx.state.db.user_by_username(&u).await?.is_some() => {
                errors
                    .named
                    .push(("username".into(), UiError::UsernameTaken));
                None
            }
            Ok(u) => Some(u),
            Err(e) => {
                errors.named.push(("username".into(), e));
                None
            }
        }
    } else {
        None
    };
    let claims = match profile::validate(&w.fields, input) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.named.extend(e);
            None
        }
    };
    let Some(claims) = claims.filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    match w.user {
        None => {
            if let Some(reg) = flow.progress.registration.as_mut() {
                reg.profile = Some(claims);
            }
            save_progress(ctx.state, flow).await?;
            register::advance(ctx, flow).await
        }
        Some(user) => {
            let now = now();
            if let Some(u) = &username {
                match ctx.state.db.set_username(&user.id, u, now).await {
                    Ok(()) => {}
                    Err(DbError::Conflict) => {
                        let mut e = FormErrors::default();
                        e.named.push(("username".into(), UiError::UsernameTaken));
                        return Ok(Err(e));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            let mut merged = user.profile_claims();
            merged.extend(claims);
            ctx.state
                .db
                .set_profile(
                    &user.id,
                    &serde_json::Value::Object(merged).to_string(),
                    now,
                )
                .await?;
            let Some(user) = ctx.state.db.user_by_id(&user.id).await? else {
                return Ok(Err(FormErrors::form(UiError::FormExpired)));
            };
            let amr = flow
                .progress
                .pending_user
                .take()
                .map(|(_, amr)| amr)
                .unwrap_or_else(|| "pwd".into());
            finish_sign_in(ctx, flow, &user, &amr).await
        }
    }
}

/// `POST /flow/continue`: the screen's form, read as every name/value pair it posts.
pub async fn form(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let pairs = super::form_pairs(&state, body).await;
    let csrf = super::pair(&pairs, "csrf").to_string();
    // Kept for the next render; capped like every typed value.
    let named: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "csrf")
        .take(64)
        .map(|(k, v)| (k.clone(), v.chars().take(256).collect()))
        .collect();
    let outcome = super::run_form(
        &state,
        &parts,
        &csrf,
        SCREEN,
        Vec::new(),
        named,
        async |ctx, flow| submit(ctx, flow, &pairs).await,
    )
    .await;
    super::redirect(outcome)
}
