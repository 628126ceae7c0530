//! Messages to users: verification codes by email (SMTP, through lettre) and by text
//! message (a JSON webhook to an SMS provider), or into the development outbox. Every
//! message is written in the user's language.

use crate::config::{Config, EmailConnector, SmsConnector, SmtpSecurity};
use crate::crypto::now;
use crate::db::{Db, OutboxRow};
use app::api::CodePurpose;
use app::i18n::Locale;
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// Why a message could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum MessagingError {
    #[error("smtp: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("email: {0}")]
    Email(#[from] lettre::error::Error),
    #[error("address: {0}")]
    Address(#[from] lettre::address::AddressError),
    #[error("sms webhook: {0}")]
    Webhook(#[from] crate::outbound::OutboundError),
    #[error("sms webhook answered {0}")]
    WebhookStatus(u16),
    #[error("storage: {0}")]
    Db(#[from] crate::db::DbError),
}

/// A message, written and addressed.
#[derive(Clone, Debug)]
pub struct Message {
    /// An email address, or a phone number in E.164.
    pub to: String,
    pub sms: bool,
    pub subject: String,
    pub text: String,
    /// The code it carries (the webhook template may place it on its own).
    pub code: String,
    pub locale: Locale,
}

enum Email {
    Outbox,
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// Sends messages through the configured connectors.
pub struct Messenger {
    email: Email,
    from: Mailbox,
    sms: SmsConnector,
    webhook: crate::config::WebhookConfig,
    http: crate::outbound::Outbound,
}

impl Messenger {
    /// Builds the connectors of `config`; the SMS webhook is called through `http`.
    pub fn new(
        config: &Config,
        http: crate::outbound::Outbound,
    ) -> Result<Messenger, MessagingError> {
        let email = match config.email.connector {
            EmailConnector::Outbox => Email::Outbox,
            EmailConnector::Smtp => {
                let s = &config.email.smtp;
                let mut b = match s.security {
                    SmtpSecurity::Starttls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)?
                    }
                    SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host)?,
                    SmtpSecurity::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host)
                    }
                }
                .port(s.port)
                .timeout(Some(Duration::from_secs(s.timeout_secs)));
                if let Some(password) = &s.password {
                    b = b.credentials(Credentials::new(s.username.clone(), password.0.clone()));
                }
                Email::Smtp(b.build())
            }
        };
        Ok(Messenger {
            email,
            from: config.email.from.parse()?,
            sms: config.sms.connector,
            webhook: config.sms.webhook.clone(),
            http,
        })
    }

    /// Sends `m`, or stores it in the outbox.
    pub async fn send(&self, db: &Db, m: &Message) -> Result<(), MessagingError> {
        let outbox = if m.sms {
            self.sms == SmsConnector::Outbox
        } else {
            matches!(self.email, Email::Outbox)
        };
        if outbox {
            db.put_outbox(&OutboxRow {
                channel: if m.sms { "sms" } else { "email" }.into(),
                recipient: m.to.clone(),
                subject: m.subject.clone(),
                body: m.text.clone(),
                created_at: now(),
            })
            .await?;
            return Ok(());
        }
        if m.sms {
            self.send_webhook(m).await
        } else if let Email::Smtp(transport) = &self.email {
            let email = lettre::Message::builder()
                .from(self.from.clone())
                .to(m.to.parse()?)
                .subject(m.subject.clone())
                .header(ContentType::TEXT_PLAIN)
                .body(m.text.clone())?;
            transport.send(email).await?;
            Ok(())
        } else {
            Ok(())
        }
    }

    async fn send_webhook(&self, m: &Message) -> Result<(), MessagingError> {
        let body = fill_template(
            &self.webhook.body,
            &[
                ("to", &m.to),
                ("text", &m.text),
                ("code", &m.code),
                ("locale", m.locale.tag()),
            ],
        );
        // Never redirected (a webhook's answer must not send the message elsewhere) and
        // never to an internal address unless allowed: `Outbound`'s rules.
        let mut request = self
            .http
            .post(&self.webhook.url)
            .timeout(Duration::from_secs(self.webhook.timeout_secs))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        for (name, value) in &self.webhook.headers {
            request = request.header(name.as_str(), value.0.as_str());
        }
        let status = self.http.deliver(request).await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(MessagingError::WebhookStatus(status.as_u16()))
        }
    }
}

/// Replaces `{{name}}` with the JSON-escaped value (without quotes: the template puts the
/// placeholder inside a JSON string).
pub fn fill_template(template: &str, values: &[(&str, &str)]) -> String {
    values
        .iter()
        .fold(template.to_string(), |body, (name, value)| {
            let json = serde_json::to_string(value).unwrap_or_default();
            let inner = json
                .strip_prefix('"')
                .and_then(|j| j.strip_suffix('"'))
                .unwrap_or("");
            body.replace(&format!("{{{{{name}}}}}"), inner)
        })
}

/// The message carrying a verification code, in `locale`.
pub fn code_message(
    to: &str,
    sms: bool,
    purpose: CodePurpose,
    code: &str,
    minutes: i64,
    locale: Locale,
) -> Message {
    let (subject, text) = match locale {
        Locale::En => {
            let why = match purpose {
                CodePurpose::SignIn => "to sign in to Sesame",
                CodePurpose::Register => "to confirm your address for your new Sesame account",
                CodePurpose::ResetPassword => "to reset your Sesame password",
                CodePurpose::Mfa => "to confirm it is you signing in to Sesame",
                CodePurpose::Continue => "to confirm this address for your Sesame account",
                CodePurpose::Verification => "to confirm it is you changing your Sesame account",
                CodePurpose::NewAddress => "to confirm the new address of your Sesame account",
            };
            if sms {
                (
                    String::new(),
                    format!("{code} is your Sesame code {why}. Valid for {minutes} minutes."),
                )
            } else {
                (
                    format!("Your Sesame code: {code}"),
                    format!(
                        "Enter this code {why}:\n\n    {code}\n\nIt is valid for {minutes} minutes. \
                         If you did not ask for it, you can ignore this message: nobody can use \
                         your account without the code.\n"
                    ),
                )
            }
        }
        Locale::Ar => {
            let why = match purpose {
                CodePurpose::SignIn => "لتسجيل الدخول إلى Sesame",
                CodePurpose::Register => "لتأكيد عنوانك لحسابك الجديد في Sesame",
                CodePurpose::ResetPassword => "لإعادة تعيين كلمة المرور لحسابك في Sesame",
                CodePurpose::Mfa => "لتأكيد أنك من يسجّل الدخول إلى Sesame",
                CodePurpose::Continue => "لتأكيد هذا العنوان لحسابك في Sesame",
                CodePurpose::Verification => "لتأكيد أنك من يغيّر حسابك في Sesame",
                CodePurpose::NewAddress => "لتأكيد العنوان الجديد لحسابك في Sesame",
            };
            if sms {
                (
                    String::new(),
                    format!("{code} هو رمز Sesame الخاص بك {why}. صالح لمدة {minutes} دقيقة."),
                )
            } else {
                (
                    format!("رمز Sesame الخاص بك: {code}"),
                    format!(
                        "أدخل هذا الرمز {why}:\n\n    {code}\n\nهذا الرمز صالح لمدة {minutes} دقيقة. \
                         إذا لم تطلبه، فيمكنك تجاهل هذه الرسالة: لا يمكن لأحد استخدام حسابك دون هذا الرمز.\n"
                    ),
                )
            }
        }
        Locale::Ja => {
            let why = match purpose {
                CodePurpose::SignIn => "Sesame へのサインイン",
                CodePurpose::Register => "新しい Sesame アカウントの宛先確認",
                CodePurpose::ResetPassword => "Sesame のパスワード再設定",
                CodePurpose::Mfa => "Sesame へのサインインの本人確認",
                CodePurpose::Continue => "Sesame アカウントの宛先確認",
                CodePurpose::Verification => "Sesame アカウント変更の本人確認",
                CodePurpose::NewAddress => "Sesame アカウントの新しい宛先の確認",
            };
            if sms {
                (
                    String::new(),
                    format!("{why}のコード: {code}（{minutes}分間有効）"),
                )
            } else {
                (
                    format!("Sesame の確認コード: {code}"),
                    format!(
                        "{why}のため、次のコードを入力してください。\n\n    {code}\n\n\
                         有効期限は{minutes}分です。お心当たりがない場合は、このメールを無視してください。\
                         コードがなければ誰もあなたのアカウントを使えません。\n"
                    ),
                )
            }
        }
    };
    Message {
        to: to.to_string(),
        sms,
        subject,
        text,
        code: code.to_string(),
        locale,
    }
}

/// Why a sign-in link is mailed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkPurpose {
    /// The user asked for it ("email me a sign-in link").
    SignIn,
    /// The operator invites the address to create an account.
    Invitation,
}

/// A mail with a single-use sign-in link, in the user's language.
pub fn link_message(
    to: &str,
    purpose: LinkPurpose,
    link: &str,
    minutes: i64,
    locale: Locale,
) -> Message {
    let hours = minutes / 60;
    let (subject, text) = match (locale, purpose) {
        (Locale::En, LinkPurpose::SignIn) => (
            "Your Sesame sign-in link".to_string(),
            format!(
                "Open this link to sign in to Sesame (or to create your account):\n\n    {link}\n\n\
                 It works once, for {minutes} minutes. If you did not ask for it, you can ignore \
                 this message: nobody can use your account without the link.\n"
            ),
        ),
        (Locale::En, LinkPurpose::Invitation) => (
            "You are invited to Sesame".to_string(),
            format!(
                "You are invited to create a Sesame account with this address. Open this link \
                 to accept:\n\n    {link}\n\nIt works once, for {hours} hours.\n"
            ),
        ),
        (Locale::Ja, LinkPurpose::SignIn) => (
            "Sesame のサインインリンク".to_string(),
            format!(
                "次のリンクを開くと Sesame にサインインできます（アカウントの作成もできます）。\n\n    {link}\n\n\
                 このリンクは1回だけ、{minutes}分間有効です。お心当たりがない場合は、このメールを無視してください。\
                 リンクがなければ誰もあなたのアカウントを使えません。\n"
            ),
        ),
        (Locale::Ja, LinkPurpose::Invitation) => (
            "Sesame への招待".to_string(),
            format!(
                "このメールアドレスで Sesame のアカウントを作成するよう招待されています。\
                 次のリンクを開いて招待を受けてください。\n\n    {link}\n\nこのリンクは1回だけ、{hours}時間有効です。\n"
            ),
        ),
        (Locale::Ar, LinkPurpose::SignIn) => (
            "رابط تسجيل الدخول إلى Sesame".to_string(),
            format!(
                "افتح هذا الرابط لتسجيل الدخول إلى Sesame (أو لإنشاء حسابك):\n\n    {link}\n\n\
                 يعمل مرة واحدة، لمدة {minutes} دقيقة. إذا لم تطلبه، فيمكنك تجاهل هذه الرسالة: \
                 لا يمكن لأحد استخدام حسابك دون هذا الرابط.\n"
            ),
        ),
        (Locale::Ar, LinkPurpose::Invitation) => (
            "دعوة إلى Sesame".to_string(),
            format!(
                "أنت مدعو لإنشاء حساب في Sesame بهذا العنوان. افتح هذا الرابط لقبول الدعوة:\n\n    {link}\n\n\
                 يعمل مرة واحدة، لمدة {hours} ساعة.\n"
            ),
        ),
    };
    Message {
        to: to.to_string(),
        sms: false,
        subject,
        text,
        code: String::new(),
        locale,
    }
}

/// The mail inviting an address to an organization.
pub fn organization_invitation_message(
    to: &str,
    organization: &str,
    inviter: &str,
    link: &str,
    hours: i64,
    locale: Locale,
) -> Message {
    let (subject, text) = match locale {
        Locale::En => (
            format!("Join {organization} on Sesame"),
            format!(
                "{inviter} invites you to join {organization}. Open this link to accept (you can \
                 create an account on the way):\n\n    {link}\n\nIt works once, for {hours} hours. \
                 If you do not know {inviter}, you can ignore this message.\n"
            ),
        ),
        Locale::Ja => (
            format!("Sesame で {organization} に参加"),
            format!(
                "{inviter} さんから {organization} への招待が届いています。次のリンクを開いて招待を受けてください\
                 （その場でアカウントを作成することもできます）。\n\n    {link}\n\n\
                 このリンクは1回だけ、{hours}時間有効です。お心当たりがない場合は、このメールを無視してください。\n"
            ),
        ),
        Locale::Ar => (
            format!("انضم إلى {organization} على Sesame"),
            format!(
                "يدعوك {inviter} للانضمام إلى {organization}. افتح هذا الرابط لقبول الدعوة (يمكنك إنشاء \
                 حساب أثناء ذلك):\n\n    {link}\n\nيعمل مرة واحدة، لمدة {hours} ساعة. إذا كنت لا تعرف \
                 {inviter}، فيمكنك تجاهل هذه الرسالة.\n"
            ),
        ),
    };
    Message {
        to: to.to_string(),
        sms: false,
        subject,
        text,
        code: String::new(),
        locale,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_messages_are_translated_and_carry_the_link() {
        for l in Locale::ALL {
            for p in [LinkPurpose::SignIn, LinkPurpose::Invitation] {
                let m = link_message("x", p, "https://s.example/magic?token=abc", 15, l);
                assert!(m.text.contains("https://s.example/magic?token=abc"));
                assert!(!m.subject.is_empty());
            }
        }
    }

    #[test]
    fn invitation_messages_name_the_organization_and_carry_the_link() {
        for l in Locale::ALL {
            let m = organization_invitation_message("x", "Acme", "ann", "https://s/i?t=1", 168, l);
            assert!(m.text.contains("https://s/i?t=1") && m.text.contains("Acme"));
            assert!(m.subject.contains("Acme"));
        }
    }

    #[test]
    fn template_values_are_json_escaped() {
        let body = fill_template(
            r#"{"to":"{{to}}","text":"{{text}}"}"#,
            &[("to", "+1"), ("text", "a \"quoted\"\nline")],
        );
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["text"], "a \"quoted\"\nline");
    }

    #[test]
    fn messages_are_translated_and_carry_the_code() {
        for l in Locale::ALL {
            for sms in [false, true] {
                let m = code_message("x", sms, CodePurpose::SignIn, "123456", 10, l);
                assert!(m.text.contains("123456"));
                assert!(m.text.contains("10"));
            }
        }
        let ja = code_message("x", false, CodePurpose::ResetPassword, "1", 10, Locale::Ja);
        assert!(ja.text.contains("パスワード"));
    }
}
