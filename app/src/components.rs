//! Building blocks shared by the screens. Islands (`#[island]`) are the only parts that ship
//! code to the browser; everything else is HTML rendered on the server.

mod field;
mod layout;

pub use field::{
    shown, IdentifierField, NewPasswordFields, PasswordField, SubmitButton, TextField,
};
pub use layout::{ErrorSummary, Layout, NoticeBanner};
