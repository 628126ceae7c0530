//! The GET side of the second-factor screens.

use super::{or_error, render_flow};
use crate::config::MfaFactorKind;
use crate::error::AppError;
use crate::flow::mfa::{self as steps, factor_of};
use crate::flow::{client_info, ensure_flow, Ctx, Flow, Next};
use crate::oidc::authorize::see_other;
use crate::state::AppState;
use app::api::{
    BackupCodesState, MfaChoiceState, MfaMethod, MfaVerifyState, Screen, TotpSetupState,
    WebauthnSetupState,
};
use axum::extract::State;
use axum::http::{header, Extensions, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

/// Shows an address with most of it hidden: `a•••@example.com`, `•••• 1234`.
pub fn masked(kind: MfaFactorKind, value: &str) -> String {
    match kind {
        MfaFactorKind::Sms => {
            let digits: Vec<char> = value.chars().collect();
            let tail: String = digits[digits.len().saturating_sub(4)..].iter().collect();
            format!("•••• {tail}")
        }
        _ => match value.split_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}•••@{domain}")
            }
            None => "•••".into(),
        },
    }
}

/// Runs `build` for a flow waiting at a second-factor step; other flows go to sign-in.
async fn mfa_page(
    state: AppState,
    headers: HeaderMap,
    extensions: Extensions,
    path: &'static str,
    build: impl for<'c> AsyncFnOnce(
        &Ctx<'c>,
        &mut Flow,
        &crate::db::UserRow,
        &str,
    ) -> Result<Result<Screen, &'static str>, AppError>,
) -> Response {
    let r = async {
        let (mut flow, cookies) = ensure_flow(&state, &headers).await?;
        let Some((user, amr)) = steps::pending(&state, &flow).await? else {
            return Ok(see_other("/sign-in", &cookies));
        };
        let ctx = Ctx::new(&state, &headers, &extensions, Some(&flow));
        match build(&ctx, &mut flow, &user, &amr).await? {
            Ok(screen) => Ok(render_flow(&state, &headers, &flow, cookies, path, screen)),
            Err(elsewhere) => Ok(see_other(elsewhere, &cookies)),
        }
    }
    .await;
    or_error(&state, &headers, r)
}

fn errors_of(flow: &Flow, key: &str) -> app::api::FormErrors {
    flow.memory_for(key).map(|m| m.errors).unwrap_or_default()
}

/// `GET /mfa`: proving the chosen second factor.
pub async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    mfa_page(
        state.clone(),
        headers,
        extensions,
        "/mfa",
        async |ctx, flow, user, amr| {
            if flow.progress.mfa.passed {
                return Ok(Err("/sign-in"));
            }
            let choices = steps::choices(ctx, flow, user, amr).await?;
            let Some(kind) = flow.progress.mfa.factor.filter(|k| choices.contains(k)) else {
                return Ok(Err(if choices.is_empty() {
                    "/mfa/setup"
                } else {
                    "/mfa/methods"
                }));
            };
            let webauthn = if kind == MfaFactorKind::Webauthn {
                steps::start_authentication(ctx.state, flow).await?
            } else {
                None
            };
            let days = ctx.state.config.mfa.remember_device_days;
            let backup_left = if kind == MfaFactorKind::BackupCode {
                Some(ctx.state.db.backup_codes_left(&user.id).await?)
            } else {
                None
            };
            Ok(Ok(Screen::MfaVerify(MfaVerifyState {
                client: client_info(ctx.state, flow.request.as_ref()),
                factor: factor_of(kind),
                others: choices.len() > 1,
                remember_days: (days > 0).then_some(days),
                backup_left,
                webauthn,
                errors: errors_of(flow, steps::VERIFY_SCREEN.key),
            })))
        },
    )
    .await
}

fn method(kind: MfaFactorKind, user: &crate::db::UserRow) -> MfaMethod {
    let detail = match kind {
        MfaFactorKind::Email => user.email.as_deref().map(|e| masked(kind, e)),
        MfaFactorKind::Sms => user.phone.as_deref().map(|p| masked(kind, p)),
        _ => None,
    };
    MfaMethod {
        factor: factor_of(kind),
        detail,
    }
}

/// `GET /mfa/methods`: "choose another method".
pub async fn methods(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    mfa_page(
        state.clone(),
        headers,
        extensions,
        "/mfa/methods",
        async |ctx, flow, user, amr| {
            if flow.progress.mfa.passed {
                return Ok(Err("/sign-in"));
            }
            let choices = steps::choices(ctx, flow, user, amr).await?;
            if choices.is_empty() {
                return Ok(Err("/mfa/setup"));
            }
            Ok(Ok(Screen::MfaChoice(MfaChoiceState {
                client: client_info(ctx.state, flow.request.as_ref()),
                setup: false,
                methods: choices.iter().map(|k| method(*k, user)).collect(),
                skippable: false,
                errors: errors_of(flow, steps::CHOICE_SCREEN.key),
            })))
        },
    )
    .await
}

/// `GET /mfa/setup`: choosing a factor to set up (required, or offered with a skip).
pub async fn setup(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    mfa_page(
        state.clone(),
        headers,
        extensions,
        "/mfa/setup",
        async |ctx, flow, user, amr| {
            if !steps::setting_up(ctx, flow, user, amr).await? {
                return Ok(Err("/mfa"));
            }
            let (choices, skippable) = steps::setup_options(ctx, flow, user, amr).await?;
            Ok(Ok(Screen::MfaChoice(MfaChoiceState {
                client: client_info(ctx.state, flow.request.as_ref()),
                setup: true,
                methods: choices.iter().map(|k| method(*k, user)).collect(),
                skippable,
                errors: errors_of(flow, steps::SETUP_SCREEN.key),
            })))
        },
    )
    .await
}

/// `GET /mfa/setup/totp`: the QR code and the secret of a new authenticator app.
pub async fn setup_totp(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    mfa_page(
        state.clone(),
        headers,
        extensions,
        "/mfa/setup/totp",
        async |ctx, flow, user, amr| {
            if flow.progress.mfa.factor != Some(MfaFactorKind::Totp)
                || !steps::setting_up(ctx, flow, user, amr).await?
            {
                return Ok(Err("/mfa/setup"));
            }
            let secret = steps::totp_secret(ctx.state, flow).await?;
            let issuer = steps::totp_issuer(ctx.state);
            let uri = crate::mfa::totp_uri(&secret, &issuer, &user.label())
                .ok_or_else(|| AppError::Invariant("TOTP secret unusable".into()))?;
            let qr_svg = crate::mfa::qr_svg(&uri)
                .ok_or_else(|| AppError::Invariant("QR code not drawn".into()))?;
            let (choices, _) = steps::setup_options(ctx, flow, user, amr).await?;
            Ok(Ok(Screen::TotpSetup(TotpSetupState {
                client: client_info(ctx.state, flow.request.as_ref()),
                qr_svg,
                secret: crate::mfa::grouped(&secret),
                uri,
                others: choices.len() > 1,
                errors: errors_of(flow, steps::TOTP_SETUP_SCREEN.key),
            })))
        },
    )
    .await
}

async fn webauthn_setup(
    state: AppState,
    headers: HeaderMap,
    extensions: Extensions,
    prompt: bool,
) -> Response {
    let path = if prompt {
        steps::PASSKEY_SCREEN.path
    } else {
        steps::WEBAUTHN_SETUP_SCREEN.path
    };
    mfa_page(
        state.clone(),
        headers,
        extensions,
        path,
        async |ctx, flow, user, amr| {
            let m = &flow.progress.mfa;
            let fits = if prompt {
                m.passed && steps::passkey_offer(ctx, flow, user).await?.is_some()
            } else {
                m.factor == Some(MfaFactorKind::Webauthn)
                    && steps::setting_up(ctx, flow, user, amr).await?
            };
            if !fits {
                return Ok(Err("/sign-in"));
            }
            let Some(options) = steps::start_registration(ctx.state, flow).await? else {
                return Ok(Err("/sign-in"));
            };
            let others = if prompt {
                false
            } else {
                steps::setup_options(ctx, flow, user, amr).await?.0.len() > 1
            };
            let key = if prompt {
                steps::PASSKEY_SCREEN.key
            } else {
                steps::WEBAUTHN_SETUP_SCREEN.key
            };
            Ok(Ok(Screen::WebauthnSetup(WebauthnSetupState {
                client: client_info(ctx.state, flow.request.as_ref()),
                options,
                prompt,
                others,
                errors: errors_of(flow, key),
            })))
        },
    )
    .await
}

/// `GET /mfa/setup/webauthn`: registering a passkey or security key as a second factor.
pub async fn setup_webauthn(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    webauthn_setup(state, headers, extensions, false).await
}

/// `GET /passkey/create`: the offer to create a passkey after sign-in.
pub async fn passkey_prompt(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    webauthn_setup(state, headers, extensions, true).await
}

/// `GET /mfa/backup-codes`: the new backup codes, until the user says they saved them.
pub async fn backup_codes(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    mfa_page(
        state.clone(),
        headers,
        extensions,
        "/mfa/backup-codes",
        async |ctx, flow, _, _| {
            if flow.progress.mfa.backup_codes.is_empty() {
                return Ok(Err("/sign-in"));
            }
            Ok(Ok(Screen::BackupCodes(BackupCodesState {
                client: client_info(ctx.state, flow.request.as_ref()),
                codes: flow.progress.mfa.backup_codes.clone(),
                download: "/mfa/backup-codes.txt".into(),
                errors: errors_of(flow, steps::BACKUP_CODES_SCREEN.key),
            })))
        },
    )
    .await
}

/// `GET /mfa/backup-codes.txt`: the same codes as a text file to keep.
pub async fn backup_codes_file(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let r = async {
        let Ok(flow) = crate::flow::load_flow(&state, &headers).await? else {
            return Ok(see_other("/sign-in", &[]));
        };
        let codes = &flow.progress.mfa.backup_codes;
        if codes.is_empty() || flow.progress.pending_user.is_none() {
            return Ok(see_other("/sign-in", &[]));
        }
        Ok(codes_file(&state, codes))
    }
    .await;
    or_error(&state, &headers, r)
}

/// Backup codes as a text file to download (never cached).
pub fn codes_file(state: &AppState, codes: &[String]) -> Response {
    let issuer = steps::totp_issuer(state);
    let mut text = format!("{issuer} backup codes\r\nEach code works once.\r\n\r\n");
    for c in codes {
        text.push_str(c);
        text.push_str("\r\n");
    }
    let mut response = text.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"backup-codes.txt\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /mfa/continue`: where a step-up (an app asking for a higher level than the session
/// has) starts: the gates of the pending user decide the next screen.
pub async fn resume(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    let r = async {
        let Ok(mut flow) = crate::flow::load_flow(&state, &headers).await? else {
            return Ok(see_other("/sign-in", &[]));
        };
        let Some((user, amr)) = steps::pending(&state, &flow).await? else {
            return Ok(see_other("/sign-in", &[]));
        };
        let ctx = Ctx::new(&state, &headers, &extensions, Some(&flow));
        Ok(
            match crate::flow::finish_sign_in(&ctx, &mut flow, &user, &amr).await? {
                Ok(Next::Done { location, cookies }) => see_other(&location, &cookies),
                Ok(next) => see_other(next.path(), &[]),
                Err(_) => see_other("/sign-in", &[]),
            },
        )
    }
    .await;
    or_error(&state, &headers, r)
}
