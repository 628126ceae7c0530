//! Creating an account: the identifier it is created with, the further identifiers the
//! operator requires, a password when chosen at sign-up, the terms. Email addresses and
//! phone numbers are verified by a code before anything is stored; the account exists only
//! once every check has passed.

use super::{
    finish_sign_in, hashing_error, save_progress, Ctx, Event, Flow, Next, Registration, Screen,
    StepResult,
};
use crate::config::{IdentifierKind, TermsPolicy};
use crate::crypto::now;
use crate::db::{DbError, NewUser};
use crate::identifier::{self, Identifier};
use crate::password_policy;
use app::api::{rules, CodePurpose, Field, FormErrors, UiError};

/// The registration screen.
pub const SCREEN: Screen = Screen {
    key: "register",
    path: "/register",
};

/// The registration form as posted.
#[derive(Clone, Debug, Default)]
pub struct RegisterForm {
    /// The primary identifier when several kinds are accepted ("email or phone").
    pub identifier: String,
    pub username: String,
    pub email: String,
    pub phone: String,
    pub new_password: String,
    pub confirm_password: String,
    pub terms: bool,
}

impl RegisterForm {
    fn raw(&self, field: Field) -> &str {
        match field {
            Field::Username => &self.username,
            Field::Email => &self.email,
            Field::Phone => &self.phone,
            _ => &self.identifier,
        }
    }
}

/// The field the primary identifier is typed into.
pub fn primary_field(kinds: &[IdentifierKind]) -> Field {
    match kinds {
        [one] => Field::of_kind(*one),
        _ => Field::Identifier,
    }
}

/// Checks the form. Nothing is stored; usernames are checked for uniqueness here (they
/// cannot be verified), email addresses and phone numbers after their code, so the form
/// does not tell strangers which addresses have accounts.
pub async fn submit(ctx: &Ctx<'_>, flow: &mut Flow, form: &RegisterForm) -> StepResult {
    let config = &ctx.state.config;
    let x = &config.experience;
    if !flow.may_register(ctx.state) {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    }
    // Addresses of a single-sign-on domain get their account from their organization.
    for raw in [&form.identifier, &form.email] {
        if let Some(routed) = super::federation::route_by_domain(ctx, flow, raw).await? {
            return Ok(routed);
        }
    }
    flow.progress.begin(Event::Register);
    let mut errors = FormErrors::default();
    // Each identifier with the field it was typed in.
    let mut ids: Vec<(Field, Identifier)> = Vec::new();
    let primary = primary_field(&x.sign_up_identifiers);
    let parse = |raw: &str, kinds: &[IdentifierKind]| {
        identifier::parse(raw, kinds, &config.username_policy, &x.default_phone_region)
    };
    match parse(form.raw(primary), &x.sign_up_identifiers) {
        Ok(id) => ids.push((primary, id)),
        Err(e) => errors.fields.push((primary, e)),
    }
    for kind in &x.secondary_identifiers {
        if ids.iter().any(|(_, i)| i.kind == *kind) {
            continue;
        }
        let field = Field::of_kind(*kind);
        match parse(form.raw(field), &[*kind]) {
            Ok(id) => ids.push((field, id)),
            Err(e) => errors.fields.push((field, e)),
        }
    }
    if x.sign_up_password {
        let personal: Vec<&str> = ids.iter().map(|(_, i)| i.value.as_str()).collect();
        match password_policy::check(&config.password_policy, &form.new_password, &personal) {
            Ok(()) => errors.check(
                Field::ConfirmPassword,
                rules::confirmation(&form.new_password, &form.confirm_password),
            ),
            Err(e) => errors.fields.push((Field::NewPassword, e)),
        }
    }
    if config.terms.policy != TermsPolicy::Automatic && !form.terms {
        errors.fields.push((Field::Terms, UiError::TermsRequired));
    }
    let take = |kind| {
        ids.iter()
            .find(|(_, i)| i.kind == kind)
            .map(|(_, i)| i.value.clone())
    };
    let username = take(IdentifierKind::Username);
    if let Some((field, u)) = ids.iter().find(|(_, i)| i.kind == IdentifierKind::Username) {
        if errors.of(*field).is_none() && ctx.state.db.user_by_username(&u.value).await?.is_some() {
            errors.fields.push((*field, UiError::UsernameTaken));
        }
    }
    if !x.verify_identifiers {
        if let Some(e) = uniqueness(ctx, &ids).await? {
            errors.fields.push(e);
        }
    }
    // Where registration is closed, an invitation admits its own address only.
    if !x.registration_enabled() {
        let invited = flow.progress.invited.as_deref();
        if !ids.iter().any(|(_, i)| Some(i.value.as_str()) == invited) {
            let field = ids
                .iter()
                .find(|(_, i)| i.kind == IdentifierKind::Email)
                .map_or(primary, |(f, _)| *f);
            errors.fields.push((field, UiError::InvitationOtherAddress));
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let password_hash = if x.sign_up_password {
        match ctx.state.hasher.hash(&form.new_password).await {
            Ok(hash) => Some(hash),
            Err(e) => return Ok(Err(FormErrors::form(hashing_error(e)?))),
        }
    } else {
        None
    };
    flow.progress.event = Event::Register;
    flow.progress.registration = Some(Registration {
        username,
        email: take(IdentifierKind::Email),
        phone: take(IdentifierKind::Phone),
        password_hash,
        terms_accepted: form.terms || config.terms.policy == TermsPolicy::Automatic,
        profile: None,
        identifiers: ids,
    });
    save_progress(ctx.state, flow).await?;
    advance(ctx, flow).await
}

/// Whether an email address or phone number of `ids` already has an account: the field
/// it was typed in, and the error.
async fn uniqueness(
    ctx: &Ctx<'_>,
    ids: &[(Field, Identifier)],
) -> Result<Option<(Field, UiError)>, crate::error::AppError> {
    for (field, id) in ids {
        let (taken, error) = match id.kind {
            IdentifierKind::Email => (
                ctx.state.db.user_by_email(&id.value).await?.is_some(),
                UiError::EmailTaken,
            ),
            IdentifierKind::Phone => (
                ctx.state.db.user_by_phone(&id.value).await?.is_some(),
                UiError::PhoneTaken,
            ),
            IdentifierKind::Username => continue,
        };
        if taken {
            return Ok(Some((*field, error)));
        }
    }
    Ok(None)
}

/// Sends a code to the next address of the registration that is not verified yet, or
/// creates the account when all are.
pub async fn advance(ctx: &Ctx<'_>, flow: &mut Flow) -> StepResult {
    let Some(reg) = flow.progress.registration.clone() else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    let ids: Vec<Identifier> = reg
        .identifiers
        .iter()
        .map(|(_, i)| i.clone())
        .filter(Identifier::reachable)
        .collect();
    if ctx.state.config.experience.verify_identifiers {
        if let Some(next) = ids.iter().find(|i| !flow.progress.is_verified(i)) {
            return super::verify_code::send(ctx, flow, next.clone(), CodePurpose::Register).await;
        }
    }
    // What was verified so far is kept, whatever comes next.
    save_progress(ctx.state, flow).await?;
    // The owner of the address learns it has an account: nobody else can get this far.
    // Back to the form, with the address, to sign in instead or use another one.
    if let Some((field, error)) = uniqueness(ctx, &reg.identifiers).await? {
        let values = reg
            .identifiers
            .iter()
            .map(|(f, i)| (*f, i.delivery().to_string()))
            .collect();
        return Ok(Ok(Next::Back {
            screen: SCREEN,
            errors: FormErrors::field(field, error),
            values,
        }));
    }
    if reg.profile.is_none()
        && !super::profile::flow_fields(ctx.state, flow.request.as_ref()).is_empty()
    {
        return Ok(Ok(Next::Continue));
    }
    let now = now();
    let user = NewUser {
        id: uuid::Uuid::new_v4().to_string(),
        username: reg.username.clone(),
        email_verified: ids
            .iter()
            .any(|i| i.kind == IdentifierKind::Email && flow.progress.is_verified(i)),
        phone_verified: ids
            .iter()
            .any(|i| i.kind == IdentifierKind::Phone && flow.progress.is_verified(i)),
        email: reg.email.clone(),
        phone: reg.phone.clone(),
        password_hash: reg.password_hash.clone(),
        terms_accepted_at: reg.terms_accepted.then_some(now),
        profile: reg
            .profile
            .clone()
            .map(|p| serde_json::Value::Object(p).to_string()),
    };
    match ctx.state.db.insert_user(&user, now).await {
        Ok(()) => {}
        // Someone took a value between the check and the insert.
        Err(DbError::Conflict) => {
            return Ok(Err(FormErrors::form(UiError::UsernameTaken)));
        }
        Err(e) => return Err(e.into()),
    }
    let Some(row) = ctx.state.db.user_by_id(&user.id).await? else {
        return Err(DbError::Conflict.into());
    };
    tracing::info!(user = %row.id, "account created");
    // What this flow proved: the password chosen, and each address verified by a code.
    let mut proofs = Vec::new();
    if reg.password_hash.is_some() {
        proofs.push("pwd");
    }
    if row.email_verified == 1 {
        proofs.push("email");
    }
    if row.phone_verified == 1 {
        proofs.push("sms");
    }
    finish_sign_in(ctx, flow, &row, &proofs.join(" ")).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_primary_field_follows_the_kinds() {
        assert_eq!(primary_field(&[IdentifierKind::Email]), Field::Email);
        assert_eq!(
            primary_field(&[IdentifierKind::Email, IdentifierKind::Phone]),
            Field::Identifier
        );
    }
}
