//! The development outbox: every message Sesame would have sent, newest first. Served only
//! when `[dev] outbox_page` is on.

use crate::api::{OutboxState, PageEnv};
use crate::components::Layout;
use crate::i18n::Msg;
use leptos::prelude::*;

/// The outbox page.
#[component]
pub fn OutboxScreen(env: PageEnv, state: OutboxState) -> impl IntoView {
    let l = env.locale;
    view! {
        <Layout env=env.clone() title=l.text(Msg::OutboxTitle).to_string()>
            <p class="lead">{l.text(Msg::OutboxLead)}</p>
            {if state.messages.is_empty() {
                view! { <p class="empty">{l.text(Msg::OutboxEmpty)}</p> }.into_any()
            } else {
                view! {
                    <ol class="outbox">
                        {state.messages.into_iter().map(|m| { let to = m.recipient.clone(); view! {
                            <li class="outbox-message" data-recipient=to>
                                <p class="outbox-meta">
                                    <span class="outbox-channel">{m.channel}</span> " → "
                                    <span class="outbox-recipient identifier-value">{m.recipient}</span>
                                    " · "
                                    <time class="outbox-time">{l.datetime(m.created_at)}</time>
                                </p>
                                <p class="outbox-subject">{m.subject}</p>
                                <pre class="outbox-body">{m.body}</pre>
                            </li>
                        }}).collect_view()}
                    </ol>
                }.into_any()
            }}
        </Layout>
    }
}
