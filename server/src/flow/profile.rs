//! "A few more details": profile fields at sign-up (after the identifiers are verified,
//! before the account exists), and for existing users the fields and identifiers that are
//! required and missing (after they proved who they are, before the session starts): most
//! often an account made from another provider's identity, which brought no username, email
//! address or phone number. An address given here is verified by a code first, and checked
//! against other accounts only once it is proven.

use super::{finish_sign_in, register, save_progress, Ctx, Flow, Next, Screen, StepResult};
use crate::config::{IdentifierKind, ProfileFieldConfig};
use crate::crypto::now;
use crate::db::{DbError, UserRow};
use crate::error::AppError;
use crate::identifier::{self, Identifier};
use crate::profile;
use crate::state::AppState;
use app::api::{CodePurpose, FormErrors, UiError};
use serde::{Deserialize, Serialize};

/// The screen.
pub const SCREEN: Screen = Screen {
    key: "continue",
    path: "/continue",
};
/// The screen of a profile-editing user flow.
pub const EDIT_SCREEN: Screen = Screen {
    key: "profile_edit",
    path: "/profile-edit",
};

/// The fields a user flow collects (its `attributes`), or all configured ones.
pub fn flow_fields<'a>(
    state: &'a AppState,
    req: Option<&crate::oidc::authorize::AuthRequest>,
) -> Vec<&'a ProfileFieldConfig> {
    let flow = crate::oidc::authorize::user_flow(state, req);
    state
        .config
        .profile
        .fields
        .iter()
        .filter(|f| {
            flow.and_then(|fl| fl.attributes.as_ref())
                .is_none_or(|a| a.contains(&f.name))
        })
        .collect()
}

/// Whether the flow's application still waits for the profile to be edited (a
/// profile-editing user flow, before the user saved).
pub fn edit_pending(state: &AppState, flow: &Flow) -> bool {
    crate::oidc::authorize::user_flow(state, flow.request.as_ref())
        .is_some_and(|f| f.kind == crate::config::UserFlowType::ProfileEdit)
        && !flow.progress.profile_edited
}

/// The profile-editing flow's form: every field is checked as at sign-up; what is saved
/// replaces the old values, then the application gets a fresh ID token.
pub async fn edit(ctx: &Ctx<'_>, flow: &mut Flow, input: &[(String, String)]) -> StepResult {
    let state = ctx.state;
    if !edit_pending(state, flow) {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    }
    let Some((session, user)) = crate::oidc::authorize::current_session(state, ctx.headers).await?
    else {
        return Ok(Ok(Next::Redirect(super::sign_in::SCREEN.path.into())));
    };
    let fields = flow_fields(state, flow.request.as_ref());
    let claims = match profile::validate(&fields, input) {
        Ok(c) => c,
        Err(e) => {
            let mut errors = FormErrors::default();
            errors.named.extend(e);
            return Ok(Err(errors));
        }
    };
    let mut merged = user.profile_claims();
    // Cleared optional fields go; the rest is replaced.
    for f in &fields {
        merged.remove(&f.name);
        if f.kind == app::api::ProfileKind::FullName {
            for (part, _) in app::api::NAME_PARTS {
                merged.remove(part);
            }
        }
    }
    merged.extend(claims);
    state
        .db
        .set_profile(
            &user.id,
            &serde_json::Value::Object(merged).to_string(),
            now(),
        )
        .await?;
    tracing::info!(user = %session.user_id, "profile edited");
    flow.progress.profile_edited = true;
    save_progress(state, flow).await?;
    Ok(Ok(Next::Redirect("/authorize/resume".into())))
}

/// `POST /flow/profile-edit`.
pub async fn edit_form(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let pairs = super::form_pairs(&state, body).await;
    let csrf = super::pair(&pairs, "csrf").to_string();
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
        EDIT_SCREEN,
        Vec::new(),
        named,
        async |ctx, flow| edit(ctx, flow, &pairs).await,
    )
    .await;
    super::redirect(outcome)
}

/// What the screen asks for.
pub struct Wanted<'a> {
    pub username: bool,
    /// Email address and phone number, when missing.
    pub identifiers: Vec<IdentifierKind>,
    pub fields: Vec<&'a ProfileFieldConfig>,
    /// The account, for existing users.
    pub user: Option<UserRow>,
}

/// What an existing user gave on the screen, held while an address is verified.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Given {
    pub username: Option<String>,
    pub claims: serde_json::Map<String, serde_json::Value>,
    pub identifiers: Vec<Identifier>,
}

/// The identifier kinds `user` must still give. An account made from another provider's
/// identity owes what sign-up requires: one of the sign-up identifiers (the first is asked
/// for) and each secondary one. Any account owes a username once one is required.
pub async fn missing_identifiers(
    state: &AppState,
    user: &UserRow,
) -> Result<Vec<IdentifierKind>, AppError> {
    let x = &state.config.experience;
    let has = |k: &IdentifierKind| match k {
        IdentifierKind::Username => user.username.is_some(),
        IdentifierKind::Email => user.email.is_some(),
        IdentifierKind::Phone => user.phone.is_some(),
    };
    let mut out = Vec::new();
    let federated = !state.config.federation.skip_required_identifiers
        && !state.db.identities(&user.id).await?.is_empty();
    if federated {
        if let Some(first) = x.sign_up_identifiers.first() {
            if !x.sign_up_identifiers.iter().any(has) {
                out.push(*first);
            }
        }
        for k in &x.secondary_identifiers {
            if !has(k) && !out.contains(k) {
                out.push(*k);
            }
        }
    } else if x.secondary_identifiers.contains(&IdentifierKind::Username)
        && !has(&IdentifierKind::Username)
    {
        out.push(IdentifierKind::Username);
    }
    Ok(out)
}

/// Whether an existing user owes fields or identifiers before signing in.
pub async fn user_needs(state: &AppState, user: &UserRow) -> Result<bool, AppError> {
    let claims = user.profile_claims();
    Ok(!missing_identifiers(state, user).await?.is_empty()
        || state
            .config
            .profile
            .fields
            .iter()
            .any(|f| profile::is_missing(f, &claims)))
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
        let mut identifiers = missing_identifiers(state, &user).await?;
        let username = identifiers.contains(&IdentifierKind::Username);
        identifiers.retain(|k| *k != IdentifierKind::Username);
        let missing: Vec<_> = fields
            .iter()
            .filter(|f| profile::is_missing(f, &claims))
            .collect();
        if !username && identifiers.is_empty() && missing.is_empty() {
            return Ok(None);
        }
        return Ok(Some(Wanted {
            username,
            identifiers,
            fields: missing,
            user: Some(user),
        }));
    }
    let collected = flow_fields(state, flow.request.as_ref());
    match &flow.progress.registration {
        Some(reg) if reg.profile.is_none() && !collected.is_empty() => Ok(Some(Wanted {
            username: false,
            identifiers: Vec::new(),
            fields: collected,
            user: None,
        })),
        _ => Ok(None),
    }
}

/// The input an identifier kind is typed into.
fn input_name(kind: IdentifierKind) -> &'static str {
    match kind {
        IdentifierKind::Username => "username",
        IdentifierKind::Email => "email",
        IdentifierKind::Phone => "phone",
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
    let mut identifiers = Vec::new();
    let x = &ctx.state.config;
    for kind in &w.identifiers {
        let name = input_name(*kind);
        let raw = input
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        match identifier::parse(
            raw,
            &[*kind],
            &x.username_policy,
            &x.experience.default_phone_region,
        ) {
            Ok(id) => identifiers.push(id),
            Err(e) => errors.named.push((name.into(), e)),
        }
    }
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
        Some(_) => {
            flow.progress.given = Some(Given {
                username,
                claims,
                identifiers,
            });
            save_progress(ctx.state, flow).await?;
            apply(ctx, flow).await
        }
    }
}

/// Stores what an existing user gave once every address of it is verified (sending the
/// next code otherwise), then finishes the sign-in.
pub async fn apply(ctx: &Ctx<'_>, flow: &mut Flow) -> StepResult {
    let state = ctx.state;
    let Some(given) = flow.progress.given.clone() else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    let Some((user_id, _)) = flow.progress.pending_user.clone() else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    if state.config.experience.verify_identifiers {
        let unverified = given
            .identifiers
            .iter()
            .find(|i| i.reachable() && !flow.progress.is_verified(i));
        if let Some(next) = unverified {
            return super::verify_code::send(ctx, flow, next.clone(), CodePurpose::Continue).await;
        }
    }
    let now = now();
    // Back to the screen, with what was typed, when a value belongs to another account.
    let taken = |name: &str, error: UiError| {
        let mut errors = FormErrors::default();
        errors.named.push((name.into(), error));
        let values = given
            .identifiers
            .iter()
            .map(|i| (app::api::Field::of_kind(i.kind), i.delivery().to_string()))
            .collect();
        Ok(Ok(Next::Back {
            screen: SCREEN,
            errors,
            values,
        }))
    };
    if let Some(u) = &given.username {
        match state.db.set_username(&user_id, u, now).await {
            Ok(()) => {}
            Err(DbError::Conflict) => return taken("username", UiError::UsernameTaken),
            Err(e) => return Err(e.into()),
        }
    }
    for id in &given.identifiers {
        let phone = id.kind == IdentifierKind::Phone;
        let verified = flow.progress.is_verified(id);
        match state
            .db
            .set_contact(&user_id, phone, &id.value, verified, now)
            .await
        {
            Ok(()) => {}
            Err(DbError::Conflict) => {
                let error = if phone {
                    UiError::PhoneTaken
                } else {
                    UiError::EmailTaken
                };
                return taken(input_name(id.kind), error);
            }
            Err(e) => return Err(e.into()),
        }
    }
    let Some(user) = state.db.user_by_id(&user_id).await? else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    if !given.claims.is_empty() {
        let mut merged = user.profile_claims();
        merged.extend(given.claims);
        state
            .db
            .set_profile(
                &user.id,
                &serde_json::Value::Object(merged).to_string(),
                now,
            )
            .await?;
    }
    let Some(user) = state.db.user_by_id(&user_id).await? else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    flow.progress.given = None;
    let amr = flow
        .progress
        .pending_user
        .take()
        .map(|(_, amr)| amr)
        .unwrap_or_else(|| "pwd".into());
    finish_sign_in(ctx, flow, &user, &amr).await
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
