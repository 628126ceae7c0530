//! One module per screen: the view (a pure function of its state) and, for screens with a
//! form, the server function the form posts to.

pub mod account;
pub mod consent;
pub mod demo;
pub mod error;
pub mod federation;
pub mod form_post;
pub mod home;
pub mod magic_link;
pub mod mfa;
pub mod notice;
pub mod organization;
pub mod outbox;
pub mod profile;
pub mod register;
pub mod reset_password;
pub mod sign_in;
pub mod sign_out;
pub mod verify_code;

use crate::api::{Page, Screen};
use leptos::prelude::*;

/// Renders whichever screen `page` holds.
#[component]
pub fn ScreenView(page: Page) -> impl IntoView {
    let env = page.env;
    match page.screen {
        Screen::SignIn(state) => view! { <sign_in::SignInScreen env state/> }.into_any(),
        Screen::Register(state) => view! { <register::RegisterScreen env state/> }.into_any(),
        Screen::VerifyCode(state) => {
            view! { <verify_code::VerifyCodeScreen env state/> }.into_any()
        }
        Screen::ResetPassword(state) => {
            view! { <reset_password::ResetPasswordScreen env state/> }.into_any()
        }
        Screen::NewPassword(state) => {
            view! { <reset_password::NewPasswordScreen env state/> }.into_any()
        }
        Screen::Notice(state) => view! { <notice::NoticeScreen env state/> }.into_any(),
        Screen::Continue(state) => view! { <profile::ProfileScreen env state/> }.into_any(),
        Screen::Outbox(state) => view! { <outbox::OutboxScreen env state/> }.into_any(),
        Screen::Error(state) => view! { <error::ErrorScreen env state/> }.into_any(),
        Screen::FormPost(state) => view! { <form_post::FormPostScreen env state/> }.into_any(),
        Screen::Home(state) => view! { <home::HomeScreen env state/> }.into_any(),
        Screen::SignOut(state) => view! { <sign_out::SignOutScreen env state/> }.into_any(),
        Screen::Demo(state) => view! { <demo::DemoScreen env state/> }.into_any(),
        Screen::MfaVerify(state) => view! { <mfa::MfaVerifyScreen env state/> }.into_any(),
        Screen::MfaChoice(state) => view! { <mfa::MfaChoiceScreen env state/> }.into_any(),
        Screen::TotpSetup(state) => view! { <mfa::TotpSetupScreen env state/> }.into_any(),
        Screen::WebauthnSetup(state) => view! { <mfa::WebauthnSetupScreen env state/> }.into_any(),
        Screen::BackupCodes(state) => view! { <mfa::BackupCodesScreen env state/> }.into_any(),
        Screen::Sso(state) => view! { <federation::SsoScreen env state/> }.into_any(),
        Screen::Link(state) => view! { <federation::LinkScreen env state/> }.into_any(),
        Screen::Consent(state) => view! { <consent::ConsentScreen env state/> }.into_any(),
        Screen::MagicLink(state) => view! { <magic_link::MagicLinkScreen env state/> }.into_any(),
        Screen::Account(state) => view! { <account::AccountScreen env state/> }.into_any(),
        Screen::Invitation(state) => {
            view! { <organization::InvitationScreen env state/> }.into_any()
        }
    }
}

/// The hidden anti-forgery field every form carries.
#[component]
pub fn CsrfField(token: String) -> impl IntoView {
    view! { <input type="hidden" name="csrf" value=token/> }
}
