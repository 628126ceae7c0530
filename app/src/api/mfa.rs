//! The states of the second-factor screens: verification, the choice of a method, setting
//! up an authenticator app or a passkey, and the backup codes.

use super::{ClientInfo, FormErrors};
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

/// Digits of an authenticator-app code.
pub const TOTP_DIGITS: usize = 6;

/// A kind of second factor, as the screens name it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MfaFactor {
    #[default]
    Totp,
    Webauthn,
    BackupCode,
    Email,
    Sms,
}

impl MfaFactor {
    /// The value posted by the method choice.
    pub fn name(self) -> &'static str {
        match self {
            MfaFactor::Totp => "totp",
            MfaFactor::Webauthn => "webauthn",
            MfaFactor::BackupCode => "backup_code",
            MfaFactor::Email => "email",
            MfaFactor::Sms => "sms",
        }
    }

    /// Reads a posted value.
    pub fn parse(value: &str) -> Option<MfaFactor> {
        [
            MfaFactor::Totp,
            MfaFactor::Webauthn,
            MfaFactor::BackupCode,
            MfaFactor::Email,
            MfaFactor::Sms,
        ]
        .into_iter()
        .find(|f| f.name() == value)
    }

    /// The method's name in the list of methods.
    pub fn label(self) -> Msg {
        match self {
            MfaFactor::Totp => Msg::MfaTotp,
            MfaFactor::Webauthn => Msg::MfaWebauthn,
            MfaFactor::BackupCode => Msg::MfaBackupCode,
            MfaFactor::Email => Msg::MfaEmail,
            MfaFactor::Sms => Msg::MfaSms,
        }
    }

    /// One line on what the method is.
    pub fn description(self) -> Msg {
        match self {
            MfaFactor::Totp => Msg::MfaTotpDescription,
            MfaFactor::Webauthn => Msg::MfaWebauthnDescription,
            MfaFactor::BackupCode => Msg::MfaBackupCodeDescription,
            MfaFactor::Email => Msg::MfaEmailDescription,
            MfaFactor::Sms => Msg::MfaSmsDescription,
        }
    }
}

/// One method on the choice screen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MfaMethod {
    pub factor: MfaFactor,
    /// Where a code goes (masked), for email and SMS.
    pub detail: Option<String>,
}

/// Proving a second factor.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MfaVerifyState {
    pub client: Option<ClientInfo>,
    pub factor: MfaFactor,
    /// Whether other methods are available ("choose another method").
    pub others: bool,
    /// Days "remember this device" lasts, when offered.
    pub remember_days: Option<i64>,
    /// Unused backup codes left, on the backup-code screen.
    pub backup_left: Option<i64>,
    /// The WebAuthn request (JSON) for a passkey or security key.
    pub webauthn: Option<String>,
    pub errors: FormErrors,
}

/// Choosing a method: to verify with, or to set up.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MfaChoiceState {
    pub client: Option<ClientInfo>,
    /// True when choosing a factor to set up.
    pub setup: bool,
    pub methods: Vec<MfaMethod>,
    /// Whether setting up may be skipped (a prompt rather than a requirement).
    pub skippable: bool,
    pub errors: FormErrors,
}

/// Setting up an authenticator app.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TotpSetupState {
    pub client: Option<ClientInfo>,
    /// The QR code, an SVG element drawn by the server.
    pub qr_svg: String,
    /// The secret in groups of four, for typing by hand.
    pub secret: String,
    /// The `otpauth://` link (opens the app on a phone).
    pub uri: String,
    /// Whether other methods can be chosen instead.
    pub others: bool,
    pub errors: FormErrors,
}

/// Creating a passkey or registering a security key.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WebauthnSetupState {
    pub client: Option<ClientInfo>,
    /// The WebAuthn creation options (JSON).
    pub options: String,
    /// The offer to create a passkey after sign-in (skippable), rather than a second factor
    /// being set up.
    pub prompt: bool,
    /// Whether other methods can be chosen instead.
    pub others: bool,
    pub errors: FormErrors,
}

/// The backup codes, shown once.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BackupCodesState {
    pub client: Option<ClientInfo>,
    pub codes: Vec<String>,
    /// Where the codes download as a text file.
    pub download: String,
    pub errors: FormErrors,
}
