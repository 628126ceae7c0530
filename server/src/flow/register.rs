//! Creating an account with a username and/or an email address and a password.

use super::{
    csrf_ok, go, hashing_error, load_flow, no_flow, normalize_identifier, remember, start_session,
    FormMemory,
};
use crate::crypto::now;
use crate::db::DbError;
use crate::error::AppError;
use crate::state::AppState;
use app::api::{rules, Field, FormErrors, UiError};
use app::port::Submitted;
use axum::http::request::Parts;

/// The key of this screen's form memory.
pub const SCREEN: &str = "register";

/// The registration form as posted.
pub struct RegisterForm {
    pub username: String,
    pub email: String,
    pub new_password: String,
    pub confirm_password: String,
}

/// Field checks of the registration form, shared with the tests.
pub fn validate(form: &RegisterForm) -> FormErrors {
    let mut errors = FormErrors::default();
    let (username, email) = (form.username.trim(), form.email.trim());
    if username.is_empty() && email.is_empty() {
        errors.form = Some(UiError::UsernameOrEmailRequired);
    }
    if !username.is_empty() {
        errors.check(Field::Username, rules::username(username));
    }
    if !email.is_empty() {
        errors.check(Field::Email, rules::email(email));
    }
    errors.check(Field::NewPassword, rules::password(&form.new_password));
    if rules::password(&form.new_password).is_ok() {
        errors.check(
            Field::ConfirmPassword,
            rules::confirmation(&form.new_password, &form.confirm_password),
        );
    }
    errors
}

/// Handles the registration form. Nothing is stored unless every check passes.
pub async fn submit(
    state: &AppState,
    parts: &Parts,
    csrf: &str,
    form: RegisterForm,
) -> Result<Submitted, AppError> {
    if !state.config.ui.registration_enabled {
        return Ok(go("/sign-in", Vec::new()));
    }
    let flow = match load_flow(state, &parts.headers).await? {
        Ok(flow) => flow,
        Err(stale) => return Ok(no_flow(stale)),
    };
    let reject = |errors: FormErrors| FormMemory {
        screen: SCREEN.into(),
        errors,
        username: form
            .username
            .trim()
            .chars()
            .take(rules::USERNAME_MAX)
            .collect(),
        email: form.email.trim().chars().take(rules::EMAIL_MAX).collect(),
        ..Default::default()
    };
    if !csrf_ok(state, parts, csrf) {
        remember(
            state,
            &flow,
            &reject(FormErrors::form(UiError::FormExpired)),
        )
        .await?;
        return Ok(go("/register", Vec::new()));
    }
    let mut errors = validate(&form);
    let username = Some(normalize_identifier(&form.username)).filter(|s| !s.is_empty());
    let email = Some(normalize_identifier(&form.email)).filter(|s| !s.is_empty());
    if errors.is_empty() {
        if let Some(u) = &username {
            if state.db.user_by_username(u).await?.is_some() {
                errors
                    .fields
                    .push((Field::Username, UiError::UsernameTaken));
            }
        }
        if let Some(e) = &email {
            if state.db.user_by_email(e).await?.is_some() {
                errors.fields.push((Field::Email, UiError::EmailTaken));
            }
        }
    }
    if !errors.is_empty() {
        remember(state, &flow, &reject(errors)).await?;
        return Ok(go("/register", Vec::new()));
    }
    let hash = match state.hasher.hash(&form.new_password).await {
        Ok(hash) => hash,
        Err(e) => {
            let error = hashing_error(e)?;
            remember(state, &flow, &reject(FormErrors::form(error))).await?;
            return Ok(go("/register", Vec::new()));
        }
    };
    let id = uuid::Uuid::new_v4().to_string();
    match state
        .db
        .insert_user(&id, username.as_deref(), email.as_deref(), &hash, now())
        .await
    {
        Ok(()) => {}
        // Someone took the name between the check and the insert.
        Err(DbError::Conflict) => {
            remember(
                state,
                &flow,
                &reject(FormErrors::form(UiError::UsernameTaken)),
            )
            .await?;
            return Ok(go("/register", Vec::new()));
        }
        Err(e) => return Err(e.into()),
    }
    let user = state
        .db
        .user_by_id(&id)
        .await?
        .ok_or(AppError::Db(DbError::Conflict))?;
    let cookie = start_session(state, &parts.headers, &flow, &user, "pwd").await?;
    tracing::info!(user = %user.id, "account created");
    Ok(go(flow.next_after_sign_in(), vec![cookie]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(u: &str, e: &str, p: &str, c: &str) -> RegisterForm {
        RegisterForm {
            username: u.into(),
            email: e.into(),
            new_password: p.into(),
            confirm_password: c.into(),
        }
    }

    #[test]
    fn needs_username_or_email() {
        let errors = validate(&form("", " ", "long enough pw", "long enough pw"));
        assert_eq!(errors.form, Some(UiError::UsernameOrEmailRequired));
    }

    #[test]
    fn each_field_reports_its_rule() {
        let errors = validate(&form("1xy", "bad", "short", "short"));
        assert_eq!(errors.of(Field::Username), Some(UiError::InvalidUsername));
        assert_eq!(errors.of(Field::Email), Some(UiError::InvalidEmail));
        assert_eq!(
            errors.of(Field::NewPassword),
            Some(UiError::PasswordTooShort { min: 8 })
        );
        assert_eq!(errors.of(Field::ConfirmPassword), None);
        let errors = validate(&form("alice", "", "long enough pw", "long enough px"));
        assert_eq!(
            errors.of(Field::ConfirmPassword),
            Some(UiError::PasswordMismatch)
        );
        assert!(validate(&form(
            "alice",
            "a@b.example",
            "long enough pw",
            "long enough pw"
        ))
        .is_empty());
    }
}
