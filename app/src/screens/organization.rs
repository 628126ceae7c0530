//! Organizations in the account center (the list, one organization with its members,
//! invitations and settings) and the invitation landing page. Forms post to
//! `/flow/organization`.

use crate::api::{
    AccountState, InvitationState, InvitationStep, OrganizationPage, OrganizationsPage, PageEnv,
    Rule, ROLE_ADMIN, ROLE_MEMBER,
};
use crate::components::{shown, ErrorSummary, Layout, SubmitButton, TextField};
use crate::i18n::{Locale, Msg};
use crate::screens::account::{input, Input};
use crate::screens::mfa::ActionField;
use crate::screens::CsrfField;
use leptos::prelude::*;

/// Where the organization forms post.
pub const ACTION: &str = "/flow/organization";

/// The translated name of a role.
pub fn role_label(role: &str, l: Locale) -> String {
    match role {
        ROLE_ADMIN => l.text(Msg::OrgRoleAdmin).to_string(),
        _ => l.text(Msg::OrgRoleMember).to_string(),
    }
}

fn role_select(id: String, chosen: &str, l: Locale) -> impl IntoView {
    view! {
        <select class="input" id=id.clone() name="role">
            {[ROLE_MEMBER, ROLE_ADMIN]
                .into_iter()
                .map(|r| view! { <option value=r selected=r == chosen>{role_label(r, l)}</option> })
                .collect_view()}
        </select>
    }
}

/// A one-button form about organization `org`.
fn org_button(
    csrf: &str,
    org: &str,
    action: &'static str,
    hidden: Vec<(&'static str, String)>,
    label: String,
    class: &'static str,
) -> impl IntoView {
    let hidden = hidden
        .into_iter()
        .map(|(n, v)| view! { <input type="hidden" name=n value=v/> })
        .collect_view();
    view! {
        <form class="form form-inline" method="post" action=ACTION>
            <CsrfField token=csrf.to_string()/>
            <ActionField action=action/>
            <input type="hidden" name="organization" value=org.to_string()/>
            {hidden}
            <button type="submit" class=class>{label}</button>
        </form>
    }
}

/// A text input of an organization form.
fn field(
    state: &AccountState,
    (name, label, current): (&'static str, Msg, &str),
    required: bool,
    max: usize,
    rule: Rule,
    l: Locale,
) -> impl IntoView {
    input(
        state,
        Input {
            name,
            label,
            current,
            autocomplete: "off",
            required,
            max,
            rule,
        },
        l,
    )
}

/// The user's organizations, invitations to the user, and a new organization.
pub fn organizations(
    o: &OrganizationsPage,
    state: &AccountState,
    csrf: &str,
    pending: bool,
    l: Locale,
) -> impl IntoView {
    let list = o
        .organizations
        .iter()
        .map(|org| {
            view! {
                <li class="account-row">
                    <a class="account-row-link" href=format!("/account/organizations/{}", org.id)>{org.name.clone()}</a>
                    <span class="account-row-value">{role_label(&org.role, l)}</span>
                </li>
            }
        })
        .collect_view();
    let invitations = o
        .invitations
        .iter()
        .map(|inv| {
            view! {
                <li class="item">
                    <p class="item-title">{inv.organization.clone()}</p>
                    <p class="item-detail">
                        {l.text(Msg::OrgInvitedAs).replace("{role}", &role_label(&inv.role, l))}
                        " · " {l.text(Msg::AccountExpiresAt).replace("{at}", &l.datetime(inv.expires_at))}
                    </p>
                    <div class="button-row">
                        {org_button(csrf, "", "accept_invitation", vec![("invitation", inv.id.clone())], l.text(Msg::OrgAccept).to_string(), "button button-primary")}
                        {org_button(csrf, "", "decline_invitation", vec![("invitation", inv.id.clone())], l.text(Msg::OrgDecline).to_string(), "button button-secondary")}
                    </div>
                </li>
            }
        })
        .collect_view();
    view! {
        {if o.organizations.is_empty() {
            view! { <p class="lead">{l.text(Msg::OrgNone)}</p> }.into_any()
        } else {
            view! { <ul class="account-rows">{list}</ul> }.into_any()
        }}
        {(!o.invitations.is_empty()).then(|| view! {
            <h2 class="section-title">{l.text(Msg::OrgInvitationsToYou)}</h2>
            <ul class="items">{invitations}</ul>
        })}
        {o.can_create.then(|| view! {
            <h2 class="section-title">{l.text(Msg::OrgCreateTitle)}</h2>
            <form class="form" method="post" action=ACTION novalidate>
                <CsrfField token=csrf.to_string()/>
                <ActionField action="create_organization"/>
                {field(state, ("name", Msg::OrgName, ""), true, 128, Rule::Text { required: true, min: Some(1), max: Some(128) }, l)}
                {field(state, ("description", Msg::OrgDescription, ""), false, 512, Rule::Text { required: false, min: None, max: Some(512) }, l)}
                <SubmitButton label=l.text(Msg::OrgCreate).to_string() primary=true pending=pending locale=l/>
            </form>
        })}
    }
}

/// One organization.
pub fn organization(
    o: &OrganizationPage,
    state: &AccountState,
    csrf: &str,
    pending: bool,
    l: Locale,
) -> impl IntoView {
    let admin = o.is_admin();
    let switcher = (o.switcher.len() > 1).then(|| {
        view! {
            <form class="form form-inline org-switcher" method="get" action="/account/organizations/switch">
                <label class="field-label" for="org-switch">{l.text(Msg::OrgSwitch)}</label>
                <select class="input" id="org-switch" name="id">
                    {o.switcher.iter().map(|(id, name)| view! {
                        <option value=id.clone() selected=*id == o.id>{name.clone()}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class="button button-quiet">{l.text(Msg::OrgSwitchGo)}</button>
            </form>
        }
    });
    let members = o
        .members
        .iter()
        .map(|m| {
            let select_id = format!("role-{}", m.user_id);
            let manage = (admin && !m.is_me).then(|| {
                view! {
                    <form class="form form-inline" method="post" action=ACTION>
                        <CsrfField token=csrf.to_string()/>
                        <ActionField action="set_role"/>
                        <input type="hidden" name="organization" value=o.id.clone()/>
                        <input type="hidden" name="user" value=m.user_id.clone()/>
                        <label class="visually-hidden" for=select_id.clone()>{l.text(Msg::OrgRoleOf).replace("{name}", &m.label)}</label>
                        {role_select(select_id.clone(), &m.role, l)}
                        <button type="submit" class="button button-secondary">{l.text(Msg::OrgChangeRole)}</button>
                    </form>
                    {org_button(csrf, &o.id, "remove_member", vec![("user", m.user_id.clone())], l.text(Msg::OrgRemoveMember).to_string(), "button button-secondary")}
                }
            });
            view! {
                <li class="item">
                    <p class="item-title">{m.label.clone()} {m.is_me.then(|| view! { " · " <strong>{l.text(Msg::OrgYou)}</strong> })}</p>
                    <p class="item-detail">
                        {m.email.clone().map(|e| view! { <span dir="ltr">{e}</span> " · " })}
                        {role_label(&m.role, l)}
                    </p>
                    {manage}
                </li>
            }
        })
        .collect_view();
    let invitations = o
        .invitations
        .iter()
        .map(|inv| {
            view! {
                <li class="item">
                    <p class="item-title" dir="ltr">{inv.email.clone()}</p>
                    <p class="item-detail">
                        {role_label(&inv.role, l)} " · "
                        {l.text(Msg::AccountExpiresAt).replace("{at}", &l.datetime(inv.expires_at))}
                    </p>
                    {org_button(csrf, &o.id, "revoke_invitation", vec![("invitation", inv.id.clone())], l.text(Msg::AccountRevoke).to_string(), "button button-secondary")}
                </li>
            }
        })
        .collect_view();
    let admin_part = admin.then(|| {
        view! {
            <h2 class="section-title">{l.text(Msg::OrgInviteTitle)}</h2>
            <form class="form" method="post" action=ACTION novalidate>
                <CsrfField token=csrf.to_string()/>
                <ActionField action="invite"/>
                <input type="hidden" name="organization" value=o.id.clone()/>
                <TextField
                    name="email".to_string()
                    label=l.text(Msg::EmailLabel).to_string()
                    input_type="email".to_string()
                    autocomplete="off".to_string()
                    value=state.value_or("email", "")
                    error=shown(state.error("email"), l)
                    required=true
                    optional_label=false
                    autofocus=false
                    inputmode="email".to_string()
                    max_len=crate::api::rules::EMAIL_MAX
                    rule=Rule::Email
                    locale=l
                />
                <div class="field">
                    <label class="field-label" for="invite-role">{l.text(Msg::OrgRole)}</label>
                    {role_select("invite-role".into(), &state.value_or("role", ROLE_MEMBER), l)}
                </div>
                <SubmitButton label=l.text(Msg::OrgInviteSend).to_string() primary=true pending=pending locale=l/>
            </form>
            <h2 class="section-title">{l.text(Msg::OrgPendingInvitations)}</h2>
            {if o.invitations.is_empty() {
                view! { <p class="item-detail">{l.text(Msg::OrgNoInvitations)}</p> }.into_any()
            } else {
                view! { <ul class="items">{invitations}</ul> }.into_any()
            }}
            <h2 class="section-title">{l.text(Msg::OrgSettings)}</h2>
            <form class="form" method="post" action=ACTION novalidate>
                <CsrfField token=csrf.to_string()/>
                <ActionField action="save_organization"/>
                <input type="hidden" name="organization" value=o.id.clone()/>
                {field(state, ("name", Msg::OrgName, &o.name), true, 128, Rule::Text { required: true, min: Some(1), max: Some(128) }, l)}
                {field(state, ("description", Msg::OrgDescription, &o.description), false, 512, Rule::Text { required: false, min: None, max: Some(512) }, l)}
                {field(state, ("logo_url", Msg::OrgLogo, &o.logo_url), false, 1024, Rule::Url { required: false }, l)}
                {field(state, ("color", Msg::OrgColor, &o.color), false, 7, Rule::Text { required: false, min: None, max: Some(7) }, l)}
                {field(state, ("domains", Msg::OrgDomains, &o.domains), false, 512, Rule::Text { required: false, min: None, max: Some(512) }, l)}
                <div class="field field-checkbox">
                    <input type="checkbox" class="checkbox" id="mfa_required" name="mfa_required" value="on" checked=o.mfa_required/>
                    <label for="mfa_required">{l.text(Msg::OrgMfaRequired)}</label>
                </div>
                <SubmitButton label=l.text(Msg::ProfileEditSave).to_string() primary=true pending=false locale=l/>
            </form>
        }
    });
    view! {
        {switcher}
        <h2 class="section-title org-name">{o.name.clone()}</h2>
        {(!o.description.is_empty()).then(|| view! { <p class="lead">{o.description.clone()}</p> })}
        <p class="item-detail">{l.text(Msg::OrgYourRole).replace("{role}", &role_label(&o.role, l))}</p>
        <h2 class="section-title">{l.text(Msg::OrgMembers)}</h2>
        <ul class="items">{members}</ul>
        {admin_part}
        <div class="button-row">
            {org_button(csrf, &o.id, "leave", vec![], l.text(Msg::OrgLeave).to_string(), "button button-secondary")}
            {admin.then(|| org_button(csrf, &o.id, "delete_organization", vec![], l.text(Msg::OrgDelete).to_string(), "button button-danger"))}
        </div>
    }
}

/// The landing page of an invitation link.
#[component]
pub fn InvitationScreen(env: PageEnv, state: InvitationState) -> impl IntoView {
    let l = env.locale;
    let role = role_label(&state.role, l);
    let lead = l
        .text(Msg::OrgInvitationLead)
        .replace("{org}", &state.organization)
        .replace("{role}", &role);
    let token = state.token.clone();
    let csrf = env.csrf.clone();
    let button = move |action: &'static str, label: Msg, class: &'static str| {
        view! {
            <form class="form form-inline" method="post" action=ACTION>
                <CsrfField token=csrf.clone()/>
                <ActionField action=action/>
                <input type="hidden" name="token" value=token.clone()/>
                <button type="submit" class=class>{l.text(label)}</button>
            </form>
        }
    };
    let body = match state.step {
        InvitationStep::SignIn => view! {
            <p class="lead">{lead}</p>
            <p class="item-detail">{l.text(Msg::OrgInvitationFor).replace("{email}", &state.email)}</p>
            {button("invitation_sign_in", Msg::OrgInvitationContinue, "button button-primary")}
        }
        .into_any(),
        InvitationStep::Accept => view! {
            <p class="lead">{lead}</p>
            <div class="button-row">
                {button("accept_invitation", Msg::OrgAccept, "button button-primary")}
                {button("decline_invitation", Msg::OrgDecline, "button button-secondary")}
            </div>
        }
        .into_any(),
        InvitationStep::OtherUser => view! {
            <p class="lead">{lead}</p>
            <p class="alert alert-info" role="status">
                {l.text(Msg::OrgInvitationOther)
                    .replace("{email}", &state.email)
                    .replace("{user}", &state.signed_in_as.clone().unwrap_or_default())}
            </p>
            {button("invitation_switch", Msg::ConsentSwitch, "button button-primary")}
        }
        .into_any(),
        InvitationStep::Spent => view! {
            <p class="lead">{l.text(Msg::OrgInvitationSpent)}</p>
            <p class="switch"><a href="/account/organizations">{l.text(Msg::AccountOrganizations)}</a></p>
        }
        .into_any(),
    };
    view! {
        <Layout env=env.clone() title=l.text(Msg::OrgInvitationTitle).to_string()>
            <ErrorSummary errors=state.errors.clone() locale=l/>
            {body}
        </Layout>
    }
}
