//! The door between the screens' server functions and the server's flow engine. The engine
//! lives in the `server` crate, which `app` cannot depend on, so `app` declares what it needs
//! and the server provides an implementation as Leptos context.

use crate::api::UiError;

/// A form submitted by a screen. Every value is raw user input; the engine validates it.
#[derive(Clone, Debug)]
pub enum FormSubmission {
    /// The sign-in form.
    SignIn {
        csrf: String,
        identifier: String,
        password: String,
        /// `password`, `code`, or in identifier-first sign-in `continue` then `password_step`
        /// or `code_step`.
        method: String,
    },
    /// The registration form.
    Register {
        csrf: String,
        identifier: String,
        username: String,
        email: String,
        phone: String,
        new_password: String,
        confirm_password: String,
        terms: bool,
    },
    /// The code entry form (or its "send a new code" button).
    VerifyCode {
        csrf: String,
        code: String,
        resend: bool,
    },
    /// The first step of a password reset.
    ResetPassword { csrf: String, identifier: String },
    /// The new password of a reset.
    NewPassword {
        csrf: String,
        new_password: String,
        confirm_password: String,
    },
    /// Agreement to the terms after sign-in.
    AgreeTerms { csrf: String, agreed: bool },
    /// The sign-out confirmation.
    SignOut {
        csrf: String,
        return_to: Option<String>,
    },
}

/// What the browser is told after a submission: always a redirect (Post/Redirect/Get), with
/// the cookies to set. Errors are kept in the server-held flow and shown by the next GET.
#[derive(Clone, Debug, Default)]
pub struct Submitted {
    /// Where to go next.
    pub location: String,
    /// Complete `Set-Cookie` header values.
    pub set_cookies: Vec<String>,
}

#[cfg(feature = "ssr")]
pub use server_side::*;

#[cfg(feature = "ssr")]
mod server_side {
    use super::*;
    use leptos::prelude::*;
    use std::sync::Arc;

    /// Implemented by the server's flow engine.
    #[async_trait::async_trait]
    pub trait FlowPort: Send + Sync + 'static {
        /// Handles one form submission of the request described by `parts`.
        async fn submit(&self, parts: &http::request::Parts, form: FormSubmission) -> Submitted;
    }

    /// The engine, as provided to server functions.
    pub type SharedFlowPort = Arc<dyn FlowPort>;

    /// Runs a submission through the engine and answers with its redirect.
    pub async fn submit(form: FormSubmission) -> Result<(), UiError> {
        let (Some(port), Some(parts), Some(response)) = (
            use_context::<SharedFlowPort>(),
            use_context::<http::request::Parts>(),
            use_context::<leptos_axum::ResponseOptions>(),
        ) else {
            return Err(UiError::Internal);
        };
        let outcome = port.submit(&parts, form).await;
        for cookie in outcome.set_cookies {
            let value = http::HeaderValue::from_str(&cookie).map_err(|_| UiError::Internal)?;
            response.append_header(http::header::SET_COOKIE, value);
        }
        if http::HeaderValue::from_str(&outcome.location).is_err() {
            return Err(UiError::Internal);
        }
        leptos_axum::redirect(&outcome.location);
        Ok(())
    }
}

#[cfg(not(feature = "ssr"))]
/// Server functions never run in the browser; this keeps their bodies type-checked there.
pub async fn submit(_form: FormSubmission) -> Result<(), UiError> {
    Err(UiError::Internal)
}
