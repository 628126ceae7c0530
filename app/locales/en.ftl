# Sesame's user interface in English: the reference every other language follows.
# One message per key (Fluent syntax, single-line messages); `{ $n }` and `{ $m }` are
# filled in by the code. app/build.rs turns these files into the tables of src/i18n.rs and
# fails the build when a language lacks a key or has one too many.

product-name = Sesame
language-label = Language
language-apply = Change
skip-to-content = Skip to content

## Sign-in
sign-in-title = Sign in
sign-in-to = to continue to { $n }
sign-in-submit = Sign in
identifier-label = Username or email
identifier-hint = The username or email address of your account.
password-label = Password
show-password = Show password
hide-password = Hide password
no-account-yet = No account yet?
create-account-link = Create an account

## Register
register-title = Create your account
register-submit = Create account
username-label = Username
username-hint = { $n } to { $m } letters, digits, dots, hyphens or underscores, starting with a letter.
email-label = Email
new-password-label = Password
new-password-hint = At least { $n } characters. Avoid common passwords and your own name or address.
confirm-password-label = Confirm password
have-account = Already have an account?
sign-in-link = Sign in
optional-field = optional

## Field and form errors
err-required = Enter this field.
err-invalid-email = Enter an email address like name@example.com.
err-invalid-username = Use only letters, digits, dots, hyphens and underscores, starting with a letter.
err-username-too-short = Use at least { $n } characters.
err-username-too-long = Use at most { $n } characters.
err-password-too-short = Use at least { $n } characters.
err-password-too-long = Use at most { $n } characters.
err-password-mismatch = The passwords do not match.
err-username-or-email-required = Enter a username, an email address, or both.
err-username-taken = This username is already in use.
err-email-taken = This email address is already in use.
err-invalid-credentials = The username, email or password is incorrect.
err-form-expired = This page expired. Please try again.
err-too-many-attempts = Too many attempts. Please wait a moment and try again.
err-busy = The service is busy. Please try again in a moment.
err-internal = Something went wrong on our side. Please try again.
error-summary-title = There is a problem
about-service = About this service
working = Working…
support-link = Help and support
continue-profile-title = A few more details
continue-profile-lead = The app needs a little more about you before you continue.
save-and-continue = Save and continue
address-street = Street address
address-locality = City
address-region = State, province or prefecture
address-postal-code = Postal code
address-country = Country
given-name-label = Given name
family-name-label = Family name
full-name-label = Name
middle-name-label = Middle name
nickname-label = Nickname
website-label = Website
gender-label = Gender
birthdate-label = Date of birth
zoneinfo-label = Time zone
locale-label = Preferred language
address-label = Address
choose-option = Choose…
err-too-short = Use at least { $n } characters.
err-too-long = Use at most { $n } characters.
err-not-a-number = Enter a whole number.
err-number-too-small = Enter { $n } or more.
err-number-too-large = Enter { $n } or less.
err-invalid-date = Enter a real date.
err-invalid-url = Enter an address starting with https:// or http://.
err-invalid-option = Choose one of the options.
err-pattern-mismatch = Enter the value in the format shown.
err-checkbox-required = Tick this box to continue.
phone-label = Phone number
email-or-phone-label = Email or phone number
username-or-phone-label = Username or phone number
any-identifier-label = Username, email or phone number
change-identifier = Change
forgot-password = Forgot your password?
send-code-submit = Send code
email-me-a-code = Email me a sign-in code instead
text-me-a-code = Text me a sign-in code instead
send-me-a-code = Send me a sign-in code instead
verify-email-title = Check your email
verify-phone-title = Check your phone
code-lead = Enter the code we sent to
code-lead-reset = To reset your password, enter the code we sent to
code-label = Verification code
code-hint = { $n } digits.
verify-submit = Verify
resend-code = Send a new code
use-another-email = Use a different email address
use-another-phone = Use a different phone number
reset-password-title = Reset your password
reset-password-lead = Enter the email address or phone number of your account. We will send you a code.
back-to-sign-in = Back to sign in
new-password-title = Choose a new password
new-password-lead = Choose a new password for
save-password-submit = Save password
suspended-title = This account is suspended
suspended-body = You cannot sign in with this account. If you think this is a mistake, contact the support of the service.
no-account-title = No account found
no-account-body = There is no account for
terms-title = Terms of use
terms-body = Please read and agree to the terms to continue.
terms-agree = I agree to the
terms-link = Terms of use
privacy-link = Privacy policy
and = and
terms-by-continuing = By continuing you agree to the
outbox-title = Development outbox
outbox-lead = Messages Sesame would have sent. This page exists only in development configurations.
outbox-empty = No messages yet.
notice-password-changed = Your password was changed. Sign in with your new password.
notice-code-sent = We sent a new code to { $n }.
err-invalid-phone = Enter a phone number with its country code, like +1 202 555 0143.
err-email-not-accepted = Sign-in with an email address is not available here.
err-identifier-not-accepted = Enter an identifier of a kind this page accepts.
err-password-common = This password is too common and easy to guess. Choose another.
err-password-personal = Do not use your username, email address or phone number in your password.
err-password-classes = Use at least { $n } of: lower-case letters, upper-case letters, digits, symbols.
err-phone-taken = This phone number is already in use.
err-code-invalid = The code is not correct. Check it and try again.
err-code-expired = The code has expired. Send a new one.
err-code-attempts-exceeded = Too many wrong codes. Start again to get a new code.
err-resend-wait = Wait { $n } seconds before asking for a new code.
err-send-limit = Too many messages were sent to this address. Try again in { $n } minutes.
err-send-failed = We could not send the message. Try again in a moment.
err-locked = Too many failed attempts. Try again in { $n } minutes.
err-terms-required = Agree to the terms to continue.

## Error page
error-page-title = Something went wrong
error-unknown-client = The application that sent you here is not registered with Sesame.
error-invalid-redirect-uri = The application asked to send you back to an address it has not registered.
error-invalid-request = The sign-in request from the application is not valid.
error-missing-parameter = The sign-in request is missing a required parameter.
error-duplicate-parameter = The sign-in request repeats a parameter.
error-interaction-expired = This sign-in took too long or was already completed. Go back to the application and start again.
error-not-found = This page does not exist.
error-internal = Something went wrong on our side. Please try again later.
error-technical-detail = Technical detail
error-what-to-do = Go back to the application and try again. If it keeps happening, contact its support.

## Signed-in home and sign-out
home-title = Your Sesame account
home-signed-in-as = You are signed in as { $n }.
home-signed-out = You are not signed in.
home-demo-link = Open the demo application
sign-out-title = Sign out
sign-out-question = Do you want to sign out of Sesame?
sign-out-submit = Sign out
sign-out-cancel = Stay signed in
signed-out-title = Signed out
signed-out-body = You have signed out of Sesame.

## Response delivery (form_post)
continue-title = Continue
continue-body = Returning you to the application.
continue-submit = Continue

## Demo relying party
demo-title = Demo application
demo-intro = This page is a relying party that is part of Sesame's default configuration. It signs you in with OpenID Connect and shows what it received.
demo-sign-in = Sign in
demo-sign-in-force = Sign in again (prompt=login)
demo-sign-out = Sign out
demo-signed-in-as = Signed in as { $n }
demo-id-token-claims = ID token claims
demo-userinfo = Userinfo response
demo-not-signed-in = You are not signed in to the demo application.
demo-error = Sign-in did not complete: { $n }
